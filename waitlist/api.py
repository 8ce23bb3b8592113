"""Waitlist API: join a waitlist (a patient for themselves, staff for a patient of their
centers) and list the waits the caller may see, over the waitlist's services."""

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from clinics.access import STAFF_ROLES, centers_for
from config.api import (
    MAX_ID,
    NO_SUCH_PAGE,
    NOT_SIGNED_IN,
    NOT_VALID,
    ApiErrorSerializer,
    ApiPagination,
    error_response,
)
from patients.models import Patient
from protocols.models import ProtocolTemplate, ProtocolVersion
from waitlist.models import TimeOfDay, WaitlistEntry, WaitlistOffer
from waitlist.services import WaitlistError, waitlist_join

NOT_PATIENT_OR_STAFF = OpenApiResponse(
    ApiErrorSerializer, description="Neither a patient nor on a center's staff."
)


class WaitlistInputSerializer(serializers.Serializer):
    patient = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="The patient's id; staff only (a patient joins for themselves).",
    )
    protocol = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of a protocol template (GET /api/protocols)."
    )
    earliest_start = serializers.DateField(help_text="The earliest first day that suits.")
    latest_start = serializers.DateField(help_text="The latest first day that suits.")
    preferred_times = serializers.ListField(
        child=serializers.ChoiceField(choices=TimeOfDay.choices),
        required=False,
        default=list,
        max_length=len(TimeOfDay.choices),
        help_text="Parts of the day preferred; empty or left out: any.",
    )


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    start_date = serializers.DateField(help_text="The first day offered.")
    expires_at = serializers.DateTimeField()
    reason = serializers.CharField(
        source="reason_text", help_text="Why this patient was offered the places."
    )


class WaitlistEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    patient = serializers.IntegerField(source="patient_id")
    center = serializers.IntegerField(source="center_id")
    protocol = serializers.IntegerField(source="protocol_version.template_id")
    protocol_version = serializers.IntegerField(source="protocol_version_id")
    earliest_start = serializers.DateField()
    latest_start = serializers.DateField()
    preferred_times = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    created_at = serializers.DateTimeField(help_text="Waiting since.")
    check_note = serializers.CharField(
        source="check_text", help_text="What the last look for places found."
    )
    offer = serializers.SerializerMethodField(help_text="The open offer, if any.")

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, entry) -> dict | None:
        now = timezone.now()
        live = next((o for o in entry.offers.all() if o.is_live(now)), None)
        return OfferSerializer(live).data if live else None


class WaitlistApi(ListAPIView):
    serializer_class = WaitlistEntrySerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        scope = Q(center__in=centers_for(self.request.user, roles=STAFF_ROLES))
        own = getattr(self.request.user, "patient_profile", None)
        if own is not None:
            scope |= Q(patient=own)
        return (
            WaitlistEntry.objects.filter(scope)
            .select_related("protocol_version")
            .prefetch_related(
                Prefetch("offers", queryset=WaitlistOffer.objects.order_by("-offered_at"))
            )
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        operation_id="waitlist_list",
        responses={
            200: WaitlistEntrySerializer(many=True),
            401: NOT_SIGNED_IN,
            403: NOT_PATIENT_OR_STAFF,
            404: NO_SUCH_PAGE,
        },
        summary="List waits",
        description="A patient's own waits, or, for staff, the waits at their centers; newest "
        "first, each with its open offer.",
    )
    def get(self, request, *args, **kwargs):
        own = getattr(request.user, "patient_profile", None)
        if own is None and not centers_for(request.user, roles=STAFF_ROLES).exists():
            return error_response(
                _("Only a patient or a center's staff can see waitlists."),
                code=status.HTTP_403_FORBIDDEN,
            )
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="waitlist_join",
        request=WaitlistInputSerializer,
        responses={
            201: WaitlistEntrySerializer,
            400: NOT_VALID,
            401: NOT_SIGNED_IN,
            403: NOT_PATIENT_OR_STAFF,
            404: OpenApiResponse(ApiErrorSerializer, description="No such patient or protocol."),
        },
        summary="Join a waitlist",
        description="Wait for a whole protocol at the patient's center, to start between two "
        "days. When capacity frees up and the whole protocol fits, the patient is offered the "
        "places (in the portal's Waitlist and messages) and books them by accepting.",
    )
    def post(self, request):
        data = WaitlistInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data
        patient = self._patient(request, wanted.get("patient"))
        if isinstance(patient, Response):
            return patient
        template = (
            ProtocolTemplate.objects.filter(is_active=True, pk=wanted["protocol"])
            .filter(Q(center__isnull=True) | Q(center=patient.center))
            .first()
        )
        if template is None:
            return error_response(
                _("No such protocol at this center."), code=status.HTTP_404_NOT_FOUND
            )
        version = (
            ProtocolVersion.objects.effective_on(wanted["earliest_start"])
            .filter(template=template)
            .order_by("-version")
            .first()
        )
        if version is None:
            message = _("No version of this protocol is in force on %(day)s.") % {
                "day": wanted["earliest_start"].isoformat()
            }
            return error_response(message, fields={"earliest_start": [message]})
        try:
            entry = waitlist_join(
                patient=patient,
                center=patient.center,
                protocol_version=version,
                earliest_start=wanted["earliest_start"],
                latest_start=wanted["latest_start"],
                preferred_times=wanted["preferred_times"],
                by=request.user,
            )
        except WaitlistError as error:
            return error_response(str(error))
        entry = (
            WaitlistEntry.objects.select_related("protocol_version")
            .prefetch_related("offers")
            .get(pk=entry.pk)
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _patient(request, patient_id: int | None) -> Patient | Response:
        if patient_id is None:
            own = getattr(request.user, "patient_profile", None)
            if own is None:
                return error_response(
                    _("Name the patient: only a patient joins without one."),
                    fields={"patient": [_("This field is required.")]},
                )
            return Patient.objects.select_related("center").get(pk=own.pk)
        centers = centers_for(request.user, roles=STAFF_ROLES)
        if not centers.exists():
            return error_response(
                _("Only a center's staff can put another patient on a waitlist."),
                code=status.HTTP_403_FORBIDDEN,
            )
        patient = (
            Patient.objects.select_related("center")
            .filter(center__in=centers, is_active=True, pk=patient_id)
            .first()
        )
        if patient is None:
            return error_response(
                _("No such patient at your centers."), code=status.HTTP_404_NOT_FOUND
            )
        return patient
