"""The resident's rating of the service, after an agent closed the conversation."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from chat.access import Refusal
from chat.models import Conversation, Rating


def rate(conversation_id: int, score: int, comment: str) -> Rating:
    """Store the rating; `rating_not_allowed` unless an agent closed the conversation and
    it has not been rated yet."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.state != Conversation.State.CLOSED:
            raise Refusal("rating_not_allowed")
        try:
            with transaction.atomic():
                return Rating.objects.create(
                    conversation=conversation, score=score, comment=comment
                )
        except IntegrityError:
            raise Refusal("rating_not_allowed") from None
