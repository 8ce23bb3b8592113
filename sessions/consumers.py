"""Live views over WebSockets: a center's room board and a patient's own timeline.

Each consumer refuses anyone who may not watch, sends a fresh snapshot on connect (so a
client that was disconnected catches up on what it missed by reconnecting), and checks
access again on every event, so that a withdrawn membership drops the connection.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django.utils.translation import override

from clinics.access import centers_for
from patients.models import Patient
from sessions.live import SNAPSHOT_EVENT, board_group, session_payload, timeline_group
from sessions.selectors import board_sessions, sessions_for_patient

REFUSED = 4403


class _LiveConsumer(AsyncJsonWebsocketConsumer):
    group: str

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await self.may_watch(user):
            await self.close(code=REFUSED)
            return
        self.group = self.group_name()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await self.snapshot())

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # A client that suspects it missed something asks for the whole picture again.
        if content.get("type") == "resync":
            if not await self.may_watch(self.scope["user"]):
                await self.close(code=REFUSED)
                return
            await self.send_json(await self.snapshot())

    async def forward(self, event: dict) -> None:
        # Access can be withdrawn while a tablet stays connected: check on every event.
        if not await self.may_watch(self.scope["user"]):
            await self.close(code=REFUSED)
            return
        await self.send_json(event["payload"])

    def group_name(self) -> str:
        raise NotImplementedError

    async def may_watch(self, user) -> bool:
        raise NotImplementedError

    async def snapshot(self) -> dict:
        raise NotImplementedError


class CenterBoardConsumer(_LiveConsumer):
    """Today's sessions of one center, for its staff: `/ws/center/<center_id>/board/`."""

    def group_name(self) -> str:
        return board_group(self.scope["url_route"]["kwargs"]["center_id"])

    board_update = _LiveConsumer.forward

    @database_sync_to_async
    def may_watch(self, user) -> bool:
        center_id = self.scope["url_route"]["kwargs"]["center_id"]
        return centers_for(user).filter(pk=center_id).exists()

    @database_sync_to_async
    def snapshot(self) -> dict:
        center = centers_for(self.scope["user"]).get(
            pk=self.scope["url_route"]["kwargs"]["center_id"]
        )
        with override("en"):
            sessions = [
                session_payload(s) for s in board_sessions(center=center, now=timezone.now())
            ]
        return {"type": SNAPSHOT_EVENT, "center": center.pk, "sessions": sessions}


class PatientTimelineConsumer(_LiveConsumer):
    """A patient's own sessions, for that patient only: `/ws/patient/<patient_id>/timeline/`."""

    def group_name(self) -> str:
        return timeline_group(self.scope["url_route"]["kwargs"]["patient_id"])

    timeline_update = _LiveConsumer.forward

    @database_sync_to_async
    def may_watch(self, user) -> bool:
        return Patient.objects.filter(
            pk=self.scope["url_route"]["kwargs"]["patient_id"], user=user, user__is_active=True
        ).exists()

    @database_sync_to_async
    def snapshot(self) -> dict:
        patient = Patient.objects.get(pk=self.scope["url_route"]["kwargs"]["patient_id"])
        with override("en"):
            sessions = [
                session_payload(s, for_patient=True) for s in sessions_for_patient(patient=patient)
            ]
        return {"type": SNAPSHOT_EVENT, "patient": patient.pk, "sessions": sessions}
