"""The bot's turn over the resident socket: answers, suggestions, hand-off and feedback."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from chat.conversations import start_conversation
from chat.handoff import Handoff, request_handoff
from chat.models import Conversation, Feedback, Message
from tests.conftest import set_thresholds
from tests.sockets import connect, count_messages, frames_until_quiet, say

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]

MIXED = "lajittelu ohje jäte kirjasto"  # two topics: the bot cannot be sure


async def conversation_row() -> Conversation:
    return await database_sync_to_async(Conversation.objects.get)()


async def stored(seq: int) -> Message:
    return await database_sync_to_async(Message.objects.select_related("faq_entry").get)(seq=seq)


async def feedback_rows() -> list[tuple[int, bool]]:
    def rows() -> list[tuple[int, bool]]:
        return list(Feedback.objects.values_list("message__seq", "helpful"))

    return await database_sync_to_async(rows)()


# -- answers and what the bot considered ----------------------------------------------------


async def test_it_stores_what_the_bot_considered_with_an_answer(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    await say(communicator, "milloin kirjasto on auki")
    answer = await communicator.receive_json_from()
    message = await stored(answer["seq"])
    assert message.faq_entry.key == "karvia-library"
    assert message.candidates[0] == {"id": "karvia-library", "confidence": message.confidence}
    assert 1 <= len(message.candidates) <= 3
    assert "pomarkku-library" not in {c["id"] for c in message.candidates}
    assert "suggestions" not in answer
    await communicator.disconnect()


async def test_it_answers_the_suggestion_the_resident_chooses(faq, karvia_always_unsure):
    communicator = await connect()
    await communicator.receive_json_from()
    await say(communicator, MIXED)
    offer = await communicator.receive_json_from()
    assert offer["sender"] == "bot"
    assert offer["suggestions"][0] == {"id": "waste", "question": "Miten lajittelen jätteet?"}
    offered = await stored(offer["seq"])
    assert offered.faq_entry is None
    assert [c["id"] for c in offered.candidates] == [s["id"] for s in offer["suggestions"]]

    choice = {"type": "choose", "entry": offer["suggestions"][0]["id"], "client_id": "k"}
    await communicator.send_json_to(choice)
    chosen = await communicator.receive_json_from()
    assert (chosen["sender"], chosen["client_id"]) == ("resident", "k")
    assert chosen["text"] == "Miten lajittelen jätteet?"
    answer = await communicator.receive_json_from()
    assert answer["text"].startswith("Lajittele bio-")
    message = await stored(answer["seq"])
    assert message.faq_entry.key == "waste"
    assert message.candidates == [{"id": "waste", "confidence": 1.0}]
    await communicator.disconnect()


async def test_it_refuses_to_choose_another_municipalitys_entry(faq, karvia_always_unsure):
    communicator = await connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "choose", "entry": "pomarkku-library"})
    assert (await communicator.receive_json_from())["code"] == "unknown_entry"
    assert await count_messages() == 0
    await communicator.disconnect()


# -- per-municipality thresholds ------------------------------------------------------------


async def ask_once(path: str, text: str) -> tuple[dict, Message]:
    """Ask in a new conversation; the bot's reply frame and the stored bot message."""
    communicator = await connect(path)
    await communicator.receive_json_from()
    await say(communicator, text)
    reply = await communicator.receive_json_from()
    await frames_until_quiet(communicator)
    await communicator.disconnect()

    def latest_bot_message() -> Message:
        bot = Message.objects.filter(sender="bot").select_related("faq_entry")
        return bot.latest("pk")

    return reply, await database_sync_to_async(latest_bot_message)()


async def test_its_municipality_thresholds_decide_the_outcome(faq, karvia, pomarkku, karvia_agent):
    await database_sync_to_async(set_thresholds)(karvia, 0.0, 0.0)
    reply, message = await ask_once("/ws/chat/karvia/?lang=fi", MIXED)
    assert message.faq_entry.key == "waste"
    assert 0 < message.confidence < 1  # so that the thresholds below can tell it apart

    await database_sync_to_async(set_thresholds)(karvia, 1.0, 0.0)
    reply, message = await ask_once("/ws/chat/karvia/?lang=fi", MIXED)
    assert message.faq_entry is None
    assert reply["suggestions"][0]["id"] == "waste"

    await database_sync_to_async(set_thresholds)(karvia, 1.0, 1.0)
    reply, message = await ask_once("/ws/chat/karvia/?lang=fi", MIXED)
    assert "suggestions" not in reply
    assert reply["text"].startswith("Valitettavasti")
    assert (await database_sync_to_async(Conversation.objects.latest)("pk")).state == "queued"

    # Another municipality keeps its own (default) thresholds.
    reply, message = await ask_once("/ws/chat/pomarkku/?lang=fi", "miten lajittelen jätteet")
    assert message.faq_entry.key == "waste"


