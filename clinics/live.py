"""Telling open live views that someone's access changed, so that they check it again.

The board, the timeline and the inbox keep a WebSocket open for hours. Checking access on
every event would cost one query per client per event (the board's fan-out); instead each
consumer listens on its user's access group, and a change of membership or of the account
sends one message there after commit.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

ACCESS_CHANGED_EVENT = "access.changed"


def access_group(user_id: int) -> str:
    return f"user-{user_id}-access"


def access_changed_announce(user_id: int) -> None:
    """After commit, ask every live view of `user_id` to check its access again."""

    def announce() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": ACCESS_CHANGED_EVENT}
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        try:
            if loop is None:
                async_to_sync(layer.group_send)(access_group(user_id), message)
            else:
                # Saved from code running on an event loop's thread, where async_to_sync may
                # not wait: the message goes out as a task of that loop.
                loop.create_task(layer.group_send(access_group(user_id), message))
        except Exception:
            # The consumers also re-check on their own every few minutes.
            logger.exception("Could not tell user %s's live views that access changed", user_id)

    transaction.on_commit(announce)


def membership_changed(sender, instance, **kwargs) -> None:
    access_changed_announce(instance.user_id)


def account_changed(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    # Only switching an account on or off changes what it may watch; signing in (last_login)
    # or a new password does not.
    if created or (update_fields is not None and "is_active" not in update_fields):
        return
    access_changed_announce(instance.pk)
