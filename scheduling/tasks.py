"""Background jobs (django-q2) for scheduling runs that take longer than a page request."""

import logging

from django.utils.translation import gettext as _

from scheduling.models import SchedulingRun
from scheduling.services import SchedulingError, care_plan_schedule

logger = logging.getLogger(__name__)


def care_plan_schedule_task(run_id: int) -> None:
    """Fill the waiting run `run_id` by auto-scheduling its care plan."""
    run = SchedulingRun.objects.select_related("care_plan__patient__center").get(pk=run_id)
    try:
        care_plan_schedule(care_plan=run.care_plan, requested_by=run.requested_by, run=run)
    except SchedulingError as error:
        _mark_failed(run_id, str(error))
        logger.info("Auto-scheduling run %s failed: %s", run_id, error)
    except Exception:
        # The run page polls this row: never leave it spinning after a crash.
        _mark_failed(run_id, _("The scheduler stopped unexpectedly; the team has been told."))
        raise


def _mark_failed(run_id: int, message: str) -> None:
    SchedulingRun.objects.filter(
        pk=run_id,
        status__in=[SchedulingRun.Status.RUNNING, SchedulingRun.Status.SUCCEEDED],
        applied_at__isnull=True,
    ).update(status=SchedulingRun.Status.FAILED, error=message)