async def test_it_applies_a_threshold_change_by_the_next_message(faq, karvia):
    await database_sync_to_async(set_thresholds)(karvia, 0.0, 0.0)
    communicator = await connect()
    await communicator.receive_json_from()
    await say(communicator, MIXED, client_id="a")
    assert (await communicator.receive_json_from())["text"].startswith("Lajittele bio-")

    await database_sync_to_async(set_thresholds)(karvia, 1.0, 0.0)
    await say(communicator, MIXED, client_id="b")
    assert (await communicator.receive_json_from())["suggestions"][0]["id"] == "waste"
    await communicator.disconnect()


# -- hand-off -------------------------------------------------------------------------------


async def test_it_hands_off_a_request_for_a_person_and_stops_answering(faq, karvia_agent):
    communicator = await connect()
    await communicator.receive_json_from()
    # About a topic the FAQ knows, but the resident wants a person.
    await say(communicator, "haluaisin jutella virkailijan kanssa jätteiden lajittelusta", "p")
    reply, queued, state = await frames_until_quiet(communicator)
    assert (reply["sender"], reply["seq"]) == ("bot", 2)
    assert reply["text"].startswith("Selvä")
    assert "suggestions" not in reply
    assert (queued["sender"], queued["seq"]) == ("system", 3)
    assert queued["text"].startswith("Olet nyt asiakaspalvelun jonossa")
    assert (state["type"], state["state"]) == ("state", "queued")

    conversation = await conversation_row()
    assert conversation.state == "queued"
    assert conversation.handoff_reason == "person_requested"
    assert conversation.queued_at is not None
    message = await stored(2)
    assert message.faq_entry is None
    assert "waste" in {c["id"] for c in message.candidates}

    # Queued: the resident's messages are stored and echoed; the bot says nothing.
    echo = await say(communicator, "milloin kirjasto on auki", "q")
    assert echo["seq"] == 4
    assert await communicator.receive_nothing(timeout=0.5)
    # A suggestion chosen from the history is stored as the resident's words, unanswered.
    await communicator.send_json_to({"type": "choose", "entry": "waste", "client_id": "r"})
    assert (await communicator.receive_json_from())["text"] == "Miten lajittelen jätteet?"
    assert await communicator.receive_nothing(timeout=0.5)
    assert await count_messages(sender="bot") == 1
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("lang", "start", "queue"),
    [
        ("fi", "Selvä", "Olet nyt"),
        ("sv", "Visst", "Du står nu i kö"),
        ("en", "Of course", "You are now in the queue"),
    ],
)
async def test_it_hands_off_in_the_chat_language(faq, karvia_agent, lang, start, queue):
    communicator = await connect(f"/ws/chat/karvia/?lang={lang}")
    await communicator.receive_json_from()
    await say(communicator, "I want to talk to a human")
    reply, queued, _state = await frames_until_quiet(communicator)
    assert reply["text"].startswith(start)
    assert queued["text"].startswith(queue)
    await communicator.disconnect()


async def test_it_welcomes_a_resumed_queued_conversation_as_queued(faq, karvia_agent):
    communicator = await connect()
    token = (await communicator.receive_json_from())["conversation"]
    await say(communicator, "voinko saada ihmisen tähän chattiin")
    await frames_until_quiet(communicator)
    await communicator.disconnect()

    resumed = await connect(f"/ws/chat/karvia/?lang=fi&token={token}")
    welcome = await resumed.receive_json_from()
    assert welcome["state"] == "queued"
    assert [m["sender"] for m in welcome["messages"]] == ["resident", "bot", "system"]
    # The welcome carried the state: no separate state frame follows.
    assert await resumed.receive_nothing(timeout=0.3)
    await resumed.disconnect()


async def test_it_tells_every_open_socket_of_the_handoff(faq, karvia_agent):
    first = await connect()
    token = (await first.receive_json_from())["conversation"]
    second = await connect(f"/ws/chat/karvia/?lang=fi&token={token}")
    await second.receive_json_from()
    await say(first, "asdf qwerty")
    frames = await frames_until_quiet(second)
    assert [f.get("sender") for f in frames[:3]] == ["resident", "bot", "system"]
    assert [(f["type"], f["state"]) for f in frames[3:]] == [("state", "queued")]
    await frames_until_quiet(first)
    await first.disconnect()
    await second.disconnect()


