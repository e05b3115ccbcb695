"""The resident's side of live agents: asking for a person, office hours and nobody online,
contact requests, and the hand-off after two unhelpful answers.

People: a resident of Karvia, Aino (an agent of Karvia), Pekka (an agent of Pomarkku).
"""

from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async

from chat.models import AgentProfile, ContactRequest, Conversation, ExceptionalDay, OfficeHours
from chat.office_hours import HELSINKI
from tests.agents import connect_agent, next_of, row
from tests.sockets import connect, frames_until_quiet, say

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]

CONTACT = {
    "type": "contact_request",
    "name": "Maija Meikäläinen",
    "email": "maija@example.fi",
    "message": "Soittakaa minulle rakennusluvasta.",
}


async def welcomed(path: str = "/ws/chat/karvia/?lang=fi"):
    resident = await connect(path)
    return resident, await resident.receive_json_from()


def texts(frames: list[dict]) -> list[str]:
    return [f["text"] for f in frames if f["type"] == "message"]


async def test_the_welcome_carries_the_service_status(faq, karvia_agent):
    resident, welcome = await welcomed()
    assert welcome["state"] == "bot"
    assert welcome["position"] is None
    assert welcome["agent"] is None
    assert welcome["service"] == {"open": True, "agents_online": True}
    assert welcome["contact_form"] is False
    await resident.disconnect()


async def test_the_talk_to_a_person_button_queues(faq, karvia_agent):
    resident, _ = await welcomed()
    await resident.send_json_to({"type": "handoff"})
    notice, state = await frames_until_quiet(resident)
    assert notice["text"].startswith("Olet nyt asiakaspalvelun jonossa")
    assert state == {
        "type": "state",
        "state": "queued",
        "position": 1,
        "estimated_wait_s": 120,
        "agent": None,
        "service": {"open": True, "agents_online": True},
        "rating_requested": False,
        "contact_form": False,
    }
    conversation = await row(Conversation, pk=(await latest()).pk)
    assert conversation.handoff_reason == "person_requested"
    # Pressing it again changes nothing.
    await resident.send_json_to({"type": "handoff"})
    assert await resident.receive_nothing(timeout=0.3)
    await resident.disconnect()


async def latest() -> Conversation:
    return await database_sync_to_async(Conversation.objects.latest)("pk")


async def test_with_nobody_online_the_resident_is_offered_the_contact_form(
    faq, karvia, pomarkku_agent
):
    away = await database_sync_to_async(make_away_agent)(karvia)
    resident, welcome = await welcomed()
    assert welcome["service"] == {"open": True, "agents_online": False}
    await say(resident, "haluan puhua ihmisen kanssa")
    frames = await frames_until_quiet(resident)
    assert texts(frames)[-1] == (
        "Asiakaspalvelussa ei ole juuri nyt ketään paikalla. "
        "Jätä yhteydenottopyyntö, niin otamme sinuun yhteyttä."
    )
    [state] = [f for f in frames if f["type"] == "state"]
    assert (state["state"], state["contact_form"]) == ("bot", True)
    assert (await latest()).state == "bot"
    # The bot still answers.
    await say(resident, "milloin kirjasto on auki", client_id="q2")
    assert (await resident.receive_json_from())["text"].startswith("Kirjasto on auki")

    aino, hello = await connect_agent(away)
    assert hello["contact_requests"] == []
    pekka, _ = await connect_agent(pomarkku_agent)
    await resident.send_json_to(CONTACT)
    assert await resident.receive_json_from() == {"type": "contact_request", "status": "received"}
    assert (await resident.receive_json_from())["contact_form"] is False

    listed = await next_of(aino, "contact_requests")
    [request] = listed["requests"]
    conversation = await latest()
    assert request == {
        "id": request["id"],
        "municipality": {"slug": "karvia", "name": "Karvia"},
        "language": "fi",
        "name": "Maija Meikäläinen",
        "email": "maija@example.fi",
        "phone": "",
        "message": "Soittakaa minulle rakennusluvasta.",
        "created": request["created"],
        "handled": False,
        "conversation": conversation.pk,
    }
    # Pomarkku's agent neither hears of it nor may handle it.
    assert await pekka.receive_nothing(timeout=0.3)
    await pekka.send_json_to({"type": "contact_handled", "request": request["id"]})
    assert (await pekka.receive_json_from())["code"] == "not_found"
    # The agent reads the transcript behind it.
    await aino.send_json_to({"type": "open", "conversation": conversation.pk})
    transcript = await next_of(aino, "conversation")
    assert transcript["messages"][0]["text"] == "haluan puhua ihmisen kanssa"

    await aino.send_json_to({"type": "contact_handled", "request": request["id"]})
    assert (await next_of(aino, "contact_requests"))["requests"] == []
    stored = await row(ContactRequest, pk=request["id"])
    assert stored.handled_at is not None
    assert stored.handled_by_id == away.pk
    for socket in (resident, aino, pekka):
        await socket.disconnect()


