"""What every API endpoint shares: the one error shape ({"message": ..., "extra": {...}}),
pagination, and the check that the caller is on a center's staff."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinics.access import STAFF_ROLES, centers_for


class ApiErrorSerializer(serializers.Serializer):
    """The one error shape, for the schema: endpoints name it for their 4xx answers."""

    message = serializers.CharField()
    extra = serializers.DictField()


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "message": _("Some of the data sent is not valid."),
            "extra": {"fields": data},
        }
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        response.data = {"message": str(detail), "extra": {}}
    return response


def error_response(message: str, *, code: int = status.HTTP_400_BAD_REQUEST, **extra) -> Response:
    return Response({"message": message, "extra": extra}, status=code)


class ApiPagination(PageNumberPagination):
    """Pages of 50 by default; `page_size` up to 200 for integrations that read a whole list."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# The largest id PostgreSQL's integer keys hold: a bigger one is "not found", never a 500.
MAX_ID = 2**31 - 1

# Answers most endpoints document alike.
STAFF_ONLY = OpenApiResponse(
    ApiErrorSerializer, description="Not an admin or medical director of a center."
)
NOT_SIGNED_IN = OpenApiResponse(ApiErrorSerializer, description="No valid token or session.")
NO_SUCH_PAGE = OpenApiResponse(
    ApiErrorSerializer, description="No such page of the list (`page` beyond the last)."
)
NOT_VALID = OpenApiResponse(
    ApiErrorSerializer, description="Not valid: `extra.fields` names each field and what is wrong."
)


def refuse_unless_staff(request) -> Response | None:
    """The 403 for a caller on no center's staff, checked before the body is read."""
    if centers_for(request.user, roles=STAFF_ROLES).exists():
        return None
    return error_response(
        _("Only a center admin or medical director can do this."), code=status.HTTP_403_FORBIDDEN
    )


def not_found(request, exception):
    """Django's 404 for an address no route matches: under /api/ in the API's error shape, so
    that an integration that misspells an id (/api/sessions/abc) still gets JSON."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": _("No such API address."), "extra": {}}, status=404)
    return page_not_found(request, exception)
