"""Reads of the feedback app, scoped to the patient who asks."""

from sessions.models import SessionStatus, TherapySession


def session_awaiting_feedback(*, patient) -> TherapySession | None:
    """The patient's latest finished session they have not yet given feedback on (one query)."""
    return (
        TherapySession.objects.filter(
            patient=patient, status=SessionStatus.COMPLETED, feedback__isnull=True
        )
        .select_related("therapy")
        .order_by("-starts_at")
        .first()
    )


def patient_session_for_feedback(*, patient, session_id: int) -> TherapySession | None:
    """One of the patient's own sessions with its feedback, if any; None for anyone else's."""
    return (
        TherapySession.objects.filter(patient=patient, pk=session_id)
        .select_related("therapy", "center", "feedback")
        .first()
    )
