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


def resume_conversation(
    municipality: Municipality, token: str, language: str
) -> Conversation | None:
    """The conversation behind a resume token, only within the municipality it began in.

    The resident may have switched the widget's language since; the conversation follows,
    so that greetings and the bot's words match the widget's.
    """
    if not token or len(token) > 128:
        return None
    conversation = (
        Conversation.objects.select_related("municipality")
        .filter(municipality=municipality, token_hash=hash_token(token))
        .first()
    )
    if conversation is not None and conversation.language != language:
        conversation.language = language
        conversation.save(update_fields=["language", "updated"])
    return conversation
