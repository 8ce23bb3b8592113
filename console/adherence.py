"""Reads of the adherence dashboard: how closely patients kept to their protocols' sessions."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Min, Q

from clinics.models import Center
from sessions.models import SessionStatus, TherapySession
from sessions.selectors import local_day_bounds


@dataclass
class AdherenceRow:
    protocol: str
    care_plans: int
    due: int  # sessions of the plans due in the days (started before now)
    attended: int
    missed: int
    cancelled: int

    @property
    def adherence(self) -> float | None:
        """Attended among the sessions that were due."""
        return round(100 * self.attended / self.due, 1) if self.due else None


def adherence_by_protocol(
    *, center: Center, first_day: date, last_day: date, now
) -> list[AdherenceRow]:
    """Care-plan sessions due over the days (up to now) per protocol, in one grouped query."""
    starts, _ = local_day_bounds(first_day, center.timezone)
    _, ends = local_day_bounds(last_day, center.timezone)
    rows = (
        TherapySession.objects.filter(
            center=center,
            care_plan__isnull=False,
            starts_at__gte=starts,
            starts_at__lt=min(ends, now),
        )
        .values("care_plan__protocol_version__template__name")
        .annotate(
            care_plans=Count("care_plan", distinct=True),
            due=Count("pk"),
            attended=Count("pk", filter=Q(status=SessionStatus.COMPLETED)),
            missed=Count("pk", filter=Q(status=SessionStatus.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=SessionStatus.CANCELLED)),
        )
        .order_by("care_plan__protocol_version__template__name")
    )
    return [
        AdherenceRow(
            protocol=row["care_plan__protocol_version__template__name"],
            care_plans=row["care_plans"],
            due=row["due"],
            attended=row["attended"],
            missed=row["missed"],
            cancelled=row["cancelled"],
        )
        for row in rows
    ]


@dataclass
class AdherenceFigures:
    rows: list[AdherenceRow]
    # Sessions become due as the clock passes their start: the rows hold until the next of
    # the days' care-plan sessions starts (None: none is left to start in the days).
    holds_until: datetime | None

    def stale(self, now) -> bool:
        return self.holds_until is not None and now > self.holds_until


def adherence_figures(*, center: Center, first_day: date, last_day: date, now) -> AdherenceFigures:
    """The rows as of `now`, and until when they hold: two queries."""
    _, ends = local_day_bounds(last_day, center.timezone)
    next_start = TherapySession.objects.filter(
        center=center, care_plan__isnull=False, starts_at__gte=now, starts_at__lt=ends
    ).aggregate(next_start=Min("starts_at"))["next_start"]
    return AdherenceFigures(
        rows=adherence_by_protocol(center=center, first_day=first_day, last_day=last_day, now=now),
        holds_until=next_start,
    )
