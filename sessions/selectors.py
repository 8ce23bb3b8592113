"""Reads of therapy sessions that pages share, scoped and with their related rows joined."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from clinics.access import session_scope
from clinics.models import Consumable
from patients.models import ClinicalFlag
from protocols.models import SOPChecklistItem
from sessions.models import (
    FINISHED_STATUSES,
    RELEASED_STATUSES,
    ChecklistItemResult,
    Incident,
    MaterialUsage,
    SessionLog,
    SessionNote,
    SessionStatus,
    TherapySession,
    VitalsReading,
)

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


# --- the practitioner's pages: My day and the session runner ---------------------------------


def _open_flags() -> Prefetch:
    # Only flags not yet cleared matter before touching the patient.
    return Prefetch(
        "patient__clinical_flags",
        queryset=ClinicalFlag.objects.filter(cleared_at__isnull=True).order_by("-raised_at"),
        to_attr="open_flags",
    )


@dataclass
class PractitionerDay:
    """One practitioner's local day at one center, as My day shows it."""

    upcoming: list[TherapySession]  # not finished, by start: the next one first
    done: list[TherapySession]  # completed, cancelled or missed, by start
    coming: list[TherapySession]  # their sessions of the six days after
    clashes: dict[int, list[str]] = field(default_factory=dict)

    @property
    def sessions(self) -> list[TherapySession]:
        return self.upcoming + self.done

    @property
    def minutes_of_therapy(self) -> int:
        return sum(
            s.therapy.duration_minutes
            for s in self.sessions
            if s.status not in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)
        )


def practitioner_day(*, user, center, day: date) -> PractitionerDay:
    """The sessions a practitioner (by their user) gives on one day at a center, and what to know.

    One query reads the center's whole day (an over-run in someone else's session can clash
    with one of theirs, e.g. in the same room) and their own next six days, and one more each
    patient's open clinical flags; whatever the day holds, the cost stays the same.
    """
    day_start, day_end = local_day_bounds(day, center.timezone)
    _, horizon = local_day_bounds(day + timedelta(days=6), center.timezone)
    rows = list(
        _with_related(
            TherapySession.objects.filter(center=center).filter(
                Q(starts_at__gte=day_start, starts_at__lt=day_end)
                | Q(practitioner__user=user, starts_at__gte=day_end, starts_at__lt=horizon)
            )
        )
        .select_related("protocol_step")
        .prefetch_related(_open_flags())
        .order_by("starts_at", "id")
    )
    todays = [s for s in rows if s.starts_at < day_end]
    mine = [s for s in todays if s.practitioner_id and s.practitioner.user_id == user.pk]
    clashes = overrun_clashes(todays)
    for session in mine:
        session.clashes = clashes.get(session.pk, [])
    return PractitionerDay(
        upcoming=[s for s in mine if s.status not in FINISHED_STATUSES],
        done=[s for s in mine if s.status in FINISHED_STATUSES],
        coming=[s for s in rows if s.starts_at >= day_end],
        clashes=clashes,
    )


def session_for_runner(*, pk: int) -> TherapySession:
    """A session with everything the runner's header needs, or DoesNotExist."""
    return (
        _with_related(TherapySession.objects.filter(pk=pk))
        .select_related("protocol_step", "practitioner")
        .prefetch_related(_open_flags())
        .get()
    )


@dataclass
class ChecklistLine:
    """One SOP step as the runner shows it: done or not, what blocks it, its timer."""

    item: SOPChecklistItem
    result: ChecklistItemResult | None
    blocked_by: SOPChecklistItem | None  # an unconfirmed safety check listed before it
    is_next: bool
    elapsed: int  # seconds the timer has run

    @property
    def done(self) -> bool:
        return self.result is not None and self.result.done

    @property
    def timer_running(self) -> bool:
        return self.result is not None and self.result.timer_running

    @property
    def remaining(self) -> int:
        return max(0, (self.item.timer_seconds or 0) - self.elapsed)

    @property
    def timer_minutes(self) -> int:
        return round((self.item.timer_seconds or 0) / 60)

    @property
    def remaining_clock(self) -> str:
        minutes, seconds = divmod(self.remaining, 60)
        return f"{minutes:02d}:{seconds:02d}"


def checklist_lines(*, template, session: TherapySession, now: datetime) -> list[ChecklistLine]:
    """The checklist's steps in order, each with this session's result (two queries)."""
    if template is None:
        return []
    items = list(
        template.items.order_by("order").prefetch_related(
            Prefetch(
                "results",
                queryset=ChecklistItemResult.objects.filter(
                    run__session=session, run__template=template
                ),
                to_attr="session_results",
            )
        )
    )
    lines = []
    unconfirmed = None
    next_found = False
    for item in items:
        result = item.session_results[0] if item.session_results else None
        done = result is not None and result.done
        is_next = not done and not next_found
        next_found = next_found or is_next
        lines.append(
            ChecklistLine(
                item=item,
                result=result,
                blocked_by=unconfirmed,
                is_next=is_next,
                elapsed=result.timer_elapsed(now) if result else 0,
            )
        )
        if item.kind == SOPChecklistItem.Kind.SAFETY_CHECK and not done and unconfirmed is None:
            unconfirmed = item
    return lines


@dataclass
class SessionRecord:
    """What has been recorded in a session so far, for the runner's sections."""

    vitals: list[VitalsReading]
    log: SessionLog | None
    materials: list[MaterialUsage]
    notes: list[SessionNote]
    incidents: list[Incident]
    consumables: list[Consumable]


def session_record(*, session: TherapySession) -> SessionRecord:
    """The session's vitals, dose, materials, notes and incidents, one query each."""
    return SessionRecord(
        vitals=list(session.vitals.select_related("recorded_by").order_by("recorded_at", "id")),
        log=SessionLog.objects.filter(session=session).first(),
        materials=list(
            session.materials.select_related("consumable", "recorded_by").order_by("id")
        ),
        notes=list(session.entries.select_related("recorded_by").order_by("taken_at", "id")),
        incidents=list(
            session.incidents.select_related("reported_by", "reviewed_by", "resolved_by").order_by(
                "-reported_at"
            )
        ),
        consumables=list(Consumable.objects.filter(center_id=session.center_id).order_by("name")),
    )


def sessions_visible_to(*, user) -> QuerySet[TherapySession]:
    """Every session the user may read, per the one access policy, ready to list."""
    return _with_related(TherapySession.objects.filter(session_scope(user))).order_by(
        "starts_at", "pk"
    )
