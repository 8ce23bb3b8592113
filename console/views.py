"""The console's home: a center's day at a glance for its admins and medical director."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.access import staff_center_for
from clinics.models import Consumable, Leave, RosterShift
from patients.models import CarePlan
from sessions.models import SessionStatus
from sessions.selectors import local_day_bounds, sessions_for_center_between, status_counts


@login_required
def home(request: HttpRequest) -> HttpResponse:
    center, centers = staff_center_for(request.user, request.GET.get("center"))
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
    return render(request, "console/home.html", context)
