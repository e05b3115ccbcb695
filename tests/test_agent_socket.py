"""The agent's websocket: who may connect, the queue, accepting, chatting both ways, notes,
resync after a reconnect, typing and the FAQ search.

People: a resident of Karvia, Aino (an agent of Karvia), Pekka (an agent of Pomarkku) and
Olli (a user who is not an agent).
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from chat.models import AgentProfile, Conversation, Message
from tests.agents import (
    accepted,
    agent_socket,
    connect_agent,
    frames_of,
    next_of,
    queued_resident,
    row,
)
from tests.sockets import connect, count_messages, frames_until_quiet, say

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]

LONG = "a" * 5001  # over the agents' 5,000 characters


# -- who may connect ----------------------------------------------------------------------


async def test_it_says_hello_to_an_agent(faq, karvia_agent, pomarkku_agent):
    socket, hello = await connect_agent(karvia_agent)
    assert hello["agent"] == {
        "id": karvia_agent.pk,
        "display_name": "Aino",
        "status": "online",
        "capacity": 3,
        "municipalities": [{"slug": "karvia", "name": "Karvia"}],
    }
    assert hello["queue"] == []
    assert hello["mine"] == []
    assert hello["contact_requests"] == []
    # Pekka serves Pomarkku only: not someone Aino could transfer a Karvia chat to.
    assert hello["agents"] == []
    await socket.disconnect()


async def test_it_refuses_a_socket_without_a_session(faq):
    socket = await agent_socket(None)
    frame = await socket.receive_json_from()
    assert (frame["type"], frame["code"]) == ("error", "login_required")
    assert (await socket.receive_output())["code"] == 4401


async def test_it_refuses_a_user_who_is_not_an_agent(faq, outsider):
    socket = await agent_socket(outsider)
    assert (await socket.receive_json_from())["code"] == "not_an_agent"
    assert (await socket.receive_output())["code"] == 4403


async def test_it_refuses_another_sites_page(faq, karvia_agent):
    user = await database_sync_to_async(lambda: karvia_agent.user)()
    socket = await agent_socket(user, origin="https://evil.example.com")
    assert (await socket.receive_json_from())["code"] == "origin_not_allowed"
    assert (await socket.receive_output())["code"] == 4403


async def test_it_accepts_the_chat_hosts_own_page(faq, karvia_agent):
    user = await database_sync_to_async(lambda: karvia_agent.user)()
    socket = await agent_socket(user, origin="http://chat.example.fi")
    assert (await socket.receive_json_from())["type"] == "hello"
    await socket.disconnect()


async def test_it_counts_the_agent_connected_while_a_socket_is_open(faq, karvia_agent):
    await database_sync_to_async(AgentProfile.objects.filter(pk=karvia_agent.pk).update)(
        disconnected_at="2026-01-01T00:00:00Z"
    )
    first, _ = await connect_agent(karvia_agent)
    second, _ = await connect_agent(karvia_agent)
    assert (await row(AgentProfile, pk=karvia_agent.pk)).disconnected_at is None
    await first.disconnect()
    assert (await row(AgentProfile, pk=karvia_agent.pk)).disconnected_at is None
    await second.disconnect()
    assert (await row(AgentProfile, pk=karvia_agent.pk)).disconnected_at is not None


# -- the queue ----------------------------------------------------------------------------


async def test_it_shows_a_hand_off_in_the_queue_of_the_municipalitys_agents_only(
    faq, karvia_agent, pomarkku_agent
):
    aino, _ = await connect_agent(karvia_agent)
    pekka, _ = await connect_agent(pomarkku_agent)
    resident, _token, conversation_id = await queued_resident()

    queue = await next_of(aino, "queue")
    [summary] = queue["conversations"]
    assert summary["id"] == conversation_id
    assert summary["municipality"] == {"slug": "karvia", "name": "Karvia"}
    assert summary["language"] == "fi"
    assert summary["state"] == "queued"
    assert summary["first_message"] == "haluan puhua ihmisen kanssa"
    assert summary["assigned_to"] is None
    assert summary["waited_s"] >= 0
    assert summary["last_seq"] == 3
    assert all({"id", "question", "confidence"} <= set(g) for g in summary["bot_guesses"])
    # Pomarkku's agent hears nothing of Karvia's queue.
    assert await pekka.receive_nothing(timeout=0.3)
    for socket in (aino, pekka, resident):
        await socket.disconnect()


async def test_it_lists_the_bots_best_guesses_with_their_questions(faq, karvia_agent):
    resident = await connect()
    await resident.receive_json_from()
    # About the library, but the resident wants a person: the bot's guesses are kept.
    await say(resident, "haluan puhua ihmisen kanssa kirjaston aukioloajoista")
    await frames_until_quiet(resident)
    aino, hello = await connect_agent(karvia_agent)
    [summary] = hello["queue"]
    guesses = {g["id"]: g["question"] for g in summary["bot_guesses"]}
    assert guesses.get("karvia-library") == "Milloin Karvian kirjasto on auki?"
    assert "pomarkku-library" not in guesses
    await aino.disconnect()
    await resident.disconnect()


# -- accepting and chatting ---------------------------------------------------------------


async def test_an_agent_accepts_and_both_sides_chat_in_real_time(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()

    frame = await accepted(aino, conversation_id)
    assert frame["conversation"]["id"] == conversation_id
    assert frame["conversation"]["assigned_to"] == {"id": karvia_agent.pk, "display_name": "Aino"}
    # The whole transcript: the resident, the bot with what it considered, the queue notice
    # and the agent joining.
    senders = [m["sender"] for m in frame["messages"]]
    assert senders == ["resident", "bot", "system", "system"]
    assert frame["messages"][0]["html"] == ""
    assert frame["messages"][1]["candidates"] is not None

    joined, state = await frames_until_quiet(resident)
    assert joined["sender"] == "system"
    assert joined["text"] == "Aino asiakaspalvelusta liittyi keskusteluun."
    assert state["state"] == "assigned"
    assert state["agent"] == {"display_name": "Aino"}
    assert state["position"] is None

    await aino.send_json_to(
        {"type": "message", "conversation": conversation_id, "client_id": "a1", "text": "Hei!"}
    )
    echo = await next_of(aino, "message")
    assert (echo["seq"], echo["sender"], echo["client_id"]) == (5, "agent", "a1")
    assert echo["agent"] == {"id": karvia_agent.pk, "display_name": "Aino"}
    assert echo["internal"] is False
    to_resident = await resident.receive_json_from()
    assert (to_resident["seq"], to_resident["sender"], to_resident["text"]) == (5, "agent", "Hei!")
    assert to_resident["html"] == "<p>Hei!</p>"
    assert "client_id" not in to_resident

    await say(resident, "Hei, kysyisin kirjastosta", client_id="r2")
    to_agent = await next_of(aino, "message")
    assert (to_agent["seq"], to_agent["sender"], to_agent["client_id"]) == (6, "resident", "r2")
    conversation = await row(Conversation, pk=conversation_id)
    assert conversation.first_agent_reply_at is not None
    assert conversation.assigned_at is not None
    await aino.disconnect()
    await resident.disconnect()


async def test_it_stores_an_agents_resend_once(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)
    message = {"type": "message", "conversation": conversation_id, "client_id": "same", "text": "x"}
    await aino.send_json_to(message)
    first = await next_of(aino, "message")
    await aino.send_json_to(message)
    again = await next_of(aino, "message")
    assert again["seq"] == first["seq"]
    assert await count_messages(sender="agent") == 1
    assert (await resident.receive_json_from())["seq"] == first["seq"]
    # A resident's client_id of the same spelling is another message altogether.
    await say(resident, "y", client_id="same")
    assert await count_messages(client_id="same") == 2
    await aino.disconnect()
    await resident.disconnect()


async def test_internal_notes_never_reach_the_resident(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)

    await aino.send_json_to(
        {"type": "note", "conversation": conversation_id, "client_id": "n1", "text": "salainen"}
    )
    note = await next_of(aino, "message")
    assert (note["internal"], note["text"]) == (True, "salainen")
    await aino.send_json_to(
        {"type": "message", "conversation": conversation_id, "client_id": "m1", "text": "julkinen"}
    )
    public = await next_of(aino, "message")
    # The note was stored first: had it leaked, it would arrive before the reply.
    assert (await resident.receive_json_from())["seq"] == public["seq"]
    assert await resident.receive_nothing(timeout=0.3)
    await resident.disconnect()

    # Nor in the history of a resumed conversation, nor a resent client_id fishing for it.
    resumed = await connect(f"/ws/chat/karvia/?lang=fi&token={token}")
    welcome = await resumed.receive_json_from()
    assert "salainen" not in [m["text"] for m in welcome["messages"]]
    assert note["seq"] not in [m["seq"] for m in welcome["messages"]]
    echo = await say(resumed, "hei", client_id="n1")
    assert echo["text"] == "hei"
    await resumed.disconnect()
    await aino.disconnect()


async def test_another_agent_of_the_municipality_sees_notes_when_it_opens(
    faq, karvia, karvia_agent
):
    from tests.conftest import make_agent

    colleague = await database_sync_to_async(make_agent)("kaisa", [karvia])
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await aino.send_json_to(
        {"type": "note", "conversation": conversation_id, "client_id": "n", "text": "muistiin"}
    )
    await next_of(aino, "message")
    kaisa, _ = await connect_agent(colleague)
    await kaisa.send_json_to({"type": "open", "conversation": conversation_id})
    frame = await next_of(kaisa, "conversation")
    notes = [m for m in frame["messages"] if m["internal"]]
    assert [(n["text"], n["agent"]["display_name"], n["client_id"]) for n in notes] == [
        ("muistiin", "Aino", None)
    ]
    for socket in (aino, kaisa, resident):
        await socket.disconnect()


# -- refusals, one by one -------------------------------------------------------------------


async def test_it_refuses_another_municipalitys_conversation(faq, karvia_agent, pomarkku_agent):
    pekka, _ = await connect_agent(pomarkku_agent)
    resident, _token, conversation_id = await queued_resident()
    for frame in (
        {"type": "accept", "conversation": conversation_id},
        {"type": "open", "conversation": conversation_id},
        {"type": "note", "conversation": conversation_id, "client_id": "n", "text": "x"},
        {"type": "message", "conversation": conversation_id, "client_id": "m", "text": "x"},
        {"type": "close", "conversation": conversation_id},
    ):
        await pekka.send_json_to(frame)
        error = await pekka.receive_json_from()
        assert (error["type"], error["code"], error["conversation"]) == (
            "error",
            "not_found",
            conversation_id,
        )
    assert (await row(Conversation, pk=conversation_id)).state == "queued"
    assert await count_messages(sender="agent") == 0
    await pekka.disconnect()
    await resident.disconnect()


async def test_it_refuses_a_guessed_id_the_same_way(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    await aino.send_json_to({"type": "accept", "conversation": 987654})
    assert (await aino.receive_json_from())["code"] == "not_found"
    await aino.send_json_to({"type": "open", "conversation": 987654, "after": 0})
    assert (await aino.receive_json_from())["code"] == "not_found"
    await aino.disconnect()


async def test_it_refuses_to_act_on_a_closed_conversation(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await aino.send_json_to({"type": "close", "conversation": conversation_id})
    await next_of(aino, "state")
    for frame in (
        {"type": "message", "conversation": conversation_id, "client_id": "late", "text": "x"},
        {"type": "accept", "conversation": conversation_id},
        {"type": "close", "conversation": conversation_id},
        {"type": "transfer", "conversation": conversation_id, "municipality": "karvia"},
    ):
        await aino.send_json_to(frame)
        error = await next_of(aino, "error")
        assert error["code"] == "conversation_closed", frame
    assert await count_messages(client_id="late") == 0
    await aino.disconnect()
    await resident.disconnect()


async def test_it_refuses_to_write_in_a_conversation_not_assigned_to_the_agent(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await aino.send_json_to(
        {"type": "message", "conversation": conversation_id, "client_id": "m", "text": "x"}
    )
    assert (await next_of(aino, "error"))["code"] == "not_assigned"
    await aino.disconnect()
    await resident.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "accept"}, "invalid_frame"),
        ({"type": "accept", "conversation": True}, "invalid_frame"),
        ({"type": "accept", "conversation": "1"}, "invalid_frame"),
        ({"type": "open", "conversation": 1, "after": -1}, "invalid_frame"),
        ({"type": "presence", "status": "sleeping"}, "invalid_frame"),
        ({"type": "presence", "status": "offline", "open_chats": "drop"}, "invalid_frame"),
        ({"type": "message", "conversation": 1, "text": "x"}, "invalid_client_id"),
        ({"type": "message", "conversation": 1, "client_id": "c", "text": 1}, "invalid_text"),
        ({"type": "note", "conversation": 1, "client_id": "c", "text": "  "}, "empty_text"),
        ({"type": "message", "conversation": 1, "client_id": "c", "text": LONG}, "text_too_long"),
        ({"type": "transfer", "conversation": 1}, "invalid_frame"),
        ({"type": "transfer", "conversation": 1, "municipality": "x", "agent": 2}, "invalid_frame"),
        ({"type": "faq_search", "query": 1, "municipality": "karvia"}, "invalid_frame"),
        ({"type": "faq_search", "query": "x", "municipality": "m", "language": 1}, "invalid_frame"),
        ({"type": "contact_handled", "request": "1"}, "invalid_frame"),
        ({"type": "teleport"}, "unknown_type"),
    ],
)  # fmt: skip
async def test_it_answers_bad_agent_frames_with_an_error(faq, karvia_agent, frame, code):
    aino, _ = await connect_agent(karvia_agent)
    await aino.send_json_to(frame)
    error = await aino.receive_json_from()
    assert (error["type"], error["code"]) == ("error", code)
    await aino.send_to(text_data="{")
    assert (await aino.receive_json_from())["code"] == "malformed_json"
    await aino.disconnect()


# -- resync ---------------------------------------------------------------------------------


async def test_it_resyncs_exactly_the_missed_messages_after_a_reconnect(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    frame = await accepted(aino, conversation_id)
    last_seen = frame["messages"][-1]["seq"]
    await aino.disconnect()
    await frames_until_quiet(resident)

    # While the agent is away: the resident writes, and the agent's own resend is pending.
    await say(resident, "oletko siellä?", client_id="r1")
    await say(resident, "haloo", client_id="r2")

    aino, hello = await connect_agent(karvia_agent)
    [mine] = hello["mine"]
    assert (mine["id"], mine["last_seq"]) == (conversation_id, last_seen + 2)
    await aino.send_json_to({"type": "open", "conversation": conversation_id, "after": last_seen})
    frame = await next_of(aino, "conversation")
    assert [m["text"] for m in frame["messages"]] == ["oletko siellä?", "haloo"]
    # Resending what may not have arrived stores it once, and only once is it delivered.
    for _ in range(2):
        await aino.send_json_to(
            {"type": "message", "conversation": conversation_id, "client_id": "a9", "text": "olen"}
        )
    frames = [f for f in await frames_of(aino) if f["type"] == "message"]
    assert [(f["seq"], f["text"]) for f in frames] == [(last_seen + 3, "olen")] * 2
    resident_frames = await frames_until_quiet(resident)
    assert [f["text"] for f in resident_frames if f["type"] == "message"] == ["olen"]
    assert await count_messages(text="olen") == 1
    await aino.disconnect()
    await resident.disconnect()


async def test_it_keeps_delivering_live_after_open(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await aino.send_json_to({"type": "open", "conversation": conversation_id, "after": 0})
    frame = await next_of(aino, "conversation")
    assert frame["conversation"]["state"] == "queued"
    await say(resident, "odotan", client_id="w")
    message = await next_of(aino, "message")
    assert message["text"] == "odotan"
    await aino.disconnect()
    await resident.disconnect()


# -- typing ---------------------------------------------------------------------------------


async def test_typing_goes_both_ways_at_most_once_a_second(faq, karvia_agent, settings):
    settings.CHAT_TYPING_INTERVAL_S = 0.5
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)
    await frames_of(aino)

    for _ in range(5):
        await resident.send_json_to({"type": "typing"})
    assert [f for f in await frames_of(aino, 0.3) if f["type"] == "typing"] == [
        {"type": "typing", "conversation": conversation_id, "who": "resident"}
    ]
    for _ in range(5):
        await aino.send_json_to({"type": "typing", "conversation": conversation_id})
    assert await frames_until_quiet(resident, 0.3) == [{"type": "typing", "who": "agent"}]
    # After the interval, one more each way.
    await asyncio.sleep(0.5)
    await resident.send_json_to({"type": "typing"})
    assert (await next_of(aino, "typing"))["who"] == "resident"
    await aino.send_json_to({"type": "typing", "conversation": conversation_id})
    assert await resident.receive_json_from() == {"type": "typing", "who": "agent"}
    await aino.disconnect()
    await resident.disconnect()


async def test_an_agent_cannot_type_into_someone_elses_conversation(
    faq, karvia_agent, pomarkku_agent
):
    pekka, _ = await connect_agent(pomarkku_agent)
    resident, _token, conversation_id = await queued_resident()
    await pekka.send_json_to({"type": "typing", "conversation": conversation_id})
    assert await resident.receive_nothing(timeout=0.3)
    await pekka.disconnect()
    await resident.disconnect()


# -- canned answers -------------------------------------------------------------------------


async def test_it_finds_faq_answers_of_the_municipality_and_shared_ones(
    faq, karvia_agent, pomarkku_agent
):
    aino, _ = await connect_agent(karvia_agent)
    await aino.send_json_to(
        {"type": "faq_search", "query": "kirjasto", "municipality": "karvia", "language": "fi"}
    )
    results = await next_of(aino, "faq_results")
    assert results["query"] == "kirjasto"
    ids = [r["id"] for r in results["results"]]
    assert ids[0] == "karvia-library"
    assert "pomarkku-library" not in ids
    first = results["results"][0]
    assert first["answer"] == "Kirjasto on auki **ma–pe 10–18**."
    assert "<strong>" in first["html"]

    await aino.send_json_to({"type": "faq_search", "query": "jätteet", "municipality": "karvia"})
    assert "waste" in [r["id"] for r in (await next_of(aino, "faq_results"))["results"]]

    await aino.send_json_to({"type": "faq_search", "query": "kirjasto", "municipality": "pomarkku"})
    assert (await next_of(aino, "error"))["code"] == "not_found"
    await aino.disconnect()


async def test_it_keeps_an_agent_message_text_as_markdown_for_the_resident(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)
    text = "Katso **ohje** <script>alert(1)</script>"
    await aino.send_json_to(
        {"type": "message", "conversation": conversation_id, "client_id": "md", "text": text}
    )
    frame = await resident.receive_json_from()
    assert "<strong>ohje</strong>" in frame["html"]
    assert "<script>" not in frame["html"]
    stored = await row(Message, conversation_id=conversation_id, client_id="md")
    assert stored.agent_id == karvia_agent.pk
    await aino.disconnect()
    await resident.disconnect()
