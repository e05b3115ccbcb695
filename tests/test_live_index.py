"""The per-process matcher: models loaded once, warmed up at start, matching off the loop."""

from __future__ import annotations

import asyncio
import gc
import importlib
import threading

import pytest
from channels.db import database_sync_to_async

from faqbot import live_index, matching
from faqbot.matching import FaqIndex


def test_it_loads_the_language_models_once_per_process(analyzer):
    assert live_index.analyzer() is analyzer
    assert matching.default_analyzer() is analyzer
    assert live_index.build_index([]).analyzer is analyzer
    assert FaqIndex([]).analyzer is analyzer


def test_it_warms_up_in_a_daemon_thread(analyzer):
    thread = live_index.start_warm_up()
    assert thread.daemon
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert live_index.analyzer() is analyzer


def test_the_asgi_application_starts_the_warm_up(monkeypatch):
    started = []
    monkeypatch.setattr(live_index, "start_warm_up", lambda: started.append(True))
    asgi = importlib.import_module("config.asgi")
    started.clear()  # the first import of this run, if it was one
    importlib.reload(asgi)
    assert started == [True]


@pytest.mark.django_db(transaction=True)
async def test_it_matches_off_the_event_loop_and_the_database_thread(faq, monkeypatch):
    seen: list[str] = []
    decide = FaqIndex.decide

    def spy(self, *args, **kwargs):
        seen.append(threading.current_thread().name)
        return decide(self, *args, **kwargs)

    monkeypatch.setattr(FaqIndex, "decide", spy)
    loop_thread = threading.current_thread().name
    database_thread = await database_sync_to_async(lambda: threading.current_thread().name)()

    decision, _index = await live_index.decide("milloin kirjasto on auki", "karvia", "fi")
    assert decision.best.key == "karvia-library"
    assert len(seen) == 1
    assert seen[0].startswith("faqbot-match")
    assert seen[0] not in (loop_thread, database_thread)


@pytest.mark.django_db(transaction=True)
async def test_the_event_loop_keeps_running_while_matching(faq):
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await live_index.decide("milloin kirjasto on auki " * 50, "karvia", "fi")
    ticker.cancel()
    assert ticks > 1


@pytest.mark.django_db(transaction=True)
async def test_it_builds_one_index_for_messages_that_arrive_together(faq, monkeypatch):
    builds = []
    build = live_index.build_index

    def counting_build(docs):
        builds.append(len(docs))
        return build(docs)

    monkeypatch.setattr(live_index, "build_index", counting_build)
    decisions = await asyncio.gather(
        *(live_index.decide("milloin kirjasto on auki", "karvia", "fi") for _ in range(4))
    )
    assert builds == [len(faq)]
    assert len({id(index) for _decision, index in decisions}) == 1


def test_it_keeps_the_garbage_collector_on_after_a_build(analyzer, monkeypatch):
    assert gc.isenabled()
    live_index.build_index([])
    assert gc.isenabled()

    def broken(*args, **kwargs):
        raise RuntimeError("no index")

    monkeypatch.setattr(live_index, "FaqIndex", broken)
    with pytest.raises(RuntimeError):
        live_index.build_index([])
    assert gc.isenabled()


@pytest.mark.django_db
def test_it_gives_the_matcher_the_editors_translation_links(faq):
    faq["waste-sv"].translation_group = faq["waste"].translation_group
    faq["waste-sv"].save()
    groups = {doc.key: doc.group for doc in live_index.load_content().docs}
    assert groups["waste-sv"] == groups["waste"] == str(faq["waste"].translation_group)
    assert groups["karvia-library"] not in (groups["waste"], groups["pomarkku-library"])
