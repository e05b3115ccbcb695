"""Playwright in Debian's Chromium, against a real daphne server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.servers import daphne

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without the background-networking flags Chromium keeps trying hosts this closed network
# refuses; a fresh profile each run keeps runs independent.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _sync_db_calls_beside_playwright(monkeypatch) -> None:
    # Playwright's sync API keeps an event loop running in the test thread, which Django
    # takes for async code; the tests' own database calls are plain sync code, so the check
    # is off during browser tests only (tests/servers.py keeps it on for the servers).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser(django_db_setup) -> Iterator:
    # Per module, not per session: while Playwright runs, the thread has a running event
    # loop, which would trouble the sync fixtures of the tests that come after.
    require_service(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server_url(transactional_db, faq) -> Iterator[str]:
    with daphne() as url:
        yield url


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
