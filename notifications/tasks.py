"""Background jobs (django-q2) of the notifications app."""

from notifications.dispatch import outbox_dispatch

# The schedule runs every minute; a run stops claiming new batches before the next begins.
DISPATCH_TIME_BUDGET_SECONDS = 50


def outbox_dispatch_task() -> dict:
    """Send every message that is due (SMS, email, in-app) and record each outcome."""
    return outbox_dispatch(time_budget=DISPATCH_TIME_BUDGET_SECONDS).counts
