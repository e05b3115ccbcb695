"""The per-process matching index, rebuilt when the FAQ revision in the database moves.

Reading the revision is one cheap query per message; that is what lets an edit made in
admin, or an import, reach every server process by the next question without a restart.
Municipalities' thresholds are read with the entries: saving a municipality moves the
revision too.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from channels.db import database_sync_to_async
from django.conf import settings

from faqbot import matching, sentence_store, sentences
from faqbot.analysis import Analyzer
from faqbot.matching import Decision, FaqDoc, FaqIndex, Thresholds
from faqbot.models import FaqEntry, FaqRevision, Municipality
from faqbot.thresholds import effective_thresholds

log = logging.getLogger(__name__)

_lock = threading.Lock()
# Held while the language models load, so that a first message arriving during the warm-up
# waits for them instead of loading a second copy.
_analyzer_lock = threading.Lock()
# One index build at a time: messages that arrive together after an FAQ edit wait for the
# one build instead of each making its own.
_build_lock = threading.Lock()
_cached: _Snapshot | None = None
_executor: ThreadPoolExecutor | None = None


@dataclass(frozen=True)
class FaqContent:
    """What the database holds for matching: the published entries and the thresholds."""

    docs: list[FaqDoc]
    thresholds: dict[str, Thresholds] = field(default_factory=dict)
    # Stored sentence vectors of the texts this process has not embedded yet.
    sentence_vectors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class _Snapshot:
    revision: int
    index: FaqIndex
    thresholds: dict[str, Thresholds]


def matcher_executor() -> ThreadPoolExecutor:
    """Threads for matching, apart from the event loop and database_sync_to_async's thread."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.FAQBOT_MATCHER_THREADS, thread_name_prefix="faqbot-match"
            )
        return _executor


def analyzer() -> Analyzer:
    """The process's one Analyzer (spaCy and Voikko), loaded on first use."""
    with _analyzer_lock:
        return matching.default_analyzer()


def warm_up() -> None:
    """Load the models and fill their lazy tables, so the first resident does not wait.

    Each language's path runs once: Finnish lemmas and compounds, Swedish and English
    stems, language detection and the dictionaries behind translation.
    """
    started = time.perf_counter()
    try:
        tools = analyzer()
        tools.words("kirjastossa", "fi")
        tools.words("biblioteket", "sv")
        tools.words("libraries", "en")
        tools.detect_language("where is the library", "fi")
        tools.translate_to_finnish("library", "en")
        tools.translate_to_finnish("biblioteket", "sv")
        tools.sentences.query("kirjasto")
        FaqIndex([], analyzer=tools).decide("kirjasto", "", "fi")
        _out_of_the_collectors_way()
    except Exception:
        # A failed warm-up only costs the first resident the wait; matching itself will
        # report the error where it can be answered.
        log.exception("warming up the FAQ matcher failed")
        return
    log.info("FAQ matcher warmed up in %.1f s", time.perf_counter() - started)


def start_warm_up() -> threading.Thread:
    """Warm up in a daemon thread, so that start-up and shutdown do not wait for it."""
    thread = threading.Thread(target=warm_up, name="faqbot-warm-up", daemon=True)
    thread.start()
    return thread


def load_content() -> FaqContent:
    rows = FaqEntry.objects.filter(published=True).values_list(
        "key", "municipality__slug", "language", "question", "alternatives", "answer",
        "translation_group",
    )  # fmt: skip
    docs = [
        FaqDoc(key, slug, language, question, tuple(alternatives or ()), answer, str(group))
        for key, slug, language, question, alternatives, answer, group in rows
    ]
    thresholds = {
        slug: effective_thresholds(answer, suggest)
        for slug, answer, suggest in Municipality.objects.values_list(
            "slug", "answer_threshold", "suggest_threshold"
        )
    }
    stored = sentence_store.load(sentences.default_encoder().missing(matching.passages(docs)))
    return FaqContent(docs, thresholds, stored)


def keep_new_vectors(content: FaqContent) -> None:
    """Store the sentence vectors a build computed, for the other processes and later."""
    new = sentences.default_encoder().take_new()
    if new:
        sentence_store.save(new)
        sentence_store.prune(matching.passages(content.docs))


def _out_of_the_collectors_way() -> None:
    """Exempt the objects alive now (the models, an index) from garbage collection passes.

    They live as long as the process or the FAQ revision. Otherwise each full collection
    walks their millions of objects, for 0.4 s at 5,000 entries, in the middle of some
    resident's message. Frozen objects are still freed when nothing refers to them (an
    index has no reference cycles); the young generations are collected first, so that
    recent cyclic garbage is not frozen with them.
    """
    gc.collect(1)
    gc.freeze()


def build_index(docs: list[FaqDoc]) -> FaqIndex:
    # A build allocates millions of objects that all stay; collections during it find
    # nothing to free and took a third of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        index = FaqIndex(docs, analyzer=analyzer())
    finally:
        if collecting:
            gc.enable()
    _out_of_the_collectors_way()
    return index


def _build_snapshot(revision: int, content: FaqContent) -> _Snapshot:
    with _build_lock:
        snapshot = _cached_snapshot(revision)
        if snapshot is None:
            sentences.default_encoder().preload(content.sentence_vectors)
            snapshot = _Snapshot(revision, build_index(content.docs), content.thresholds)
            _store(snapshot)
        return snapshot


def _cached_snapshot(revision: int) -> _Snapshot | None:
    cached = _cached
    return cached if cached and cached.revision == revision else None


def _store(snapshot: _Snapshot) -> None:
    global _cached
    with _lock:
        if _cached is None or _cached.revision <= snapshot.revision:
            _cached = snapshot


def current_index() -> FaqIndex:
    """Synchronous access, for management commands and admin views."""
    revision = FaqRevision.current()
    snapshot = _cached_snapshot(revision)
    if snapshot is None:
        content = load_content()
        snapshot = _build_snapshot(revision, content)
        keep_new_vectors(content)
    return snapshot.index


async def decide(
    text: str, municipality: str, language: str, thresholds: Thresholds | None = None
) -> tuple[Decision, FaqIndex]:
    """Decide in the matcher threads, with the index of the current FAQ revision.

    Without explicit thresholds, the municipality's own (or the defaults) apply.
    """
    loop = asyncio.get_running_loop()
    revision = await database_sync_to_async(FaqRevision.current)()
    snapshot = _cached_snapshot(revision)
    if snapshot is None:
        content = await database_sync_to_async(load_content)()
        snapshot = await loop.run_in_executor(
            matcher_executor(), _build_snapshot, revision, content
        )
        await database_sync_to_async(keep_new_vectors)(content)
    if thresholds is None:
        thresholds = snapshot.thresholds.get(municipality) or effective_thresholds(None, None)
    decision = await loop.run_in_executor(
        matcher_executor(), snapshot.index.decide, text, municipality, language, thresholds
    )
    return decision, snapshot.index


def reset_cache() -> None:
    """Forget the cached index (tests roll back revisions, so numbers can repeat there)."""
    global _cached
    with _lock:
        _cached = None
