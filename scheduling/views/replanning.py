"""Re-planning pages: other times for one session, cancelling it, sick leave, today's over-runs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinics.access import require_staff_of, staff_center_for
from clinics.models import Center
from scheduling.forms import SickLeaveForm
from scheduling.models import SchedulingRun
from scheduling.selectors import recent_runs, runs_rows, sessions_for_reschedule
from scheduling.services.replanning import (
    overrun_clashes_replan_queue,
    session_alternatives_solve,
    sick_leave_replan_queue,
)
from scheduling.services.runs import SchedulingError
from sessions.models import SessionStatus
from sessions.services import TransitionError, session_transition


@login_required
def session_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_for_reschedule(), pk=pk)
    require_staff_of(request.user, session.center)
    alternatives, error = [], None
    if request.method == "POST":
        try:
            alternatives = session_alternatives_solve(session=session, requested_by=request.user)
        except SchedulingError as failure:
            error = str(failure)
    rows = runs_rows(alternatives)
    offers = []
    for run in alternatives:
        placed = rows[run.pk].placed
        mine = next(p for p in placed if p["step"] == session.protocol_step.code)
        offers.append(
            {
                "run": run,
                "mine": mine,
                "others": [p for p in placed if p is not mine and p["changed"]],
            }
        )
    return render(
        request,
        "scheduling/reschedule.html",
        {"session": session, "center": session.center, "alternatives": offers, "error": error},
    )


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_for_reschedule(), pk=pk)
    require_staff_of(request.user, session.center)
    if session.status != SessionStatus.SCHEDULED:
        messages.error(request, _("Only a session that has not started can be cancelled."))
    else:
        try:
            session_transition(
                session=session,
                to_status=SessionStatus.CANCELLED,
                by=request.user,
                note=request.POST.get("note", ""),
            )
        except TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Session cancelled."))
    if session.care_plan_id:
        return redirect("care_plan_detail", pk=session.care_plan_id)
    return redirect("console")


@login_required
def sick_leave(request: HttpRequest) -> HttpResponse:
    center, centers = staff_center_for(
        request.user, request.POST.get("center") or request.GET.get("center")
    )
    form = SickLeaveForm(request.POST or None, center=center)
    if request.method == "POST" and form.is_valid():
        try:
            run = sick_leave_replan_queue(
                leave=form.leave(), center=center, requested_by=request.user
            )
        except SchedulingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("scheduling_run", pk=run.pk)
    return render(
        request,
        "scheduling/sick_leave.html",
        {
            "center": center,
            "centers": centers,
            "form": form,
            "recent": recent_runs(center, SchedulingRun.Kind.SICK_LEAVE),
        },
    )


@login_required
@require_POST
def center_replan_today(request: HttpRequest, center_id: int) -> HttpResponse:
    center = get_object_or_404(Center, pk=center_id)
    require_staff_of(request.user, center)
    try:
        run = overrun_clashes_replan_queue(
            center=center, now=timezone.now(), requested_by=request.user
        )
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('center_board')}?center={center.pk}")
    return redirect("scheduling_run", pk=run.pk)
