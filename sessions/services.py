"""Writes on therapy sessions: the status machine every change of state goes through."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.access import STAFF_ROLES, may_run_session
from clinics.models import Consumable, Membership
from protocols.models import SOPChecklistItem, SOPChecklistTemplate
from sessions.floor_cache import floor_changed
from sessions.live import session_broadcast
from sessions.models import (
    FINISHED_STATUSES,
    VITAL_RANGES,
    ChecklistItemResult,
    ChecklistRun,
    Incident,
    MaterialUsage,
    OverrunFailure,
    RunnerWrite,
    SessionLog,
    SessionNote,
    SessionStatus,
    SessionStatusChange,
    StockAlert,
    TherapySession,
    VitalsReading,
)
from sessions.signals import consumable_below_reorder, session_status_changed

if TYPE_CHECKING:
    from clinics.models import User

logger = logging.getLogger(__name__)


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
    if session.status in FINISHED_STATUSES:
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
        _require_safety_checks_before(template=template, run=run, item=item)
    now = at or timezone.now()
    result, _created = ChecklistItemResult.objects.get_or_create(run=run, item=item)
    result.done = done
    result.done_at = now if done else None
    result.value = value
    if done and result.timer_started_at is not None:
        # A step ticked done is over: its timer stops where it stands.
        result.timer_elapsed_seconds = result.timer_elapsed(now)
        result.timer_started_at = None
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

    A session that cannot be moved does not stop the others: why is kept, in words, as its
    OverrunFailure, which the center board shows until a run moves it (or it ends).
    """
    now = now or timezone.now()
    extended = []
    failures: dict[int, tuple[TherapySession, str]] = {}
    late = TherapySession.objects.filter(status=SessionStatus.IN_SESSION, ends_at__lte=now)
    for session in late.select_related(
        "center", "patient", "therapy", "room", "practitioner__user"
    ):
        try:
            if _overrun_extend(session, now=now):
                extended.append(session)
        except Exception as error:  # kept in words for the board; the other sessions go on
            logger.exception("The over-run job could not move session %s", session.pk)
            failures[session.pk] = (session, overrun_failure_reason(error))
    _overrun_failures_record(failures, now=now)
    return extended


def _overrun_extend(session: TherapySession, *, now: datetime) -> bool:
    steps = (now - session.ends_at) // OVERRUN_STEP + 1
    until = session.ends_at + steps * OVERRUN_STEP
    if session.overrun_until == until:
        return False
    with transaction.atomic():
        updated = TherapySession.objects.filter(
            pk=session.pk, status=SessionStatus.IN_SESSION
        ).update(overrun_until=until)
        if not updated:
            return False
        session.overrun_until = until
        # A bulk update sends no post_save: tell the floor pages' cache ourselves.
        floor_changed(session.center_id)
        transaction.on_commit(lambda s=session: session_broadcast(s))
    return True


def overrun_failure_reason(error: Exception) -> str:
    """Why a session's expected end could not be moved, in words, then the error's detail."""
    if isinstance(error, OperationalError):
        reason = _("The database could not be reached or did not answer in time.")
    elif isinstance(error, DatabaseError):
        reason = _("The database refused the new end.")
    else:
        reason = _("An error in the portal stopped it.")
    # PostgreSQL's first line says what went wrong; the lines after it (CONTEXT, HINT) are
    # for the log, which keeps the whole traceback.
    detail = (str(error).strip().splitlines() or [""])[0]
    return f"{reason} ({type(error).__name__}: {detail})"


def _overrun_failures_record(
    failures: dict[int, tuple[TherapySession, str]], *, now: datetime
) -> None:
    """Keep the failures of this run only: a session moved (or finished) since is no longer late."""
    OverrunFailure.objects.exclude(session_id__in=failures).delete()
    for session, reason in failures.values():
        OverrunFailure.objects.update_or_create(
            session=session,
            defaults={"center_id": session.center_id, "reason": reason, "failed_at": now},
        )


# --- the session runner: what a practitioner records while running a session ----------------

# A session in one of these has closed its record: ticks, vitals, doses and notes are refused.


def _require_safety_checks_before(
    *, template: SOPChecklistTemplate, run: ChecklistRun, item: SOPChecklistItem
) -> None:
    """Refuse to begin a step while a safety check listed before it is unconfirmed."""
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


