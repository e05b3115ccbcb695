"""The bot's turn: match a resident's message against the FAQ and store the reply."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import override

from chat.messages import append_message
from chat.models import Conversation, Message
from faqbot import live_index
from faqbot.matching import Decision, FaqIndex
from faqbot.models import FaqEntry
from faqbot.rendering import render_markdown


async def reply_to_resident(conversation: Conversation, text: str) -> Message:
    decision, index = await live_index.decide(
        text, conversation.municipality.slug, conversation.language
    )
    return await database_sync_to_async(store_bot_reply)(conversation, decision, index)


def answer_chosen_entry(
    conversation: Conversation, key: str, client_id: str | None
) -> Message | None:
    """The resident picked a suggestion: store it as their message, then the entry's answer.

    Only an entry this chat could show (published, in its language, shared or of its
    municipality) is accepted.
    """
    entry = FaqEntry.objects.filter(
        Q(municipality__isnull=True) | Q(municipality_id=conversation.municipality_id),
        key=key,
        published=True,
    ).first()
    if entry is None:
        return None
    resident, created = append_message(
        conversation.pk, Message.Sender.RESIDENT, entry.question, client_id=client_id
    )
    if not created:
        return resident
    message, _created = append_message(
        conversation.pk,
        Message.Sender.BOT,
        entry.answer,
        html=render_markdown(entry.answer),
        faq_entry_id=entry.pk,
        confidence=1.0,
    )
    return message


def store_bot_reply(conversation: Conversation, decision: Decision, index: FaqIndex) -> Message:
    best = decision.best
    if decision.outcome == "answer" and best is not None:
        entry = FaqEntry.objects.filter(key=best.key, published=True).first()
        if entry is not None:
            message, _created = append_message(
                conversation.pk,
                Message.Sender.BOT,
                entry.answer,
                html=render_markdown(entry.answer),
                faq_entry_id=entry.pk,
                confidence=best.confidence,
            )
            return message
    with override(conversation.language):
        if decision.outcome == "suggest":
            suggestions = [
                {"id": c.key, "question": index.docs[c.key].question} for c in decision.candidates
            ]
            text = _("I am not sure I understood. Did you mean one of these?")
        else:
            suggestions = []
            text = _("Sorry, I did not find an answer to that. Could you put it another way?")
    message, _created = append_message(
        conversation.pk,
        Message.Sender.BOT,
        text,
        html=render_markdown(text),
        confidence=best.confidence if best else None,
        suggestions=suggestions,
    )
    return message
