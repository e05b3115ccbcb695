"""The events sent over the channel layer, their schemas and their groups, defined once.

The channel layer only signals: "conversation N has something new up to seq S", "the queue
of municipality M changed", "agent A's assignments or offers changed". Receivers read the
truth from the database, so a dropped event costs a delay, never a message. The one event
that carries its content is `chat.typing`, which is ephemeral by nature.

Every event about stored data is sent after the transaction commits (transaction.on_commit),
so nobody is told about a row that was rolled back.

Groups:
- `conv.<conversation id>`: the resident's sockets and the agent sockets following it.
- `queue.<municipality id>`: the sockets of the agents serving that municipality.
- `waiting.<municipality id>`: the sockets of residents queued for that municipality.
- `agent.<agent id>`: one agent's sockets.
"""

from __future__ import annotations

from typing import Any, TypedDict, get_type_hints

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

CONVERSATION_UPDATED = "conversation.updated"
QUEUE_CHANGED = "queue.changed"
AGENT_CHANGED = "agent.changed"
CONTACTS_CHANGED = "contacts.changed"
TYPING = "chat.typing"


class ConversationUpdated(TypedDict):
    type: str
    conversation: int
    seq: int


class QueueChanged(TypedDict):
    type: str
    municipality: int


class AgentChanged(TypedDict):
    type: str
    agent: int


class ContactsChanged(TypedDict):
    type: str
    municipality: int


class Typing(TypedDict):
    type: str
    conversation: int
    who: str  # "resident" or "agent"


# type -> (schema, the group prefixes it may be sent to)
SCHEMAS: dict[str, tuple[type, tuple[str, ...]]] = {
    CONVERSATION_UPDATED: (ConversationUpdated, ("conv",)),
    QUEUE_CHANGED: (QueueChanged, ("queue", "waiting")),
    AGENT_CHANGED: (AgentChanged, ("agent",)),
    CONTACTS_CHANGED: (ContactsChanged, ("queue",)),
    TYPING: (Typing, ("conv",)),
}


def schema_errors(group: str, event: dict[str, Any]) -> list[str]:
    """What is wrong with an event sent to a group; empty when it follows its schema."""
    if event.get("type") not in SCHEMAS:
        return [f"unknown event type {event.get('type')!r}"]
    schema, prefixes = SCHEMAS[event["type"]]
    errors = []
    prefix, _, number = group.partition(".")
    if prefix not in prefixes or not number.isdigit():
        errors.append(f"{event['type']} sent to group {group!r}")
    fields = get_type_hints(schema)
    if set(event) != set(fields):
        errors.append(f"{event['type']} has fields {sorted(event)}, expected {sorted(fields)}")
    for name, kind in fields.items():
        value = event.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            errors.append(f"{event['type']}.{name} is {value!r}")
    if event["type"] == TYPING and event.get("who") not in {"resident", "agent"}:
        errors.append(f"chat.typing.who is {event.get('who')!r}")
    return errors


def conversation_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def queue_group(municipality_id: int) -> str:
    return f"queue.{municipality_id}"


def waiting_group(municipality_id: int) -> str:
    return f"waiting.{municipality_id}"


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def conversation_updated(conversation_id: int, seq: int) -> ConversationUpdated:
    return {"type": CONVERSATION_UPDATED, "conversation": conversation_id, "seq": seq}


def queue_changed(municipality_id: int) -> QueueChanged:
    return {"type": QUEUE_CHANGED, "municipality": municipality_id}


def agent_changed(agent_id: int) -> AgentChanged:
    return {"type": AGENT_CHANGED, "agent": agent_id}


def contacts_changed(municipality_id: int) -> ContactsChanged:
    return {"type": CONTACTS_CHANGED, "municipality": municipality_id}


def typing(conversation_id: int, who: str) -> Typing:
    return {"type": TYPING, "conversation": conversation_id, "who": who}


def _send_on_commit(sends: list[tuple[str, dict[str, Any]]]) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group, event in sends:
            async_to_sync(layer.group_send)(group, event)

    # robust: a channel layer that is down must not turn a committed change into an error
    # for the caller; the receivers catch up from the database on their next event.
    transaction.on_commit(send, robust=True)


def notify_on_commit(conversation_id: int, seq: int) -> None:
    """Signal a conversation's listeners once the transaction has committed."""
    _send_on_commit(
        [(conversation_group(conversation_id), conversation_updated(conversation_id, seq))]
    )


def queue_changed_on_commit(municipality_id: int) -> None:
    """The queue of a municipality changed: its agents and its waiting residents look again."""
    event = queue_changed(municipality_id)
    _send_on_commit(
        [(queue_group(municipality_id), event), (waiting_group(municipality_id), event)]
    )


def agent_changed_on_commit(agent_id: int) -> None:
    """An agent's assignments, offers or presence changed: their sockets look again."""
    _send_on_commit([(agent_group(agent_id), agent_changed(agent_id))])


def contacts_changed_on_commit(municipality_id: int) -> None:
    _send_on_commit([(queue_group(municipality_id), contacts_changed(municipality_id))])


async def send_typing(conversation_id: int, who: str) -> None:
    """Typing is not stored: it is sent at once, and lost if nobody listens."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(conversation_group(conversation_id), typing(conversation_id, who))
