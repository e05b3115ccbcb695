"""Appending messages to a conversation's transcript, and reading it back by sequence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from chat.events import notify_on_commit
from chat.models import Conversation, Message


def append_message(
    conversation_id: int,
    sender: str,
    text: str,
    *,
    client_id: str | None = None,
    client_scope: str = "",
    html: str = "",
    internal: bool = False,
    agent_id: int | None = None,
    faq_entry_id: int | None = None,
    confidence: float | None = None,
    candidates: Sequence[dict[str, Any]] = (),
    suggestions: Sequence[dict[str, Any]] = (),
    small_talk: bool = False,
) -> tuple[Message, bool]:
    """Store a message with the conversation's next sequence number.

    A resend with a client_id already stored returns the stored message and False, so a
    client that lost the ack can simply send again. Each writer has its own client ids
    (`client_scope`: "" for the resident, "agent:<id>" for an agent). Listeners are told
    after commit.
    """
    with transaction.atomic():
        # The row lock serialises writers of one conversation across processes, so sequence
        # numbers have no gaps and no duplicates.
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if client_id is not None:
            existing = Message.objects.filter(
                conversation_id=conversation_id, client_scope=client_scope, client_id=client_id
            ).first()
            if existing is not None:
                return existing, False
        conversation.last_seq += 1
        fields = ["last_seq", "updated"]
        if sender == Message.Sender.RESIDENT:
            # A message is a sign of life, saved with the row this writes anyway.
            conversation.resident_seen_at = timezone.now()
            fields.append("resident_seen_at")
        conversation.save(update_fields=fields)
        message = Message.objects.create(
            conversation=conversation,
            seq=conversation.last_seq,
            sender=sender,
            text=text,
            html=html,
            client_id=client_id,
            client_scope=client_scope,
            internal=internal,
            agent_id=agent_id,
            faq_entry_id=faq_entry_id,
            confidence=confidence,
            candidates=list(candidates),
            suggestions=list(suggestions),
            small_talk=small_talk,
        )
        notify_on_commit(conversation_id, message.seq)
    return message, True


def messages_after(
    conversation_id: int, seq: int, limit: int = 500, *, internal: bool = False
) -> list[Message]:
    """The messages after `seq`, oldest first. Internal notes only when asked (for agents):
    the default is what a resident may see."""
    messages = Message.objects.filter(conversation_id=conversation_id, seq__gt=seq)
    if internal:
        messages = messages.select_related("agent")
    else:
        messages = messages.filter(internal=False)
    return list(messages.order_by("seq")[:limit])


def message_frame(message: Message) -> dict[str, Any]:
    """The resident socket's `message` frame (docs/protocol.md)."""
    if message.internal:
        raise ValueError("internal notes never reach the resident")
    frame: dict[str, Any] = {
        "type": "message",
        "seq": message.seq,
        "sender": message.sender,
        "text": message.text,
        "created": message.created.isoformat(),
    }
    if message.sender == Message.Sender.RESIDENT:
        frame["client_id"] = message.client_id
    else:
        frame["html"] = message.html
    if message.suggestions:
        frame["suggestions"] = message.suggestions
    if message.small_talk:
        frame["small_talk"] = True
    return frame
