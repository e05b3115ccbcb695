"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before the consumers (and through them the models) are imported.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402
from faqbot import live_index  # noqa: E402

# Loading spaCy and Voikko takes a second or two; do it now, beside the server's start,
# rather than while the first resident waits for an answer.
live_index.start_warm_up()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The origin check is per municipality and lives in the consumer, because the
        # allowed origins are data, not settings.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
