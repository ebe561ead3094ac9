"""WebSocket routes of the review app."""

websocket_urlpatterns: list = []
