"""Resident messages as the bot reads them: the analyzer's folded lemmas of content words.

Grouping compares these rather than the raw text, so that "Milloin kirjasto on auki?" and
"kirjasto auki milloin" are the same question and "kirjaston aukioloajat" is close to
"kirjasto aukioloaika". The results are stored (insights.models.NormalisedMessage) so
that the analyzer reads each message once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
        pending.append(
            NormalisedMessage(
                message_id=message_id,
                language=result.language,
                text=result.text,
                asks_for_person=result.asks_for_person,
            )
        )
        if len(pending) >= BATCH:
            NormalisedMessage.objects.bulk_create(pending, ignore_conflicts=True)
            pending = []
    # Two page views may normalise the same message at once; the first row stays.
    NormalisedMessage.objects.bulk_create(pending, ignore_conflicts=True)
    return done
