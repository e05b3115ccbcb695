"""The one event sent over the channel layer, and its schema.

The channel layer only says "conversation N has something new up to seq S"; receivers read
the messages from the database, which stays the truth when the layer drops an event.
"""

from __future__ import annotations

from typing import TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

CONVERSATION_UPDATED = "conversation.updated"


class ConversationUpdated(TypedDict):
    type: str
    conversation: int
    seq: int


def conversation_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def conversation_updated(conversation_id: int, seq: int) -> ConversationUpdated:
    return {"type": CONVERSATION_UPDATED, "conversation": conversation_id, "seq": seq}


def notify_on_commit(conversation_id: int, seq: int) -> None:
    """Signal listeners once the transaction has committed, never about a rolled-back row."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                conversation_group(conversation_id), conversation_updated(conversation_id, seq)
            )

    transaction.on_commit(send)
