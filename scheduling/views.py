"""Scheduling pages for clinic admins: care plans, auto-schedule, runs, reschedule, sick leave."""

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_q.tasks import async_task

from clinics.access import STAFF_ROLES, centers_for
from clinics.models import Center, PractitionerProfile
from patients.models import CarePlan, Patient
from patients.services import care_plan_create
from protocols.models import ProtocolStep, ProtocolVersion
from scheduling.models import SchedulingRun
from scheduling.problems import ProblemRefs
from scheduling.selectors import care_plan_runs, why_not_booked
from scheduling.services import (
    ScheduleClash,
    SchedulingError,
    care_plan_earliest_fit,
    scheduling_run_apply,
    session_alternatives,
    sick_leave_replan,
)
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession
from sessions.services import session_transition


def _staff_center(request: HttpRequest, center_id=None) -> tuple[Center, list[Center]]:
    """The center the signed-in admin works on (one of theirs), and all of theirs."""
    centers = list(centers_for(request.user, roles=STAFF_ROLES))
    if not centers:
        raise PermissionDenied
    wanted = str(center_id or request.GET.get("center") or "")
    return next((c for c in centers if str(c.pk) == wanted), centers[0]), centers


def _require_staff_of(request: HttpRequest, center: Center) -> None:
    if not centers_for(request.user, roles=STAFF_ROLES).filter(pk=center.pk).exists():
        raise PermissionDenied


class CarePlanForm(forms.Form):
    patient = forms.ModelChoiceField(queryset=Patient.objects.none(), label=gettext_lazy("Patient"))
    protocol_version = forms.ModelChoiceField(
        queryset=ProtocolVersion.objects.none(), label=gettext_lazy("Protocol")
    )
    start_date = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = Patient.objects.filter(center=center, is_active=True)
        self.fields["protocol_version"].queryset = (
            ProtocolVersion.objects.filter(status=ProtocolVersion.Status.ACTIVE)
            .filter(Q(template__center__isnull=True) | Q(template__center=center))
            .select_related("template")
        )
        self.fields["protocol_version"].label_from_instance = lambda v: (
            f"{v.template.name} (v{v.version})"
        )


