"""The patient's inbox over a WebSocket: new in-portal messages arrive without a reload."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.live import inbox_group
from patients.models import Patient

REFUSED = 4403


class InboxConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/inbox/`: the signed-in patient's own messages, nobody else's."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await self.is_patient(user):
            await self.close(code=REFUSED)
            return
        self.group = inbox_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def inbox_update(self, event: dict) -> None:
        # A login can be switched off while a phone stays connected: check on every event.
        if not await self.is_patient(self.scope["user"]):
            await self.close(code=REFUSED)
            return
        await self.send_json(event["payload"])

    @database_sync_to_async
    def is_patient(self, user) -> bool:
        return Patient.objects.filter(user=user, user__is_active=True).exists()
