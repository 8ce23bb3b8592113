"""Live room board: pushes session status changes to every signed-in browser of a center."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from clinics.access import centers_for


def board_group(center_id: int) -> str:
    return f"center-{center_id}-board"


class CenterBoardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        self.center_id = self.scope["url_route"]["kwargs"]["center_id"]
        if user is None or not user.is_authenticated or not await self._may_watch(user):
            await self.close(code=4403)
            return
        self.group = board_group(self.center_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def board_update(self, event: dict) -> None:
        # Membership can be withdrawn while a tablet stays connected: check on every event.
        if not await self._may_watch(self.scope["user"]):
            await self.close(code=4403)
            return
        await self.send_json(event["payload"])

    @database_sync_to_async
    def _may_watch(self, user) -> bool:
        return centers_for(user).filter(pk=self.center_id).exists()
