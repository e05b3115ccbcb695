"""The per-process matching index, rebuilt when the FAQ revision in the database moves.

Reading the revision is one cheap query per message; that is what lets an edit made in
admin, or an import, reach every server process by the next question without a restart.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from django.conf import settings

from faqbot.matching import Decision, FaqDoc, FaqIndex, Thresholds
from faqbot.models import FaqEntry, FaqRevision

_lock = threading.Lock()
_cached: tuple[int, FaqIndex] | None = None
_executor: ThreadPoolExecutor | None = None


def matcher_executor() -> ThreadPoolExecutor:
    """Threads for matching, apart from the event loop and database_sync_to_async's thread."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.FAQBOT_MATCHER_THREADS, thread_name_prefix="faqbot-match"
            )
        return _executor


def load_docs() -> list[FaqDoc]:
    rows = FaqEntry.objects.filter(published=True).values_list(
        "key", "municipality__slug", "language", "question", "alternatives", "answer"
    )
    return [
        FaqDoc(key, slug, language, question, tuple(alternatives or ()), answer)
        for key, slug, language, question, alternatives, answer in rows
    ]


def _cached_index(revision: int) -> FaqIndex | None:
    cached = _cached
    return cached[1] if cached and cached[0] == revision else None


def _store(revision: int, index: FaqIndex) -> None:
    global _cached
    with _lock:
        if _cached is None or _cached[0] <= revision:
            _cached = (revision, index)


def current_index() -> FaqIndex:
    """Synchronous access, for management commands and admin views."""
    revision = FaqRevision.current()
    index = _cached_index(revision)
    if index is None:
        index = FaqIndex(load_docs())
        _store(revision, index)
    return index


async def decide(
    text: str, municipality: str, language: str, thresholds: Thresholds | None = None
) -> tuple[Decision, FaqIndex]:
    """Decide in the matcher threads, with the index of the current FAQ revision."""
    loop = asyncio.get_running_loop()
    revision = await database_sync_to_async(FaqRevision.current)()
    index = _cached_index(revision)
    if index is None:
        docs = await database_sync_to_async(load_docs)()
        index = await loop.run_in_executor(matcher_executor(), FaqIndex, docs)
        _store(revision, index)
    decision = await loop.run_in_executor(
        matcher_executor(), index.decide, text, municipality, language, thresholds
    )
    return decision, index


def reset_cache() -> None:
    """Forget the cached index (tests roll back revisions, so numbers can repeat there)."""
    global _cached
    with _lock:
        _cached = None
