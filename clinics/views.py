"""Pages every user shares: the health check, the icon, the landing redirect, the no-role notice."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from clinics.access import landing_url_name
from config.preflight import service_problems


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    problems = service_problems()
    if problems:
        return JsonResponse({"status": "unavailable", "down": problems}, status=503)
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on pages that name no icon, such as the Django admin's.
    return redirect(static("img/lotus.svg"), permanent=True)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_url_name(request.user))


@login_required
@require_safe
def no_role(request: HttpRequest) -> HttpResponse:
    # A signed-in account that no clinic has given a role yet: say so rather than 403.
    return render(request, "clinics/no_role.html")
