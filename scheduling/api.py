"""Scheduling API: auto-schedule a care plan, read stored runs, and reschedule, cancel or move
a session along its lifecycle, over the services the pages use."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics.access import STAFF_ROLES, centers_for, may_run_session
from clinics.choices import Role
from clinics.models import PractitionerProfile, Room
from config.api import (
    MAX_ID,
    NO_SUCH_PAGE,
    NOT_SIGNED_IN,
    NOT_VALID,
    STAFF_ONLY,
    ApiErrorSerializer,
    ApiPagination,
    error_response,
    refuse_unless_staff,
)
from patients.models import CarePlan
from scheduling.models import SchedulingRun
from scheduling.selectors import runs_visible_to
from scheduling.services.booking import ScheduleClash
from scheduling.services.care_plans import (
    care_plan_book_remaining_queue,
    care_plan_schedule_queue,
)
from scheduling.services.replanning import session_move
from scheduling.services.runs import SchedulingError
from sessions.api import SessionSerializer
from sessions.models import SessionStatus, TherapySession
from sessions.selectors import sessions_visible_to
from sessions.services import TransitionError, TransitionForbidden, session_transition


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):
    plan = serializers.CharField()
    step = serializers.CharField()
    start = serializers.DateTimeField()
    room = serializers.CharField()
    practitioner = serializers.CharField()
    explanation = serializers.CharField(required=False)


class UnscheduledSerializer(serializers.Serializer):
    plan = serializers.CharField()
    step = serializers.CharField()
    reasons = ReasonSerializer(many=True)


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    status = serializers.CharField()
    care_plan = serializers.IntegerField(source="care_plan_id", allow_null=True)
    objective = serializers.IntegerField(allow_null=True)
    placed_count = serializers.IntegerField()
    unscheduled_count = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()
    assignments = serializers.SerializerMethodField()
    unscheduled = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()

    @extend_schema(responses=AssignmentSerializer(many=True))
    def get_assignments(self, run) -> list[dict]:
        return (run.solution or {}).get("assignments", [])

    @extend_schema(responses=UnscheduledSerializer(many=True))
    def get_unscheduled(self, run) -> list[dict]:
        return (run.solution or {}).get("unscheduled", [])

    def get_url(self, run) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api_schedule_run", args=[run.pk])
        )

    def get_page(self, run) -> str:
        return self.context["request"].build_absolute_uri(reverse("scheduling_run", args=[run.pk]))


class AutoScheduleApi(APIView):
    class AutoScheduleInputSerializer(serializers.Serializer):
        care_plan = serializers.IntegerField(help_text="Id of a care plan with no sessions yet.")
        time_limit = serializers.FloatField(
            required=False,
            default=3.0,
            min_value=0.1,
            max_value=30.0,
            help_text="Seconds the scheduler may take.",
        )

    @extend_schema(
        request=AutoScheduleInputSerializer,
        responses={
            202: OpenApiResponse(
                RunSerializer,
                description="The run is queued for the job worker; follow its `url` (also the "
                "Location header) until its status is no longer `running`.",
            ),
            400: NOT_VALID,
            401: NOT_SIGNED_IN,
            403: STAFF_ONLY,
            404: OpenApiResponse(ApiErrorSerializer, description="No such plan at your centers."),
        },
        summary="Auto-schedule a care plan",
        description="Queues a run that places every step of the plan and books the sessions; "
        "it can take up to `time_limit` seconds for each of up to three attempts, so the "
        "answer comes at once with the run's address. Steps that cannot be placed are listed "
        "with their reasons; the run is stored and can be replayed.",
    )
    def post(self, request):
        refused = refuse_unless_staff(request)
        if refused:
            return refused
        data = self.AutoScheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = get_object_or_404(
            CarePlan.objects.select_related("patient__center").filter(
                patient__center__in=centers_for(request.user, roles=STAFF_ROLES)
            ),
            pk=data.validated_data["care_plan"],
        )
        try:
            run = care_plan_schedule_queue(
                care_plan=plan,
                requested_by=request.user,
                time_limit=data.validated_data["time_limit"],
            )
        except SchedulingError as error:
            return error_response(str(error), care_plan=plan.pk)
        body = RunSerializer(run, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class BookRemainingApi(APIView):
    class BookRemainingInputSerializer(serializers.Serializer):
        time_limit = serializers.FloatField(
            required=False,
            default=3.0,
            min_value=0.1,
            max_value=30.0,
            help_text="Seconds the scheduler may take.",
        )

    @extend_schema(
        request=BookRemainingInputSerializer,
        responses={
            202: OpenApiResponse(
                RunSerializer,
                description="The run is queued for the job worker; follow its `url` (also the "
                "Location header) until its status is no longer `running`. Its `assignments` "
                "list the kept sessions too; `placed_count` counts only the new ones.",
            ),
            400: OpenApiResponse(
                ApiErrorSerializer,
                description="A bad `time_limit`, or a plan whose remaining steps cannot be "
                "booked, said in words: it has no step booked yet (auto-schedule it), every "
                "step is booked already, or it is not scheduled or active.",
            ),
            401: NOT_SIGNED_IN,
            403: STAFF_ONLY,
            404: OpenApiResponse(ApiErrorSerializer, description="No such plan at your centers."),
        },
        summary="Book the remaining steps of a care plan",
        description="Places the steps of a scheduled care plan that have no session (left out "
        "by an earlier run, or cancelled since) and books them, all or nothing. Sessions "
        "already booked stay exactly where they are; the new ones keep their order and gaps "
        "around them. Each placement carries its explanation and each step that still does "
        "not fit its reasons in words; nothing is booked when a clash remains.",
    )
    def post(self, request, pk: int):
        refused = refuse_unless_staff(request)
        if refused:
            return refused
        data = self.BookRemainingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = get_object_or_404(
            CarePlan.objects.select_related("patient__center", "protocol_version").filter(
                patient__center__in=centers_for(request.user, roles=STAFF_ROLES)
            ),
            pk=pk,
        )
        try:
            run = care_plan_book_remaining_queue(
                care_plan=plan,
                requested_by=request.user,
                time_limit=data.validated_data["time_limit"],
            )
        except SchedulingError as error:
            return error_response(str(error), care_plan=plan.pk)
        body = RunSerializer(run, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class RunDetailApi(APIView):
    @extend_schema(
        responses={
            200: RunSerializer,
            401: NOT_SIGNED_IN,
            404: OpenApiResponse(ApiErrorSerializer, description="No such run at your centers."),
        },
        summary="A stored scheduling run",
    )
    def get(self, request, pk: int):
        run = get_object_or_404(runs_visible_to(request.user), pk=pk)
        return Response(RunSerializer(run, context={"request": request}).data)


class RunFilterSerializer(serializers.Serializer):
    center = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    care_plan = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=SchedulingRun.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=SchedulingRun.Status.choices, required=False)


class RunSummarySerializer(RunSerializer):
    """A run in a list: its figures and address, without its placements (GET its `url`)."""

    assignments = None
    unscheduled = None
    center = serializers.IntegerField(source="center_id")


class RunListApi(ListAPIView):
    serializer_class = RunSummarySerializer
    pagination_class = ApiPagination
    filter_backends = [OrderingFilter]
    ordering_fields = ["started_at", "finished_at", "objective"]
    ordering = ["-started_at", "-pk"]

    def get_queryset(self):
        filters = RunFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        runs = runs_visible_to(self.request.user)
        for name in ("center", "care_plan"):
            if name in wanted:
                runs = runs.filter(**{f"{name}_id": wanted[name]})
        for name in ("kind", "status"):
            if name in wanted:
                runs = runs.filter(**{name: wanted[name]})
        # The stored problem and solution can be large: a list never loads them.
        return runs.defer("problem", "solution", "refs")

    @extend_schema(
        operation_id="schedule_runs_list",
        parameters=[RunFilterSerializer],
        responses={
            200: RunSummarySerializer(many=True),
            400: NOT_VALID,
            401: NOT_SIGNED_IN,
            404: NO_SUCH_PAGE,
        },
        description="Scheduling runs of the centers where the caller is an admin or medical "
        "director, newest first.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SessionChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=SessionStatus.choices,
        required=False,
        help_text="Move the session to this status (cancelled, in_preparation, ...).",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="Why, kept with the change."
    )
    starts_at = serializers.DateTimeField(
        required=False, help_text="Reschedule to this instant (with its UTC offset)."
    )
    room = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Reschedule into this room."
    )
    practitioner = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Reschedule with this practitioner.",
    )
    expected_status = serializers.ChoiceField(
        choices=SessionStatus.choices,
        required=False,
        help_text="The status the caller last saw: if the session has moved on since, nothing "
        "changes and the answer is 409.",
    )

    def validate(self, attrs):
        if ("status" in attrs) == ("starts_at" in attrs):
            raise serializers.ValidationError(
                _("Send either a new status or a new start (starts_at), not both.")
            )
        if "starts_at" not in attrs and ({"room", "practitioner"} & attrs.keys()):
            raise serializers.ValidationError(
                _("A room or practitioner is changed only with a new start (starts_at).")
            )
        return attrs


class SessionDetailApi(APIView):
    def _session(self, request, pk: int) -> TherapySession:
        return get_object_or_404(sessions_visible_to(user=request.user), pk=pk)

    @extend_schema(
        operation_id="sessions_retrieve",
        responses={
            200: SessionSerializer,
            401: NOT_SIGNED_IN,
            404: OpenApiResponse(ApiErrorSerializer, description="Not a session you may see."),
        },
        summary="One session",
    )
    def get(self, request, pk: int):
        return Response(SessionSerializer(self._session(request, pk)).data)

    @extend_schema(
        operation_id="sessions_partial_update",
        request=SessionChangeSerializer,
        responses={
            200: SessionSerializer,
            400: NOT_VALID,
            401: NOT_SIGNED_IN,
            403: OpenApiResponse(
                ApiErrorSerializer,
                description="Not allowed to change this session (a status: its practitioner "
                "or a center admin; a new time: an admin or medical director).",
            ),
            404: OpenApiResponse(ApiErrorSerializer, description="Not a session you may see."),
            409: OpenApiResponse(
                ApiErrorSerializer,
                description="The change conflicts with the session's state or the calendar: "
                "its status moved on since `expected_status`, the lifecycle does not allow "
                "the move, or the new time is taken or does not fit (the message says why).",
            ),
        },
        summary="Reschedule, cancel or move a session along its lifecycle",
        description="Either `status` (with an optional `note`): a move along the session's "
        "lifecycle, e.g. `cancelled`; or `starts_at` (with an optional `room` and "
        "`practitioner`): a new time, checked against opening hours, rosters, leave, skills, "
        "the protocol's allowed days and everything already booked. Concurrent requests for "
        "one slot queue up: the first gets it, the others 409.",
    )
    def patch(self, request, pk: int):
        session = self._session(request, pk)
        staff = centers_for(request.user, roles=STAFF_ROLES).filter(pk=session.center_id).exists()
        if not (staff or may_run_session(request.user, session)):
            return error_response(
                _("Only the session's practitioner or its center's staff can change it."),
                code=status.HTTP_403_FORBIDDEN,
            )
        data = SessionChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = data.validated_data
        expected = change.get("expected_status")
        if expected and expected != session.status:
            return error_response(
                _("This session is already %(current)s; what you acted on was out of date.")
                % {"current": session.get_status_display()},
                code=status.HTTP_409_CONFLICT,
                status=session.status,
            )
        if "status" in change:
            refused = self._transition(request, session, change)
        elif not staff:
            refused = error_response(
                _("Only an admin or medical director of the center can reschedule."),
                code=status.HTTP_403_FORBIDDEN,
            )
        else:
            refused = self._reschedule(request, session, change)
        return refused or Response(SessionSerializer(self._session(request, session.pk)).data)

    def _transition(self, request, session, change) -> Response | None:
        try:
            session_transition(
                session=session,
                to_status=change["status"],
                by=request.user,
                note=change.get("note", ""),
                expected_status=change.get("expected_status"),
            )
        except TransitionForbidden as error:
            return error_response(str(error), code=status.HTTP_403_FORBIDDEN)
        except TransitionError as error:
            return error_response(str(error), code=status.HTTP_409_CONFLICT)
        return None

    def _reschedule(self, request, session, change) -> Response | None:
        room, practitioner = None, None
        if "room" in change:
            room = Room.objects.filter(center=session.center_id, pk=change["room"]).first()
            if room is None:
                message = _("No such room at this session's center.")
                return error_response(message, fields={"room": [message]})
        if "practitioner" in change:
            practitioner = PractitionerProfile.objects.filter(
                pk=change["practitioner"],
                user__memberships__center=session.center_id,
                user__memberships__role=Role.PRACTITIONER,
                user__memberships__is_active=True,
            ).first()
            if practitioner is None:
                message = _("No such practitioner at this session's center.")
                return error_response(message, fields={"practitioner": [message]})
        try:
            session_move(
                session=session,
                starts_at=change["starts_at"],
                room=room,
                practitioner=practitioner,
                requested_by=request.user,
            )
        except ScheduleClash:
            return error_response(
                _("Another booking has just taken this time; choose another."),
                code=status.HTTP_409_CONFLICT,
            )
        except SchedulingError as error:
            return error_response(str(error), code=status.HTTP_409_CONFLICT)
        return None
