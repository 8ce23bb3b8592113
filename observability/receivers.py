"""Signal receivers that feed the portal's counters (config.metrics)."""

from config.metrics import session_transitions


def count_session_transition(sender, session, change, by, **kwargs) -> None:
    # Sent after commit, so a change that was rolled back is never counted.
    session_transitions.labels(to_status=change.to_status).inc()
