"""Feedback API: a patient's feedback on their finished session, over feedback_record."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiErrorSerializer, error_response
from feedback.choices import SIDE_EFFECTS_ASKED
from feedback.models import SessionFeedback
from feedback.selectors import patient_session_for_feedback
from feedback.services import feedback_record


class FeedbackInputSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    symptom_relief = serializers.IntegerField(min_value=0, max_value=10)
    experience = serializers.ChoiceField(choices=SessionFeedback.Experience.choices)
    side_effects = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10),
        required=False,
        help_text="Severity 0-10 by side effect: " + ", ".join(s.value for s in SIDE_EFFECTS_ASKED),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FeedbackOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    session = serializers.IntegerField(source="session_id")
    symptom_relief = serializers.IntegerField()
    experience = serializers.CharField()
    corrected = serializers.SerializerMethodField()

    def get_corrected(self, feedback) -> bool:
        return feedback.corrected_at is not None


class FeedbackRecordApi(APIView):
    @extend_schema(
        operation_id="feedback_record",
        request=FeedbackInputSerializer,
        responses={
            201: FeedbackOutputSerializer,
            200: OpenApiResponse(FeedbackOutputSerializer, description="A correction."),
            400: OpenApiResponse(ApiErrorSerializer, description="Not valid, or not finished."),
            401: OpenApiResponse(ApiErrorSerializer, description="Not signed in."),
            403: OpenApiResponse(ApiErrorSerializer, description="Not a patient."),
            404: OpenApiResponse(ApiErrorSerializer, description="Not the caller's session."),
        },
        description="The signed-in patient's feedback on one of their finished sessions; "
        "sending again for the same session corrects it.",
    )
    def post(self, request):
        patient = getattr(request.user, "patient_profile", None)
        if patient is None:
            return error_response(
                _("Only a patient can give feedback."), code=status.HTTP_403_FORBIDDEN
            )
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = data.validated_data
        session = patient_session_for_feedback(patient=patient, session_id=answer["session_id"])
        if session is None:
            return error_response(_("No such session of yours."), code=status.HTTP_404_NOT_FOUND)
        try:
            feedback = feedback_record(
                session=session,
                patient=patient,
                symptom_relief=answer["symptom_relief"],
                experience=answer["experience"],
                side_effects=answer.get("side_effects", {}),
                comment=answer.get("comment", ""),
            )
        except ValidationError as error:
            return error_response(error.messages[0])
        created = feedback.corrected_at is None
        return Response(
            FeedbackOutputSerializer(feedback).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
