"""/metrics: the Prometheus exposition, for allowed addresses or a bearer token only."""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView


def _from_allowed_address(request: HttpRequest) -> bool:
    # REMOTE_ADDR, never X-Forwarded-For, which any client can write; behind a proxy use the token.
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(allowed, strict=False)
        for allowed in settings.METRICS_ALLOWED_IPS
    )


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given, token)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    # A refusal answers 404, as for any page that is not there, so that scanners learn nothing.
    if not (_from_allowed_address(request) or _has_token(request)):
        raise Http404
    return ExportToDjangoView(request)
