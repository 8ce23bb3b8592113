"""Reads of therapy sessions that pages share, scoped and with their related rows joined."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession

# Sessions with a patient on the floor right now.
ON_THE_FLOOR = (SessionStatus.IN_PREPARATION, SessionStatus.IN_SESSION, SessionStatus.RECOVERY)

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


def board_sessions(*, center, now: datetime, day: date | None = None) -> list[TherapySession]:
    """A center's sessions of one local day (today by default), for the board and its snapshot."""
    day = day or now.astimezone(ZoneInfo(center.timezone)).date()
    starts, ends = local_day_bounds(day, center.timezone)
    # A session begun the evening before and still on the floor belongs on today's board too.
    still_on_the_floor = Q(
        status__in=ON_THE_FLOOR, starts_at__gte=starts - timedelta(days=1), starts_at__lt=starts
    )
    return list(
        _with_related(
            TherapySession.objects.filter(
                Q(center=center)
                & (Q(starts_at__gte=starts, starts_at__lt=ends) | still_on_the_floor)
            )
        ).order_by("starts_at", "room__code")
    )


def overrun_clashes(sessions: list[TherapySession]) -> dict[int, list[str]]:
    """What each session now clashes with because a session before it is over-running.

    Both sides are flagged: the over-running session names what it is running into, and each
    session it runs into names the over-run. Works on a list already loaded (a day's board,
    a practitioner's day), so it costs no query.
    """
    flags: dict[int, list[str]] = defaultdict(list)
    running_over = [s for s in sessions if s.overrun_until and s.status == SessionStatus.IN_SESSION]
    for late in running_over:
        zone = ZoneInfo(late.center.timezone)
        for other in sessions:
            if other.pk == late.pk or other.status in RELEASED_STATUSES:
                continue
            if other.starts_at < late.ends_at:
                continue
            # Each resource is held past the session's end as long as the plan said it would be.
            room_free = late.overrun_until + (late.room_released_at - late.ends_at)
            patient_free = late.overrun_until + (late.patient_released_at - late.ends_at)
            shared = []
            if (
                late.room_id
                and (late.room_id, late.room_place) == (other.room_id, other.room_place)
                and other.starts_at < room_free
            ):
                shared.append(_("room %(room)s") % {"room": late.room.code})
            if (
                late.practitioner_id
                and late.practitioner_id == other.practitioner_id
                and other.starts_at < late.overrun_until
            ):
                shared.append(_("practitioner %(name)s") % {"name": late.practitioner})
            if late.patient_id == other.patient_id and other.starts_at < patient_free:
                shared.append(_("patient %(name)s") % {"name": late.patient.full_name})
            if not shared:
                continue
            until = time_format(late.overrun_until.astimezone(zone), "H:i")
            flags[other.pk].append(
                _("%(therapy)s for %(patient)s is over-running until %(until)s (same %(what)s)")
                % {
                    "therapy": late.therapy.name,
                    "patient": late.patient.full_name,
                    "until": until,
                    "what": ", ".join(shared),
                }
            )
            flags[late.pk].append(
                _("Runs into %(therapy)s for %(patient)s at %(starts)s (same %(what)s)")
                % {
                    "therapy": other.therapy.name,
                    "patient": other.patient.full_name,
                    "starts": time_format(other.starts_at.astimezone(zone), "H:i"),
                    "what": ", ".join(shared),
                }
            )
    return dict(flags)
