"""A resident on one daphne process and agents on another, sharing PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from django.test import Client

from tests.conftest import make_agent

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
]


def cookie(agent) -> dict[str, str]:
    client = Client()
    client.force_login(agent.user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


@pytest.fixture
def aino(karvia_agent) -> dict[str, str]:
    return cookie(karvia_agent)


@pytest.fixture
def kaisa(karvia) -> dict[str, str]:
    return cookie(make_agent("kaisa", [karvia]))


async def receive(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))


async def next_of(ws, kind: str) -> dict:
    while True:
        frame = await receive(ws)
        if frame["type"] == kind:
            return frame


async def test_a_resident_and_an_agent_on_different_processes_chat_in_real_time(two_servers, aino):
    first, second = two_servers
    async with (
        websockets.connect(f"{second}/ws/agent/", additional_headers=aino) as agent,
        websockets.connect(f"{first}/ws/chat/karvia/?lang=fi") as resident,
    ):
        assert (await receive(agent))["type"] == "hello"
        await receive(resident)
        await resident.send(json.dumps({"type": "handoff"}))
        assert (await next_of(resident, "state"))["state"] == "queued"
        queue = await next_of(agent, "queue")
        [waiting] = queue["conversations"]

        await agent.send(json.dumps({"type": "accept", "conversation": waiting["id"]}))
        assert (await next_of(agent, "conversation"))["conversation"]["id"] == waiting["id"]
        assert (await next_of(resident, "state"))["agent"] == {"display_name": "Aino"}

        conversation = waiting["id"]
        for i in range(5):
            await agent.send(
                json.dumps(
                    {"type": "note", "conversation": conversation, "client_id": f"n{i}",
                     "text": f"muistiin {i}"}
                )
            )  # fmt: skip
            await agent.send(
                json.dumps(
                    {"type": "message", "conversation": conversation, "client_id": f"a{i}",
                     "text": f"vastaus {i}"}
                )
            )  # fmt: skip
            reply = await next_of(resident, "message")
            while reply["sender"] == "resident":  # the echo of the resident's own
                reply = await next_of(resident, "message")
            assert reply["text"] == f"vastaus {i}"  # the note before it never arrives
            await resident.send(
                json.dumps({"type": "message", "client_id": f"r{i}", "text": f"kiitos {i}"})
            )
            heard = await next_of(agent, "message")
            while heard["sender"] != "resident":
                heard = await next_of(agent, "message")
            assert heard["text"] == f"kiitos {i}"

        await resident.send(json.dumps({"type": "typing"}))
        assert (await next_of(agent, "typing"))["conversation"] == conversation
        await agent.send(json.dumps({"type": "close", "conversation": conversation}))
        closed = await next_of(resident, "state")
        assert (closed["state"], closed["rating_requested"]) == ("closed", True)


async def test_two_agents_on_two_processes_accept_at_once_and_one_wins(two_servers, aino, kaisa):
    first, second = two_servers
    async with (
        websockets.connect(f"{first}/ws/agent/", additional_headers=aino) as one,
        websockets.connect(f"{second}/ws/agent/", additional_headers=kaisa) as other,
        websockets.connect(f"{first}/ws/chat/karvia/?lang=fi") as resident,
    ):
        await receive(one)
        await receive(other)
        await receive(resident)
        await resident.send(json.dumps({"type": "handoff"}))
        [waiting] = (await next_of(one, "queue"))["conversations"]
        await next_of(other, "queue")
        accept = json.dumps({"type": "accept", "conversation": waiting["id"]})
        await asyncio.gather(one.send(accept), other.send(accept))

        async def outcome(ws) -> str:
            while True:
                frame = await receive(ws)
                if frame["type"] == "conversation":
                    return "won"
                if frame["type"] == "error":
                    return frame["code"]

        results = await asyncio.gather(outcome(one), outcome(other))
        assert sorted(results) == ["already_taken", "won"]
