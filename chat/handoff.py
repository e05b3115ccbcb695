"""Handing a conversation from the bot to people: the one place where it leaves `bot`.

The customer-service queue and agents build on this: a conversation in `queued` waits for
a person, ordered by `queued_at`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from chat.messages import append_message
from chat.models import Conversation, Message
from faqbot.rendering import render_markdown


def request_handoff(conversation_id: int, reason: str) -> bool:
    """Move the conversation from the bot to the queue and tell the resident so.

    Idempotent: a conversation already queued, with an agent or closed stays as it is,
    and nothing is stored. Returns whether the state changed.
    """
    with transaction.atomic():
        # The row lock orders this against other processes handing off or assigning the
        # same conversation, so it is queued, and announced, once.
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.state != Conversation.State.BOT:
            return False
        conversation.state = Conversation.State.QUEUED
        conversation.handoff_reason = reason if reason in Conversation.HandoffReason.values else ""
        conversation.queued_at = timezone.now()
        conversation.save(update_fields=["state", "handoff_reason", "queued_at", "updated"])
        with override(conversation.language):
            text = _(
                "You are now in the queue for customer service. "
                "A person will answer you here as soon as possible."
            )
        append_message(conversation_id, Message.Sender.SYSTEM, text, html=render_markdown(text))
    return True
