"""WebSocket routes; each consumer checks the signed-in user's access itself."""

from django.urls import path

from sessions.consumers import CenterBoardConsumer

websocket_urlpatterns = [
    path("ws/centers/<int:center_id>/board/", CenterBoardConsumer.as_asgi()),
]
