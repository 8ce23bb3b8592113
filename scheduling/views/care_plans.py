"""Care-plan pages: the center's plans, one plan's steps, auto-scheduling, booking the steps
left out, and the earliest start."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit.services import patient_record_read_log
from clinics.access import require_staff_of, staff_center_for
from patients.models import CarePlan
from patients.services import care_plan_create
from scheduling.forms import CarePlanForm
from scheduling.selectors import (
    care_plan_runs,
    care_plan_steps,
    care_plans_for_center,
    care_plans_with_protocol,
)
from scheduling.services.care_plans import (
    care_plan_book_remaining_queue,
    care_plan_earliest_fit,
    care_plan_schedule_queue,
    step_still_possible,
)
from scheduling.services.runs import SchedulingError


@login_required
def care_plans(request: HttpRequest) -> HttpResponse:
    center, centers = staff_center_for(request.user, request.GET.get("center"))
    form = CarePlanForm(request.POST or None, center=center)
    if request.method == "POST" and form.is_valid():
        try:
            plan = care_plan_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Care plan created. Auto-schedule it when you are ready."))
            return redirect("care_plan_detail", pk=plan.pk)
    return render(
        request,
        "scheduling/care_plans.html",
        {
            "center": center,
            "centers": centers,
            "plans": care_plans_for_center(center),
            "form": form,
        },
    )


@login_required
@require_safe
def care_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(care_plans_with_protocol(), pk=pk)
    center = plan.patient.center
    require_staff_of(request.user, center)
    patient_record_read_log(user=request.user, patient=plan.patient, what=f"Care plan {plan.pk}")
    runs = care_plan_runs(plan)
    steps = care_plan_steps(plan, runs)
    has_sessions = any(row.session for row in steps)
    # Steps left out that can still happen: one past its last possible day is not offered.
    today = timezone.localdate(timezone=ZoneInfo(center.timezone))
    remaining_count = sum(
        1 for row in steps if row.session is None and step_still_possible(plan, row.step, today)
    )
    return render(
        request,
        "scheduling/care_plan_detail.html",
        {
            "plan": plan,
            "center": center,
            "steps": steps,
            "runs": runs,
            "has_sessions": has_sessions,
            "remaining_count": remaining_count,
            "can_book_remaining": has_sessions
            and remaining_count > 0
            and plan.status in (CarePlan.Status.SCHEDULED, CarePlan.Status.ACTIVE),
        },
    )


@login_required
@require_POST
def care_plan_auto_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(care_plans_with_protocol(), pk=pk)
    require_staff_of(request.user, plan.patient.center)
    try:
        run = care_plan_schedule_queue(care_plan=plan, requested_by=request.user)
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("care_plan_detail", pk=plan.pk)
    return redirect("scheduling_run", pk=run.pk)


@login_required
@require_POST
def care_plan_book_remaining(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(care_plans_with_protocol(), pk=pk)
    require_staff_of(request.user, plan.patient.center)
    try:
        run = care_plan_book_remaining_queue(care_plan=plan, requested_by=request.user)
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("care_plan_detail", pk=plan.pk)
    return redirect("scheduling_run", pk=run.pk)


@login_required
@require_safe
def care_plan_earliest_start(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(care_plans_with_protocol(), pk=pk)
    require_staff_of(request.user, plan.patient.center)
    fit = care_plan_earliest_fit(care_plan=plan)
    return render(request, "scheduling/_earliest_fit.html", {"plan": plan, "fit": fit})
