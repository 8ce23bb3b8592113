"""Care-plan scheduling: place a plan's steps and book them, now or through the job worker."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Center
from patients.models import CarePlan
from scheduling.engine import problem_from_dict, solve
from scheduling.models import SchedulingRun
from scheduling.problems import build_problem, horizon_for_plans, plans_with_steps
from scheduling.services.booking import ScheduleClash, scheduling_run_apply
from scheduling.services.runs import (
    SchedulingError,
    scheduling_run_discard,
    scheduling_run_queue,
    scheduling_run_solve,
)
from sessions.models import RELEASED_STATUSES

if TYPE_CHECKING:
    from clinics.models import User

logger = logging.getLogger(__name__)

# How often plans are re-planned when another booking took their slots between solving and
# committing; each retry sees the newer bookings as busy.
APPLY_ATTEMPTS = 3

# Seconds the earliest-start search may spend in the engine, all start dates together: it
# answers a click on the run page, so it stays well under a second of solving.
EARLIEST_FIT_BUDGET = 0.4


def care_plans_book(
    *,
    center: Center,
    plans: QuerySet[CarePlan],
    time_limit: float,
    requested_by: User | None = None,
    care_plan: CarePlan | None = None,
    run: SchedulingRun | None = None,
    not_before: datetime | None = None,
) -> SchedulingRun:
    """Place every step of `plans` in `center` and book the result: the one path from a
    problem to booked sessions that the pages, the API and the demo share.

    A clash at commit (someone booked the same slots meanwhile) re-plans against the newer
    bookings instead of failing, up to APPLY_ATTEMPTS times; `plans` is read afresh each
    time. `run` is a queued row to fill first; `care_plan` ties the runs to one plan.
    """
    for attempt in range(1, APPLY_ATTEMPTS + 1):
        loaded = plans_with_steps(plans)
        start, days = horizon_for_plans(loaded)
        problem, refs = build_problem(
            center=center, plans=loaded, start=start, days=days, not_before=not_before
        )
        run = scheduling_run_solve(
            center=center,
            kind=SchedulingRun.Kind.AUTO_SCHEDULE,
            problem=problem,
            refs=refs,
            time_limit=time_limit,
            requested_by=requested_by,
            care_plan=care_plan,
            run=run if attempt == 1 else None,
        )
        if not run.solution["assignments"]:
            return run
        try:
            scheduling_run_apply(run=run, applied_by=requested_by)
            return run
        except ScheduleClash as clash:
            logger.info("Run %s clashed on attempt %s (%s); re-planning", run.pk, attempt, clash)
            scheduling_run_discard(
                run=run,
                error=_("Another booking took these slots first: %(clash)s") % {"clash": clash},
            )
    raise SchedulingError(_("The center's calendar kept changing; please try again."))


def _check_unscheduled(care_plan: CarePlan) -> None:
    if care_plan.sessions.exclude(status__in=RELEASED_STATUSES).exists():
        raise SchedulingError(
            _("This care plan already has sessions; reschedule them one by one instead.")
        )


def care_plan_schedule(
    *,
    care_plan: CarePlan,
    requested_by: User | None = None,
    time_limit: float = 3.0,
    run: SchedulingRun | None = None,
) -> SchedulingRun:
    """Place every step of a care plan that has no session yet, from now on, and book them."""
    _check_unscheduled(care_plan)
    return care_plans_book(
        center=care_plan.patient.center,
        plans=CarePlan.objects.filter(pk=care_plan.pk),
        time_limit=time_limit,
        requested_by=requested_by,
        care_plan=care_plan,
        run=run,
        not_before=timezone.now(),
    )


def care_plan_schedule_queue(
    *, care_plan: CarePlan, requested_by: User | None, time_limit: float = 3.0
) -> SchedulingRun:
    """Auto-scheduling of a care plan, handed to the job worker; the run page shows it."""
    _check_unscheduled(care_plan)
    return scheduling_run_queue(
        center=care_plan.patient.center,
        kind=SchedulingRun.Kind.AUTO_SCHEDULE,
        care_plan=care_plan,
        requested_by=requested_by,
        time_limit=time_limit,
    )


@dataclass(frozen=True)
class EarliestFit:
    """The first start date found at which the whole plan fits, if any, and the last day tried."""

    day: date | None
    tried_until: date


def care_plan_earliest_fit(
    *, care_plan: CarePlan, search_days: int = 28, budget: float = EARLIEST_FIT_BUDGET
) -> EarliestFit:
    """The earliest start date, from the day after the plan's own, at which every step can be
    placed, trying up to `search_days` days while the engine's `budget` (seconds) lasts.

    One problem covers every candidate start, so the database is read once; each try only
    moves the plan's first day and gets an equal share of what is left of the budget.
    """
    center = care_plan.patient.center
    plan = plans_with_steps(CarePlan.objects.filter(pk=care_plan.pk))[0]
    original = plan.start_date
    plan.start_date = original + timedelta(days=1)
    first, plan_days = horizon_for_plans([plan])
    problem, _refs = build_problem(
        center=center,
        plans=[plan],
        start=first,
        days=plan_days + search_days,
        not_before=timezone.now(),
    )
    deadline = time.perf_counter() + budget
    tried_until = original
    for shift in range(1, search_days + 1):
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        candidate = original + timedelta(days=shift)
        # Each try looks at the plan's own days only: the engine's set-up grows with them.
        problem["horizon"] = {"start": candidate.isoformat(), "days": plan_days}
        problem["plans"][0]["start"] = candidate.isoformat()
        time_limit = left / (search_days - shift + 1)
        if not solve(problem_from_dict(problem), time_limit=time_limit).unscheduled:
            return EarliestFit(day=candidate, tried_until=candidate)
        tried_until = candidate
    return EarliestFit(day=None, tried_until=tried_until)