def make_away_agent(karvia) -> AgentProfile:
    from tests.conftest import make_agent

    return make_agent("aino", [karvia], status="away")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "", "email": "a@example.fi", "message": "x"},
        {"name": "A", "email": "a@example.fi", "message": "  "},
        {"name": "A", "message": "x"},
        {"name": "A", "email": "not an address", "message": "x"},
        {"name": "A", "phone": "call me", "message": "x"},
        {"name": "A", "phone": "12", "message": "x"},
        {"name": 5, "email": "a@example.fi", "message": "x"},
        {"name": "A" * 201, "email": "a@example.fi", "message": "x"},
    ],
)
async def test_it_refuses_an_incomplete_contact_request(faq, karvia, fields):
    resident, _ = await welcomed()
    await resident.send_json_to({"type": "contact_request", **fields})
    assert (await resident.receive_json_from())["code"] == "invalid_contact"
    assert not await database_sync_to_async(ContactRequest.objects.exists)()
    await resident.disconnect()


async def test_a_phone_number_alone_will_do(faq, karvia):
    resident, _ = await welcomed("/ws/chat/karvia/?lang=sv")
    await resident.send_json_to(
        {"type": "contact_request", "name": "A", "phone": "+358 40 123 4567", "message": "Hej"}
    )
    assert (await resident.receive_json_from())["status"] == "received"
    stored = await database_sync_to_async(ContactRequest.objects.get)()
    assert (stored.phone, stored.email, stored.language) == ("+358 40 123 4567", "", "sv")
    await resident.disconnect()


async def test_outside_office_hours_the_resident_is_told_and_not_queued(faq, karvia, karvia_agent):
    yesterday = (dt.datetime.now(HELSINKI) - dt.timedelta(days=1)).date()
    today = dt.datetime.now(HELSINKI).date()

    def hours() -> None:
        # Open every day, all day, except today.
        for weekday in range(7):
            OfficeHours.objects.create(
                municipality=karvia, weekday=weekday, opens=dt.time(0), closes=dt.time(0)
            )
        ExceptionalDay.objects.create(municipality=karvia, date=today, note="Pyhä")
        ExceptionalDay.objects.create(municipality=karvia, date=yesterday, note="Eilen")

    await database_sync_to_async(hours)()
    resident, welcome = await welcomed("/ws/chat/karvia/?lang=sv")
    assert welcome["service"] == {"open": False, "agents_online": True}
    await resident.send_json_to({"type": "handoff"})
    frames = await frames_until_quiet(resident)
    assert texts(frames) == [
        "Kundtjänsten är stängd just nu. Lämna en kontaktförfrågan så återkommer vi till dig."
    ]
    assert frames[-1]["state"] == "bot" and frames[-1]["contact_form"] is True
    await resident.disconnect()


async def test_two_unhelpful_answers_in_a_row_hand_over(faq, karvia_agent):
    resident, _ = await welcomed()
    await say(resident, "milloin kirjasto on auki", client_id="a")
    first = await resident.receive_json_from()
    await say(resident, "miten lajittelen jätteet", client_id="b")
    second = await resident.receive_json_from()
    await resident.send_json_to({"type": "feedback", "seq": first["seq"], "helpful": False})
    await resident.receive_json_from()
    # One is not yet a pattern.
    assert await resident.receive_nothing(timeout=0.3)
    await resident.send_json_to({"type": "feedback", "seq": second["seq"], "helpful": False})
    ack, notice, state = await frames_until_quiet(resident)
    assert ack["type"] == "feedback"
    assert notice["text"].startswith("Olet nyt asiakaspalvelun jonossa")
    assert state["state"] == "queued"
    assert (await latest()).handoff_reason == "not_helpful"
    await resident.disconnect()


async def test_a_helpful_answer_between_breaks_the_row(faq, karvia_agent):
    resident, _ = await welcomed()
    seqs = []
    for i, question in enumerate(["milloin kirjasto on auki", "miten lajittelen jätteet"] * 2):
        await say(resident, question, client_id=f"q{i}")
        seqs.append((await resident.receive_json_from())["seq"])
    for seq, helpful in zip(seqs[:3], [False, True, False], strict=True):
        await resident.send_json_to({"type": "feedback", "seq": seq, "helpful": helpful})
        await resident.receive_json_from()
    assert await resident.receive_nothing(timeout=0.3)
    assert (await latest()).state == "bot"
    await resident.disconnect()


async def test_a_resident_cannot_ask_for_a_person_in_an_ended_conversation(faq, karvia):
    resident, _ = await welcomed()
    await database_sync_to_async(Conversation.objects.update)(state="closed")
    await say(resident, "hei")  # the socket learns of the state with its next message
    assert (await next_of(resident, "state"))["state"] == "closed"
    await resident.send_json_to({"type": "handoff"})
    assert (await resident.receive_json_from())["code"] == "conversation_closed"
    await resident.disconnect()
