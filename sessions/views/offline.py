"""The service worker that keeps the practitioner's pages open when the tablet goes offline."""

from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def service_worker(request: HttpRequest):
    # Served under /my-day/ rather than /static/ because a worker controls only the pages
    # below its own path; rendered, so that it names the static files by their hashed names.
    return render(request, "sessions/sw.js", content_type="text/javascript; charset=utf-8")
