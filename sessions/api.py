"""Sessions API: list the sessions a user may see, filtered by patient and time."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination

from config.api import NO_SUCH_PAGE, ApiErrorSerializer
from sessions.selectors import sessions_visible_to


class SessionFilterSerializer(serializers.Serializer):
    patient_id = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    # Instants with their offset: sessions that start at or after `from`, before `to`. `from`
    # is a Python keyword, so it is declared through the class namespace.
    locals()["from"] = serializers.DateTimeField(required=False)
    to = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["to"] <= attrs["from"]:
            raise serializers.ValidationError({"to": _("'to' must come after 'from'.")})
        return attrs


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    center = serializers.IntegerField(source="center_id")
    patient = serializers.IntegerField(source="patient_id")
    care_plan = serializers.IntegerField(source="care_plan_id", allow_null=True)
    therapy = serializers.CharField(source="therapy.name")
    room = serializers.CharField(source="room.code", allow_null=True)
    practitioner = serializers.IntegerField(source="practitioner_id", allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField()


class SessionPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SessionListApi(ListAPIView):
    serializer_class = SessionSerializer
    pagination_class = SessionPagination
    filter_backends = [OrderingFilter]
    ordering_fields = ["starts_at", "status"]
    ordering = ["starts_at", "pk"]

    def get_queryset(self):
        filters = SessionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        sessions = sessions_visible_to(user=self.request.user)
        wanted = filters.validated_data
        if "patient_id" in wanted:
            sessions = sessions.filter(patient_id=wanted["patient_id"])
        if "from" in wanted:
            sessions = sessions.filter(starts_at__gte=wanted["from"])
        if "to" in wanted:
            sessions = sessions.filter(starts_at__lt=wanted["to"])
        return sessions

    @extend_schema(
        operation_id="sessions_list",
        parameters=[SessionFilterSerializer],
        responses={
            200: SessionSerializer(many=True),
            400: OpenApiResponse(ApiErrorSerializer, description="A filter is not valid."),
            401: OpenApiResponse(ApiErrorSerializer, description="Not signed in."),
            404: NO_SUCH_PAGE,
        },
        description="Sessions the caller may see (their centers as staff, those they run as "
        "practitioner, their own as patient), oldest first (`ordering=-starts_at` for newest), 50 "
        "a page.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
