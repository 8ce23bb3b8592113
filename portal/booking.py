"""The patient books a package: choose center, package and first day; see the whole proposed
plan with the scheduler's reasons; confirm it, or try the earliest start that fits."""

import contextlib
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from patients.forms import CONSENTS_NEEDED
from patients.models import CarePlan, Patient
from patients.selectors import intake_progress
from portal.forms import BookingForm
from scheduling.selectors import runs_rows
from scheduling.services.booking import ScheduleClash
from scheduling.services.care_plans import care_plan_earliest_fit
from scheduling.services.proposals import (
    care_plan_confirm,
    care_plan_proposal_refresh,
    care_plan_propose,
    proposal_for,
)
from scheduling.services.runs import SchedulingError
from sessions.models import RELEASED_STATUSES
from sessions.selectors import sessions_for_patient

# How many of the patient's packages the booking page lists.
PLANS_SHOWN = 10


def _patient_of(request: HttpRequest) -> Patient:
    # Only a patient books for themselves; staff book through the console's care plans.
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    return patient


def _own_plan(patient: Patient, pk: int) -> CarePlan:
    # Another patient's plan is 404, as if it did not exist.
    return get_object_or_404(
        CarePlan.objects.select_related("protocol_version__template", "patient__center"),
        pk=pk,
        patient=patient,
    )


def _reason(explanation: str) -> str:
    """The scheduler's reason for a time, without the time, room and practitioner it restates
    first ("Mon 7 Dec 07:00-08:00 with T3 in R1; moved a day later: ..."); empty when the
    time was its first choice."""
    _where, _sep, reason = explanation.partition("; ")
    return reason


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    form = BookingForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            run = care_plan_propose(patient=patient, requested_by=request.user, **form.cleaned_data)
        except (ValidationError, SchedulingError) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            return redirect("portal_book_plan", pk=run.care_plan_id)
    plans = (
        CarePlan.objects.filter(patient=patient)
        .exclude(status=CarePlan.Status.DRAFT)
        .select_related("protocol_version__template")
        .order_by("-created_at", "-pk")[:PLANS_SHOWN]
    )
    progress = intake_progress(patient=patient, consents_needed=CONSENTS_NEEDED)
    return render(
        request,
        "portal/book.html",
        {
            "form": form,
            "patient": patient,
            "plans": plans,
            "intake_ready": progress.health_done and progress.consents_done,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def book_plan(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_of(request)
    plan = _own_plan(patient, pk)
    context = {"plan": plan, "patient": patient, "center": plan.patient.center}
    if plan.status in (CarePlan.Status.DRAFT, CarePlan.Status.HELD):
        run = proposal_for(plan)
        rows = runs_rows([run])[run.pk] if run else None
        if rows:
            for row in rows.placed:
                row["reason"] = _reason(row["explanation"])
        context.update(run=run, rows=rows)
        if plan.status == CarePlan.Status.DRAFT and (run is None or rows.unscheduled):
            # The engine's quick search (well under a second) for a start that fits whole.
            context["fit"] = care_plan_earliest_fit(care_plan=plan)
            context["later"] = plan.start_date + timedelta(days=7)
    else:
        context["sessions"] = [
            s
            for s in sessions_for_patient(patient=patient).filter(care_plan=plan)
            if s.status not in RELEASED_STATUSES
        ]
    return render(request, "portal/book_plan.html", context)


@login_required
@require_POST
def book_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_of(request)
    plan = _own_plan(patient, pk)
    try:
        run_id = int(request.POST.get("run", ""))
    except ValueError:
        messages.error(request, _("Please confirm from the plan shown on this page."))
        return redirect("portal_book_plan", pk=plan.pk)
    try:
        outcome = care_plan_confirm(plan=plan, run_id=run_id, by=request.user)
    except ScheduleClash:
        # Without a fresh proposal the plan page offers other first days instead.
        with contextlib.suppress(SchedulingError):
            care_plan_proposal_refresh(plan=plan, requested_by=request.user)
        messages.error(
            request,
            _(
                "Someone booked one of these times a moment ago, so nothing was booked. "
                "Here are new times for your package."
            ),
        )
    except SchedulingError as error:
        messages.error(request, str(error))
    else:
        if outcome.held_for:
            messages.info(
                request,
                _(
                    "A practitioner will look at your plan before it is booked; their answer will show on this page."
                ),
            )
        else:
            messages.success(
                request,
                ngettext(
                    "Booked: %(n)s session. It is on your timeline.",
                    "Booked: %(n)s sessions. They are on your timeline.",
                    outcome.booked,
                )
                % {"n": outcome.booked},
            )
    return redirect("portal_book_plan", pk=plan.pk)
