"""The API's one error shape: every failure answers {"message": ..., "extra": {...}}."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


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
