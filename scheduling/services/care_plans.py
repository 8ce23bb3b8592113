"""Care-plan scheduling: place a plan's steps and book them, now or through the job worker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Center
from patients.models import CarePlan
from protocols.models import ProtocolStep
from scheduling.engine import problem_from_dict, solve
from scheduling.models import SchedulingRun
from scheduling.problems import (
    ProblemRefs,
    build_problem,
    horizon_for_plans,
    plan_id,
    plans_with_steps,
    practitioner_id,
)
from scheduling.services.booking import ScheduleClash, scheduling_run_apply
from scheduling.services.runs import (
    SchedulingError,
    scheduling_run_discard,
    scheduling_run_queue,
    scheduling_run_solve,
)
from sessions.models import RELEASED_STATUSES, TherapySession

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

    def problem():
        loaded = plans_with_steps(plans)
        start, days = horizon_for_plans(loaded)
        return build_problem(
            center=center, plans=loaded, start=start, days=days, not_before=not_before
        )

    return _solve_and_book(
        center=center,
        problem=problem,
        time_limit=time_limit,
        requested_by=requested_by,
        care_plan=care_plan,
        run=run,
    )


def _solve_and_book(
    *,
    center: Center,
    problem: Callable[[], tuple[dict, ProblemRefs]],
    time_limit: float,
    requested_by: User | None,
    care_plan: CarePlan | None,
    run: SchedulingRun | None,
) -> SchedulingRun:
    """Solve what `problem()` builds and book the placements that are new (not kept), all
    or nothing; a clash at commit builds the problem afresh and tries again."""
    for attempt in range(1, APPLY_ATTEMPTS + 1):
        document, refs = problem()
        run = scheduling_run_solve(
            center=center,
            kind=SchedulingRun.Kind.AUTO_SCHEDULE,
            problem=document,
            refs=refs,
            time_limit=time_limit,
            requested_by=requested_by,
            care_plan=care_plan,
            run=run if attempt == 1 else None,
        )
        new = [a for a in run.solution["assignments"] if (a["plan"], a["step"]) not in refs.kept]
        if refs.kept:
            # The run places what it adds; the kept sessions were placed before.
            run.placed_count = len(new)
            run.save(update_fields=["placed_count"])
        if not new:
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


def _booked_sessions(care_plan: CarePlan) -> list[TherapySession]:
    return list(
        care_plan.sessions.exclude(status__in=RELEASED_STATUSES)
        .filter(protocol_step__version=care_plan.protocol_version_id)
        .select_related("protocol_step", "room", "practitioner__user")
        .order_by("starts_at")
    )


def step_still_possible(plan: CarePlan, step: ProtocolStep, today: date) -> bool:
    """Whether the step's last allowed day (its day plus its slack) is not past."""
    return plan.start_date + timedelta(days=step.day_offset + step.slack_days) >= today


def care_plan_remaining_check(care_plan: CarePlan) -> None:
    """Raise SchedulingError, in words, unless the plan has steps booked and steps left out
    that can still happen."""
    if care_plan.status not in (CarePlan.Status.SCHEDULED, CarePlan.Status.ACTIVE):
        raise SchedulingError(
            _("Only a scheduled or active care plan can have its remaining steps booked.")
        )
    booked = {s.protocol_step_id for s in _booked_sessions(care_plan)}
    if not booked:
        raise SchedulingError(_("No step of this care plan is booked yet; auto-schedule it."))
    missing = list(care_plan.protocol_version.steps.exclude(pk__in=booked))
    if not missing:
        raise SchedulingError(_("Every step of this care plan is booked already."))
    today = timezone.localdate(timezone=ZoneInfo(care_plan.patient.center.timezone))
    if not any(step_still_possible(care_plan, step, today) for step in missing):
        raise SchedulingError(
            _("The steps left out of this care plan are past their last possible day.")
        )


def care_plan_book_remaining(
    *,
    care_plan: CarePlan,
    requested_by: User | None = None,
    time_limit: float = 3.0,
    run: SchedulingRun | None = None,
) -> SchedulingRun:
    """Place the steps of a care plan that have no session, from now on, and book them.

    What is booked stays where it is: those sessions go into the problem pinned, so the new
    steps keep their order and gaps around them, and booking adds only the new ones. Steps
    past their last possible day, and sessions already over, stay out of the problem (they
    would only hold the others back). All or nothing, like auto-scheduling: a clash with a
    booking made meanwhile re-plans.
    """
    care_plan_remaining_check(care_plan)
    center = care_plan.patient.center
    zone = ZoneInfo(center.timezone)

    def problem():
        plan = plans_with_steps(CarePlan.objects.filter(pk=care_plan.pk))[0]
        now = timezone.now()
        booked = {}
        for session in _booked_sessions(plan):
            if session.patient_released_at > now:
                booked.setdefault(session.protocol_step.code, session)
        done = {s.protocol_step_id for s in _booked_sessions(plan)} - {
            s.protocol_step_id for s in booked.values()
        }
        today = timezone.localdate(now, timezone=zone)
        steps = [
            step
            for step in plan.protocol_version.steps.all()
            if step.code in booked
            or (step.pk not in done and step_still_possible(plan, step, today))
        ]
        start, days = horizon_for_plans([plan])
        document, refs = build_problem(
            center=center,
            plans=[plan],
            start=start,
            days=days,
            steps_by_plan={plan.pk: steps},
            exclude_sessions=[s.pk for s in booked.values()],
            previous=[
                {
                    "plan": plan_id(plan),
                    "step": code,
                    "start": session.starts_at.astimezone(zone).isoformat(),
                    "room": session.room.code if session.room else None,
                    "practitioner": practitioner_id(session.practitioner)
                    if session.practitioner
                    else None,
                    "pinned": True,
                }
                for code, session in booked.items()
            ],
            not_before=now,
        )
        refs.kept = {(plan_id(plan), code) for code in booked}
        return document, refs

    return _solve_and_book(
        center=center,
        problem=problem,
        time_limit=time_limit,
        requested_by=requested_by,
        care_plan=care_plan,
        run=run,
    )


def care_plan_book_remaining_queue(
    *, care_plan: CarePlan, requested_by: User | None, time_limit: float = 3.0
) -> SchedulingRun:
    """Booking a plan's remaining steps, handed to the job worker; the run page shows it."""
    care_plan_remaining_check(care_plan)
    return scheduling_run_queue(
        center=care_plan.patient.center,
        kind=SchedulingRun.Kind.AUTO_SCHEDULE,
        care_plan=care_plan,
        requested_by=requested_by,
        time_limit=time_limit,
        parameters={"remaining": True},
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
