"""Helpers for the agent socket and the people around it (see tests/conftest.py)."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from chat.models import AgentProfile, Conversation
from config.asgi import application
from tests.sockets import connect, frames_until_quiet, say

HOST = b"chat.example.fi"


@database_sync_to_async
def session_cookie(user: object) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def agent_socket(
    user: object | None, origin: str | None = None, path: str = "/ws/agent/"
) -> WebsocketCommunicator:
    """An agent socket with the user's session cookie (none for None), not yet read from."""
    headers = [(b"host", HOST)]
    if user is not None:
        headers.append((b"cookie", (await session_cookie(user)).encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def connect_agent(agent: AgentProfile) -> tuple[WebsocketCommunicator, dict]:
    """The agent's socket and its hello."""
    user = await database_sync_to_async(lambda: agent.user)()
    communicator = await agent_socket(user)
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello", hello
    return communicator, hello


async def next_of(communicator: WebsocketCommunicator, kind: str, wait_s: float = 3) -> dict:
    """The next frame of this type; frames of other types before it are skipped."""

    async def wait() -> dict:
        while True:
            frame = await communicator.receive_json_from(timeout=wait_s)
            if frame["type"] == kind:
                return frame

    return await asyncio.wait_for(wait(), wait_s)


async def frames_of(communicator: WebsocketCommunicator, quiet_s: float = 0.4) -> list[dict]:
    return await frames_until_quiet(communicator, quiet_s)


async def queued_resident(path: str = "/ws/chat/karvia/?lang=fi") -> tuple:
    """A resident who asked for a person: their socket, resume token and conversation id."""
    resident = await connect(path)
    welcome = await resident.receive_json_from()
    await say(resident, "haluan puhua ihmisen kanssa", client_id="ask")
    state = await next_of(resident, "state")
    assert state["state"] == "queued", state
    conversation_id = await database_sync_to_async(lambda: Conversation.objects.latest("pk").pk)()
    return resident, welcome["conversation"], conversation_id


async def accepted(agent_socket: WebsocketCommunicator, conversation_id: int) -> dict:
    """Accept and return the `conversation` frame."""
    await agent_socket.send_json_to({"type": "accept", "conversation": conversation_id})
    return await next_of(agent_socket, "conversation")


async def row(model: type, **filters: object) -> object:
    return await database_sync_to_async(model.objects.get)(**filters)
