"""The session runner: one page per session where its practitioner works through it.

Every write answers an HTMX request with the section it changed (a template partial) and a
plain form post with a redirect back to the page, so that the runner works without script.
"""

import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from audit.services import patient_record_read_log
from clinics.access import STAFF_ROLES, centers_for, may_run_session
from clinics.models import Membership
from sessions.forms import (
    DosageForm,
    IncidentForm,
    IncidentStepForm,
    MaterialForm,
    NoteForm,
    StatusForm,
    TickForm,
    TimerForm,
    VitalsForm,
)
from sessions.models import (
    FINISHED_STATUSES,
    Incident,
    RunnerWrite,
    SessionStatus,
    TherapySession,
)
from sessions.selectors import checklist_lines, session_for_runner, session_record
from sessions.services import (
    TransitionError,
    TransitionForbidden,
    checklist_for,
    checklist_timer_pause,
    checklist_timer_reset,
    checklist_timer_start,
    dosage_record,
    incident_report,
    incident_resolve,
    incident_review_start,
    material_use,
    next_statuses,
    planned_dose,
    planned_minutes,
    protocol_dose,
    runner_write,
    runner_write_apply,
    session_transition,
)

# What each move is called on the runner's buttons, and those that need a second thought.
STATUS_ACTIONS = {
    SessionStatus.IN_PREPARATION: gettext_lazy("Start preparation"),
    SessionStatus.IN_SESSION: gettext_lazy("Start the session"),
    SessionStatus.RECOVERY: gettext_lazy("Move to recovery"),
    SessionStatus.COMPLETED: gettext_lazy("Complete the session"),
    SessionStatus.CANCELLED: gettext_lazy("Cancel the session"),
    SessionStatus.NO_SHOW: gettext_lazy("Patient did not come"),
}
CONFIRM_ACTIONS = {
    SessionStatus.CANCELLED: gettext_lazy("Cancel this session? This cannot be undone."),
    SessionStatus.NO_SHOW: gettext_lazy("Mark the patient as not come? This cannot be undone."),
}


def _runner_session(request: HttpRequest, pk: int) -> TherapySession:
    """The session, if the user may run it; 404 to those outside its center, 403 inside it."""
    try:
        session = session_for_runner(pk=pk)
    except TherapySession.DoesNotExist as missing:
        raise Http404 from missing
    if not may_run_session(request.user, session):
        if centers_for(request.user).filter(pk=session.center_id).exists():
            raise PermissionDenied
        raise Http404
    return session


def _runner_context(request: HttpRequest, session: TherapySession, **overrides) -> dict:
    now = timezone.now()
    template = checklist_for(session.therapy_id)
    dose, dose_unit = planned_dose(session)
    full_dose, _unit = protocol_dose(session)
    record = session_record(session=session)
    center_staff = Membership.objects.filter(
        user=request.user, center_id=session.center_id, is_active=True, role__in=STAFF_ROLES
    ).exists()
    context = {
        "session": session,
        "zone": session.center.timezone,
        "now": now,
        "finished": session.status in FINISHED_STATUSES,
        "status_actions": [
            {
                "status": status,
                "label": STATUS_ACTIONS[status],
                "danger": status in CONFIRM_ACTIONS,
                "confirm": CONFIRM_ACTIONS.get(status, ""),
            }
            for status in next_statuses(session)
        ],
        "template": template,
        "lines": checklist_lines(template=template, session=session, now=now),
        "record": record,
        "planned_dose": dose,
        "protocol_dose": full_dose,
        "planned_minutes": planned_minutes(session),
        "dose_unit": dose_unit,
        "center_staff": center_staff,
        "status_error": "",
        "tick_errors": {},
        "timer_error": "",
        "vitals_form": VitalsForm(),
        "dosage_form": DosageForm(
            initial={
                "dose_given": _plain(record.log.dose_given if record.log else dose),
                "dose_unit": (record.log.dose_unit if record.log else "") or dose_unit,
                "remark": record.log.dosage if record.log else "",
            }
        ),
        "material_form": MaterialForm(center_id=session.center_id),
        "note_form": NoteForm(),
        "incident_form": IncidentForm(),
        "incident_error": "",
    }
    context.update(overrides)
    return context


def _plain(amount: Decimal | None) -> str:
    """200.00 as "200" and 62.50 as "62.5", as a practitioner would write them."""
    if amount is None:
        return ""
    return f"{amount.normalize():f}"


def _answer(
    request: HttpRequest, session: TherapySession, section: str, *, ok: bool, **overrides
) -> HttpResponse:
    """The changed section for HTMX; otherwise back to the page, or the page with the errors."""
    if ok and not request.htmx:
        return redirect(f"{reverse('session_runner', args=[session.pk])}#{section}")
    # Read again: the write may have changed the session (status, over-run, checklist).
    session = session_for_runner(pk=session.pk)
    context = _runner_context(request, session, **overrides)
    if request.htmx:
        return _render(request, f"sessions/runner.html#{section}", context)
    return _render(request, "sessions/runner.html", context, status=400)


