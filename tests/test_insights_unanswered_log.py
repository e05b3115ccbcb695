"""Recording unanswered messages as the chat goes (insights.unanswered_log): through the
resident socket, and in agreement with a rebuild from the messages."""

# The shared fixtures are imported by name, and test arguments take the same names.
# ruff: noqa: F811
from __future__ import annotations

import asyncio
import io

import pytest
from channels.db import database_sync_to_async

from insights import unanswered_log
from insights.models import NormalisedMessage, UnansweredMessage
from tests.conftest import set_thresholds
from tests.insights_fixtures import essi, history  # noqa: F401
from tests.sockets import connect, say

MIXED = "lajittelu ohje jäte kirjasto"  # two topics: the bot cannot be sure
OUT_OF_SCOPE = "Mistä saa kalastusluvan Karvianjoelle?"


def recorded() -> dict[str, tuple[bool, bool, bool]]:
    """Each recorded message's text with its flags (handed off, suggested, not helpful)."""
    return {
        row.message.text: (row.handed_off, row.suggested, row.not_helpful)
        for row in UnansweredMessage.objects.select_related("message")
    }


def table() -> set[tuple]:
    return set(
        UnansweredMessage.objects.values_list(
            "message_id", "municipality_id", "started", *unanswered_log.FLAGS
        )
    )


@pytest.mark.django_db
def test_it_agrees_with_a_rebuild_from_the_messages(history):
    as_recorded = table()
    assert len(as_recorded) == 7  # c2 not helpful; c3–c6, c10 handed off; c9 unchosen
    UnansweredMessage.objects.all().delete()
    assert unanswered_log.rebuild() == 7
    assert table() == as_recorded


@pytest.mark.django_db
def test_it_keeps_no_row_once_nothing_is_left_unanswered(history):
    question = history.messages["c2-q"]
    assert UnansweredMessage.objects.get(message=question).not_helpful
    unanswered_log.record_feedback(history.messages["c2-bot"].feedback)  # still not helpful
    assert UnansweredMessage.objects.filter(message=question).exists()
    feedback = history.messages["c2-bot"].feedback
    feedback.helpful = True
    feedback.save()
    unanswered_log.record_feedback(feedback)
    assert not UnansweredMessage.objects.filter(message=question).exists()


async def ask(communicator, text: str) -> dict:
    await say(communicator, text)
    reply = await communicator.receive_json_from()
    while reply.get("sender") != "bot":
        reply = await communicator.receive_json_from()
    return reply


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(20)
async def test_it_records_a_hand_off_with_the_question_read_ahead(faq, karvia, karvia_agent):
    await database_sync_to_async(set_thresholds)(karvia, 1.0, 1.0)  # the bot hands off all
    communicator = await connect()
    await communicator.receive_json_from()
    reply = await ask(communicator, OUT_OF_SCOPE)
    assert "suggestions" not in reply and reply["html"]
    assert await database_sync_to_async(recorded)() == {OUT_OF_SCOPE: (True, False, False)}
    # Read after the reply is stored and sent: wait for it a little.
    normalised = None
    for _ in range(100):
        normalised = await database_sync_to_async(NormalisedMessage.objects.first)()
        if normalised is not None:
            break
        await asyncio.sleep(0.02)
    assert normalised is not None
    assert "kalastuslupa" in normalised.text.split()
    assert not normalised.asks_for_person
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(20)
async def test_it_forgets_suggestions_once_the_resident_chooses_one(faq, karvia_always_unsure):
    communicator = await connect()
    await communicator.receive_json_from()
    offer = await ask(communicator, MIXED)
    assert offer["suggestions"]
    assert await database_sync_to_async(recorded)() == {MIXED: (False, True, False)}
    await communicator.send_json_to({"type": "choose", "entry": offer["suggestions"][0]["id"]})
    await communicator.receive_json_from()  # the choice, as the resident's message
    answer = await communicator.receive_json_from()
    assert answer["sender"] == "bot"
    assert await database_sync_to_async(recorded)() == {}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(20)
async def test_it_records_an_answer_marked_not_helpful_and_takes_it_back(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    question = "milloin kirjasto on auki"
    answer = await ask(communicator, question)
    assert await database_sync_to_async(recorded)() == {}
    await communicator.send_json_to({"type": "feedback", "seq": answer["seq"], "helpful": False})
    await communicator.receive_json_from()
    assert await database_sync_to_async(recorded)() == {question: (False, False, True)}
    await communicator.send_json_to({"type": "feedback", "seq": answer["seq"], "helpful": True})
    await communicator.receive_json_from()
    assert await database_sync_to_async(recorded)() == {}
    await communicator.disconnect()


@pytest.mark.django_db
def test_it_rebuilds_the_table_with_a_command(history):
    from django.core.management import call_command

    UnansweredMessage.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_unanswered", stdout=out)
    assert out.getvalue().startswith("7 unanswered messages recorded")
    assert UnansweredMessage.objects.count() == 7
