"""WebSocket URL routes, gathered from each app's routing module."""

from creators.routing import websocket_urlpatterns as creators_ws
from generation.routing import websocket_urlpatterns as generation_ws
from review.routing import websocket_urlpatterns as review_ws

websocket_urlpatterns = [*creators_ws, *generation_ws, *review_ws]
