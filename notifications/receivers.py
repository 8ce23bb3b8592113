"""How the notifications app hears about sessions: booking, moves and status changes."""

import logging

from django.dispatch import receiver
from django.utils.translation import gettext as _

from notifications.services import aftercare_plan, reminders_plan, session_messages_revoke
from sessions.models import SessionStatus, TherapySession
from sessions.signals import session_status_changed, sessions_booked

logger = logging.getLogger(__name__)


# Both signals arrive after the booking or the change has committed: a failure to plan
# messages is logged and must never surface as an error of the booking itself.


@receiver(sessions_booked, sender=TherapySession, dispatch_uid="notifications.booked")
def plan_reminders_of_booked_sessions(sender, sessions, by=None, **kwargs) -> None:
    for session in sessions:
        try:
            reminders_plan(session=session)
        except Exception:
            logger.exception("Could not plan the reminders of session %s", session.pk)


@receiver(session_status_changed, sender=TherapySession, dispatch_uid="notifications.status")
def follow_session_status(sender, session, change, by=None, **kwargs) -> None:
    try:
        if change.to_status == SessionStatus.COMPLETED:
            aftercare_plan(session=session, completed_at=change.changed_at)
        elif change.to_status == SessionStatus.CANCELLED:
            session_messages_revoke(
                session=session, reason=_("Cancelled: the session was cancelled.")
            )
        elif change.to_status == SessionStatus.NO_SHOW:
            session_messages_revoke(
                session=session, reason=_("Cancelled: the patient did not come to the session.")
            )
    except Exception:
        logger.exception("Could not follow session %s to %s", session.pk, change.to_status)
