"""Starting and resuming residents' conversations."""

from __future__ import annotations

from chat.models import Conversation, hash_token, new_token
from faqbot.models import Municipality


def start_conversation(municipality: Municipality, language: str) -> tuple[Conversation, str]:
    """A new conversation and its resume token; only the token's hash is stored."""
    token = new_token()
    conversation = Conversation.objects.create(
        municipality=municipality, language=language, token_hash=hash_token(token)
    )
    return conversation, token


def resume_conversation(municipality: Municipality, token: str) -> Conversation | None:
    """The conversation behind a resume token, only within the municipality it began in."""
    if not token or len(token) > 128:
        return None
    return (
        Conversation.objects.select_related("municipality")
        .filter(municipality=municipality, token_hash=hash_token(token))
        .first()
    )
