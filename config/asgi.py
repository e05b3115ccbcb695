"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before the consumers (and through them the models) are imported.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402
from faqbot import live_index  # noqa: E402

# Loading spaCy and Voikko takes a second or two; do it now, beside the server's start,
# rather than while the first resident waits for an answer.
live_index.start_warm_up()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The origin checks live in the consumers: the resident socket's is per
        # municipality (the allowed origins are data, not settings). The session (for the
        # agent socket) comes from the cookie; residents have none and need none.
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
