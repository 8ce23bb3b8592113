"""What the patient's inbox hears live: the group of one user and the event of a new message."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from notifications.models import InAppNotification

logger = logging.getLogger(__name__)

MESSAGE_EVENT = "inbox.message"


def inbox_group(user_id: int) -> str:
    return f"user-{user_id}-inbox"


def message_payload(note: InAppNotification) -> dict:
    return {
        "id": note.pk,
        "title": note.title,
        "body": note.body,
        "created_at": note.created_at.isoformat(),
        "read": note.read_at is not None,
    }


def inbox_push(note: InAppNotification, *, user_id: int | None) -> None:
    """Push a new in-app message to the patient's open inbox pages (called after commit).

    A patient without a login has no inbox open; a push that fails (Redis down) loses
    nothing, since the inbox shows every message when it is next loaded.
    """
    layer = get_channel_layer()
    if layer is None or user_id is None:
        return
    try:
        async_to_sync(layer.group_send)(
            inbox_group(user_id),
            {"type": "inbox.update", "payload": {"type": MESSAGE_EVENT, **message_payload(note)}},
        )
    except Exception:
        logger.exception("Could not push in-app message %s live", note.pk)
