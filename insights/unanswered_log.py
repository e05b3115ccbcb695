"""Recording, as it happens, which resident messages the bot could not answer.

What counts as unanswered is set out in insights.unanswered. The chat calls in here as the
bot replies (chat.bot_reply), as the resident picks a suggestion and as they give feedback
(chat.feedback), inside the same transactions, so insights.models.UnansweredMessage always
agrees with the messages. `rebuild` derives the whole table from the messages instead: for
data from before the table existed, or written around the chat (bulk loads).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from chat.models import Conversation, Feedback, Message
from insights.models import UnansweredMessage

# Why a message is unanswered: the flag columns of UnansweredMessage.
HANDED_OFF = "handed_off"
SUGGESTED = "suggested"
NOT_HELPFUL = "not_helpful"
FLAGS = (HANDED_OFF, SUGGESTED, NOT_HELPFUL)


def _before(message: Message, count: int) -> dict[int, Message]:
    """The `count` messages before this one in its conversation, by sequence number."""
    return {
        m.seq: m
        for m in Message.objects.filter(
            conversation_id=message.conversation_id,
            seq__gte=message.seq - count,
            seq__lt=message.seq,
        ).only("id", "conversation_id", "seq", "sender", "text", "suggestions")
    }


def _sent_by(message: Message | None, sender: str) -> Message | None:
    return message if message is not None and message.sender == sender else None


def _mark(question: Message, flag: str) -> None:
    conversation = Conversation.objects.values("municipality_id", "created").get(
        pk=question.conversation_id
    )
    _row, created = UnansweredMessage.objects.get_or_create(
        message_id=question.pk,
        defaults={
            "municipality_id": conversation["municipality_id"],
            "started": conversation["created"],
            flag: True,
        },
    )
    if not created:
        UnansweredMessage.objects.filter(pk=question.pk).update(**{flag: True})


def _unmark(message_id: int, flag: str) -> None:
    UnansweredMessage.objects.filter(pk=message_id).update(**{flag: False})
    UnansweredMessage.objects.filter(
        pk=message_id, handed_off=False, suggested=False, not_helpful=False
    ).delete()


def record_reply(bot: Message) -> None:
    """The bot replied to the resident message before it.

    A hand-off or suggestions leave that message unanswered. And when that message repeats
    a suggestion the bot had just offered, the resident took it (resident_wrote).
    """
    earlier = _before(bot, 3)
    question = _sent_by(earlier.get(bot.seq - 1), Message.Sender.RESIDENT)
    if question is None:
        return
    _took_suggestion(question, earlier)
    if bot.faq_entry_id is None:
        _mark(question, SUGGESTED if bot.suggestions else HANDED_OFF)


def resident_wrote(message: Message) -> None:
    """A resident message that is one of the suggestions just offered is their choice
    (a `choose` frame stores the entry's question as their message): the question the
    suggestions were for is no longer "suggested, none chosen"."""
    _took_suggestion(message, _before(message, 2))


def _took_suggestion(message: Message, earlier: dict[int, Message]) -> None:
    offer = _sent_by(earlier.get(message.seq - 1), Message.Sender.BOT)
    if offer is None or not offer.suggestions:
        return
    if message.text not in {s.get("question") for s in offer.suggestions}:
        return
    question = _sent_by(earlier.get(message.seq - 2), Message.Sender.RESIDENT)
    if question is not None:
        _unmark(question.pk, SUGGESTED)


def record_feedback(feedback: Feedback) -> None:
    """A verdict on a bot message: "not helpful" leaves its question unanswered, and a
    change of mind to "helpful" takes that back."""
    bot = feedback.message
    question = _sent_by(_before(bot, 1).get(bot.seq - 1), Message.Sender.RESIDENT)
    if question is None:
        return
    if feedback.helpful:
        _unmark(question.pk, NOT_HELPFUL)
    else:
        _mark(question, NOT_HELPFUL)


# Every bot reply without an entry (hand-offs and suggestions, which a partial index finds:
# insights/migrations/0003) and every reply marked not helpful, each with the resident
# message it answered (the one just before it: the bot replies to each message at once,
# and nothing else is written into a conversation while it is with the bot) and the
# resident's next message (a suggestion they took).
_REPLIES = """
    SELECT q.id, c.municipality_id, c.created, b.faq_entry_id, b.suggestions, nx.text, {helpful}
    FROM {source}
    JOIN chat_conversation c ON c.id = b.conversation_id
    JOIN chat_message q ON q.conversation_id = b.conversation_id AND q.seq = b.seq - 1
        AND q.sender = 'resident'
    LEFT JOIN chat_message nx ON nx.conversation_id = b.conversation_id
        AND nx.seq = b.seq + 1 AND nx.sender = 'resident'
    WHERE b.sender = 'bot' AND {condition}
"""


def _rebuild_sql(small_talk_column: bool) -> str:
    hand_offs = "b.faq_entry_id IS NULL" + (" AND NOT b.small_talk" if small_talk_column else "")
    return " UNION ALL ".join(
        (
            _REPLIES.format(helpful="NULL", source="chat_message b", condition=hand_offs),
            _REPLIES.format(
                helpful="f.helpful",
                source="chat_feedback f JOIN chat_message b ON b.id = f.message_id",
                condition="f.helpful = %s",
            ),
        )
    )


BATCH = 5000


def flags_of(entry_id: int | None, offered: Any, next_text: str | None, helpful: Any) -> set[str]:
    """Which of FLAGS one bot reply gives the resident message it answered."""
    flags = set()
    if helpful is not None and not helpful:
        flags.add(NOT_HELPFUL)
    if entry_id is None:
        suggestions = json.loads(offered) if isinstance(offered, str) else offered or []
        if not suggestions:
            flags.add(HANDED_OFF)
        elif next_text not in {s.get("question") for s in suggestions}:
            flags.add(SUGGESTED)
    return flags


def rebuild(using: BaseDatabaseWrapper | None = None, *, small_talk_column: bool = True) -> int:
    """Derive the whole table from the messages; returns how many rows it now holds.

    Plain SQL throughout (no model classes), so that a migration can run it too: one from
    before chat.Message.small_talk existed says small_talk_column=False.
    """
    db = using or connection
    found: dict[int, list[Any]] = {}
    flags: dict[int, set[str]] = defaultdict(set)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute(_rebuild_sql(small_talk_column), [False])
        for question, municipality, started, entry, offered, next_text, helpful in cursor:
            flags[question] |= flags_of(entry, offered, next_text, helpful)
            found.setdefault(question, [question, municipality, started])
        rows = [
            (*found[question], *(flag in marked for flag in FLAGS))
            for question, marked in flags.items()
            if marked
        ]
        cursor.execute("DELETE FROM insights_unansweredmessage")
        insert = (
            "INSERT INTO insights_unansweredmessage (message_id, municipality_id, started, "
            f"{', '.join(FLAGS)}) VALUES (%s, %s, %s, %s, %s, %s)"
        )
        for start in range(0, len(rows), BATCH):
            cursor.executemany(insert, rows[start : start + BATCH])
    return len(rows)