# -- small talk -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("fi", "kiitos paljon!", "Ole hyvä!"),
        ("sv", "hej", "Hej!"),
        ("en", "ok thanks, bye", "You are welcome."),
    ],
)
async def test_it_replies_to_small_talk_without_handing_off(faq, karvia_agent, lang, text, start):
    from insights import unanswered_log
    from insights.models import UnansweredMessage

    communicator = await connect(f"/ws/chat/karvia/?lang={lang}")
    await communicator.receive_json_from()
    await say(communicator, text)
    # The reply alone: no system message of a queue, no state change.
    (reply,) = await frames_until_quiet(communicator)
    assert (reply["sender"], reply["seq"]) == ("bot", 2)
    assert reply["text"].startswith(start)
    assert "suggestions" not in reply
    conversation = await conversation_row()
    assert conversation.state == "bot"
    message = await stored(2)
    assert message.small_talk and message.faq_entry is None
    # Not a question the bot failed to answer, as it goes or derived afresh.
    assert not await database_sync_to_async(UnansweredMessage.objects.exists)()
    assert await database_sync_to_async(unanswered_log.rebuild)() == 0
    # And the bot answers the next question as usual.
    await say(communicator, "milloin kirjasto on auki", "c2")
    answer = await communicator.receive_json_from()
    assert (await stored(answer["seq"])).faq_entry.key == "karvia-library"
    await communicator.disconnect()


def test_request_handoff_is_idempotent(karvia, karvia_agent):
    conversation, _token = start_conversation(karvia, "sv")
    assert request_handoff(conversation.pk, "low_confidence") == Handoff.QUEUED
    assert request_handoff(conversation.pk, "person_requested") == Handoff.UNCHANGED
    conversation.refresh_from_db()
    assert conversation.state == "queued"
    assert conversation.handoff_reason == "low_confidence"
    system = Message.objects.get(conversation=conversation)
    assert system.sender == "system"
    assert system.text.startswith("Du står nu i kö")


@pytest.mark.parametrize("state", ["assigned", "closed"])
def test_request_handoff_leaves_a_conversation_with_people_alone(karvia, state):
    conversation, _token = start_conversation(karvia, "fi")
    Conversation.objects.filter(pk=conversation.pk).update(state=state)
    assert request_handoff(conversation.pk, "person_requested") == Handoff.UNCHANGED
    conversation.refresh_from_db()
    assert conversation.state == state
    assert not Message.objects.exists()


# -- feedback -------------------------------------------------------------------------------


async def answered(communicator) -> dict:
    await communicator.receive_json_from()
    await say(communicator, "milloin kirjasto on auki")
    return await communicator.receive_json_from()


async def test_it_stores_feedback_and_replaces_it(faq):
    communicator = await connect()
    answer = await answered(communicator)
    await communicator.send_json_to({"type": "feedback", "seq": answer["seq"], "helpful": True})
    ack = await communicator.receive_json_from()
    assert ack == {"type": "feedback", "seq": answer["seq"], "helpful": True}
    assert await feedback_rows() == [(answer["seq"], True)]

    await communicator.send_json_to({"type": "feedback", "seq": answer["seq"], "helpful": False})
    assert (await communicator.receive_json_from())["helpful"] is False
    assert await feedback_rows() == [(answer["seq"], False)]
    await communicator.disconnect()


async def test_it_takes_feedback_on_suggestions_and_hand_offs(faq, karvia_always_unsure):
    communicator = await connect()
    await communicator.receive_json_from()
    await say(communicator, MIXED)
    offer = await communicator.receive_json_from()
    await communicator.send_json_to({"type": "feedback", "seq": offer["seq"], "helpful": False})
    assert (await communicator.receive_json_from())["type"] == "feedback"
    assert await feedback_rows() == [(offer["seq"], False)]
    await communicator.disconnect()


async def test_it_refuses_feedback_on_anything_but_this_conversations_bot_messages(faq):
    other = await connect()
    await answered(other)  # another conversation has a bot message at seq 2
    await other.disconnect()

    communicator = await connect()
    await communicator.receive_json_from()
    await say(communicator, "ihminen tänne heti")  # resident 1, bot 2, system 3
    await frames_until_quiet(communicator)
    for seq in (1, 3, 4, 999):  # the resident's own, the system's, none yet, none
        await communicator.send_json_to({"type": "feedback", "seq": seq, "helpful": True})
        error = await communicator.receive_json_from()
        assert (error["type"], error["code"]) == ("error", "unknown_message")
    assert await feedback_rows() == []
    await communicator.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        {"seq": "2", "helpful": True},
        {"seq": True, "helpful": True},
        {"seq": 2.0, "helpful": True},
        {"seq": 0, "helpful": True},
        {"seq": -2, "helpful": True},
        {"seq": 2**40, "helpful": True},
        {"helpful": True},
        {"seq": 2},
        {"seq": 2, "helpful": "yes"},
        {"seq": 2, "helpful": 1},
        {"seq": 2, "helpful": None},
    ],
)
async def test_it_refuses_malformed_feedback(faq, frame):
    communicator = await connect()
    answer = await answered(communicator)
    assert answer["seq"] == 2
    await communicator.send_json_to({"type": "feedback", **frame})
    error = await communicator.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "invalid_feedback")
    assert error["detail"]
    assert await feedback_rows() == []
    await communicator.disconnect()
