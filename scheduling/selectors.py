"""Scheduling reads shared by pages: the runs that concern a care plan and what they said."""

from dataclasses import dataclass

from django.db.models import Q

from patients.models import CarePlan
from scheduling.models import SchedulingRun
from scheduling.problems import plan_id

RUNS_SHOWN = 10


@dataclass(frozen=True)
class NotBooked:
    """Why a step has no session: the newest applied run that decided it left it out."""

    run: SchedulingRun
    reasons: list[str]


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
