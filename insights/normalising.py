"""Resident messages as the bot reads them: the analyzer's folded lemmas of content words.

Grouping compares these rather than the raw text, so that "Milloin kirjasto on auki?" and
"kirjasto auki milloin" are the same question and "kirjaston aukioloajat" is close to
"kirjasto aukioloaika". The results are stored (insights.models.NormalisedMessage) so
that the analyzer reads each message once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from channels.db import database_sync_to_async

from chat.models import Message
from faqbot import live_index
from faqbot.intent import asks_for_person
from insights.models import NormalisedMessage

BATCH = 2000


@dataclass(frozen=True)
class Normalised:
    language: str
    text: str
    asks_for_person: bool


def normalise(text: str, page_language: str) -> Normalised:
    """The message's language (as the bot detects it) and its content words' lemmas."""
    analyzer = live_index.analyzer()
    language = analyzer.detect_language(text, page_language)
    lemmas = sorted({word.main for word in analyzer.words(text, language) if not word.stop})
    return Normalised(language, " ".join(lemmas), asks_for_person(analyzer, text))


def store(rows: Iterable[tuple[int, str, str]]) -> dict[int, Normalised]:
    """Normalise (message id, text, conversation language) rows and keep the results."""
    done: dict[int, Normalised] = {}
    pending: list[NormalisedMessage] = []
    for message_id, text, language in rows:
        result = normalise(text, language)
        done[message_id] = result
        pending.append(_row(message_id, result))
        if len(pending) >= BATCH:
            NormalisedMessage.objects.bulk_create(pending, ignore_conflicts=True)
            pending = []
    # Two page views may normalise the same message at once; the first row stays.
    NormalisedMessage.objects.bulk_create(pending, ignore_conflicts=True)
    return done


async def read_ahead(bot: Message, text: str, page_language: str) -> None:
    """Normalise the question a bot reply left unanswered, as it happens.

    The analyzer is loaded and warm in the chat process, so the unanswered list never has
    to read a year of messages at once. It runs on the matcher's threads, off the event
    loop and off the database thread.
    """
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(
        live_index.matcher_executor(), normalise, text, page_language
    )
    await database_sync_to_async(_keep)(bot, result)


def _keep(bot: Message, result: Normalised) -> None:
    question = (
        Message.objects.filter(
            conversation_id=bot.conversation_id,
            seq=bot.seq - 1,
            sender=Message.Sender.RESIDENT,
        )
        .values_list("id", flat=True)
        .first()
    )
    if question is not None:
        NormalisedMessage.objects.bulk_create([_row(question, result)], ignore_conflicts=True)


def _row(message_id: int, result: Normalised) -> NormalisedMessage:
    return NormalisedMessage(
        message_id=message_id,
        language=result.language,
        text=result.text,
        asks_for_person=result.asks_for_person,
    )
