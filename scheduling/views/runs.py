"""A scheduling run's page (progress, placements, reasons), its downloads, and applying it."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from clinics.access import require_staff_of
from scheduling.models import SchedulingRun
from scheduling.selectors import run_replaced_by, runs_for_page, runs_rows
from scheduling.services.booking import ScheduleClash, scheduling_run_apply
from scheduling.services.runs import (
    SchedulingError,
    scheduling_run_discard,
    scheduling_run_retry,
)

# Runs booked only once an admin has reviewed them on this page; auto-schedule books by
# itself, and alternatives are chosen on the reschedule page.
REVIEWED_KINDS = (SchedulingRun.Kind.SICK_LEAVE, SchedulingRun.Kind.OVERRUN)


@login_required
@require_safe
def scheduling_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(runs_for_page(), pk=pk)
    require_staff_of(request.user, run.center)
    rows = runs_rows([run])[run.pk]
    # An auto-schedule run books its own result: until then the job is still at work.
    in_flight = run.status == SchedulingRun.Status.RUNNING or (
        run.kind == SchedulingRun.Kind.AUTO_SCHEDULE
        and run.status == SchedulingRun.Status.SUCCEEDED
        and run.placed_count > 0
    )
    context = {
        "run": run,
        "center": run.center,
        "placed": rows.placed,
        "kept": rows.kept,
        "unscheduled": rows.unscheduled,
        "in_flight": in_flight,
        "replanned_by": run_replaced_by(run),
        "changed_count": rows.changed_count,
        "shows_changes": run.kind != SchedulingRun.Kind.AUTO_SCHEDULE,
        "can_apply": run.kind in REVIEWED_KINDS and run.status == SchedulingRun.Status.SUCCEEDED,
    }
    template = "scheduling/run.html"
    if request.htmx:
        template += "#run-body"
    return render(request, template, context)


@login_required
@require_safe
def scheduling_run_download(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    run = get_object_or_404(SchedulingRun.objects.select_related("center"), pk=pk)
    require_staff_of(request.user, run.center)
    document = run.problem if part == "problem" else run.solution
    if not document:
        return JsonResponse({"message": _("This run has no solution yet.")}, status=404)
    response = HttpResponse(json.dumps(document, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="run-{run.pk}-{part}.json"'
    return response


@login_required
@require_POST
def scheduling_run_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SchedulingRun.objects.select_related("center"), pk=pk)
    require_staff_of(request.user, run.center)
    try:
        booked = scheduling_run_apply(run=run, applied_by=request.user)
    except ScheduleClash:
        messages.error(
            request,
            _(
                "Someone booked one of these slots meanwhile. Nothing was changed; please run it again."
            ),
        )
    except SchedulingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)s sessions booked.") % {"count": len(booked)})
    return redirect("scheduling_run", pk=run.pk)


@login_required
@require_POST
def scheduling_run_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SchedulingRun.objects.select_related("center", "care_plan"), pk=pk)
    require_staff_of(request.user, run.center)
    try:
        retried = scheduling_run_retry(run=run, requested_by=request.user)
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("scheduling_run", pk=run.pk)
    return redirect("scheduling_run", pk=retried.pk)


@login_required
@require_POST
def scheduling_run_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SchedulingRun.objects.select_related("center"), pk=pk)
    require_staff_of(request.user, run.center)
    if run.status != SchedulingRun.Status.FAILED:
        messages.error(request, _("Only a failed run can be discarded here."))
    else:
        scheduling_run_discard(run=run, error=run.error)
        messages.success(request, _("The run was discarded; the plan is as it was."))
    return redirect("scheduling_run", pk=run.pk)
