"""The user's own API tokens page (/account/tokens/): create one (its secret shown once), revoke."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinics.access import centers_for
from clinics.models import ApiToken
from clinics.services import api_token_create, api_token_revoke


def _home_zone(user) -> str:
    """The time zone the user's clinic day runs in: their own center's (a patient's), else
    their first center's; UTC for someone on no center."""
    patient = getattr(user, "patient_profile", None)
    if patient is not None:
        return patient.center.timezone
    center = centers_for(user).first()
    return center.timezone if center else "UTC"


def _render(request: HttpRequest, *, secret: str = "", error: str = "", status: int = 200):
    template = "clinics/tokens.html#token-list" if request.htmx else "clinics/tokens.html"
    context = {
        "tokens": ApiToken.objects.filter(user=request.user),
        "zone": _home_zone(request.user),
        "secret": secret,
        "error": error,
    }
    return render(request, template, context, status=status)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _, secret = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as error:
            return _render(request, error=" ".join(error.messages), status=400)
        # Rendered straight back, never redirected: the secret is not kept anywhere to show later.
        return _render(request, secret=secret)
    return _render(request)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        api_token_revoke(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    return _render(request) if request.htmx else redirect("api_tokens")