def _render(request: HttpRequest, template: str, context: dict, status: int = 200):
    # Times on the runner are the center's, in the whole page and in each section alone.
    with timezone.override(ZoneInfo(context["zone"])):
        return render(request, template, context, status=status)


def _refusal(error: ValidationError | TransitionError) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@login_required
@require_GET
def session_runner(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    context = _runner_context(request, session)
    if request.htmx and not request.htmx.boosted:
        # Asked by runner.js after queued writes were sent: the sections, fresh.
        return _render(request, "sessions/runner.html#runner-body", context)
    # Logged once per opening of the page, not for each refresh of its sections.
    patient_record_read_log(
        user=request.user, patient=session.patient, what=f"Session runner: session {session.pk}"
    )
    return _render(request, "sessions/runner.html", context)


@login_required
@require_POST
def runner_status(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    form = StatusForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a status to move the session to.")
    else:
        try:
            session_transition(
                session=session,
                to_status=form.cleaned_data["to_status"],
                by=request.user,
                note=form.cleaned_data["note"],
                expected_status=form.cleaned_data["expected_status"],
            )
        except TransitionForbidden as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except TransitionError as refusal:
            error = str(refusal)
    return _answer(request, session, "runner-body", ok=not error, status_error=error)


def _queued_write(request: HttpRequest, session: TherapySession, kind: str, form, values: dict):
    """Run a write that the tablet may also have queued: once per key, when it sent one."""
    key = form.cleaned_data.get("idempotency_key")
    values = {**values, "taken_at": form.cleaned_data.get("taken_at")}
    if key is None:
        runner_write(session=session, by=request.user, kind=kind, values=values)
        return
    receipt, _applied = runner_write_apply(
        session=session, by=request.user, key=key, kind=kind, values=values
    )
    if receipt.outcome == RunnerWrite.Outcome.CONFLICT:
        raise TransitionError(receipt.message)


@login_required
@require_POST
def runner_tick(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    form = TickForm(request.POST, template=checklist_for(session.therapy_id))
    errors = {}
    if form.is_valid():
        item = form.cleaned_data["item"]
        try:
            _queued_write(
                request,
                session,
                "tick",
                form,
                {
                    "item": item,
                    "done": form.cleaned_data["done"],
                    "value": form.cleaned_data["value"],
                },
            )
        except TransitionForbidden as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except (TransitionError, ValidationError) as refusal:
            errors[item.pk] = _refusal(refusal)
    else:
        # Beside its step when the step is known (a measurement left empty), else on top.
        item = form.cleaned_data.get("item")
        message = " ".join(m for field in form.errors.values() for m in field)
        errors[item.pk if item else 0] = message
    return _answer(request, session, "checklist", ok=not errors, tick_errors=errors)


@login_required
@require_POST
def runner_timer(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    form = TimerForm(request.POST, template=checklist_for(session.therapy_id))
    error = ""
    if not form.is_valid():
        error = _("This timer is not on the session's checklist.")
    else:
        control = {
            "start": checklist_timer_start,
            "pause": checklist_timer_pause,
            "reset": checklist_timer_reset,
        }[form.cleaned_data["action"]]
        try:
            control(session=session, item=form.cleaned_data["item"], by=request.user)
        except TransitionForbidden as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except TransitionError as refusal:
            error = str(refusal)
    return _answer(request, session, "checklist", ok=not error, timer_error=error)


def _form_write(request, session, *, section, form, form_name, write) -> HttpResponse:
    """Validate a section's form and run its write, keeping the form with its errors."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except TransitionForbidden as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except ValidationError as invalid:
            if hasattr(invalid, "error_dict"):
                for field, errors in invalid.message_dict.items():
                    target = field if field in form.fields else None
                    for message in errors:
                        form.add_error(target, message)
            else:
                form.add_error(None, invalid)
        except TransitionError as refusal:
            form.add_error(None, str(refusal))
        if not form.errors:
            return _answer(request, session, section, ok=True)
    return _answer(request, session, section, ok=False, **{form_name: form})


@login_required
@require_POST
def runner_vitals(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    form = VitalsForm(request.POST)
    return _form_write(
        request,
        session,
        section="vitals",
        form=form,
        form_name="vitals_form",
        write=lambda data: _queued_write(request, session, "vitals", form, form.readings()),
    )


@login_required
@require_POST
def runner_dosage(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    return _form_write(
        request,
        session,
        section="dosage",
        form=DosageForm(request.POST),
        form_name="dosage_form",
        write=lambda data: dosage_record(
            session=session,
            by=request.user,
            dose_given=data["dose_given"],
            dose_unit=data["dose_unit"],
            remark=data["remark"],
        ),
    )


@login_required
@require_POST
def runner_materials(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    return _form_write(
        request,
        session,
        section="materials",
        form=MaterialForm(request.POST, center_id=session.center_id),
        form_name="material_form",
        write=lambda data: material_use(
            session=session,
            consumable=data["consumable"],
            quantity=data["quantity"],
            by=request.user,
        ),
    )


@login_required
@require_POST
def runner_notes(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    form = NoteForm(request.POST)
    return _form_write(
        request,
        session,
        section="notes",
        form=form,
        form_name="note_form",
        write=lambda data: _queued_write(
            request, session, "note", form, {"text": data["text"], "note_kind": data["note_kind"]}
        ),
    )


@login_required
@require_POST
def runner_incident_report(request: HttpRequest, pk: int) -> HttpResponse:
    session = _runner_session(request, pk)
    return _form_write(
        request,
        session,
        section="incidents",
        form=IncidentForm(request.POST),
        form_name="incident_form",
        write=lambda data: incident_report(
            session=session,
            by=request.user,
            severity=data["severity"],
            near_miss=data["near_miss"],
            description=data["description"],
            action_taken=data["action_taken"],
        ),
    )


@login_required
@require_POST
def runner_incident_step(request: HttpRequest, pk: int, incident_pk: int) -> HttpResponse:
    """The center's admin moves an incident along: under review, then resolved."""
    session = _runner_session(request, pk)
    incident = get_object_or_404(Incident, pk=incident_pk, session=session)
    form = IncidentStepForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose to review or to resolve the incident.")
    else:
        try:
            if form.cleaned_data["action"] == "review":
                incident_review_start(incident=incident, by=request.user)
            else:
                incident_resolve(
                    incident=incident, by=request.user, resolution=form.cleaned_data["resolution"]
                )
        except TransitionForbidden as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except (TransitionError, ValidationError) as refusal:
            error = _refusal(refusal)
    return _answer(
        request,
        session,
        "incidents",
        ok=not error,
        incident_error=error,
        incident_error_id=incident.pk,
    )


QUEUED_FORMS = {"tick": TickForm, "vitals": VitalsForm, "note": NoteForm}


@login_required
@require_POST
def runner_queued_write(request: HttpRequest, pk: int) -> JsonResponse:
    """Writes a tablet queued while offline, sent one by one in order when it is back.

    Answers JSON: {"outcome": "applied" | "conflict" | "invalid", "repeat": bool, "message"}.
    A conflict (the session was cancelled or completed meanwhile) is stored with its key, so
    that sending it again answers the same; the tablet shows it to the practitioner.
    """
    try:
        session = _runner_session(request, pk)
    except (Http404, PermissionDenied):
        return JsonResponse(
            {"outcome": "forbidden", "message": _("You may not record in this session.")},
            status=403,
        )
    try:
        body = json.loads(request.body)
        kind, key, data = body["kind"], body["key"], dict(body.get("data") or {})
    except (ValueError, KeyError, TypeError, AttributeError):
        return _invalid(_("The tablet sent a write the portal cannot read."))
    form_class = QUEUED_FORMS.get(kind)
    if form_class is None:
        return _invalid(_("The tablet sent a kind of write the portal does not know."))
    data.update(idempotency_key=key, taken_at=body.get("taken_at") or "")
    extra = {"template": checklist_for(session.therapy_id)} if kind == "tick" else {}
    form = form_class(data, **extra)
    if not form.is_valid() or form.cleaned_data["idempotency_key"] is None:
        messages = [m for errors in form.errors.values() for m in errors]
        return _invalid(" ".join(messages) or _("The write has no key."))
    values = {"taken_at": form.cleaned_data["taken_at"]}
    if kind == "tick":
        values.update(
            item=form.cleaned_data["item"],
            done=form.cleaned_data["done"],
            value=form.cleaned_data["value"],
        )
    elif kind == "vitals":
        values.update(form.readings())
    else:
        values.update(text=form.cleaned_data["text"], note_kind=form.cleaned_data["note_kind"])
    try:
        receipt, first = runner_write_apply(
            session=session,
            by=request.user,
            key=form.cleaned_data["idempotency_key"],
            kind=kind,
            values=values,
        )
    except TransitionForbidden as refusal:
        return JsonResponse({"outcome": "forbidden", "message": str(refusal)}, status=403)
    except ValidationError as invalid:
        return _invalid(" ".join(invalid.messages))
    return JsonResponse(
        {"outcome": receipt.outcome, "repeat": not first, "message": receipt.message}
    )


def _invalid(message: str) -> JsonResponse:
    return JsonResponse({"outcome": "invalid", "message": message}, status=400)
