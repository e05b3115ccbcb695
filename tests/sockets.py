"""Helpers for talking to the resident socket through Channels' WebsocketCommunicator."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chat.models import Message
from config.asgi import application


async def connect(
    path: str = "/ws/chat/karvia/?lang=fi", origin: str | None = None
) -> WebsocketCommunicator:
    headers = [(b"host", b"chat.example.fi")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def say(communicator: WebsocketCommunicator, text: str, client_id: str = "c1") -> dict:
    """Send a resident message; returns its echo."""
    await communicator.send_json_to({"type": "message", "client_id": client_id, "text": text})
    return await communicator.receive_json_from()


async def frames_until_quiet(communicator: WebsocketCommunicator, quiet_s: float = 0.5) -> list:
    """Every frame the server sends until it has been quiet for `quiet_s` seconds."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet_s):
        frames.append(await communicator.receive_json_from())
    return frames


async def count_messages(**filters: object) -> int:
    return await database_sync_to_async(Message.objects.filter(**filters).count)()
