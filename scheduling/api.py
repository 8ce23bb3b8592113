"""Scheduling API: queue a care plan's auto-schedule and read stored runs, over the services."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics.access import STAFF_ROLES, centers_for
from config.api import ApiErrorSerializer, error_response
from patients.models import CarePlan
from scheduling.selectors import runs_visible_to
from scheduling.services.care_plans import care_plan_schedule_queue
from scheduling.services.runs import SchedulingError


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
            400: ApiErrorSerializer,
            404: ApiErrorSerializer,
        },
        summary="Auto-schedule a care plan",
        description="Queues a run that places every step of the plan and books the sessions; "
        "it can take up to `time_limit` seconds for each of up to three attempts, so the "
        "answer comes at once with the run's address. Steps that cannot be placed are listed "
        "with their reasons; the run is stored and can be replayed.",
    )
    def post(self, request):
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


class RunDetailApi(APIView):
    @extend_schema(responses=RunSerializer, summary="A stored scheduling run")
    def get(self, request, pk: int):
        run = get_object_or_404(runs_visible_to(request.user), pk=pk)
        return Response(RunSerializer(run, context={"request": request}).data)
