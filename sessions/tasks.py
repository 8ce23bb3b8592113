"""Background jobs (django-q2) of the clinic floor."""

from sessions.services import session_overruns_extend


def session_overruns_extend_task() -> int:
    """Run every minute: move the expected end of over-running sessions with the clock."""
    return len(session_overruns_extend())
