"""The patient's pages: home (the next session and each plan), the live timeline, progress."""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from feedback.selectors import mymop_due, session_awaiting_feedback
from patients.models import CarePlan, DischargeSummary
from portal.progress import progress_page_context
from portal.selectors import (
    patient_progress,
    patient_timeline,
    plan_milestone,
    todays_guidance,
)
from sessions.models import RELEASED_STATUSES, SessionStatus
from sessions.selectors import sessions_for_patient


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    now = timezone.now()
    zone = patient.center.tzinfo
    sessions = list(
        # The plan's protocol version picks the playbook's texts for today's guidance.
        sessions_for_patient(patient=patient).select_related("care_plan__protocol_version")
    )
    live = [s for s in sessions if s.status not in RELEASED_STATUSES]
    upcoming = [s for s in live if s.ends_at >= now and s.status != SessionStatus.COMPLETED]
    past = [s for s in sessions if s not in upcoming][::-1][:10]
    plans = list(
        CarePlan.objects.filter(patient=patient)
        .exclude(status=CarePlan.Status.CANCELLED)
        .select_related("protocol_version__template")
        .order_by("-start_date")
    )
    before, after = todays_guidance(
        sessions=sessions, now=now, zone=zone, locale=translation.get_language()
    )
    return render(
        request,
        "portal/home.html",
        {
            "patient": patient,
            "center": patient.center,
            "now": now,
            "next_session": upcoming[0] if upcoming else None,
            "upcoming": upcoming[1:8],
            "past": past,
            "milestones": [plan_milestone(plan, sessions, zone) for plan in plans],
            "guidance_before": before,
            "guidance_after": after,
            "awaiting_feedback": session_awaiting_feedback(patient=patient),
            "mymop_due": mymop_due(patient=patient, now=now),
        },
    )


# The parts of the timeline htmx fetches again: the days (a session appeared or moved) and
# the milestones (a status changed, or the countdown's minute passed).
TIMELINE_PARTS = ("timeline-days", "milestones")


@login_required
@require_safe
def timeline(request: HttpRequest) -> HttpResponse:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    now = timezone.now()
    template = "portal/timeline.html"
    if request.htmx and request.htmx.target in TIMELINE_PARTS:
        template += f"#{request.htmx.target}"
    return render(
        request,
        template,
        {
            "patient": patient,
            "center": patient.center,
            "now": now,
            "timeline": patient_timeline(patient=patient, now=now),
            "statuses": SessionStatus.choices,
        },
    )


# Plotly sets inline styles on the chart it draws; only the pages with charts allow them.
@csp_update({"style-src": ["'unsafe-inline'"]})
@require_safe
@login_required
def progress(request: HttpRequest) -> HttpResponse:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    context = progress_page_context(patient_progress(patient=patient))
    # Signed discharge summaries, to download; a draft stays with the clinicians.
    context["discharge_summaries"] = DischargeSummary.objects.filter(
        care_plan__patient=patient
    ).select_related("care_plan__protocol_version__template")
    return render(request, "portal/progress.html", context)
