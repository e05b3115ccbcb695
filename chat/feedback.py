"""Residents' feedback on the bot's messages: was this helpful?"""

from __future__ import annotations

from django.db import transaction

from chat.models import Feedback, Message
from insights import unanswered_log


def record_feedback(conversation_id: int, seq: int, helpful: bool) -> Feedback | None:
    """Store the verdict on the bot message `seq` of this conversation, replacing any earlier.

    None when `seq` is not a bot message of this conversation: residents rate the bot,
    not themselves, agents or other people's conversations.
    """
    message = Message.objects.filter(
        conversation_id=conversation_id, seq=seq, sender=Message.Sender.BOT
    ).first()
    if message is None:
        return None
    with transaction.atomic():
        feedback, _created = Feedback.objects.update_or_create(
            message=message, defaults={"helpful": helpful}
        )
        unanswered_log.record_feedback(feedback)
    return feedback


def unhelpful_twice_in_a_row(conversation_id: int) -> bool:
    """Did the resident find the last two bot messages they judged both unhelpful?

    Then the bot has failed them twice, and a person should take over.
    """
    latest = list(
        Feedback.objects.filter(message__conversation_id=conversation_id)
        .order_by("-message__seq")
        .values_list("helpful", flat=True)[:2]
    )
    return latest == [False, False]
