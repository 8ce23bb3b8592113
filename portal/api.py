"""Progress API: the aggregates behind a patient's progress charts, over patient_progress."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import patient_record_read_log
from config.api import ApiErrorSerializer, error_response
from portal.selectors import patient_for_progress, patient_progress


class FeedbackPointSerializer(serializers.Serializer):
    session = serializers.IntegerField(help_text="The answered session's id.")
    day = serializers.DateField(help_text="The session's day in the center's time zone.")
    therapy = serializers.CharField()
    protocol_day = serializers.IntegerField(
        allow_null=True, help_text="Day of the care plan's protocol (1 = its first day)."
    )
    relief = serializers.IntegerField(min_value=0, max_value=10)
    side_effects = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10),
        help_text="Severity 0-10 of each side effect felt, by name.",
    )


class PlanProgressSerializer(serializers.Serializer):
    plan = serializers.IntegerField(help_text="The care plan's id.")
    protocol = serializers.CharField()
    start_date = serializers.DateField()
    planned = serializers.IntegerField(help_text="Sessions not cancelled.")
    completed = serializers.IntegerField()
    missed = serializers.IntegerField(help_text="No-shows.")
    left = serializers.IntegerField(help_text="Planned sessions neither done nor missed.")
    adherence = serializers.IntegerField(
        allow_null=True, help_text="Percent done of the sessions done or missed."
    )


class WeightPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    kg = serializers.DecimalField(max_digits=5, decimal_places=1)


class MymopPointSerializer(serializers.Serializer):
    answered_at = serializers.DateTimeField()
    day = serializers.DateField(help_text="The day answered, in the center's time zone.")
    kind = serializers.ChoiceField(
        choices=["intake", "weekly", "discharge"], help_text="When in the care it was asked."
    )
    profile = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        help_text="MYMOP profile score: mean of the items answered, 0 best … 6 worst.",
    )
    symptom_1_name = serializers.CharField(help_text="The symptom the patient named first.")
    symptom_1 = serializers.IntegerField(min_value=0, max_value=6)
    symptom_2_name = serializers.CharField(allow_blank=True)
    symptom_2 = serializers.IntegerField(min_value=0, max_value=6, allow_null=True)
    activity_name = serializers.CharField(allow_blank=True)
    activity = serializers.IntegerField(min_value=0, max_value=6, allow_null=True)
    wellbeing = serializers.IntegerField(min_value=0, max_value=6)


class ProgressSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    adherence = serializers.IntegerField(
        allow_null=True, help_text="Percent done of the sessions done or missed, all plans."
    )
    sessions_completed = serializers.IntegerField()
    sessions_missed = serializers.IntegerField()
    relief_average = serializers.DecimalField(
        max_digits=3, decimal_places=1, allow_null=True, help_text="Mean relief, 0-10."
    )
    feedback = FeedbackPointSerializer(many=True)
    plans = PlanProgressSerializer(many=True)
    weights = WeightPointSerializer(many=True)
    mymop = MymopPointSerializer(many=True, help_text="MYMOP answers, oldest first.")
    mymop_change = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        allow_null=True,
        help_text="First MYMOP profile minus the latest: positive is better (MYMOP's sign); "
        "null with fewer than two answers.",
    )


class ProgressApi(APIView):
    @extend_schema(
        operation_id="progress_retrieve",
        responses={
            200: ProgressSerializer,
            401: OpenApiResponse(ApiErrorSerializer, description="Not signed in."),
            404: OpenApiResponse(
                ApiErrorSerializer,
                description="No such patient, or not the caller nor a patient of a center "
                "on whose staff the caller is.",
            ),
        },
        description="The aggregates behind a patient's progress charts: relief and side "
        "effects per answered session, sessions planned, done and missed per care plan, "
        "adherence, weights from session vitals, and MYMOP answers with their profile "
        "scores. For the patient themselves and the "
        "admins, medical directors and practitioners of the patient's center.",
    )
    def get(self, request, patient_id: int):
        patient = patient_for_progress(user=request.user, patient_id=patient_id)
        if patient is None:
            return error_response(_("No such patient of yours."), code=status.HTTP_404_NOT_FOUND)
        patient_record_read_log(user=request.user, patient=patient, what="API: progress")
        return Response(ProgressSerializer(patient_progress(patient=patient).as_dict()).data)
