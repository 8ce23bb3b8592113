"""My day: a practitioner's sessions of one day at their center, with what to know first."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from clinics.access import centers_for
from clinics.choices import Role
from sessions.floor_cache import floor_version
from sessions.selectors import practitioner_day


@login_required
@require_safe
def my_day(request: HttpRequest) -> HttpResponse:
    # The practitioner's own profile comes with their sessions: no query of its own.
    centers = list(centers_for(request.user, roles=[Role.PRACTITIONER]))
    if not centers:
        raise PermissionDenied
    wanted = request.GET.get("center")
    center = next((c for c in centers if str(c.pk) == wanted), centers[0])
    today = timezone.now().astimezone(ZoneInfo(center.timezone)).date()
    day, day_error = today, ""
    asked = request.GET.get("day")
    if asked:
        try:
            day = date.fromisoformat(asked)
        except ValueError:
            day_error = _(
                "“%(day)s” is not a date the page understands; write it as YYYY-MM-DD, e.g. %(today)s."
            ) % {"day": asked[:40], "today": today.isoformat()}
    context = {
        "centers": centers,
        "center": center,
        "today": today,
        "day": day,
        "is_today": day == today,
        "yesterday": day - timedelta(days=1),
        "tomorrow": day + timedelta(days=1),
        "day_error": day_error,
        # Read only when the page's drawing is not in the cache (sessions/floor_cache.py).
        "plan": SimpleLazyObject(
            lambda: practitioner_day(user=request.user, center=center, day=day)
        ),
        "floor_version": floor_version(center.pk),
        "floor_seconds": settings.FLOOR_PAGE_CACHE_SECONDS,
    }
    return render(request, "sessions/my_day.html", context, status=400 if day_error else 200)
