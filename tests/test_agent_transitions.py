"""Every transition an agent causes or suffers, over the sockets: taken, capacity, close,
transfers, presence, the grace period, abandonment and automatic routing.

People: a resident of Karvia, Aino and Kaisa (agents of Karvia), Pekka (an agent of
Pomarkku).
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from chat.models import AgentProfile, Conversation
from faqbot.models import Municipality
from tests.agents import accepted, connect_agent, frames_of, next_of, queued_resident, row
from tests.conftest import make_agent
from tests.sockets import connect, frames_until_quiet

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]


@pytest.fixture
def kaisa(karvia) -> AgentProfile:
    """Kaisa, a second agent of Karvia."""
    return make_agent("kaisa", [karvia])


@pytest.fixture
def fast(settings):
    """Timings short enough for tests: the sweep, the grace period, offers, abandonment."""
    settings.CHAT_SWEEP_INTERVAL_S = 0.05
    settings.CHAT_AGENT_GRACE_S = 0.2
    settings.CHAT_OFFER_TIMEOUT_S = 0.3
    settings.CHAT_ABANDON_AFTER_S = 0.3
    settings.CHAT_QUEUE_REFRESH_DELAY_S = 0.01
    return settings


def messages(frames: list[dict]) -> list[str]:
    return [f["text"] for f in frames if f["type"] == "message"]


def states(frames: list[dict]) -> list[dict]:
    return [f for f in frames if f["type"] == "state"]


async def disconnect_all(*sockets) -> None:
    for socket in sockets:
        await socket.disconnect()


# -- queued -> assigned ---------------------------------------------------------------------


async def test_a_conversation_taken_by_one_agent_is_refused_to_the_next(faq, karvia_agent, kaisa):
    aino, _ = await connect_agent(karvia_agent)
    kaisa_socket, _ = await connect_agent(kaisa)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await kaisa_socket.send_json_to({"type": "accept", "conversation": conversation_id})
    # The refusal and the queue update from Aino's acceptance come in either order.
    frames = await frames_of(kaisa_socket)
    errors = [f for f in frames if f["type"] == "error"]
    assert [(e["code"], e["conversation"]) for e in errors] == [("already_taken", conversation_id)]
    # And the queue both see is empty again.
    queues = [f for f in frames if f["type"] == "queue"]
    assert queues and queues[-1]["conversations"] == []
    assert (await row(Conversation, pk=conversation_id)).assigned_agent_id == karvia_agent.pk
    await disconnect_all(aino, kaisa_socket, resident)


async def test_an_agent_at_capacity_cannot_take_more(faq, karvia):
    aino_profile = await database_sync_to_async(make_agent)("aino", [karvia], capacity=1)
    aino, _ = await connect_agent(aino_profile)
    first, _t, first_id = await queued_resident()
    second, _t, second_id = await queued_resident()
    await accepted(aino, first_id)
    await aino.send_json_to({"type": "accept", "conversation": second_id})
    assert (await next_of(aino, "error"))["code"] == "at_capacity"
    assert (await row(Conversation, pk=second_id)).state == "queued"
    await disconnect_all(aino, first, second)


async def test_the_resident_sees_their_place_and_wait_move(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    first, _t, first_id = await queued_resident()
    second = await connect()
    await second.receive_json_from()
    await second.send_json_to({"type": "handoff"})
    frames = await frames_until_quiet(second)
    [state] = states(frames)
    assert (state["state"], state["position"]) == ("queued", 2)
    assert state["estimated_wait_s"] > 0
    assert state["service"] == {"open": True, "agents_online": True}
    await accepted(aino, first_id)
    # Someone ahead was taken: the second resident moves up without saying anything.
    moved = await next_of(second, "state")
    assert (moved["state"], moved["position"]) == ("queued", 1)
    await disconnect_all(aino, first, second)


# -- assigned -> closed, and the rating ---------------------------------------------------


async def test_closing_asks_the_resident_for_a_rating_once(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await resident.send_json_to({"type": "rating", "score": 5})
    assert (await resident.receive_json_from())["code"] == "rating_not_allowed"
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)

    await aino.send_json_to({"type": "close", "conversation": conversation_id})
    state = await next_of(aino, "state")
    assert (state["state"], state["assigned_to"]) == ("closed", None)
    frames = await frames_until_quiet(resident)
    assert messages(frames) == [
        "Keskustelu on päättynyt. Kiitos yhteydenotosta! Miten onnistuimme? "
        "Voit arvioida palvelun asteikolla 1–5."
    ]
    [closed] = states(frames)
    assert (closed["state"], closed["rating_requested"]) == ("closed", True)

    await resident.send_json_to({"type": "rating", "score": 6})
    assert (await resident.receive_json_from())["code"] == "invalid_rating"
    await resident.send_json_to({"type": "rating", "score": True})
    assert (await resident.receive_json_from())["code"] == "invalid_rating"
    await resident.send_json_to({"type": "rating", "score": 4, "comment": " Nopeaa apua "})
    assert await resident.receive_json_from() == {"type": "rating", "score": 4}
    assert (await resident.receive_json_from())["rating_requested"] is False
    await resident.send_json_to({"type": "rating", "score": 1})
    assert (await resident.receive_json_from())["code"] == "rating_not_allowed"
    conversation = await database_sync_to_async(Conversation.objects.select_related("rating").get)(
        pk=conversation_id
    )
    assert (conversation.rating.score, conversation.rating.comment) == (4, "Nopeaa apua")
    assert conversation.closed_at is not None
    # The resident cannot write into a closed conversation.
    await resident.send_json_to({"type": "message", "client_id": "late", "text": "vielä"})
    assert (await resident.receive_json_from())["code"] == "conversation_closed"
    await disconnect_all(aino, resident)


# -- transfers ------------------------------------------------------------------------------


async def test_a_transfer_to_another_municipalitys_queue(faq, karvia_agent, pomarkku_agent):
    aino, _ = await connect_agent(karvia_agent)
    pekka, _ = await connect_agent(pomarkku_agent)
    resident, token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)

    await aino.send_json_to(
        {"type": "transfer", "conversation": conversation_id, "municipality": "pomarkku"}
    )
    frames = await frames_of(aino)
    assert states(frames) == [
        {"type": "state", "conversation": conversation_id, "state": "queued", "assigned_to": None}
    ]
    resident_frames = await frames_until_quiet(resident)
    assert messages(resident_frames) == [
        "Keskustelusi siirrettiin asiakaspalveluun: Pomarkku. "
        "Siellä sinulle vastataan mahdollisimman pian."
    ]
    [queued] = states(resident_frames)
    assert (queued["state"], queued["position"], queued["agent"]) == ("queued", 1, None)

    queue = await next_of(pekka, "queue")
    [summary] = queue["conversations"]
    assert summary["municipality"]["slug"] == "pomarkku"
    assert summary["started_in"]["slug"] == "karvia"
    frame = await accepted(pekka, conversation_id)
    assert frame["conversation"]["assigned_to"]["display_name"] == "Pekka"
    # Aino no longer sees it: it is Pomarkku's now.
    await aino.send_json_to({"type": "open", "conversation": conversation_id})
    assert (await next_of(aino, "error"))["code"] == "not_found"
    await disconnect_all(resident)
    # The resident's token still opens it on Karvia's site, where the widget is.
    resumed = await connect(f"/ws/chat/karvia/?lang=fi&token={token}")
    welcome = await resumed.receive_json_from()
    assert (welcome["state"], welcome["agent"]) == ("assigned", {"display_name": "Pekka"})
    await disconnect_all(aino, pekka, resumed)


async def test_a_transfer_to_a_queue_where_nobody_is_online_is_refused(faq, karvia_agent, pomarkku):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await aino.send_json_to(
        {"type": "transfer", "conversation": conversation_id, "municipality": "pomarkku"}
    )
    assert (await next_of(aino, "error"))["code"] == "no_agent_available"
    await aino.send_json_to(
        {"type": "transfer", "conversation": conversation_id, "municipality": "atlantis"}
    )
    assert (await next_of(aino, "error"))["code"] == "not_found"
    assert (await row(Conversation, pk=conversation_id)).state == "assigned"
    await disconnect_all(aino, resident)


async def test_a_transfer_to_another_agent(faq, karvia_agent, kaisa, pomarkku_agent):
    aino, hello = await connect_agent(karvia_agent)
    assert [a["display_name"] for a in hello["agents"]] == ["Kaisa"]
    kaisa_socket, _ = await connect_agent(kaisa)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)

    # Not to someone who does not serve Karvia, nor to oneself.
    await aino.send_json_to(
        {"type": "transfer", "conversation": conversation_id, "agent": pomarkku_agent.pk}
    )
    assert (await next_of(aino, "error"))["code"] == "not_found"
    await aino.send_json_to(
        {"type": "transfer", "conversation": conversation_id, "agent": karvia_agent.pk}
    )
    assert (await next_of(aino, "error"))["code"] == "invalid_frame"

    to_kaisa = {"type": "transfer", "conversation": conversation_id, "agent": kaisa.pk}
    await aino.send_json_to(to_kaisa)
    state = await next_of(aino, "state")
    assert state["assigned_to"] == {"id": kaisa.pk, "display_name": "Kaisa"}
    given = await next_of(kaisa_socket, "conversation")
    assert given["conversation"]["id"] == conversation_id
    assert given["messages"][-1]["text"] == "Kaisa asiakaspalvelusta jatkaa keskustelua."
    frames = await frames_until_quiet(resident)
    assert states(frames)[0]["agent"] == {"display_name": "Kaisa"}

    # Only Kaisa may write now.
    await aino.send_json_to(
        {"type": "message", "conversation": conversation_id, "client_id": "x", "text": "x"}
    )
    assert (await next_of(aino, "error"))["code"] == "not_assigned"
    await kaisa_socket.send_json_to(
        {"type": "message", "conversation": conversation_id, "client_id": "k", "text": "Hei!"}
    )
    assert (await resident.receive_json_from())["text"] == "Hei!"
    await disconnect_all(aino, kaisa_socket, resident)


async def test_a_transfer_to_an_agent_who_is_away_or_full_is_refused(faq, karvia, karvia_agent):
    away = await database_sync_to_async(make_agent)("kaisa", [karvia], status="away")
    full = await database_sync_to_async(make_agent)("liisa", [karvia], capacity=1)
    aino, _ = await connect_agent(karvia_agent)
    liisa, _ = await connect_agent(full)
    first, _t, first_id = await queued_resident()
    second, _t, second_id = await queued_resident()
    await accepted(liisa, first_id)
    await accepted(aino, second_id)
    await aino.send_json_to({"type": "transfer", "conversation": second_id, "agent": away.pk})
    assert (await next_of(aino, "error"))["code"] == "agent_unavailable"
    await aino.send_json_to({"type": "transfer", "conversation": second_id, "agent": full.pk})
    assert (await next_of(aino, "error"))["code"] == "at_capacity"
    await disconnect_all(aino, liisa, first, second)


# -- presence -------------------------------------------------------------------------------


async def test_going_offline_can_give_the_chats_back_to_the_queue(faq, karvia_agent):
    aino, _ = await connect_agent(karvia_agent)
    other_tab, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await frames_until_quiet(resident)

    await aino.send_json_to({"type": "presence", "status": "away", "open_chats": "keep"})
    assert await next_of(aino, "presence") == {"type": "presence", "status": "away"}
    assert (await next_of(other_tab, "presence"))["status"] == "away"
    assert (await row(Conversation, pk=conversation_id)).state == "assigned"

    await aino.send_json_to({"type": "presence", "status": "offline", "open_chats": "requeue"})
    assert (await next_of(aino, "presence"))["status"] == "offline"
    frames = await frames_until_quiet(resident)
    assert messages(frames) == ["Asiakaspalvelija joutui poistumaan. Olet taas jonon kärjessä."]
    [state] = states(frames)
    assert (state["state"], state["position"]) == ("queued", 1)
    # Nobody is online now: the resident sees it.
    assert state["service"]["agents_online"] is False
    agent = await row(AgentProfile, pk=karvia_agent.pk)
    assert agent.status == "offline"
    await disconnect_all(aino, other_tab, resident)


async def test_a_disconnected_agents_chats_go_to_the_front_of_the_queue_after_grace(
    faq, karvia_agent, kaisa, fast
):
    aino, _ = await connect_agent(karvia_agent)
    first, _t, first_id = await queued_resident()
    second, _t, second_id = await queued_resident()
    await accepted(aino, first_id)
    await frames_until_quiet(first, 0.1)
    await frames_until_quiet(second, 0.1)
    kaisa_socket, _ = await connect_agent(kaisa)

    await aino.disconnect()
    # Within the grace period nothing happens: Aino may come back.
    assert (await row(Conversation, pk=first_id)).state == "assigned"
    frames = []
    while not any(f["type"] == "state" for f in frames):
        frames += [await first.receive_json_from(timeout=2)]
    assert messages(frames) == ["Asiakaspalvelijan yhteys katkesi. Olet taas jonon kärjessä."]
    assert states(frames)[0]["position"] == 1
    # The one who waited less is behind again.
    assert (await next_of(second, "state"))["position"] == 2
    queue = await next_of(kaisa_socket, "queue")
    while len(queue["conversations"]) < 2:
        queue = await next_of(kaisa_socket, "queue")
    assert [c["id"] for c in queue["conversations"]] == [first_id, second_id]
    await disconnect_all(kaisa_socket, first, second)


async def test_an_agent_back_within_the_grace_period_keeps_the_chat(faq, karvia_agent, fast):
    fast.CHAT_AGENT_GRACE_S = 0.5
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await aino.disconnect()
    aino, hello = await connect_agent(karvia_agent)
    assert [c["id"] for c in hello["mine"]] == [conversation_id]
    await asyncio.sleep(0.7)
    assert (await row(Conversation, pk=conversation_id)).state == "assigned"
    await disconnect_all(aino, resident)


# -- queued -> abandoned --------------------------------------------------------------------


async def test_a_queued_resident_gone_too_long_abandons_the_chat(faq, karvia_agent, fast):
    aino, _ = await connect_agent(karvia_agent)
    resident, token, conversation_id = await queued_resident()
    await next_of(aino, "queue")
    await resident.disconnect()
    queue = await next_of(aino, "queue")
    while queue["conversations"]:
        queue = await next_of(aino, "queue")
    conversation = await row(Conversation, pk=conversation_id)
    assert conversation.state == "abandoned"
    back = await connect(f"/ws/chat/karvia/?lang=fi&token={token}")
    welcome = await back.receive_json_from()
    assert welcome["state"] == "abandoned"
    assert welcome["messages"][-1]["text"].startswith("Keskustelu päättyi, koska")
    await back.send_json_to({"type": "message", "client_id": "x", "text": "hei"})
    assert (await back.receive_json_from())["code"] == "conversation_closed"
    await disconnect_all(aino, back)


async def test_a_queued_resident_who_pings_is_not_abandoned(faq, karvia_agent, fast):
    aino, _ = await connect_agent(karvia_agent)
    resident, _token, conversation_id = await queued_resident()
    for _ in range(6):
        await resident.send_json_to({"type": "ping"})
        await next_of(resident, "pong")
        await asyncio.sleep(0.1)
    assert (await row(Conversation, pk=conversation_id)).state == "queued"
    await disconnect_all(aino, resident)


# -- automatic routing ----------------------------------------------------------------------


@pytest.fixture
def karvia_auto(karvia) -> Municipality:
    karvia.routing_mode = Municipality.RoutingMode.AUTO
    karvia.save()
    return karvia


async def test_auto_routing_offers_to_the_least_busy_and_moves_on_after_a_decline(
    faq, karvia_auto, karvia_agent, kaisa
):
    aino, _ = await connect_agent(karvia_agent)
    kaisa_socket, _ = await connect_agent(kaisa)
    busy, _t, busy_id = await queued_resident()
    # Aino (first by id) was offered it; she takes it and is busier than Kaisa now.
    offer = await next_of(aino, "offer")
    assert offer["conversation"]["id"] == busy_id
    await accepted(aino, busy_id)

    resident, _token, conversation_id = await queued_resident()
    offer = await next_of(kaisa_socket, "offer")
    assert offer["conversation"]["id"] == conversation_id
    assert offer["conversation"]["offered_to"] == kaisa.pk
    await kaisa_socket.send_json_to({"type": "decline", "conversation": conversation_id})
    assert (await next_of(kaisa_socket, "offer_cancelled"))["conversation"] == conversation_id
    offer = await next_of(aino, "offer")
    assert offer["conversation"]["id"] == conversation_id
    frame = await accepted(aino, conversation_id)
    assert frame["conversation"]["assigned_to"]["id"] == karvia_agent.pk
    # A decline of something not offered is refused.
    await kaisa_socket.send_json_to({"type": "decline", "conversation": conversation_id})
    assert (await next_of(kaisa_socket, "error"))["code"] == "no_offer"
    await disconnect_all(aino, kaisa_socket, busy, resident)


async def test_an_unanswered_offer_moves_on(faq, karvia_auto, karvia_agent, kaisa, fast):
    aino, _ = await connect_agent(karvia_agent)
    kaisa_socket, _ = await connect_agent(kaisa)
    resident, _token, conversation_id = await queued_resident()
    assert (await next_of(aino, "offer"))["conversation"]["id"] == conversation_id
    # Aino does not answer; after the timeout the offer is hers no more and goes to Kaisa.
    assert (await next_of(aino, "offer_cancelled"))["conversation"] == conversation_id
    assert (await next_of(kaisa_socket, "offer"))["conversation"]["id"] == conversation_id
    conversation = await row(Conversation, pk=conversation_id)
    assert conversation.declined_by == [karvia_agent.pk]
    await disconnect_all(aino, kaisa_socket, resident)


async def test_an_offer_waits_for_an_agent_with_room(faq, karvia_auto, karvia):
    aino_profile = await database_sync_to_async(make_agent)("aino", [karvia], capacity=1)
    aino, _ = await connect_agent(aino_profile)
    first, _t, first_id = await queued_resident()
    await next_of(aino, "offer")
    await accepted(aino, first_id)
    second, _t, second_id = await queued_resident()
    assert not [f for f in await frames_of(aino) if f["type"] == "offer"]
    # Room again: the waiting conversation is offered at once.
    await aino.send_json_to({"type": "close", "conversation": first_id})
    offer = await next_of(aino, "offer")
    assert offer["conversation"]["id"] == second_id
    await disconnect_all(aino, first, second)
