"""Protocols API: the protocol templates a caller's centers may prescribe, with their versions."""

from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.generics import ListAPIView

from clinics.access import centers_for
from config.api import MAX_ID, NO_SUCH_PAGE, NOT_SIGNED_IN, NOT_VALID, ApiPagination
from protocols.models import ProtocolTemplate, ProtocolVersion


class ProtocolFilterSerializer(serializers.Serializer):
    center = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Those this center may prescribe: its own and the shared ones.",
    )


class ProtocolVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    version = serializers.IntegerField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(
        allow_null=True, help_text="First day it no longer applies; null for open-ended."
    )
    step_count = serializers.SerializerMethodField()

    def get_step_count(self, version) -> int:
        return len(version.steps.all())


class ProtocolSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    duration_days = serializers.IntegerField()
    center = serializers.IntegerField(
        source="center_id", allow_null=True, help_text="Null for a protocol shared by all."
    )
    versions = ProtocolVersionSerializer(
        source="active_versions", many=True, help_text="Active versions, newest first."
    )


class ProtocolListApi(ListAPIView):
    serializer_class = ProtocolSerializer
    pagination_class = ApiPagination
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "code", "duration_days"]
    ordering = ["name"]

    def get_queryset(self):
        filters = ProtocolFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        centers = centers_for(self.request.user)
        if "center" in filters.validated_data:
            centers = centers.filter(pk=filters.validated_data["center"])
        # Protocols are prescribed at centers: a caller who works at none sees none.
        if not centers.exists():
            return ProtocolTemplate.objects.none()
        active = ProtocolVersion.objects.filter(status=ProtocolVersion.Status.ACTIVE).order_by(
            "-version"
        )
        return (
            ProtocolTemplate.objects.filter(is_active=True)
            .filter(Q(center__isnull=True) | Q(center__in=centers))
            .prefetch_related(
                Prefetch("versions", queryset=active, to_attr="active_versions"),
                "active_versions__steps",
            )
        )

    @extend_schema(
        operation_id="protocols_list",
        parameters=[ProtocolFilterSerializer],
        responses={
            200: ProtocolSerializer(many=True),
            400: NOT_VALID,
            401: NOT_SIGNED_IN,
            404: NO_SUCH_PAGE,
        },
        description="Active protocol templates the caller's centers may prescribe (shared "
        "ones and their own), with their active versions; POST /api/care-plans takes a "
        "template's id and picks the version in force on the start date.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
