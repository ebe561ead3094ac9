"""WebSocket routes of the generation app."""

websocket_urlpatterns: list = []