def _session_for_recording(
    *, session: TherapySession, by: User | None, finished_ok: bool = False
) -> TherapySession:
    """The session locked for a write, after checking who writes and that it is still open."""
    session = (
        TherapySession.objects.select_for_update(of=("self",))
        .select_related("center", "therapy", "practitioner")
        .get(pk=session.pk)
    )
    if by is not None and not may_run_session(by, session):
        raise TransitionForbidden(
            _("Only the session's practitioner or an admin of its center can record in it.")
        )
    if not finished_ok and session.status in FINISHED_STATUSES:
        raise TransitionError(
            _("This session is %(status)s; nothing more can be recorded in it.")
            % {"status": SessionStatus(session.status).label}
        )
    return session


def _timer_result(
    *, session: TherapySession, item: SOPChecklistItem, by: User | None
) -> tuple[ChecklistItemResult, SOPChecklistTemplate]:
    session = _session_for_recording(session=session, by=by)
    template = checklist_for(session.therapy_id)
    if template is None or item.template_id != template.pk:
        raise TransitionError(_("This step is not on the session's checklist."))
    if not item.timer_seconds:
        raise TransitionError(_("This step has no timer."))
    run, _created = ChecklistRun.objects.get_or_create(
        session=session, template=template, defaults={"started_by": by}
    )
    result, _created = ChecklistItemResult.objects.select_for_update().get_or_create(
        run=run, item=item
    )
    if result.done:
        raise TransitionError(_("This step is ticked done; untick it to run its timer again."))
    return result, template


@transaction.atomic
def checklist_timer_start(
    *, session: TherapySession, item: SOPChecklistItem, by: User | None, at: datetime | None = None
) -> ChecklistItemResult:
    """Start (or resume) a timed step's clock; the safety checks before it come first."""
    result, template = _timer_result(session=session, item=item, by=by)
    _require_safety_checks_before(template=template, run=result.run, item=item)
    if result.timer_started_at is None:
        result.timer_started_at = at or timezone.now()
        result.save(update_fields=["timer_started_at"])
    return result


@transaction.atomic
def checklist_timer_pause(
    *, session: TherapySession, item: SOPChecklistItem, by: User | None, at: datetime | None = None
) -> ChecklistItemResult:
    """Stop a timed step's clock, keeping the time it has run."""
    result, _template = _timer_result(session=session, item=item, by=by)
    if result.timer_started_at is not None:
        result.timer_elapsed_seconds = result.timer_elapsed(at or timezone.now())
        result.timer_started_at = None
        result.save(update_fields=["timer_elapsed_seconds", "timer_started_at"])
    return result


@transaction.atomic
def checklist_timer_reset(
    *, session: TherapySession, item: SOPChecklistItem, by: User | None
) -> ChecklistItemResult:
    """Put a timed step's clock back to its full time, stopped."""
    result, _template = _timer_result(session=session, item=item, by=by)
    result.timer_elapsed_seconds = 0
    result.timer_started_at = None
    result.save(update_fields=["timer_elapsed_seconds", "timer_started_at"])
    return result


VITAL_LABELS = {
    "bp_systolic": (gettext_lazy("Systolic blood pressure"), "mmHg"),
    "bp_diastolic": (gettext_lazy("Diastolic blood pressure"), "mmHg"),
    "pulse": (gettext_lazy("Pulse"), "/min"),
    "temperature_c": (gettext_lazy("Temperature"), "°C"),
    "weight_kg": (gettext_lazy("Weight"), "kg"),
}


def vitals_errors(values: dict) -> dict[str, str]:
    """What is wrong with a set of vitals, by field, in words; empty when it can be recorded."""
    errors = {}
    for field, (low, high) in VITAL_RANGES.items():
        value = values.get(field)
        if value is not None and not low <= value <= high:
            label, unit = VITAL_LABELS[field]
            errors[field] = _(
                "%(label)s of %(value)s %(unit)s is outside the plausible %(low)s–%(high)s "
                "%(unit)s; check the reading."
            ) % {"label": label, "value": value, "unit": unit, "low": low, "high": high}
    systolic, diastolic = values.get("bp_systolic"), values.get("bp_diastolic")
    if (systolic is None) != (diastolic is None):
        errors.setdefault(
            "bp_diastolic" if diastolic is None else "bp_systolic",
            _("Give both blood pressure figures, systolic and diastolic."),
        )
    elif systolic is not None and "bp_systolic" not in errors and systolic <= diastolic:
        errors["bp_systolic"] = _("Systolic pressure must be above diastolic.")
    if all(values.get(field) is None for field in VITAL_RANGES):
        errors["__all__"] = _("Enter at least one reading.")
    return errors


