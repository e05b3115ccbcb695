"""The bot's turn: match a resident's message against the FAQ and store the reply.

Answer: the entry's answer. Suggest: a short question and the candidates to choose from.
Hand off: a few words that depend on why, then the conversation joins the queue
(chat.handoff). Every bot message records what the bot considered.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from chat.handoff import request_handoff
from chat.messages import append_message
from chat.models import Conversation, Message
from faqbot import live_index
from faqbot.matching import Decision
from faqbot.models import FaqEntry
from faqbot.rendering import render_markdown
from insights import normalising, unanswered_log


async def reply_to_resident(conversation: Conversation, text: str) -> Message | None:
    """The bot's reply, or None when the conversation has left the bot meanwhile."""
    decision, _index = await live_index.decide(
        text, conversation.municipality.slug, conversation.language
    )
    message = await database_sync_to_async(store_bot_reply)(conversation, decision)
    if message is not None and message.faq_entry_id is None:
        await normalising.read_ahead(message, text, conversation.language)
    return message


def _visible_entries(conversation: Conversation) -> QuerySet[FaqEntry]:
    """Entries this chat may show: published, shared or of its municipality."""
    return FaqEntry.objects.filter(
        Q(municipality__isnull=True) | Q(municipality_id=conversation.municipality_id),
        published=True,
    )


def answer_chosen_entry(
    conversation: Conversation, key: str, client_id: str | None
) -> Message | None:
    """The resident picked a suggestion: store it as their message, then the entry's answer.

    Only an entry this chat could show is accepted (None otherwise). Once the conversation
    is with people, the choice is stored as the resident's message and the bot stays quiet.
    """
    entry = _visible_entries(conversation).filter(key=key).first()
    if entry is None:
        return None
    with transaction.atomic():
        resident, created = append_message(
            conversation.pk, Message.Sender.RESIDENT, entry.question, client_id=client_id
        )
        if created:
            unanswered_log.resident_wrote(resident)
        if not created or not _with_bot(conversation.pk):
            return resident
        message, _created = append_message(
            conversation.pk,
            Message.Sender.BOT,
            entry.answer,
            html=render_markdown(entry.answer),
            faq_entry_id=entry.pk,
            confidence=1.0,
            candidates=[{"id": entry.key, "confidence": 1.0}],
        )
    return message


def _with_bot(conversation_id: int) -> bool:
    """Is the conversation still the bot's? Locks its row until the transaction ends."""
    state = (
        Conversation.objects.select_for_update()
        .filter(pk=conversation_id)
        .values_list("state", flat=True)
        .first()
    )
    return state == Conversation.State.BOT


def handoff_text(reason: str) -> str:
    """What the bot says as it hands over, in the active language."""
    if reason == "person_requested":
        return _("Of course. I will connect you with a person from customer service.")
    return _(
        "Sorry, I did not find a reliable answer to that. "
        "A person from customer service can help you."
    )


def small_talk_text(kind: str) -> str:
    """The bot's reply to small talk (faqbot.small_talk), in the active language."""
    if kind == "greeting":
        return _("Hello! What can I help you with? Write your question in your own words.")
    if kind == "goodbye":
        return _("You are welcome. Have a good day!")
    if kind == "thanks":
        return _(
            "You are welcome! If you have another question, write it here. "
            "You can also ask for a person from customer service."
        )
    return _("Good. Is there anything else I can help you with?")


def store_bot_reply(conversation: Conversation, decision: Decision) -> Message | None:
    """Store the reply a decision calls for; hand off when it says so.

    Nothing is stored when the conversation has meanwhile gone to the queue or to an agent
    (another tab, or an agent, got there first): the bot no longer speaks in it.
    """
    considered: dict[str, Any] = {
        "candidates": [{"id": c.key, "confidence": c.confidence} for c in decision.candidates],
        "confidence": decision.best.confidence if decision.best else None,
    }

    def say(text: str, **fields: Any) -> Message:
        message, _created = append_message(
            conversation.pk, Message.Sender.BOT, text, html=render_markdown(text), **fields
        )
        return message

    with transaction.atomic():
        if not _with_bot(conversation.pk):
            return None
        best = decision.best
        if decision.outcome == "answer" and best is not None:
            entry = _visible_entries(conversation).filter(key=best.key).first()
            if entry is not None:
                message = say(entry.answer, faq_entry_id=entry.pk, **considered)
                unanswered_log.record_reply(message)
                return message
        if decision.outcome == "reply":
            with override(conversation.language):
                return say(small_talk_text(decision.reason), small_talk=True)
        if decision.outcome == "suggest":
            suggestions = _suggestions(conversation, decision)
            if suggestions:
                with override(conversation.language):
                    text = _("I am not sure I understood. Did you mean one of these?")
                message = say(text, suggestions=suggestions, **considered)
                unanswered_log.record_reply(message)
                return message
        # A hand-off, or an answer or suggestions whose entries were unpublished after the
        # index was built: nothing reliable is left to say.
        reason = decision.reason if decision.outcome == "handoff" else "low_confidence"
        with override(conversation.language):
            message = say(handoff_text(reason), **considered)
        unanswered_log.record_reply(message)
        request_handoff(conversation.pk, reason)
    return message


def _suggestions(conversation: Conversation, decision: Decision) -> list[dict[str, str]]:
    """The candidates as choices, as their entries read now (the index may be older)."""
    keys = [c.key for c in decision.candidates]
    questions = dict(
        _visible_entries(conversation).filter(key__in=keys).values_list("key", "question")
    )
    return [{"id": key, "question": questions[key]} for key in keys if key in questions]
