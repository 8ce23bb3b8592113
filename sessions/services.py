"""Writes on therapy sessions: the status machine every change of state goes through."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import SessionStatus, SessionStatusChange, TherapySession


class TransitionError(Exception):
    """A status change the session's state does not allow, with a message for the user."""


# The session lifecycle in one place: which status may follow which.
ALLOWED_TRANSITIONS = {
    SessionStatus.SCHEDULED: {
        SessionStatus.IN_PREPARATION,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    },
    SessionStatus.IN_PREPARATION: {
        SessionStatus.IN_SESSION,
        SessionStatus.CANCELLED,
        SessionStatus.NO_SHOW,
    },
    SessionStatus.IN_SESSION: {SessionStatus.RECOVERY, SessionStatus.COMPLETED},
    SessionStatus.RECOVERY: {SessionStatus.COMPLETED},
    SessionStatus.COMPLETED: set(),
    SessionStatus.CANCELLED: set(),
    SessionStatus.NO_SHOW: set(),
}


@transaction.atomic
def session_transition(
    *, session: TherapySession, to_status: str, by=None, note: str = ""
) -> TherapySession:
    """Move a session to `to_status` if its lifecycle allows it, and record the change."""
    session = TherapySession.objects.select_for_update().get(pk=session.pk)
    if to_status not in ALLOWED_TRANSITIONS[session.status]:
        raise TransitionError(
            _("A session that is %(current)s cannot become %(wanted)s.")
            % {
                "current": SessionStatus(session.status).label,
                "wanted": SessionStatus(to_status).label,
            }
        )
    SessionStatusChange.objects.create(
        session=session, from_status=session.status, to_status=to_status, changed_by=by, note=note
    )
    session.status = to_status
    session.status_changed_at = timezone.now()
    session.save(update_fields=["status", "status_changed_at", "updated_at"])
    return session
