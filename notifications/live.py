"""What the patient's inbox hears live: the group of one user and the event of a new message."""

import asyncio
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


def inbox_push_many(pushes: list[tuple[InAppNotification, int | None]]) -> None:
    """Push several new in-app messages, each to its patient's open inbox pages, in one go.

    One trip into the event loop for a dispatcher's whole chunk rather than one per message.
    """
    layer = get_channel_layer()
    sends = [(note, user_id) for note, user_id in pushes if user_id is not None]
    if layer is None or not sends:
        return

    async def send_all():
        results = await asyncio.gather(
            *(
                layer.group_send(
                    inbox_group(user_id),
                    {
                        "type": "inbox.update",
                        "payload": {"type": MESSAGE_EVENT, **message_payload(note)},
                    },
                )
                for note, user_id in sends
            ),
            return_exceptions=True,
        )
        for (note, _user_id), result in zip(sends, results, strict=True):
            if isinstance(result, Exception):
                logger.error("Could not push in-app message %s live: %s", note.pk, result)

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.exception("Could not push %s in-app messages live", len(sends))
