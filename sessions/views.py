"""The practitioner's pages on the clinic floor: My day."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinics.access import centers_for
from clinics.choices import Role
from sessions.models import SessionStatus
from sessions.selectors import local_day_bounds, sessions_for_practitioner_between


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
