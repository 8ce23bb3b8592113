"""Background jobs (django-q2) of the feedback app."""

from feedback.services import adaptation_rules_run


def adaptation_rules_daily_task() -> dict:
    """Run once a day: adherence rules over the last week, and recent feedback again."""
    run = adaptation_rules_run()
    return {"run": run.pk, "status": run.status, "fired": run.fired, "failures": run.failures}
