"""What the feedback app does when a lower app tells it something (connected in apps.py)."""

from feedback.adaptation import escalation_task_open


def escalation_task_for(sender, escalation, **kwargs) -> None:
    """An escalation (a HELP reply, a severe side effect) is an urgent task on the list."""
    escalation_task_open(escalation=escalation)
