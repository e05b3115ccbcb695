"""Two real daphne processes sharing one PostgreSQL and one Redis, as in production."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
]


async def receive(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))


async def test_it_resumes_a_conversation_through_the_other_process(two_servers):
    first, second = two_servers
    async with websockets.connect(f"{first}/ws/chat/karvia/?lang=fi") as ws:
        welcome = await receive(ws)
        token = welcome["conversation"]
        await ws.send(json.dumps({"type": "message", "client_id": "q1", "text": "kirjasto"}))
        assert (await receive(ws))["seq"] == 1
        answer = await receive(ws)
        assert answer["sender"] == "bot"
        assert answer["text"].startswith("Kirjasto on auki")

    async with websockets.connect(f"{second}/ws/chat/karvia/?lang=fi&token={token}") as ws:
        welcome = await receive(ws)
        assert welcome["conversation"] == token
        assert [(m["seq"], m["sender"]) for m in welcome["messages"]] == [
            (1, "resident"),
            (2, "bot"),
        ]
        assert welcome["messages"][1]["text"] == answer["text"]
        # The conversation goes on in the second process, numbered after the first's.
        await ws.send(json.dumps({"type": "message", "client_id": "q2", "text": "jätteet"}))
        assert (await receive(ws))["seq"] == 3


async def test_it_delivers_live_across_processes_through_redis(two_servers):
    first, second = two_servers
    async with websockets.connect(f"{first}/ws/chat/karvia/?lang=fi") as a:
        token = (await receive(a))["conversation"]
        async with websockets.connect(f"{second}/ws/chat/karvia/?lang=fi&token={token}") as b:
            await receive(b)
            for i in range(5):
                question = {"type": "message", "client_id": f"m{i}", "text": "kirjasto auki"}
                await a.send(json.dumps(question))
            seen = []
            while len(seen) < 10:  # five messages and five bot replies
                seen.append((await receive(b))["seq"])
            assert seen == list(range(1, 11))


async def test_it_tells_the_other_process_of_a_handoff(two_servers, karvia_agent):
    first, second = two_servers
    async with websockets.connect(f"{first}/ws/chat/karvia/?lang=fi") as a:
        token = (await receive(a))["conversation"]
        async with websockets.connect(f"{second}/ws/chat/karvia/?lang=fi&token={token}") as b:
            assert (await receive(b))["state"] == "bot"
            person = "voisinko jutella asiakaspalvelijan kanssa"
            await a.send(json.dumps({"type": "message", "client_id": "p", "text": person}))
            frames = [await receive(b) for _ in range(4)]
            assert [f.get("sender") for f in frames[:3]] == ["resident", "bot", "system"], frames
            assert (frames[3]["type"], frames[3]["state"]) == ("state", "queued")
            # Queued: the resident is heard, the bot is silent, in either process.
            await b.send(json.dumps({"type": "message", "client_id": "q", "text": "kirjasto"}))
            assert (await receive(b))["seq"] == 4
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(b.recv(), timeout=1)


async def test_it_refuses_bad_input_without_harm_in_a_real_server(two_servers):
    first, _ = two_servers
    async with websockets.connect(
        f"{first}/ws/chat/karvia/?lang=fi", origin="https://evil.example.com"
    ) as ws:
        assert (await receive(ws))["code"] == "origin_not_allowed"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await receive(ws)
        assert closed.value.rcvd.code == 4403
    async with websockets.connect(f"{first}/ws/chat/karvia/?lang=fi") as ws:
        await receive(ws)
        await ws.send("{broken")
        assert (await receive(ws))["code"] == "malformed_json"
        await ws.send(json.dumps({"type": "message", "client_id": "ok", "text": "hei"}))
        assert (await receive(ws))["seq"] == 1
