"""The patient's feedback page after a session (one-handed on a phone) and staff's task list."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinics.access import STAFF_ROLES, centers_for
from clinics.choices import Role
from feedback.adaptation import action_in_words
from feedback.forms import MymopForm, SessionFeedbackForm
from feedback.models import ClinicianTask, RuleFiring
from feedback.selectors import (
    clinician_tasks_for_center,
    clinician_tasks_for_my_day,
    mymop_due,
    mymop_first_answer,
    patient_session_for_feedback,
    rule_firings_for_patient,
    rule_firings_without_task,
)
from feedback.services import (
    clinician_task_complete,
    feedback_record,
    mymop_record,
    rule_firing_reverse,
)
from patients.models import Patient
from sessions.models import SessionStatus


@login_required
def session_feedback(request: HttpRequest, session_id: int) -> HttpResponse:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    session = patient_session_for_feedback(patient=patient, session_id=session_id)
    if session is None:
        # Another patient's session is answered like one that does not exist.
        raise Http404
    existing = getattr(session, "feedback", None)
    finished = session.status == SessionStatus.COMPLETED
    status = 200
    if request.method == "POST" and finished:
        form = SessionFeedbackForm(request.POST)
        if form.is_valid():
            try:
                feedback_record(
                    session=session,
                    patient=patient,
                    symptom_relief=form.cleaned_data["symptom_relief"],
                    experience=form.cleaned_data["experience"],
                    side_effects=form.side_effects(),
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Thank you: your practitioner will see your answers."))
                return redirect("portal_home")
        status = 400
    elif request.method == "POST":
        status = 400
        form = None
    else:
        form = SessionFeedbackForm(initial=SessionFeedbackForm.initial_from(existing))
    return render(
        request,
        "feedback/session_feedback.html",
        {
            "session": session,
            "zone": session.center.tzinfo,
            "form": form if finished else None,
            "existing": existing,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def mymop_answer(request: HttpRequest) -> HttpResponse:
    """The patient's MYMOP form, when one is due (intake, weekly, discharge); one-handed."""
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    due = mymop_due(patient=patient, now=timezone.now())
    first = mymop_first_answer(patient=patient)
    status = 200
    form = None
    if due is None:
        # Nothing is saved outside MYMOP's times: the profile compares like with like.
        status = 400 if request.method == "POST" else 200
    elif request.method == "POST":
        form = MymopForm(request.POST, first=first)
        if form.is_valid():
            try:
                mymop_record(
                    patient=patient, kind=due.kind, care_plan=due.care_plan, **form.answers()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Thank you: your answers are saved."))
                return redirect("portal_home")
        status = 400
    else:
        form = MymopForm(first=first)
    return render(
        request,
        "feedback/mymop.html",
        {"form": form, "due": due, "first": first},
        status=status,
    )


# The task list also shows the adaptations of this last week that raised no task.
RECENT_FIRINGS = timedelta(days=7)


def _firings_in_words(firings, zone) -> None:
    # What each firing did, in words, for the clinician deciding whether to reverse it.
    for firing in firings:
        firing.done_in_words = [action_in_words(a, zone=zone) for a in firing.actions_taken]


def _clinician_centers(user) -> list:
    # Practitioners make the calls, so they see their centers' tasks as admins and directors do.
    centers = list(centers_for(user, roles=(*STAFF_ROLES, Role.PRACTITIONER)))
    if not centers:
        raise PermissionDenied
    return centers


@login_required
@require_safe
def clinician_task_list(request: HttpRequest) -> HttpResponse:
    centers = _clinician_centers(request.user)
    wanted = request.GET.get("center", "")
    center = next((c for c in centers if str(c.pk) == wanted), centers[0])
    mine = request.GET.get("mine") == "1"
    open_tasks, done = clinician_tasks_for_center(
        center=center, assigned_to=request.user if mine else None
    )
    now = timezone.now()
    others = rule_firings_without_task(center=center, since=now - RECENT_FIRINGS)
    _firings_in_words(
        [*(t.firing for t in (*open_tasks, *done) if t.firing), *others], center.tzinfo
    )
    return render(
        request,
        "feedback/clinician_tasks.html",
        {
            "center": center,
            "centers": centers,
            "mine": mine,
            "overdue": [t for t in open_tasks if t.due_at and t.due_at < now],
            "due": [t for t in open_tasks if not t.due_at or t.due_at >= now],
            "done": done,
            "other_firings": others,
        },
    )


@require_POST
@login_required
def clinician_task_done(request: HttpRequest, pk: int) -> HttpResponse:
    centers = _clinician_centers(request.user)
    task = get_object_or_404(ClinicianTask, pk=pk, center__in=centers)
    try:
        clinician_task_complete(task=task, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Marked done: %(task)s") % {"task": task.title})
    return redirect(f"{reverse('clinician_tasks')}?center={task.center_id}")


@require_safe
@login_required
def my_day_clinician_tasks(request: HttpRequest) -> HttpResponse:
    """My day's box of open tasks (the clinician's and the unassigned), refreshed by htmx."""
    centers = _clinician_centers(request.user)
    wanted = request.GET.get("center", "")
    center = next((c for c in centers if str(c.pk) == wanted), centers[0])
    tasks = clinician_tasks_for_my_day(center=center, user=request.user)
    return render(
        request,
        "feedback/_my_day_tasks.html",
        {"center": center, "tasks": tasks, "now": timezone.now()},
    )


@require_safe
@login_required
def patient_adaptations(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The rule firings of one patient, with their reasons, for the patient's page."""
    centers = _clinician_centers(request.user)
    patient = get_object_or_404(
        Patient.objects.select_related("center"), pk=patient_id, center__in=centers
    )
    firings = rule_firings_for_patient(patient=patient)
    _firings_in_words(firings, patient.center.tzinfo)
    back = request.htmx.current_url if request.htmx else ""
    return render(
        request,
        "feedback/_patient_adaptations.html",
        {"patient": patient, "firings": firings, "next": back or ""},
    )


@require_POST
@login_required
def rule_firing_reverse_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A clinician undoes what a rule did (its task list's or the patient page's button)."""
    centers = _clinician_centers(request.user)
    firing = get_object_or_404(RuleFiring.objects.select_related("rule"), pk=pk, center__in=centers)
    try:
        firing = rule_firing_reverse(firing=firing, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("Reversed “%(rule)s”. %(what)s")
            % {"rule": firing.rule.name, "what": firing.reversal_note},
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = f"{reverse('clinician_tasks')}?center={firing.center_id}"
    return redirect(back)