@transaction.atomic
def vitals_record(
    *,
    session: TherapySession,
    by: User | None,
    bp_systolic: int | None = None,
    bp_diastolic: int | None = None,
    pulse: int | None = None,
    temperature_c: Decimal | None = None,
    weight_kg: Decimal | None = None,
    at: datetime | None = None,
) -> VitalsReading:
    """Record one set of vitals, refusing readings no patient could show."""
    values = {
        "bp_systolic": bp_systolic,
        "bp_diastolic": bp_diastolic,
        "pulse": pulse,
        "temperature_c": temperature_c,
        "weight_kg": weight_kg,
    }
    errors = vitals_errors(values)
    if errors:
        raise ValidationError(errors)
    session = _session_for_recording(session=session, by=by)
    return VitalsReading.objects.create(
        session=session, recorded_by=by, recorded_at=at or timezone.now(), **values
    )


def protocol_dose(session: TherapySession) -> tuple[Decimal | None, str]:
    """The dose the protocol plans for this session (its step's, else its therapy's), and unit."""
    step = session.protocol_step
    dose = step.planned_dose if step is not None and step.planned_dose else None
    return dose or session.therapy.planned_dose, session.therapy.dose_unit


def planned_dose(session: TherapySession) -> tuple[Decimal | None, str]:
    """The dose to give in this session: the protocol's, at the session's intensity."""
    dose, unit = protocol_dose(session)
    if dose is None or session.intensity_percent == 100:
        return dose, unit
    return (dose * session.intensity_percent / 100).quantize(Decimal("0.01")), unit


def planned_minutes(session: TherapySession) -> int:
    """How long to give the therapy: its booked length, at the session's intensity."""
    booked = int((session.ends_at - session.starts_at).total_seconds() // 60)
    return max(1, round(booked * session.intensity_percent / 100))


@transaction.atomic
def session_intensity_set(
    *, session: TherapySession, percent: int, reason: str, expected_percent: int | None = None
) -> TherapySession:
    """Set the share of the dose (or duration) a session still to come will give, and why.

    `expected_percent` makes the change conditional: a caller undoing its own change passes
    the value it set, so that a later change by someone else is not silently overwritten.
    """
    session = TherapySession.objects.select_for_update(of=("self",)).get(pk=session.pk)
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a session that has not started can change its intensity."))
    if expected_percent is not None and session.intensity_percent != expected_percent:
        raise ValidationError(
            _("The intensity was changed since (it is now %(percent)s %%); set it by hand.")
            % {"percent": session.intensity_percent}
        )
    if not 10 <= percent <= 100:
        raise ValidationError(_("Give the intensity as a share from 10 to 100 %."))
    session.intensity_percent = percent
    session.intensity_reason = reason[:300]
    session.save(update_fields=["intensity_percent", "intensity_reason", "updated_at"])
    return session


@transaction.atomic
def dosage_record(
    *,
    session: TherapySession,
    by: User | None,
    dose_given: Decimal,
    dose_unit: str = "",
    remark: str = "",
) -> SessionLog:
    """Record the dose given in the session (replacing an earlier entry, which history keeps)."""
    if dose_given is None or dose_given <= 0:
        raise ValidationError({"dose_given": _("Give the dose as a number above zero.")})
    session = _session_for_recording(session=session, by=by)
    log, _created = SessionLog.objects.select_for_update().get_or_create(
        session=session, defaults={"recorded_by": by}
    )
    log.dose_given = dose_given
    log.dose_unit = dose_unit or session.therapy.dose_unit
    log.dosage = remark
    log.recorded_by = by
    log.recorded_at = timezone.now()
    log.save()
    return log


@transaction.atomic
def material_use(
    *, session: TherapySession, consumable: Consumable, quantity: Decimal, by: User | None
) -> MaterialUsage:
    """Record stock used in a session and take it off the center's stock, in one transaction.

    More than is in stock is refused (the count is wrong somewhere, and someone must look).
    When the stock ends at or under its reorder level and no alert is open for it, a
    low-stock alert is raised for the center's admins and announced after commit.
    """
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _("Give the quantity used as a number above zero.")})
    session = _session_for_recording(session=session, by=by)
    # Locked, so that two tablets using the last of one oil cannot both take it.
    consumable = Consumable.objects.select_for_update().get(pk=consumable.pk)
    if consumable.center_id != session.center_id:
        raise ValidationError({"consumable": _("This material is not stocked at this center.")})
    unit = consumable.get_unit_display()
    if quantity > consumable.stock_quantity:
        raise ValidationError(
            {
                "quantity": _(
                    "Only %(left)s %(unit)s of %(name)s is in stock, less than %(asked)s "
                    "%(unit)s; check the quantity, or tell the center's admin the count is wrong."
                )
                % {
                    "left": f"{consumable.stock_quantity.normalize():f}",
                    "asked": f"{quantity.normalize():f}",
                    "unit": unit,
                    "name": consumable.name,
                }
            }
        )
    usage = MaterialUsage.objects.create(
        session=session, consumable=consumable, quantity=quantity, recorded_by=by
    )
    consumable.stock_quantity -= quantity
    consumable.save(update_fields=["stock_quantity"])
    if consumable.needs_reorder:
        already = StockAlert.objects.filter(consumable=consumable, closed_at__isnull=True)
        if not already.exists():
            alert = StockAlert.objects.create(
                center_id=consumable.center_id,
                consumable=consumable,
                stock_quantity=consumable.stock_quantity,
                reorder_level=consumable.reorder_level,
                session=session,
            )
            transaction.on_commit(
                lambda: consumable_below_reorder.send(
                    sender=StockAlert, alert=alert, consumable=consumable, session=session
                )
            )
    return usage


