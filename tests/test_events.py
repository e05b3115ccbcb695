"""Every event sent over the channel layer follows its one schema (chat/events.py)."""

from __future__ import annotations

import pytest
from channels.layers import InMemoryChannelLayer

from chat.events import SCHEMAS, schema_errors
from tests.agents import accepted, connect_agent, next_of, queued_resident
from tests.conftest import make_agent
from tests.sockets import frames_until_quiet

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    group_send = InMemoryChannelLayer.group_send

    async def recording(self, group: str, message: dict) -> None:
        events.append((group, dict(message)))
        await group_send(self, group, message)

    monkeypatch.setattr(InMemoryChannelLayer, "group_send", recording)
    return events


def test_it_finds_what_is_wrong_with_an_event():
    assert (
        schema_errors("conv.1", {"type": "conversation.updated", "conversation": 1, "seq": 2}) == []
    )
    assert schema_errors("queue.1", {"type": "conversation.updated", "conversation": 1, "seq": 2})
    assert schema_errors("conv.1", {"type": "conversation.updated", "conversation": "1", "seq": 2})
    assert schema_errors("conv.1", {"type": "conversation.updated", "conversation": 1})
    assert schema_errors("conv.1", {"type": "chat.typing", "conversation": 1, "who": "bot"})
    assert schema_errors("conv.1", {"type": "surprise"})


async def test_every_event_of_a_whole_conversation_follows_its_schema(
    sent, faq, karvia, karvia_agent
):
    kaisa = await _agent("kaisa", karvia)
    aino, _ = await connect_agent(karvia_agent)
    kaisa_socket, _ = await connect_agent(kaisa)
    resident, _token, conversation_id = await queued_resident()
    await accepted(aino, conversation_id)
    await resident.send_json_to({"type": "typing"})
    await aino.send_json_to({"type": "typing", "conversation": conversation_id})
    await aino.send_json_to(
        {"type": "message", "conversation": conversation_id, "client_id": "m", "text": "Hei"}
    )
    await aino.send_json_to(
        {"type": "transfer", "conversation": conversation_id, "agent": kaisa.pk}
    )
    await next_of(kaisa_socket, "conversation")
    await kaisa_socket.send_json_to({"type": "close", "conversation": conversation_id})
    await next_of(kaisa_socket, "state")
    await resident.send_json_to(
        {"type": "contact_request", "name": "A", "email": "a@example.fi", "message": "Soita"}
    )
    await next_of(aino, "contact_requests")
    await frames_until_quiet(resident, 0.2)
    for socket in (aino, kaisa_socket, resident):
        await socket.disconnect()

    assert {event["type"] for _group, event in sent} == set(SCHEMAS)
    problems = [(group, event, schema_errors(group, event)) for group, event in sent]
    assert [p for p in problems if p[2]] == []


async def _agent(username: str, municipality):
    from channels.db import database_sync_to_async

    return await database_sync_to_async(make_agent)(username, [municipality])
