"""Scheduling reads that pages and the API share, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from clinics.access import STAFF_ROLES, centers_for
from clinics.models import Center, PractitionerProfile
from patients.models import CarePlan, Patient
from protocols.models import ProtocolStep
from scheduling.models import SchedulingRun
from scheduling.problems import ProblemRefs, plan_id
from sessions.models import RELEASED_STATUSES, TherapySession

if TYPE_CHECKING:
    from clinics.models import User

RUNS_SHOWN = 10
RECENT_RUNS_SHOWN = 5


@dataclass(frozen=True)
class NotBooked:
    """Why a step has no session: the newest applied run that decided it left it out."""

    run: SchedulingRun
    reasons: list[str]


@dataclass(frozen=True)
class PlanStep:
    """One step of a care plan as its page shows it: its session, or why it has none."""

    step: ProtocolStep
    session: TherapySession | None
    not_booked: NotBooked | None


@dataclass(frozen=True)
class RunRows:
    """A run's placements and left-out steps, in the center's time, with names to show."""

    placed: list[dict]
    unscheduled: list[dict]
    # Sessions booked before that the run kept where they were (booking a plan's rest).
    kept: list[dict] = field(default_factory=list)

    @property
    def changed_count(self) -> int:
        return sum(1 for p in self.placed if p["changed"])


# --- care plans ------------------------------------------------------------------------


def care_plans_for_center(center: Center) -> QuerySet[CarePlan]:
    """A center's care plans that are not cancelled, with booked sessions and steps counted."""
    return (
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


def care_plans_with_protocol() -> QuerySet[CarePlan]:
    """Care plans with their patient, center and protocol, for a page about one of them."""
    return CarePlan.objects.select_related("patient__center", "protocol_version__template")


def care_plan_runs(plan: CarePlan) -> list[SchedulingRun]:
    """The newest runs that concern `plan`: its own, and the center's that placed it with others."""
    return list(
        SchedulingRun.objects.filter(
            Q(care_plan=plan)
            | Q(
                center_id=plan.patient.center_id,
                care_plan__isnull=True,
                refs__plans__has_key=plan_id(plan),
            )
        )
        .defer("problem")
        .order_by("-started_at")[:RUNS_SHOWN]
    )


def why_not_booked(plan: CarePlan, runs: list[SchedulingRun]) -> dict[int, NotBooked]:
    """By protocol step id, the reasons the newest applied run that placed or left out each
    step gave for leaving it out; a step that run placed has none (it was cancelled since)."""
    key = plan_id(plan)
    decided: set[int] = set()
    why: dict[int, NotBooked] = {}
    for run in runs:  # newest first
        if run.status != SchedulingRun.Status.APPLIED or not run.solution:
            continue
        steps = run.refs.get("steps", {})
        for assignment in run.solution["assignments"]:
            if assignment["plan"] == key:
                decided.add(steps.get(f"{key}/{assignment['step']}"))
        for left_out in run.solution["unscheduled"]:
            step_pk = steps.get(f"{key}/{left_out['step']}")
            if left_out["plan"] == key and step_pk not in decided:
                decided.add(step_pk)
                why[step_pk] = NotBooked(run, [r["message"] for r in left_out["reasons"]])
    return why


def care_plan_steps(plan: CarePlan, runs: list[SchedulingRun]) -> list[PlanStep]:
    """Every step of the plan in order, with its active session or why it has none."""
    sessions = {
        s.protocol_step_id: s
        for s in plan.sessions.exclude(status__in=RELEASED_STATUSES).select_related(
            "room", "practitioner__user", "therapy"
        )
    }
    not_booked = why_not_booked(plan, runs)
    return [
        PlanStep(step, sessions.get(step.pk), not_booked.get(step.pk))
        for step in ProtocolStep.objects.filter(version=plan.protocol_version)
        .select_related("therapy")
        .order_by("order")
    ]


# --- runs ------------------------------------------------------------------------------


def runs_visible_to(user: User) -> QuerySet[SchedulingRun]:
    """The runs of every center where the user is on the staff."""
    return SchedulingRun.objects.filter(center__in=centers_for(user, roles=STAFF_ROLES))


def runs_for_page() -> QuerySet[SchedulingRun]:
    """Runs with what their page shows beside them."""
    return SchedulingRun.objects.select_related("center", "care_plan__patient", "requested_by")


def run_replaced_by(run: SchedulingRun) -> SchedulingRun | None:
    """For a run discarded by a clash at booking, the plan's next run of its kind."""
    if run.status != SchedulingRun.Status.DISCARDED or not run.care_plan_id:
        return None
    return (
        SchedulingRun.objects.filter(care_plan_id=run.care_plan_id, kind=run.kind, pk__gt=run.pk)
        .order_by("pk")
        .first()
    )


def recent_runs(center: Center, kind: str) -> QuerySet[SchedulingRun]:
    return (
        SchedulingRun.objects.filter(center=center, kind=kind)
        .select_related("requested_by")
        .defer("problem", "solution")
        .order_by("-started_at")[:RECENT_RUNS_SHOWN]
    )


def _local(iso: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(iso).astimezone(zone)


@dataclass(frozen=True)
class _Names:
    """Names to show for the ids of several runs' problems, read in three queries."""

    therapies: dict[int, str]
    practitioners: dict[int, str]
    patients: dict[tuple[int, str], str]

    @classmethod
    def load(cls, runs: list[SchedulingRun], refs: list[ProblemRefs]) -> _Names:
        step_pks = {pk for r in refs for pk in r.steps.values()}
        practitioner_pks = {pk for r in refs for pk in r.practitioners.values()}
        by_center: dict[int, set[str]] = {}
        for run in runs:
            by_center.setdefault(run.center_id, set()).update(
                p["id"] for p in run.problem.get("patients", [])
            )
        patients = Q(pk__in=[])
        for center_id, mrns in by_center.items():
            patients |= Q(center_id=center_id, mrn__in=mrns)
        return cls(
            therapies=dict(
                ProtocolStep.objects.filter(pk__in=step_pks).values_list("pk", "therapy__name")
            ),
            practitioners={
                p.pk: str(p)
                for p in PractitionerProfile.objects.filter(pk__in=practitioner_pks).select_related(
                    "user"
                )
            },
            patients={(p.center_id, p.mrn): p.full_name for p in Patient.objects.filter(patients)},
        )


def runs_rows(runs: list[SchedulingRun]) -> dict[int, RunRows]:
    """By run id, each run's placements and unscheduled steps in its center's local time, with
    the names of therapies, practitioners and patients: three queries for any number of runs."""
    solved = [run for run in runs if run.solution]
    refs = [ProblemRefs.from_json(run.refs) if run.refs else ProblemRefs() for run in solved]
    names = _Names.load(solved, refs)
    rows = {run.pk: RunRows([], []) for run in runs}
    for run, run_refs in zip(solved, refs, strict=True):
        rows[run.pk] = _rows(run, run_refs, names)
    return rows


def _rows(run: SchedulingRun, refs: ProblemRefs, names: _Names) -> RunRows:
    zone = ZoneInfo(run.center.timezone)
    plan_patients = {plan["id"]: plan["patient"] for plan in run.problem.get("plans", [])}

    def step_row(entry: dict) -> tuple[dict, dict | None]:
        """What a placed and a left-out step both show, and where the step was before."""
        plan, step = entry["plan"], entry["step"]
        mrn = plan_patients.get(plan)
        before = refs.before.get(f"{plan}/{step}")
        return {
            "plan": plan,
            "patient": names.patients.get((run.center_id, mrn), mrn),
            "step": step,
            "therapy": names.therapies.get(refs.steps.get((plan, step)), step),
            "before_start": _local(before["start"], zone) if before else None,
        }, before

    placed = []
    for a in sorted(run.solution["assignments"], key=lambda a: (a["start"], a["plan"])):
        row, before = step_row(a)
        placed.append(
            row
            | {
                "start": _local(a["start"], zone),
                "room": a["room"],
                "practitioner": names.practitioners.get(
                    refs.practitioners.get(a["practitioner"]), a["practitioner"]
                ),
                "explanation": a.get("explanation", ""),
                "before_room": before["room"] if before else None,
                "changed": bool(before)
                and any(before[key] != a[key] for key in ("start", "room", "practitioner")),
            }
        )
    unscheduled = [step_row(u)[0] | {"reasons": u["reasons"]} for u in run.solution["unscheduled"]]
    kept = [row for row in placed if (row["plan"], row["step"]) in refs.kept]
    return RunRows([row for row in placed if row not in kept], unscheduled, kept)


# --- sessions --------------------------------------------------------------------------


def sessions_for_reschedule() -> QuerySet[TherapySession]:
    """Sessions with what the reschedule page shows beside them."""
    return TherapySession.objects.select_related(
        "center", "patient", "therapy", "room", "practitioner__user", "care_plan", "protocol_step"
    )