def _require_center_staff(*, user: User, center_id: int, action: str) -> None:
    roles = Membership.objects.filter(
        user=user, center_id=center_id, is_active=True, role__in=STAFF_ROLES
    )
    if not roles.exists():
        raise TransitionForbidden(
            _("Only an admin or the medical director of the center can %(action)s.")
            % {"action": action}
        )


@transaction.atomic
def stock_alert_close(*, alert: StockAlert, by: User) -> StockAlert:
    """Close a low-stock alert once the center's admin has reordered."""
    alert = StockAlert.objects.select_for_update().get(pk=alert.pk)
    _require_center_staff(user=by, center_id=alert.center_id, action=_("close a stock alert"))
    if alert.closed_at is None:
        alert.closed_at = timezone.now()
        alert.closed_by = by
        alert.save(update_fields=["closed_at", "closed_by"])
    return alert


NOTE_MAX_LENGTH = 4000


@transaction.atomic
def session_note_add(
    *,
    session: TherapySession,
    by: User | None,
    text: str,
    kind: str = SessionNote.Kind.NOTE,
    taken_at: datetime | None = None,
) -> SessionNote:
    """Add a note, or a deviation from the SOP, to the session's record (encrypted at rest)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Keep a note under %(n)s characters.") % {"n": NOTE_MAX_LENGTH}}
        )
    if kind not in SessionNote.Kind.values:
        raise ValidationError({"kind": _("Choose a note or a deviation.")})
    session = _session_for_recording(session=session, by=by)
    now = timezone.now()
    return SessionNote.objects.create(
        session=session,
        kind=kind,
        text=text,
        recorded_by=by,
        recorded_at=now,
        taken_at=min(taken_at, now) if taken_at else now,
    )


@transaction.atomic
def incident_report(
    *,
    session: TherapySession,
    by: User | None,
    severity: str,
    description: str,
    near_miss: bool = False,
    action_taken: str = "",
) -> Incident:
    """Report an incident or a near miss in a session; it opens for the center to review.

    Allowed whatever the session's status: a reaction may show after it is completed, and a
    fall may be why it was cancelled.
    """
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Say what happened.")})
    if severity not in Incident.Severity.values:
        raise ValidationError({"severity": _("Choose how severe it was.")})
    session = _session_for_recording(session=session, by=by, finished_ok=True)
    return Incident.objects.create(
        session=session,
        severity=severity,
        near_miss=near_miss,
        description=description,
        action_taken=action_taken.strip(),
        reported_by=by,
    )


@transaction.atomic
def incident_review_start(*, incident: Incident, by: User) -> Incident:
    """Take an open incident under review (the center's admin or medical director)."""
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("session")
        .get(pk=incident.pk)
    )
    _require_center_staff(
        user=by, center_id=incident.session.center_id, action=_("review an incident")
    )
    if incident.status != Incident.Status.OPEN:
        raise TransitionError(
            _("This incident is already %(status)s.")
            % {"status": Incident.Status(incident.status).label}
        )
    incident.status = Incident.Status.UNDER_REVIEW
    incident.review_started_at = timezone.now()
    incident.reviewed_by = by
    incident.save(update_fields=["status", "review_started_at", "reviewed_by"])
    return incident


