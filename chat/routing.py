from __future__ import annotations

from django.urls import re_path

from chat.agent_consumer import AgentConsumer
from chat.consumers import ResidentConsumer

websocket_urlpatterns = [
    # Any slug-shaped path reaches the consumer, which answers an unknown municipality with
    # an error frame instead of a silent 404 handshake failure.
    re_path(r"^ws/chat/(?P<municipality>[^/]{1,100})/$", ResidentConsumer.as_asgi()),
    re_path(r"^ws/agent/$", AgentConsumer.as_asgi()),
]
