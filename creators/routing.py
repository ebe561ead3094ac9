"""WebSocket routes of the creators app."""

from django.urls import path

from creators.consumers import StudioConsumer

websocket_urlpatterns = [path("ws/studio/<int:studio_id>/", StudioConsumer.as_asgi())]
