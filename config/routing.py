"""WebSocket routes; each consumer checks the signed-in user's access itself."""

websocket_urlpatterns = []