@transaction.atomic
def incident_resolve(*, incident: Incident, by: User, resolution: str) -> Incident:
    """Resolve an incident under review, saying what was done about it."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how it was resolved.")})
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("session")
        .get(pk=incident.pk)
    )
    _require_center_staff(
        user=by, center_id=incident.session.center_id, action=_("resolve an incident")
    )
    if incident.status != Incident.Status.UNDER_REVIEW:
        raise TransitionError(
            _("Only an incident under review can be resolved; this one is %(status)s.")
            % {"status": Incident.Status(incident.status).label}
        )
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = timezone.now()
    incident.resolved_by = by
    incident.resolution = resolution
    incident.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    return incident


# What a tablet may send with an idempotency key, and the service each one runs.
RUNNER_WRITE_KINDS = ("tick", "vitals", "note")


def runner_write(*, session: TherapySession, by: User | None, kind: str, values: dict):
    """Run one of the writes a tablet may queue offline (RUNNER_WRITE_KINDS) by its kind."""
    taken_at = values.get("taken_at")
    if kind == "tick":
        return checklist_item_tick(
            session=session,
            item=values["item"],
            by=by,
            done=values.get("done", True),
            value=values.get("value", ""),
            at=taken_at,
        )
    if kind == "vitals":
        readings = {field: values.get(field) for field in VITAL_RANGES}
        return vitals_record(session=session, by=by, at=taken_at, **readings)
    if kind == "note":
        return session_note_add(
            session=session,
            by=by,
            text=values["text"],
            kind=values.get("note_kind") or SessionNote.Kind.NOTE,
            taken_at=taken_at,
        )
    raise ValueError(f"unknown runner write {kind!r}")


def runner_write_apply(
    *, session: TherapySession, by: User | None, key, kind: str, values: dict
) -> tuple[RunnerWrite, bool]:
    """Apply a write sent with an idempotency key once, however often it is sent.

    Returns the receipt and whether this sending applied it (False: an earlier sending with
    the same key was answered, and this one gets the same answer). A write the session no
    longer allows (it was cancelled or completed while the tablet was offline) is not lost
    silently: its receipt says "conflict" with the reason, for the practitioner to see.
    A user who may not write in the session at all gets TransitionForbidden and no receipt.
    """
    earlier = RunnerWrite.objects.filter(key=key).first()
    if earlier is not None:
        return _same_session(earlier, session), False
    try:
        with transaction.atomic():
            # The receipt goes in first: a second sending of the key waits on its unique
            # index until this one commits, then fails and reads this one's answer.
            receipt = RunnerWrite.objects.create(
                key=key,
                session=session,
                kind=kind,
                outcome=RunnerWrite.Outcome.APPLIED,
                sent_by=by,
            )
            try:
                with transaction.atomic():
                    runner_write(session=session, by=by, kind=kind, values=values)
            except TransitionForbidden:
                raise
            except TransitionError as refusal:
                receipt.outcome = RunnerWrite.Outcome.CONFLICT
                receipt.message = str(refusal)
            except ValidationError as invalid:
                receipt.outcome = RunnerWrite.Outcome.CONFLICT
                receipt.message = " ".join(invalid.messages)
            if receipt.outcome != RunnerWrite.Outcome.APPLIED:
                receipt.save(update_fields=["outcome", "message"])
            return receipt, True
    except IntegrityError:
        earlier = RunnerWrite.objects.filter(key=key).first()
        if earlier is None:
            raise
        return _same_session(earlier, session), False


def _same_session(receipt: RunnerWrite, session: TherapySession) -> RunnerWrite:
    if receipt.session_id != session.pk:
        # A key is made fresh for each write; one reused across sessions is a client bug.
        raise ValidationError(_("This write's key was already used for another session."))
    return receipt
