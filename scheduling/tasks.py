"""Background jobs (django-q2) that fill the runs too long for a page request."""

import logging

from django.utils import timezone

from scheduling.models import SchedulingRun
from scheduling.services.care_plans import care_plan_book_remaining, care_plan_schedule
from scheduling.services.replanning import (
    leave_from_parameters,
    overrun_clashes_replan,
    sick_leave_replan,
)
from scheduling.services.runs import (
    SchedulingError,
    scheduling_run_fail,
    scheduling_run_failure_reason,
)

logger = logging.getLogger(__name__)


def _as_asked(run: SchedulingRun) -> dict:
    """What every queued run carries to its service: who asked, the engine's time, the row."""
    return {"requested_by": run.requested_by, "time_limit": run.time_limit_seconds, "run": run}


def _auto_schedule(run: SchedulingRun) -> None:
    if run.parameters.get("remaining"):
        care_plan_book_remaining(care_plan=run.care_plan, **_as_asked(run))
    else:
        care_plan_schedule(care_plan=run.care_plan, **_as_asked(run))


def _sick_leave(run: SchedulingRun) -> None:
    sick_leave_replan(
        leave=leave_from_parameters(run.parameters), center=run.center, **_as_asked(run)
    )


def _overrun(run: SchedulingRun) -> None:
    # The clock when the job runs: over-runs move on with it.
    overrun_clashes_replan(center=run.center, now=timezone.now(), **_as_asked(run))


FILLERS = {
    SchedulingRun.Kind.AUTO_SCHEDULE: _auto_schedule,
    SchedulingRun.Kind.SICK_LEAVE: _sick_leave,
    SchedulingRun.Kind.OVERRUN: _overrun,
}


def scheduling_run_fill(run_id: int) -> None:
    """Fill the waiting run `run_id` with what its kind asks for."""
    run = SchedulingRun.objects.select_related(
        "center", "care_plan__patient__center", "requested_by"
    ).get(pk=run_id)
    try:
        FILLERS[run.kind](run)
    except SchedulingError as error:
        scheduling_run_fail(run_id=run_id, message=str(error))
        logger.info("Scheduling run %s failed: %s", run_id, error)
    except Exception as error:
        # The run page polls this row: never leave it spinning after a crash. The service ran
        # in its own transaction, so the plan is as it was; the page says why in words.
        scheduling_run_fail(run_id=run_id, message=scheduling_run_failure_reason(error))
        raise
