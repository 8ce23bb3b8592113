"""Notifications API: send a playbook template's preview to a chosen user."""

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics.access import STAFF_ROLES, centers_for
from clinics.models import User
from config.api import NOT_SIGNED_IN, STAFF_ONLY, ApiErrorSerializer, error_response
from notifications.models import NotificationTemplate
from notifications.services import NotificationError, notification_test_send
from sessions.models import TherapySession


class NotificationTestApi(APIView):
    """POST /api/notifications/test: a medical director or center admin tries a template out."""

    class InputSerializer(serializers.Serializer):
        template = serializers.IntegerField(help_text="The notification template's id.")
        user = serializers.IntegerField(help_text="Who receives the preview (a user id).")
        session = serializers.IntegerField(
            required=False, help_text="Fill the template in for this session (else samples)."
        )

    class OutputSerializer(serializers.Serializer):
        channel = serializers.CharField()
        to = serializers.CharField()
        subject = serializers.CharField(allow_blank=True)
        body = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                ApiErrorSerializer,
                description="Not valid, or no such template, user or session at your centers.",
            ),
            401: NOT_SIGNED_IN,
            403: STAFF_ONLY,
        },
        summary="Send a template's preview",
    )
    def post(self, request):
        centers = centers_for(request.user, roles=STAFF_ROLES)
        if not (centers.exists() or request.user.is_superuser):
            return error_response(
                _("Only a medical director or a center admin can send previews."),
                code=status.HTTP_403_FORBIDDEN,
            )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = NotificationTemplate.objects.filter(pk=data.validated_data["template"]).first()
        if template is None:
            return error_response(_("No such template."), template=data.validated_data["template"])
        # Previews go to the sender, or to someone of the sender's own centers.
        people = User.objects.filter(is_active=True)
        if not request.user.is_superuser:
            people = people.filter(
                Q(pk=request.user.pk)
                | Q(memberships__center__in=centers)
                | Q(patient_profile__center__in=centers)
            ).distinct()
        user = people.filter(pk=data.validated_data["user"]).first()
        if user is None:
            return error_response(
                _("No such user at your centers."), user=data.validated_data["user"]
            )
        session = None
        if "session" in data.validated_data:
            sessions = TherapySession.objects.select_related(
                "patient", "therapy", "center", "practitioner__user"
            )
            if not request.user.is_superuser:
                sessions = sessions.filter(center__in=centers)
            session = sessions.filter(pk=data.validated_data["session"]).first()
            if session is None:
                return error_response(
                    _("No such session at your centers."), session=data.validated_data["session"]
                )
        try:
            sent = notification_test_send(template=template, user=user, session=session)
        except NotificationError as error:
            return error_response(str(error))
        return Response(self.OutputSerializer(sent).data)
