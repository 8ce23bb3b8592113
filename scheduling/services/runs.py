"""Storing scheduling runs: queue one for the job worker, solve a problem into one, fail one."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from clinics.models import Center
from patients.models import CarePlan
from scheduling.engine import problem_from_dict, solution_to_dict, solve
from scheduling.models import SchedulingRun
from scheduling.problems import ProblemRefs, unscheduled_explain

if TYPE_CHECKING:
    from clinics.models import User

logger = logging.getLogger(__name__)


class SchedulingError(Exception):
    """A scheduling request that cannot be carried out, with a message for the user."""


def scheduling_run_queue(
    *,
    center: Center,
    kind: str,
    requested_by: User | None,
    time_limit: float,
    care_plan: CarePlan | None = None,
    parameters: dict | None = None,
) -> SchedulingRun:
    """A waiting run, handed to the job worker once it is committed.

    The row exists before the job starts, so that the run page can show it as running; the
    job (`scheduling.tasks.scheduling_run_fill`) reads what to do from its kind and
    `parameters`. Callers check their own preconditions first (see the `*_queue` services).
    """
    with transaction.atomic():
        run = SchedulingRun.objects.create(
            center=center,
            kind=kind,
            care_plan=care_plan,
            requested_by=requested_by,
            parameters=parameters or {},
            time_limit_seconds=time_limit,
            problem={},
            status=SchedulingRun.Status.RUNNING,
        )
        # After commit: a worker that started earlier would not find the row.
        transaction.on_commit(
            lambda: async_task(
                "scheduling.tasks.scheduling_run_fill", run.pk, task_name=f"schedule-run-{run.pk}"
            )
        )
    return run


def scheduling_run_solve(
    *,
    center: Center,
    kind: str,
    problem: dict,
    refs: ProblemRefs,
    time_limit: float,
    requested_by: User | None = None,
    care_plan: CarePlan | None = None,
    run: SchedulingRun | None = None,
) -> SchedulingRun:
    """Solve `problem` with the engine and store the run, problem and solution together.

    `run` is a queued row (so that a page could show it as running); otherwise a new one is
    made. A failure of the engine is stored on the run and raised as SchedulingError.

    The problem is stored with the outcome, failed or not, so that every run can be replayed.
    """
    if run is None:
        run = SchedulingRun(
            center=center, kind=kind, care_plan=care_plan, requested_by=requested_by
        )
    run.problem = problem
    run.refs = refs.as_json()
    run.status = SchedulingRun.Status.RUNNING
    run.time_limit_seconds = time_limit
    run.started_at = timezone.now()
    if run.pk is not None:
        # A queued row that a page is watching: it shows the problem while the engine works,
        # and keeps it should the worker die mid-solve.
        run.save()
    try:
        solution = solution_to_dict(solve(problem_from_dict(problem), time_limit=time_limit))
    except Exception as error:
        logger.exception("Scheduling run %s failed", run.pk)
        run.status = SchedulingRun.Status.FAILED
        run.error = str(error)
        run.finished_at = timezone.now()
        run.save()
        raise SchedulingError(
            _("The scheduler could not finish: %(error)s") % {"error": error}
        ) from error
    unscheduled_explain(problem, solution["unscheduled"])
    run.solution = solution
    run.objective = solution["objective"]
    run.placed_count = len(solution["assignments"])
    run.unscheduled_count = len(solution["unscheduled"])
    run.status = SchedulingRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    return run


def scheduling_run_fail(*, run_id: int, message: str) -> None:
    """Mark a run that its job could not finish as failed, unless it was booked meanwhile."""
    SchedulingRun.objects.filter(
        pk=run_id,
        status__in=[SchedulingRun.Status.RUNNING, SchedulingRun.Status.SUCCEEDED],
        applied_at__isnull=True,
    ).update(status=SchedulingRun.Status.FAILED, error=message, finished_at=timezone.now())


def scheduling_run_failure_reason(error: BaseException) -> str:
    """The words a failed run's page shows for an error the job did not expect.

    The worker's own message ("date value out of range") means nothing to an admin; these say
    what went wrong in the clinic's terms and what to do about it.
    """
    text = str(error).lower()
    if isinstance(error, OverflowError) or "out of range" in text:
        return _(
            "The plan's dates are outside what the calendar can hold; correct the first day "
            "and try again."
        )
    if isinstance(error, DatabaseError):
        return _("The database did not answer while planning; nothing was changed. Try again.")
    return _(
        "The scheduler stopped unexpectedly (%(error)s); nothing was changed and the team has "
        "been told."
    ) % {"error": type(error).__name__}


def scheduling_run_retry(*, run: SchedulingRun, requested_by: User | None) -> SchedulingRun:
    """A new waiting run asking again what the failed `run` asked; the failed one is set aside."""
    if run.status != SchedulingRun.Status.FAILED:
        raise SchedulingError(_("Only a failed run can be tried again."))
    with transaction.atomic():
        retried = scheduling_run_queue(
            center=run.center,
            kind=run.kind,
            requested_by=requested_by,
            time_limit=run.time_limit_seconds,
            care_plan=run.care_plan,
            parameters=run.parameters,
        )
        scheduling_run_discard(run=run, error=run.error)
    return retried


def scheduling_run_discard(*, run: SchedulingRun, error: str = "") -> None:
    """Set a run aside: its result is not to be booked (stale, or beaten by a clash)."""
    run.status = SchedulingRun.Status.DISCARDED
    run.error = error
    run.save(update_fields=["status", "error"])
