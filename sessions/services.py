"""Writes on therapy sessions: the status machine every change of state goes through."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.access import may_run_session
from protocols.models import SOPChecklistItem, SOPChecklistTemplate
from sessions.live import session_broadcast
from sessions.models import (
    ChecklistItemResult,
    ChecklistRun,
    SessionStatus,
    SessionStatusChange,
    TherapySession,
)
from sessions.signals import session_status_changed

if TYPE_CHECKING:
    from clinics.models import User


class TransitionError(Exception):
    """A status change the session's state does not allow, with a message for the user."""


class TransitionForbidden(TransitionError):
    """The user may not change this session's status at all."""


# The session lifecycle in one place: which status may follow which.
ALLOWED_TRANSITIONS = {
    SessionStatus.SCHEDULED: {
        SessionStatus.IN_PREPARATION,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    },
    SessionStatus.IN_PREPARATION: {
        SessionStatus.IN_SESSION,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    },
    SessionStatus.IN_SESSION: {SessionStatus.RECOVERY, SessionStatus.COMPLETED},
    SessionStatus.RECOVERY: {SessionStatus.COMPLETED},
    SessionStatus.COMPLETED: set(),
    SessionStatus.CANCELLED: set(),
    SessionStatus.NO_SHOW: set(),
}


# The exclusion constraints on TherapySession that keep people, rooms and patients single-booked.
OVERLAP_CONSTRAINTS = (
    "session_no_practitioner_overlap",
    "session_no_room_place_overlap",
    "session_no_patient_overlap",
)


@contextmanager
def overlaps_checked_at_end() -> Iterator[None]:
    """Inside a transaction: let sessions overlap while the block runs, then check them all.

    A re-plan moves several sessions at once, and two of them may trade places; checked at
    each save, the first move would clash with the second session's old place. Raises
    IntegrityError at the end of the block if any clash remains. SQLite has no such
    constraints, so there the block only runs.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        yield
        return
    names = ", ".join(OVERLAP_CONSTRAINTS)
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")


def next_statuses(session: TherapySession) -> list[SessionStatus]:
    """The statuses a session may move to next, in the order of its lifecycle."""
    allowed = ALLOWED_TRANSITIONS[SessionStatus(session.status)]
    return [status for status in SessionStatus if status in allowed]


def checklist_for(therapy_id: int) -> SOPChecklistTemplate | None:
    """The SOP checklist a session of this therapy is run with: its newest active version."""
    return (
        SOPChecklistTemplate.objects.filter(therapy_id=therapy_id, is_active=True)
        .order_by("-version")
        .first()
    )


def checklist_steps_missing(session: TherapySession) -> list[SOPChecklistItem]:
    """The required steps of the session's SOP checklist that nobody has ticked yet."""
    template = checklist_for(session.therapy_id)
    if template is None:
        return []
    done = ChecklistItemResult.objects.filter(
        run__session=session, run__template=template, done=True
    ).values("item_id")
    return list(template.items.filter(required=True).exclude(pk__in=done).order_by("order"))


@transaction.atomic
def session_transition(
    *,
    session: TherapySession,
    to_status: str,
    by: User | None,
    note: str = "",
    expected_status: str | None = None,
    authorised: bool = False,
    at: datetime | None = None,
) -> TherapySession:
    """Move a session to `to_status` if its lifecycle allows it, and record the change.

    `by` is the person making the move, who must be the session's practitioner or an admin
    of its center, unless the caller has `authorised` the move by rules of its own (a re-plan
    that scheduling allowed); None means the portal itself (the demo's history, a job).
    `expected_status` is the status the person saw when they asked: if the session has
    moved on since (another tablet, the front desk), nothing changes and they are told.
    After commit, the change is announced with `session_status_changed` and pushed to the
    center's boards and the patient's timeline. `at` backdates the change (the demo's
    history); it defaults to now.
    """
    session = (
        TherapySession.objects.select_for_update(of=("self",))
        .select_related("center", "patient", "therapy", "room", "practitioner__user")
        .get(pk=session.pk)
    )
    if to_status not in SessionStatus.values:
        raise TransitionError(_("“%(status)s” is not a session status.") % {"status": to_status})
    current = SessionStatus(session.status)
    wanted = SessionStatus(to_status)
    if by is not None and not authorised and not may_run_session(by, session):
        raise TransitionForbidden(
            _("Only the session's practitioner or an admin of its center can change its status.")
        )
    if expected_status is not None and expected_status != current:
        raise TransitionError(
            _("This session is already %(current)s; the page you acted on was out of date.")
            % {"current": current.label}
        )
    if wanted not in ALLOWED_TRANSITIONS[current]:
        raise TransitionError(
            _("A session that is %(current)s cannot become %(wanted)s.")
            % {"current": current.label, "wanted": wanted.label}
        )
    if wanted == SessionStatus.COMPLETED:
        missing = checklist_steps_missing(session)
        if missing:
            raise TransitionError(
                _("Tick every required checklist step before completing: %(steps)s.")
                % {"steps": "; ".join(item.text for item in missing)}
            )
    now = at or timezone.now()
    change = SessionStatusChange.objects.create(
        session=session,
        from_status=current,
        to_status=wanted,
        changed_by=by,
        changed_at=now,
        note=note,
    )
    session.status = wanted
    session.status_changed_at = now
    update_fields = ["status", "status_changed_at", "updated_at"]
    if session.overrun_until and wanted != SessionStatus.IN_SESSION:
        # An over-run ends when the session leaves the table.
        session.overrun_until = None
        update_fields.append("overrun_until")
    session.save(update_fields=update_fields)
    transaction.on_commit(lambda: _announce(session, change, by))
    return session


