"""Live views over WebSockets: a center's room board and a patient's own timeline.

Each consumer refuses anyone who may not watch, sends a fresh snapshot on connect (so a
client that was disconnected catches up on what it missed by reconnecting), and checks
access again when told that the user's access changed (clinics.live) and, as a backstop for
changes made around the signals, on the first event after ACCESS_RECHECK_SECONDS: a
withdrawn membership drops the connection without a query per event per client.
"""

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django.utils.translation import override

from clinics.access import centers_for
from clinics.live import access_group
from config.metrics import websocket_connections
from patients.models import Patient
from sessions.live import SNAPSHOT_EVENT, board_group, session_payload, timeline_group
from sessions.selectors import board_sessions, sessions_for_patient

REFUSED = 4403
ACCESS_RECHECK_SECONDS = 300


class _LiveConsumer(AsyncJsonWebsocketConsumer):
    group: str

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await self.may_watch(user):
            await self.close(code=REFUSED)
            return
        self.access_checked_at = time.monotonic()
        self.groups_joined = [self.group_name(), access_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        websocket_connections.labels(consumer=type(self).__name__).inc()
        self.counted = True
        await self.send_json(await self.snapshot())

    async def disconnect(self, code: int) -> None:
        # A refused socket disconnects too, but was never counted.
        if getattr(self, "counted", False):
            websocket_connections.labels(consumer=type(self).__name__).dec()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def still_allowed(self) -> bool:
        """Checks access again (closing the socket when it is gone)."""
        self.access_checked_at = time.monotonic()
        if await self.may_watch(self.scope["user"]):
            return True
        await self.close(code=REFUSED)
        return False

    async def access_changed(self, event: dict) -> None:
        await self.still_allowed()

    async def receive_json(self, content, **kwargs) -> None:
        # A client that suspects it missed something asks for the whole picture again.
        if content.get("type") == "resync" and await self.still_allowed():
            await self.send_json(await self.snapshot())

    async def forward(self, event: dict) -> None:
        stale = time.monotonic() - self.access_checked_at > ACCESS_RECHECK_SECONDS
        if stale and not await self.still_allowed():
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
