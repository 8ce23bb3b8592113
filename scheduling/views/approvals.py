"""Plans that patients booked but that wait for a clinician: the list, approve and decline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from clinics.access import centers_for
from clinics.choices import Role
from patients.models import CarePlan
from scheduling.selectors import runs_rows
from scheduling.services.proposals import (
    DECLINE_REASON_MAX_CHARS,
    care_plan_approve,
    care_plan_decline,
    care_plans_held,
    proposals_for,
)
from scheduling.services.runs import SchedulingError

# Whether a plan is safe for this patient is a clinical decision, not an administrative one.
APPROVER_ROLES = (Role.PRACTITIONER, Role.MEDICAL_DIRECTOR)


def _approver_center_ids(user) -> list[int]:
    center_ids = list(centers_for(user, roles=APPROVER_ROLES).values_list("pk", flat=True))
    if not center_ids:
        raise PermissionDenied
    return center_ids


def _held_plan(request: HttpRequest, pk: int) -> CarePlan:
    # Another center's plan is 404, as if it did not exist.
    return get_object_or_404(
        CarePlan.objects.select_related("patient"),
        pk=pk,
        patient__center_id__in=_approver_center_ids(request.user),
    )


@login_required
@require_safe
def held_plans(request: HttpRequest) -> HttpResponse:
    plans = care_plans_held(center_ids=_approver_center_ids(request.user))
    runs = proposals_for(plans)
    rows = runs_rows(list(runs.values()))
    for plan in plans:
        run = runs.get(plan.pk)
        plan.proposal_rows = rows[run.pk].placed if run else []
        plan.hold_reasons = plan.hold_reason.splitlines()
    return render(
        request,
        "scheduling/held_plans.html",
        {"plans": plans, "reason_max": DECLINE_REASON_MAX_CHARS},
    )


@login_required
@require_POST
def held_plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _held_plan(request, pk)
    try:
        outcome = care_plan_approve(plan=plan, by=request.user)
    except SchedulingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "Approved: %(n)s session booked for %(patient)s.",
                "Approved: %(n)s sessions booked for %(patient)s.",
                outcome.booked,
            )
            % {"n": outcome.booked, "patient": plan.patient.full_name},
        )
    return redirect("care_plans_held")


@login_required
@require_POST
def held_plan_decline(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _held_plan(request, pk)
    try:
        care_plan_decline(plan=plan, by=request.user, reason=request.POST.get("reason", ""))
    except SchedulingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Declined; %(patient)s sees your reason.") % {"patient": plan.patient.full_name},
        )
    return redirect("care_plans_held")
