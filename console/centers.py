"""Reads of the cross-center comparison: each of a user's centers side by side over the same days."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Avg, Count, Q

from clinics.models import Center
from sessions.models import SessionStatus, TherapySession
from sessions.selectors import local_day_bounds


@dataclass
class CenterRow:
    center: str
    booked: int
    completed: int
    no_shows: int
    cancelled: int
    patients: int
    answers: int  # sessions with the patient's feedback
    mean_relief: float | None

    @property
    def no_show_rate(self) -> float | None:
        decided = self.completed + self.no_shows
        return round(100 * self.no_shows / decided, 1) if decided else None


def centers_compared(*, centers: list[Center], first_day: date, last_day: date) -> list[CenterRow]:
    """The same local days at every center (each in its own zone), counted in one grouped query."""
    if not centers:
        return []
    in_period = Q(pk__in=[])
    for center in centers:
        starts, _ = local_day_bounds(first_day, center.timezone)
        _, ends = local_day_bounds(last_day, center.timezone)
        in_period |= Q(center=center, starts_at__gte=starts, starts_at__lt=ends)
    figures = {
        row["center_id"]: row
        for row in TherapySession.objects.filter(in_period)
        .values("center_id")
        .annotate(
            booked=Count("pk"),
            completed=Count("pk", filter=Q(status=SessionStatus.COMPLETED)),
            no_shows=Count("pk", filter=Q(status=SessionStatus.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED)),
            patients=Count("patient", distinct=True),
            answers=Count("feedback"),
            mean_relief=Avg("feedback__symptom_relief"),
        )
        .order_by()
    }
    empty = {"booked": 0, "completed": 0, "no_shows": 0, "cancelled": 0, "patients": 0}
    rows = []
    for center in centers:
        row = figures.get(center.pk, empty)
        relief = row.get("mean_relief")
        rows.append(
            CenterRow(
                center=center.name,
                booked=row["booked"],
                completed=row["completed"],
                no_shows=row["no_shows"],
                cancelled=row["cancelled"],
                patients=row["patients"],
                answers=row.get("answers", 0),
                mean_relief=None if relief is None else round(float(relief), 1),
            )
        )
    return rows
