"""The user's account page (calendar feeds to subscribe to) and the feeds themselves."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from integrations.feeds import feed_calendar
from integrations.models import CalendarFeed
from integrations.services import (
    calendar_feed_create,
    calendar_feed_hash,
    calendar_feed_kinds_for,
    calendar_feed_revoke,
)


def _render(request: HttpRequest, *, secret: str = "", error: str = "", status: int = 200):
    template = (
        "integrations/account.html#feed-list" if request.htmx else "integrations/account.html"
    )
    address = request.build_absolute_uri(reverse("calendar_feed", args=[secret])) if secret else ""
    context = {
        "kinds": calendar_feed_kinds_for(request.user),
        "feeds": CalendarFeed.objects.filter(user=request.user),
        "address": address,
        # The same address for apps that open webcal:// links straight into a subscription.
        "webcal": address.replace("https://", "webcal://").replace("http://", "webcal://"),
        "error": error,
    }
    return render(request, template, context, status=status)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _feed, secret = calendar_feed_create(
                user=request.user, kind=request.POST.get("kind", "")
            )
        except ValidationError as error:
            return _render(request, error=" ".join(error.messages), status=400)
        # Rendered straight back, never redirected: the secret is not kept anywhere to show later.
        return _render(request, secret=secret)
    return _render(request)


@login_required
@require_POST
def calendar_feed_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        calendar_feed_revoke(user=request.user, feed_id=pk)
    except CalendarFeed.DoesNotExist:
        raise Http404 from None
    return _render(request) if request.htmx else redirect("account")


@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The feed a calendar app reads: no sign-in (they send none), the secret is the key.
    An unknown or revoked secret, or a deactivated user, is a plain 404."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(key_hash=calendar_feed_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    response = HttpResponse(
        feed_calendar(feed, now=now), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    # The address is the credential: keep it out of shared caches and search engines.
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
