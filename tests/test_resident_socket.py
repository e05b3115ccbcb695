"""The resident's websocket, through Channels' WebsocketCommunicator."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from chat.models import Conversation, Message
from tests.sockets import connect, count_messages, frames_until_quiet, say

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]


async def test_it_welcomes_with_token_and_greeting(faq):
    communicator = await connect()
    welcome = await communicator.receive_json_from()
    assert welcome["type"] == "welcome"
    assert len(welcome["conversation"]) >= 43  # 256-bit token
    assert welcome["state"] == "bot"
    assert welcome["messages"] == []
    assert welcome["municipality"]["greeting"] == "Hei! Olen Karvian chat."
    assert welcome["limits"]["max_chars"] == 2000
    await communicator.disconnect()


async def test_it_greets_in_the_page_language(faq):
    communicator = await connect("/ws/chat/karvia/?lang=sv")
    welcome = await communicator.receive_json_from()
    assert welcome["language"] == "sv"
    assert welcome["municipality"]["greeting"] == "Hej! Jag är Karvias chatt."
    await communicator.disconnect()


async def test_it_falls_back_to_an_offered_language(faq):
    communicator = await connect("/ws/chat/pomarkku/?lang=en")
    welcome = await communicator.receive_json_from()
    assert welcome["language"] == "fi"
    await communicator.disconnect()


async def test_it_echoes_then_answers_from_the_faq(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    echo = await say(communicator, "milloin kirjasto on auki")
    assert echo == {
        "type": "message",
        "seq": 1,
        "sender": "resident",
        "client_id": "c1",
        "text": "milloin kirjasto on auki",
        "created": echo["created"],
    }
    answer = await communicator.receive_json_from()
    assert answer["seq"] == 2
    assert answer["sender"] == "bot"
    assert answer["text"] == "Kirjasto on auki **ma–pe 10–18**."
    assert "<strong>ma–pe 10–18</strong>" in answer["html"]
    stored = await database_sync_to_async(Message.objects.get)(seq=2)
    assert stored.faq_entry_id == faq["karvia-library"].pk
    assert 0 < stored.confidence <= 1
    await communicator.disconnect()


async def test_it_never_answers_from_another_municipality(faq):
    communicator = await connect("/ws/chat/pomarkku/?lang=fi")
    await communicator.receive_json_from()
    await say(communicator, "Milloin Karvian kirjasto on auki?")
    answer = await communicator.receive_json_from()
    stored = await database_sync_to_async(Message.objects.get)(seq=answer["seq"])
    assert stored.faq_entry_id != faq["karvia-library"].pk
    await communicator.disconnect()


async def test_it_answers_from_shared_entries(faq):
    communicator = await connect("/ws/chat/pomarkku/?lang=sv")
    await communicator.receive_json_from()
    await say(communicator, "hur sorterar jag avfall")
    answer = await communicator.receive_json_from()
    assert answer["text"].startswith("Sortera bio-")
    await communicator.disconnect()


async def test_it_stores_a_resend_once(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    first = await say(communicator, "milloin kirjasto on auki", client_id="same")
    await communicator.receive_json_from()  # the bot's answer
    again = await say(communicator, "milloin kirjasto on auki", client_id="same")
    assert again["seq"] == first["seq"]
    assert await communicator.receive_nothing(timeout=0.3)
    assert await count_messages(client_id="same") == 1
    assert await count_messages() == 2
    await communicator.disconnect()


async def test_it_resumes_with_history_after_seq(faq):
    communicator = await connect()
    token = (await communicator.receive_json_from())["conversation"]
    await say(communicator, "milloin kirjasto on auki")
    await communicator.receive_json_from()
    await communicator.disconnect()

    resumed = await connect(f"/ws/chat/karvia/?lang=fi&token={token}&after=1")
    welcome = await resumed.receive_json_from()
    assert welcome["conversation"] == token
    assert [m["seq"] for m in welcome["messages"]] == [2]
    await resumed.disconnect()

    full = await connect(f"/ws/chat/karvia/?lang=fi&token={token}")
    welcome = await full.receive_json_from()
    assert [m["sender"] for m in welcome["messages"]] == ["resident", "bot"]
    await full.disconnect()
    assert await database_sync_to_async(Conversation.objects.count)() == 1


async def test_it_does_not_open_a_conversation_from_another_municipality(faq):
    communicator = await connect()
    token = (await communicator.receive_json_from())["conversation"]
    await communicator.disconnect()

    other = await connect(f"/ws/chat/pomarkku/?lang=fi&token={token}")
    assert (await other.receive_json_from())["code"] == "conversation_not_found"
    welcome = await other.receive_json_from()
    assert welcome["type"] == "welcome"
    assert welcome["conversation"] != token
    await other.disconnect()


async def test_it_starts_a_new_conversation_for_a_guessed_token(faq):
    communicator = await connect("/ws/chat/karvia/?token=guess&after=x")
    assert (await communicator.receive_json_from())["code"] == "conversation_not_found"
    assert (await communicator.receive_json_from())["type"] == "welcome"
    await communicator.disconnect()


async def test_it_refuses_an_unknown_municipality(faq):
    communicator = await connect("/ws/chat/atlantis/?lang=fi")
    frame = await communicator.receive_json_from()
    assert frame["type"] == "error"
    assert frame["code"] == "unknown_municipality"
    assert (await communicator.receive_output())["code"] == 4404
    assert await database_sync_to_async(Conversation.objects.count)() == 0


async def test_it_refuses_a_foreign_origin(faq):
    communicator = await connect(origin="https://evil.example.com")
    assert (await communicator.receive_json_from())["code"] == "origin_not_allowed"
    assert (await communicator.receive_output())["code"] == 4403
    assert await database_sync_to_async(Conversation.objects.count)() == 0


async def test_it_refuses_another_municipalitys_origin(faq):
    communicator = await connect(origin="https://www.pomarkku.fi")
    assert (await communicator.receive_json_from())["code"] == "origin_not_allowed"


@pytest.mark.parametrize("origin", ["https://www.karvia.fi", "http://chat.example.fi"])
async def test_it_accepts_the_configured_origin_and_its_own_host(faq, origin):
    communicator = await connect(origin=origin)
    assert (await communicator.receive_json_from())["type"] == "welcome"
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "malformed_json"),
        ("[1, 2]", "malformed_frame"),
        ('{"text": "no type"}', "malformed_frame"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "message", "text": "hi"}', "invalid_client_id"),
        ('{"type": "message", "client_id": "' + "x" * 65 + '", "text": "hi"}', "invalid_client_id"),
        ('{"type": "message", "client_id": "a", "text": 5}', "invalid_text"),
        ('{"type": "message", "client_id": "a", "text": "   \\n "}', "empty_text"),
        ('{"type": "message", "client_id": "a", "text": "' + "a" * 2001 + '"}', "text_too_long"),
        ('{"type": "message", "client_id": "a", "text": "' + "a" * 17000 + '"}', "frame_too_large"),
        ('{"type": "choose"}', "invalid_entry"),
        ('{"type": "choose", "entry": "pomarkku-library"}', "unknown_entry"),
    ],
)
async def test_it_answers_bad_frames_with_an_error_and_stores_nothing(faq, raw, code):
    communicator = await connect()
    await communicator.receive_json_from()
    await communicator.send_to(text_data=raw)
    frame = await communicator.receive_json_from()
    assert frame["type"] == "error"
    assert frame["code"] == code
    assert frame["detail"]
    assert await count_messages() == 0
    # The socket still works after the error.
    assert (await say(communicator, "hei"))["seq"] == 1
    await communicator.disconnect()


async def test_it_refuses_binary_frames(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert (await communicator.receive_json_from())["code"] == "binary_not_supported"
    await communicator.disconnect()


async def test_it_accepts_exactly_the_longest_message(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    echo = await say(communicator, "a" * 2000)
    assert len(echo["text"]) == 2000
    await communicator.disconnect()


async def test_it_keeps_html_as_plain_text(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    echo = await say(communicator, payload)
    assert echo["text"] == payload
    assert "html" not in echo
    await communicator.disconnect()


async def test_it_strips_control_characters(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    echo = await say(communicator, "hei\x00 maailma\x07")
    assert echo["text"] == "hei maailma"
    await communicator.disconnect()


async def test_it_rate_limits_a_flood_without_losing_stored_messages(faq, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 3
    communicator = await connect()
    await communicator.receive_json_from()
    for i in range(6):
        await communicator.send_json_to({"type": "message", "client_id": f"f{i}", "text": "x"})
    frames = await frames_until_quiet(communicator)
    refused = [f for f in frames if f["type"] == "error"]
    assert [f["code"] for f in refused] == ["rate_limited"] * 3
    assert await count_messages(sender="resident") == 3
    await communicator.disconnect()


async def test_it_closes_a_socket_that_keeps_sending_garbage(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    codes = []
    for _ in range(60):
        await communicator.send_to(text_data="{")
    while True:
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            break
        codes.append(json.loads(output["text"])["code"])
    assert codes[-1] == "too_many_bad_frames"
    assert output["code"] == 4429


async def test_it_answers_a_chosen_suggestion(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "choose", "entry": "waste", "client_id": "k1"})
    chosen = await communicator.receive_json_from()
    assert chosen["sender"] == "resident"
    assert chosen["text"] == "Miten lajittelen jätteet?"
    answer = await communicator.receive_json_from()
    assert answer["sender"] == "bot"
    assert 'href="https://example.fi/jate"' in answer["html"]
    assert 'target="_blank"' in answer["html"]
    await communicator.disconnect()


async def test_it_offers_suggestions_when_unsure(faq, karvia_always_unsure):
    communicator = await connect()
    await communicator.receive_json_from()
    await say(communicator, "lajittelu ohje jäte kirjasto")
    reply = await communicator.receive_json_from()
    assert reply["sender"] == "bot"
    assert reply["suggestions"][0] == {"id": "waste", "question": "Miten lajittelen jätteet?"}
    assert {s["id"] for s in reply["suggestions"]} <= {"karvia-library", "waste"}
    assert reply["text"].startswith("En ole varma")
    stored = await database_sync_to_async(Message.objects.get)(seq=reply["seq"])
    assert stored.faq_entry_id is None
    assert stored.candidates[0]["id"] == "waste"
    # Unsure is not a hand-off: the bot goes on answering.
    assert await communicator.receive_nothing(timeout=0.3)
    conversation = await database_sync_to_async(Conversation.objects.get)()
    assert conversation.state == "bot"
    await communicator.disconnect()


async def test_it_sees_an_faq_edit_by_the_next_message(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    await say(communicator, "milloin kirjasto on auki", client_id="a")
    first = await communicator.receive_json_from()
    assert first["text"].startswith("Kirjasto on auki")

    entry = faq["karvia-library"]
    entry.answer = "Kirjasto on remontin vuoksi kiinni."
    await database_sync_to_async(entry.save)()
    await say(communicator, "milloin kirjasto on auki", client_id="b")
    second = await communicator.receive_json_from()
    assert second["text"] == "Kirjasto on remontin vuoksi kiinni."

    entry.published = False
    await database_sync_to_async(entry.save)()
    await say(communicator, "milloin kirjasto on auki", client_id="c")
    third = await communicator.receive_json_from()
    assert third["text"] != "Kirjasto on remontin vuoksi kiinni."
    await communicator.disconnect()


async def test_it_pushes_messages_stored_by_another_connection(faq):
    first = await connect()
    token = (await first.receive_json_from())["conversation"]
    second = await connect(f"/ws/chat/karvia/?token={token}")
    await second.receive_json_from()
    await say(first, "hei", client_id="x")
    pushed = await second.receive_json_from()
    assert pushed["seq"] == 1
    assert pushed["client_id"] == "x"
    await first.disconnect()
    await second.disconnect()


async def test_it_answers_ping(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("lang", "start", "queue"),
    [
        ("fi", "Valitettavasti", "Olet nyt asiakaspalvelun jonossa"),
        ("sv", "Tyvärr", "Du står nu i kö"),
        ("en", "Sorry", "You are now in the queue"),
    ],
)
async def test_it_apologises_in_the_chat_language(faq, karvia_agent, lang, start, queue):
    communicator = await connect(f"/ws/chat/karvia/?lang={lang}")
    await communicator.receive_json_from()
    await say(communicator, "qwerty zxcvb")
    reply, queued, state = await frames_until_quiet(communicator)
    assert reply["sender"] == "bot"
    assert reply["text"].startswith(start)
    # Then a person takes over: the resident hears so in the same language.
    assert queued["sender"] == "system"
    assert queued["text"].startswith(queue)
    assert (state["type"], state["state"], state["position"]) == ("state", "queued", 1)
    await communicator.disconnect()


async def test_it_names_the_refused_message_in_the_error(faq):
    communicator = await connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "message", "client_id": "m9", "text": " "})
    frame = await communicator.receive_json_from()
    assert (frame["code"], frame["client_id"]) == ("empty_text", "m9")
    await communicator.disconnect()


async def test_it_follows_a_language_switch_on_resume(faq):
    communicator = await connect("/ws/chat/karvia/?lang=fi")
    token = (await communicator.receive_json_from())["conversation"]
    await communicator.disconnect()
    switched = await connect(f"/ws/chat/karvia/?lang=sv&token={token}")
    welcome = await switched.receive_json_from()
    assert welcome["conversation"] == token
    assert welcome["language"] == "sv"
    assert welcome["municipality"]["greeting"].startswith("Hej")
    await say(switched, "qwerty zxcvb")
    assert (await switched.receive_json_from())["text"].startswith("Tyvärr")
    await switched.disconnect()
