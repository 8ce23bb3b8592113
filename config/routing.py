"""WebSocket routes; each consumer checks the signed-in user's access itself."""

from django.urls import path

from notifications.consumers import InboxConsumer
from sessions.consumers import CenterBoardConsumer, PatientTimelineConsumer

websocket_urlpatterns = [
    path("ws/center/<int:center_id>/board/", CenterBoardConsumer.as_asgi()),
    path("ws/patient/<int:patient_id>/timeline/", PatientTimelineConsumer.as_asgi()),
    path("ws/inbox/", InboxConsumer.as_asgi()),
]