@login_required
def care_plans(request: HttpRequest) -> HttpResponse:
    center, centers = _staff_center(request)
    form = CarePlanForm(request.POST or None, center=center)
    if request.method == "POST" and form.is_valid():
        try:
            plan = care_plan_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Care plan created. Auto-schedule it when you are ready."))
            return redirect("care_plan_detail", pk=plan.pk)
    plans = (
        CarePlan.objects.filter(patient__center=center)
        .exclude(status=CarePlan.Status.CANCELLED)
        .select_related("patient", "protocol_version__template")
        .annotate(
            # Two independent counts: subqueries, since joining both would multiply them.
            booked=Subquery(
                TherapySession.objects.filter(care_plan=OuterRef("pk"))
                .exclude(status__in=RELEASED_STATUSES)
                .order_by()
                .values("care_plan")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            steps=Subquery(
                ProtocolStep.objects.filter(version=OuterRef("protocol_version"))
                .order_by()
                .values("version")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .order_by("status", "start_date")
    )
    return render(
        request,
        "scheduling/care_plans.html",
        {"center": center, "centers": centers, "plans": plans, "form": form},
    )


@login_required
def care_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(
        CarePlan.objects.select_related("patient__center", "protocol_version__template"), pk=pk
    )
    center = plan.patient.center
    _require_staff_of(request, center)
    sessions = {
        s.protocol_step_id: s
        for s in plan.sessions.exclude(status__in=RELEASED_STATUSES).select_related(
            "room", "practitioner__user", "therapy"
        )
    }
    runs = care_plan_runs(plan)
    not_booked = why_not_booked(plan, runs)
    steps = [
        (step, sessions.get(step.pk), not_booked.get(step.pk))
        for step in ProtocolStep.objects.filter(version=plan.protocol_version)
        .select_related("therapy")
        .order_by("order")
    ]
    return render(
        request,
        "scheduling/care_plan_detail.html",
        {
            "plan": plan,
            "center": center,
            "steps": steps,
            "runs": runs,
            "has_sessions": bool(sessions),
        },
    )


@login_required
@require_POST
def care_plan_auto_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(CarePlan.objects.select_related("patient__center"), pk=pk)
    center = plan.patient.center
    _require_staff_of(request, center)
    if plan.sessions.exclude(status__in=RELEASED_STATUSES).exists():
        messages.error(
            request, _("This care plan already has sessions; reschedule them one by one instead.")
        )
        return redirect("care_plan_detail", pk=plan.pk)
    # The row exists before the job starts, so that the run page can show it as running.
    run = SchedulingRun.objects.create(
        center=center,
        kind=SchedulingRun.Kind.AUTO_SCHEDULE,
        care_plan=plan,
        requested_by=request.user,
        problem={},
        status=SchedulingRun.Status.RUNNING,
    )
    async_task(
        "scheduling.tasks.care_plan_schedule_task", run.pk, task_name=f"schedule-run-{run.pk}"
    )
    return redirect("scheduling_run", pk=run.pk)


def _local(iso: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(iso).astimezone(zone)


def _run_rows(run: SchedulingRun) -> tuple[list[dict], list[dict]]:
    """Placements and unscheduled steps of a run, in the center's local time, with names."""
    zone = ZoneInfo(run.center.timezone)
    if not run.solution:
        return [], []
    refs = ProblemRefs.from_json(run.refs) if run.refs else ProblemRefs()
    step_names = dict(
        ProtocolStep.objects.filter(pk__in=refs.steps.values())
        .select_related("therapy")
        .values_list("pk", "therapy__name")
    )
    profiles = PractitionerProfile.objects.select_related("user").in_bulk(
        refs.practitioners.values()
    )
    practitioner_names = {
        ident: str(profiles[pk]) for ident, pk in refs.practitioners.items() if pk in profiles
    }
    patients = {p["id"] for p in run.problem.get("patients", [])}
    plan_patients = {plan["id"]: plan["patient"] for plan in run.problem.get("plans", [])}
    patient_names = {
        p.mrn: p.full_name for p in Patient.objects.filter(center=run.center, mrn__in=patients)
    }
    placed = []
    for a in sorted(run.solution["assignments"], key=lambda a: (a["start"], a["plan"])):
        key = f"{a['plan']}/{a['step']}"
        before = refs.before.get(key)
        placed.append(
            {
                "plan": a["plan"],
                "patient": patient_names.get(
                    plan_patients.get(a["plan"]), plan_patients.get(a["plan"])
                ),
                "step": a["step"],
                "therapy": step_names.get(refs.steps.get((a["plan"], a["step"])), a["step"]),
                "start": _local(a["start"], zone),
                "room": a["room"],
                "practitioner": practitioner_names.get(a["practitioner"], a["practitioner"]),
                "explanation": a.get("explanation", ""),
                "before_start": _local(before["start"], zone) if before else None,
                "before_room": before["room"] if before else None,
                "changed": bool(before)
                and (
                    before["start"] != a["start"]
                    or before["room"] != a["room"]
                    or before["practitioner"] != a["practitioner"]
                ),
            }
        )
    unscheduled = [
        {
            "plan": u["plan"],
            "patient": patient_names.get(
                plan_patients.get(u["plan"]), plan_patients.get(u["plan"])
            ),
            "step": u["step"],
            "therapy": step_names.get(refs.steps.get((u["plan"], u["step"])), u["step"]),
            "reasons": u["reasons"],
            "before_start": _local(refs.before[f"{u['plan']}/{u['step']}"]["start"], zone)
            if f"{u['plan']}/{u['step']}" in refs.before
            else None,
        }
        for u in run.solution["unscheduled"]
    ]
    return placed, unscheduled


@login_required
def scheduling_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        SchedulingRun.objects.select_related("center", "care_plan__patient", "requested_by"), pk=pk
    )
    _require_staff_of(request, run.center)
    placed, unscheduled = _run_rows(run)
    # An auto-schedule run books its own result: until then the job is still at work.
    in_flight = run.status == SchedulingRun.Status.RUNNING or (
        run.kind == SchedulingRun.Kind.AUTO_SCHEDULE
        and run.status == SchedulingRun.Status.SUCCEEDED
        and run.placed_count > 0
    )
    replanned_by = None
    if run.status == SchedulingRun.Status.DISCARDED and run.care_plan_id:
        replanned_by = (
            SchedulingRun.objects.filter(care_plan=run.care_plan, kind=run.kind, pk__gt=run.pk)
            .order_by("pk")
            .first()
        )
    context = {
        "run": run,
        "center": run.center,
        "placed": placed,
        "unscheduled": unscheduled,
        "in_flight": in_flight,
        "replanned_by": replanned_by,
        "changed_count": sum(1 for p in placed if p["changed"]),
        # Auto-schedule books by itself and alternatives are chosen on the reschedule page;
        # a sick-leave re-plan waits for the admin's review.
        "can_apply": run.kind == SchedulingRun.Kind.SICK_LEAVE
        and run.status == SchedulingRun.Status.SUCCEEDED,
    }
    template = "scheduling/run.html"
    if request.htmx:
        template += "#run-body"
    return render(request, template, context)


@login_required
def scheduling_run_download(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    run = get_object_or_404(SchedulingRun.objects.select_related("center"), pk=pk)
    _require_staff_of(request, run.center)
    document = run.problem if part == "problem" else run.solution
    if not document:
        return JsonResponse({"message": _("This run has no solution yet.")}, status=404)
    response = HttpResponse(json.dumps(document, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="run-{run.pk}-{part}.json"'
    return response


@login_required
@require_POST
def scheduling_run_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SchedulingRun.objects.select_related("center"), pk=pk)
    _require_staff_of(request, run.center)
    try:
        booked = scheduling_run_apply(run=run, applied_by=request.user)
    except ScheduleClash:
        messages.error(
            request,
            _(
                "Someone booked one of these slots meanwhile. Nothing was changed; please run it again."
            ),
        )
    except SchedulingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)s sessions booked.") % {"count": len(booked)})
    return redirect("scheduling_run", pk=run.pk)


@login_required
def care_plan_earliest_start(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(CarePlan.objects.select_related("patient__center"), pk=pk)
    _require_staff_of(request, plan.patient.center)
    day = care_plan_earliest_fit(care_plan=plan)
    return render(request, "scheduling/_earliest_fit.html", {"plan": plan, "day": day})


@login_required
def session_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(
        TherapySession.objects.select_related(
            "center",
            "patient",
            "therapy",
            "room",
            "practitioner__user",
            "care_plan",
            "protocol_step",
        ),
        pk=pk,
    )
    _require_staff_of(request, session.center)
    alternatives, error = [], None
    if request.method == "POST":
        try:
            alternatives = session_alternatives(session=session, requested_by=request.user)
        except SchedulingError as failure:
            error = str(failure)
    rows = []
    for run in alternatives:
        placed, _unscheduled = _run_rows(run)
        mine = next(p for p in placed if p["step"] == session.protocol_step.code)
        rows.append(
            {
                "run": run,
                "mine": mine,
                "others": [p for p in placed if p is not mine and p["changed"]],
            }
        )
    return render(
        request,
        "scheduling/reschedule.html",
        {"session": session, "center": session.center, "alternatives": rows, "error": error},
    )


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TherapySession.objects.select_related("center"), pk=pk)
    _require_staff_of(request, session.center)
    if session.status != SessionStatus.SCHEDULED:
        messages.error(request, _("Only a session that has not started can be cancelled."))
    else:
        session_transition(
            session=session,
            to_status=SessionStatus.CANCELLED,
            by=request.user,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Session cancelled."))
    if session.care_plan_id:
        return redirect("care_plan_detail", pk=session.care_plan_id)
    return redirect("console")


class SickLeaveForm(forms.Form):
    practitioner = forms.ModelChoiceField(
        queryset=PractitionerProfile.objects.none(), label=gettext_lazy("Practitioner")
    )
    first_day = forms.DateField(
        label=gettext_lazy("First day away"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("Last day away"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, center: Center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = (
            PractitionerProfile.objects.filter(shifts__center=center)
            .distinct()
            .select_related("user")
            .order_by("user__first_name")
        )

    def clean(self):
        data = super().clean()
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            raise ValidationError(_("The last day away cannot be before the first."))
        return data


@login_required
def sick_leave(request: HttpRequest) -> HttpResponse:
    center, centers = _staff_center(request, request.POST.get("center"))
    form = SickLeaveForm(request.POST or None, center=center)
    if request.method == "POST" and form.is_valid():
        zone = ZoneInfo(center.timezone)
        starts_at = datetime.combine(form.cleaned_data["first_day"], time.min, tzinfo=zone)
        ends_at = datetime.combine(form.cleaned_data["last_day"], time.max, tzinfo=zone)
        try:
            run = sick_leave_replan(
                practitioner=form.cleaned_data["practitioner"],
                center=center,
                starts_at=starts_at,
                ends_at=ends_at,
                requested_by=request.user,
                note=form.cleaned_data["note"],
            )
        except SchedulingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("scheduling_run", pk=run.pk)
    recent = (
        SchedulingRun.objects.filter(center=center, kind=SchedulingRun.Kind.SICK_LEAVE)
        .select_related("requested_by")
        .order_by("-started_at")[:5]
    )
    return render(
        request,
        "scheduling/sick_leave.html",
        {"center": center, "centers": centers, "form": form, "recent": recent},
    )
