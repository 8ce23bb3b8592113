"""Patients API: register a patient with their consents, and prescribe a care plan, over the services."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics.access import STAFF_ROLES, centers_for
from clinics.choices import Language
from config.api import (
    MAX_ID,
    NOT_SIGNED_IN,
    NOT_VALID,
    STAFF_ONLY,
    ApiErrorSerializer,
    error_response,
    refuse_unless_staff,
)
from patients.models import CarePlan, Consent, Patient, PatientSex
from patients.services import care_plan_create, patient_create
from protocols.models import ProtocolTemplate, ProtocolVersion


class ConsentsInputSerializer(serializers.Serializer):
    given = serializers.ListField(
        child=serializers.ChoiceField(choices=Consent.Kind.choices),
        allow_empty=True,
        max_length=len(Consent.Kind.choices),
        help_text="What the patient agreed to.",
    )
    document_version = serializers.CharField(
        max_length=30, help_text="Version of the consent form they signed, e.g. 2026.1."
    )
    signed_by = serializers.CharField(
        max_length=150, help_text="Who signed: the patient, or their guardian by name."
    )


class PatientInputSerializer(serializers.Serializer):
    center = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    mrn = serializers.CharField(max_length=30, help_text="The center's medical record number.")
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=PatientSex.choices)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text="International, e.g. +91..."
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    consents = ConsentsInputSerializer(required=False)


class ConsentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    document_version = serializers.CharField()
    granted_at = serializers.DateTimeField()


class PatientSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    center = serializers.IntegerField(source="center_id")
    mrn = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    sex = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    phone = serializers.CharField()
    email = serializers.CharField()
    language = serializers.CharField()
    consents = serializers.SerializerMethodField()

    @extend_schema(responses=ConsentSerializer(many=True))
    def get_consents(self, patient) -> list[dict]:
        in_force = patient.consents.filter(withdrawn_at__isnull=True).order_by("kind")
        return ConsentSerializer(in_force, many=True).data


class PatientCreateApi(APIView):
    @extend_schema(
        operation_id="patients_create",
        request=PatientInputSerializer,
        responses={
            201: PatientSerializer,
            400: NOT_VALID,
            401: NOT_SIGNED_IN,
            403: STAFF_ONLY,
        },
        summary="Register a patient",
        description="Registers a patient at one of the caller's centers (as its admin or "
        "medical director) with the consents they signed, all or nothing. The medical record "
        "number is unique per center.",
    )
    def post(self, request):
        refused = refuse_unless_staff(request)
        if refused:
            return refused
        data = PatientInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        center = centers_for(request.user, roles=STAFF_ROLES).filter(pk=given.pop("center")).first()
        if center is None:
            return error_response(
                _("Not one of your centers."), fields={"center": [_("Not one of your centers.")]}
            )
        consents = given.pop("consents", None) or {}
        patient = patient_create(
            center=center,
            consents=set(consents.get("given", [])),
            consent_document_version=consents.get("document_version", ""),
            consent_signed_by=consents.get("signed_by", ""),
            **given,
        )
        patient = Patient.objects.prefetch_related("consents").get(pk=patient.pk)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


class CarePlanInputSerializer(serializers.Serializer):
    patient = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    protocol = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of a protocol template (GET /api/protocols)."
    )
    start_date = serializers.DateField(help_text="The first day, in the center's calendar.")


class CarePlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    patient = serializers.IntegerField(source="patient_id")
    protocol = serializers.IntegerField(source="protocol_version.template_id")
    protocol_version = serializers.IntegerField(source="protocol_version_id")
    version = serializers.IntegerField(source="protocol_version.version")
    start_date = serializers.DateField()
    status = serializers.CharField()
    priority = serializers.IntegerField()


class CarePlanCreateApi(APIView):
    @extend_schema(
        operation_id="care_plans_create",
        request=CarePlanInputSerializer,
        responses={
            201: CarePlanSerializer,
            400: NOT_VALID,
            401: NOT_SIGNED_IN,
            403: STAFF_ONLY,
            404: OpenApiResponse(
                ApiErrorSerializer, description="No such patient at your centers."
            ),
        },
        summary="Prescribe a care plan",
        description="A draft care plan for a patient of the caller's centers: the version of "
        "the protocol in force on the start date. The start may not be in the past nor beyond "
        "the planning horizon (about 18 months). Book it with POST /api/schedule/auto.",
    )
    def post(self, request):
        refused = refuse_unless_staff(request)
        if refused:
            return refused
        data = CarePlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data
        centers = centers_for(request.user, roles=STAFF_ROLES)
        patient = (
            Patient.objects.select_related("center")
            .filter(center__in=centers, is_active=True, pk=wanted["patient"])
            .first()
        )
        if patient is None:
            return error_response(
                _("No such patient at your centers."), code=status.HTTP_404_NOT_FOUND
            )
        # A protocol shared with every center, or one of the patient's own center.
        template = (
            ProtocolTemplate.objects.filter(is_active=True, pk=wanted["protocol"])
            .filter(Q(center__isnull=True) | Q(center=patient.center))
            .first()
        )
        if template is None:
            return error_response(
                _("No such protocol at this center."), fields={"protocol": [_("No such protocol.")]}
            )
        version = (
            ProtocolVersion.objects.effective_on(wanted["start_date"])
            .filter(template=template)
            .order_by("-version")
            .first()
        )
        if version is None:
            message = _("No version of this protocol is in force on %(day)s.") % {
                "day": wanted["start_date"].isoformat()
            }
            return error_response(message, fields={"start_date": [message]})
        try:
            plan = care_plan_create(
                patient=patient,
                protocol_version=version,
                start_date=wanted["start_date"],
                created_by=request.user,
            )
        except ValidationError as error:
            # The service's refusals are about the dates: name the field they belong to.
            return error_response(error.messages[0], fields={"start_date": error.messages})
        plan = CarePlan.objects.select_related("protocol_version").get(pk=plan.pk)
        return Response(CarePlanSerializer(plan).data, status=status.HTTP_201_CREATED)
