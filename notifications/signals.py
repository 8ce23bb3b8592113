"""Signals the notifications app sends to the apps above it (feedback, portal, console)."""

from django.dispatch import Signal

# Sent once the transaction that recorded an escalation (a HELP reply, a severe side effect)
# has committed. The feedback app connects it to open an urgent task for the center's
# clinicians; the escalation row itself stays here whoever listens.
# Arguments: escalation (notifications.models.Escalation).
escalation_raised = Signal()

# Sent once a patient's 0–10 reply to a check-in has been recorded (after commit), so that
# the feedback app can keep it with the session's outcomes.
# Arguments: inbound (notifications.models.InboundMessage), session, score (int).
check_in_answered = Signal()
