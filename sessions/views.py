"""Landing pages of the clinic floor: the admin console, a practitioner's day, a patient's care."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.access import STAFF_ROLES, centers_for
from clinics.choices import Role
from clinics.models import Consumable, Leave, RosterShift
from patients.models import CarePlan
from sessions.models import SessionStatus
from sessions.selectors import (
    local_day_bounds,
    sessions_for_center_between,
    sessions_for_patient,
    sessions_for_practitioner_between,
    status_counts,
)


@login_required
def console(request: HttpRequest) -> HttpResponse:
    centers = list(centers_for(request.user, roles=STAFF_ROLES))
    if not centers:
        raise PermissionDenied
    wanted = request.GET.get("center")
    center = next((c for c in centers if str(c.pk) == wanted), centers[0])
    now = timezone.now()
    today = now.astimezone(ZoneInfo(center.timezone)).date()
    day_start, day_end = local_day_bounds(today, center.timezone)
    todays_sessions = sessions_for_center_between(center=center, starts=day_start, ends=day_end)
    counts = status_counts(todays_sessions)
    context = {
        "centers": centers,
        "center": center,
        "today": today,
        "sessions": todays_sessions,
        "counts": counts,
        "in_progress": counts[SessionStatus.IN_PREPARATION]
        + counts[SessionStatus.IN_SESSION]
        + counts[SessionStatus.RECOVERY],
        "rooms_count": center.rooms.filter(is_active=True).count(),
        "shifts": RosterShift.objects.filter(center=center, weekday=today.weekday())
        .select_related("practitioner__user")
        .order_by("starts", "practitioner__user__first_name"),
        "plans_to_schedule": CarePlan.objects.filter(
            patient__center=center, status=CarePlan.Status.DRAFT
        )
        .select_related("patient", "protocol_version__template")
        .order_by("start_date")[:10],
        "low_stock": Consumable.objects.filter(
            center=center, stock_quantity__lte=F("reorder_level")
        ).order_by("name"),
        "leave": Leave.objects.filter(
            practitioner__shifts__center=center,
            ends_at__gte=now,
            starts_at__lte=now + timedelta(days=14),
        )
        .select_related("practitioner__user")
        .distinct()
        .order_by("starts_at"),
    }
    return render(request, "sessions/console.html", context)


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    practitioner = getattr(request.user, "practitioner_profile", None)
    centers = list(centers_for(request.user, roles=[Role.PRACTITIONER]))
    if practitioner is None or not centers:
        raise PermissionDenied
    center = centers[0]
    today = timezone.now().astimezone(ZoneInfo(center.timezone)).date()
    day_start, _ = local_day_bounds(today, center.timezone)
    _, week_end = local_day_bounds(today + timedelta(days=6), center.timezone)
    sessions = list(
        sessions_for_practitioner_between(
            practitioner=practitioner, starts=day_start, ends=week_end
        )
    )
    zone = ZoneInfo(center.timezone)
    todays = [s for s in sessions if s.starts_at.astimezone(zone).date() == today]
    later = [s for s in sessions if s.starts_at.astimezone(zone).date() != today]
    return render(
        request,
        "sessions/my_day.html",
        {
            "center": center,
            "today": today,
            "practitioner": practitioner,
            "todays_sessions": todays,
            "later_sessions": later,
            "minutes_today": sum(
                s.therapy.duration_minutes
                for s in todays
                if s.status not in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)
            ),
        },
    )


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = getattr(request.user, "patient_profile", None)
    if patient is None:
        raise PermissionDenied
    now = timezone.now()
    sessions = list(sessions_for_patient(patient=patient))
    live = [s for s in sessions if s.status not in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)]
    upcoming = [s for s in live if s.ends_at >= now and s.status != SessionStatus.COMPLETED]
    past = [s for s in sessions if s not in upcoming][::-1][:10]
    plans = list(
        CarePlan.objects.filter(patient=patient)
        .exclude(status=CarePlan.Status.CANCELLED)
        .select_related("protocol_version__template")
        .order_by("-start_date")
    )
    for plan in plans:
        plan_sessions = [s for s in live if s.care_plan_id == plan.pk]
        done = sum(1 for s in plan_sessions if s.status == SessionStatus.COMPLETED)
        plan.sessions_total = len(plan_sessions)
        plan.sessions_done = done
        plan.percent = round(100 * done / len(plan_sessions)) if plan_sessions else 0
        plan.progress_step = round(plan.percent, -1)
    return render(
        request,
        "sessions/portal_home.html",
        {
            "patient": patient,
            "center": patient.center,
            "next_session": upcoming[0] if upcoming else None,
            "upcoming": upcoming[1:8],
            "past": past,
            "plans": plans,
        },
    )
