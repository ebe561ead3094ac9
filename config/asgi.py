"""ASGI entry point: Django for HTTP (upload chunks streamed to disk by creators.chunks,
every other body capped by config.bodylimit), Channels consumers for WebSockets."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.bodylimit import BodyLimit  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from creators.chunks import ChunkEndpoint  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ChunkEndpoint(BodyLimit(django_asgi_app)),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