def _announce(session: TherapySession, change: SessionStatusChange, by: User | None) -> None:
    session_broadcast(session)
    session_status_changed.send(sender=TherapySession, session=session, change=change, by=by)


@transaction.atomic
def checklist_item_tick(
    *,
    session: TherapySession,
    item: SOPChecklistItem,
    by: User | None,
    done: bool = True,
    value: str = "",
    at: datetime | None = None,
) -> ChecklistItemResult:
    """Tick (or untick) one step of the session's SOP checklist.

    A safety check guards the steps after it: none of them can be ticked before it is
    confirmed. A finished session's checklist no longer changes.
    """
    session = TherapySession.objects.select_for_update(of=("self",)).get(pk=session.pk)
    if by is not None and not may_run_session(by, session):
        raise TransitionForbidden(
            _("Only the session's practitioner or an admin of its center can tick its checklist.")
        )
    if session.status in (
        SessionStatus.COMPLETED,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    ):
        raise TransitionError(
            _("This session is %(status)s; its checklist can no longer change.")
            % {"status": SessionStatus(session.status).label}
        )
    template = checklist_for(session.therapy_id)
    if template is None or item.template_id != template.pk:
        raise TransitionError(_("This step is not on the session's checklist."))
    run, _created = ChecklistRun.objects.get_or_create(
        session=session, template=template, defaults={"started_by": by}
    )
    if done:
        unconfirmed = (
            template.items.filter(kind=SOPChecklistItem.Kind.SAFETY_CHECK, order__lt=item.order)
            .exclude(results__run=run, results__done=True)
            .order_by("order")
            .first()
        )
        if unconfirmed is not None:
            raise TransitionError(
                _("Confirm the safety check “%(check)s” first.") % {"check": unconfirmed.text}
            )
    now = at or timezone.now()
    result, _created = ChecklistItemResult.objects.get_or_create(run=run, item=item)
    result.done = done
    result.done_at = now if done else None
    result.value = value
    result.save()
    missing = template.items.filter(required=True).exclude(results__run=run, results__done=True)
    run.completed_at = None if missing.exists() else now
    run.save(update_fields=["completed_at"])
    return result


OVERRUN_STEP = timedelta(minutes=5)


def session_overruns_extend(*, now: datetime | None = None) -> list[TherapySession]:
    """Move the expected end of every session still in progress past its planned end.

    The end moves with the clock in 5-minute steps counted from the planned end, so that the
    board shows 11:05, 11:10, … rather than a new time every minute. Returns the sessions
    whose expected end changed; each is pushed to the boards.
    """
    now = now or timezone.now()
    extended = []
    late = TherapySession.objects.filter(status=SessionStatus.IN_SESSION, ends_at__lte=now)
    for session in late.select_related(
        "center", "patient", "therapy", "room", "practitioner__user"
    ):
        steps = (now - session.ends_at) // OVERRUN_STEP + 1
        until = session.ends_at + steps * OVERRUN_STEP
        if session.overrun_until == until:
            continue
        with transaction.atomic():
            updated = TherapySession.objects.filter(
                pk=session.pk, status=SessionStatus.IN_SESSION
            ).update(overrun_until=until)
            if updated:
                session.overrun_until = until
                extended.append(session)
                transaction.on_commit(lambda s=session: session_broadcast(s))
    return extended
