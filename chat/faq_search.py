"""FAQ search for agents (canned answers): the bot's matcher first, then plain text search.

The matcher understands inflected Finnish and typos but returns few entries; the text
search finds an entry by any words of its question, alternatives or answer. Both see only
published entries of the municipality and the shared ones.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.db.models import Q

from faqbot import live_index
from faqbot.models import FaqEntry, Municipality
from faqbot.rendering import render_markdown

MAX_RESULTS = 8
MAX_QUERY_CHARS = 200


def _entries(municipality: Municipality, language: str | None) -> Any:
    entries = FaqEntry.objects.filter(
        Q(municipality__isnull=True) | Q(municipality=municipality), published=True
    )
    return entries.filter(language=language) if language else entries


def _text_search(
    municipality: Municipality, language: str | None, query: str, first: list[str]
) -> list[FaqEntry]:
    entries = _entries(municipality, language)
    found = {e.key: e for e in entries.filter(key__in=first)}
    ordered = [found[key] for key in first if key in found]
    words = [w for w in query.split() if len(w) >= 2][:8]
    if words and len(ordered) < MAX_RESULTS:
        matching = entries.exclude(key__in=first)
        for word in words:
            matching = matching.filter(
                Q(question__icontains=word)
                | Q(alternatives__icontains=word)
                | Q(answer__icontains=word)
            )
        ordered += list(matching.order_by("question")[: MAX_RESULTS - len(ordered)])
    return ordered[:MAX_RESULTS]


async def search_faq(
    query: str, municipality: Municipality, language: str | None
) -> list[dict[str, Any]]:
    query = query.strip()[:MAX_QUERY_CHARS]
    if not query:
        return []
    decision, _index = await live_index.decide(
        query, municipality.slug, language or municipality.languages[0]
    )
    first = [candidate.key for candidate in decision.candidates]
    entries = await database_sync_to_async(_text_search)(municipality, language, query, first)
    return [
        {
            "id": entry.key,
            "question": entry.question,
            "answer": entry.answer,
            "html": render_markdown(entry.answer),
        }
        for entry in entries
    ]
