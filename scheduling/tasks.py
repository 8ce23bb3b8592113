"""Background jobs (django-q2) for scheduling runs that take longer than a page request."""

import logging

from scheduling.models import SchedulingRun
from scheduling.services import SchedulingError, care_plan_schedule

logger = logging.getLogger(__name__)


def care_plan_schedule_task(run_id: int) -> None:
    """Fill the waiting run `run_id` by auto-scheduling its care plan."""
    run = SchedulingRun.objects.select_related("care_plan__patient__center").get(pk=run_id)
    try:
        care_plan_schedule(care_plan=run.care_plan, requested_by=run.requested_by, run=run)
    except SchedulingError as error:
        # The user sees the reason on the run page, which polls this row.
        SchedulingRun.objects.filter(pk=run_id, status=SchedulingRun.Status.RUNNING).update(
            status=SchedulingRun.Status.FAILED, error=str(error)
        )
        logger.info("Auto-scheduling run %s failed: %s", run_id, error)
