"""Reads of the console's analytics: attendance and no-shows per practitioner, in SQL."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from clinics.models import Center, PractitionerProfile
from sessions.models import SessionStatus, TherapySession
from sessions.selectors import local_day_bounds


@dataclass
class AttendanceRow:
    practitioner: str
    booked: int
    completed: int
    no_shows: int
    cancelled: int

    @property
    def no_show_rate(self) -> float | None:
        """No-shows among sessions that were due and decided (attended or missed)."""
        decided = self.completed + self.no_shows
        return round(100 * self.no_shows / decided, 1) if decided else None


def attendance_by_practitioner(
    *, center: Center, first_day: date, last_day: date
) -> list[AttendanceRow]:
    """Sessions starting on [first_day, last_day] in the center's zone, counted per
    practitioner in one grouped query whatever the number of sessions, then named in order
    (by first and last name, sessions without a practitioner last) by a second one: joining
    the names before grouping had carried them through every session."""
    starts, _ = local_day_bounds(first_day, center.timezone)
    _, ends = local_day_bounds(last_day, center.timezone)
    counts = {
        row.pop("practitioner_id"): row
        for row in TherapySession.objects.filter(
            center=center, starts_at__gte=starts, starts_at__lt=ends
        )
        .values("practitioner_id")
        .annotate(
            booked=Count("pk"),
            completed=Count("pk", filter=Q(status=SessionStatus.COMPLETED)),
            no_shows=Count("pk", filter=Q(status=SessionStatus.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED)),
        )
        .order_by()
    }
    named = PractitionerProfile.objects.filter(pk__in=[pk for pk in counts if pk is not None])
    names = named.order_by("user__first_name", "user__last_name").values_list(
        "pk", "user__first_name", "user__last_name"
    )
    order = [(pk, " ".join(n for n in (first, last) if n)) for pk, first, last in names]
    if None in counts:
        order.append((None, ""))
    return [AttendanceRow(practitioner=name or "—", **counts[pk]) for pk, name in order]


def attendance_totals(rows: list[AttendanceRow]) -> AttendanceRow:
    """The center's figures over the same period: the practitioners' rows added up."""
    return AttendanceRow(
        practitioner="",
        booked=sum(r.booked for r in rows),
        completed=sum(r.completed for r in rows),
        no_shows=sum(r.no_shows for r in rows),
        cancelled=sum(r.cancelled for r in rows),
    )
