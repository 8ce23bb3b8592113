"""Reads of therapy sessions that pages share, scoped and with their related rows joined."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet

from sessions.models import SessionStatus, TherapySession

ACTIVE_STATUSES = [
    SessionStatus.SCHEDULED,
    SessionStatus.IN_PREPARATION,
    SessionStatus.IN_SESSION,
    SessionStatus.RECOVERY,
    SessionStatus.COMPLETED,
]


def local_day_bounds(day: date, timezone_name: str) -> tuple[datetime, datetime]:
    """The UTC-aware instants where a local calendar day starts and ends in a center's zone."""
    zone = ZoneInfo(timezone_name)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _with_related(sessions: QuerySet[TherapySession]) -> QuerySet[TherapySession]:
    return sessions.select_related(
        "patient", "therapy", "room", "practitioner__user", "center", "care_plan"
    )


def sessions_for_center_between(
    *, center, starts: datetime, ends: datetime
) -> QuerySet[TherapySession]:
    return _with_related(
        TherapySession.objects.filter(center=center, starts_at__gte=starts, starts_at__lt=ends)
    ).order_by("starts_at", "room__code")


def status_counts(sessions: QuerySet[TherapySession]) -> dict[str, int]:
    counts = dict(
        sessions.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in SessionStatus.values}


def sessions_for_practitioner_between(
    *, practitioner, starts: datetime, ends: datetime
) -> QuerySet[TherapySession]:
    return _with_related(
        TherapySession.objects.filter(
            practitioner=practitioner, starts_at__gte=starts, starts_at__lt=ends
        )
    ).order_by("starts_at")


def sessions_for_patient(*, patient) -> QuerySet[TherapySession]:
    return _with_related(TherapySession.objects.filter(patient=patient)).order_by("starts_at")
