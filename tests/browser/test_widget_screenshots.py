"""Screenshots of the widget in fi, sv and en, on a desktop and a 360 px phone, saved to
docs/screenshots/ (the README links them). The demo content answers; message times are
pinned in the database so that an unchanged widget gives unchanged pictures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Expect

from chat.models import Message
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
# Our own expect, not the shared one: a fresh server's first answer waits for the FAQ
# matcher's warm-up, which on a busy two-core machine can take longer than the default 5 s.
expect = Expect()
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
DEMO_FAQ = ROOT / "faqbot" / "demo" / "demo_faq.json"
QUESTIONS = {
    "fi": "Miten teen muuttoilmoituksen?",
    "sv": "Hur gör jag en flyttanmälan?",
    "en": "How do I register my new address when I move?",
}
PINNED = dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)  # 10.00 in Helsinki


@pytest.fixture
def demo_server(transactional_db) -> Iterator[str]:
    call_command("import_faq", DEMO_FAQ)
    with daphne() as url:
        yield url


def save(png: bytes, name: str) -> None:
    path = SHOTS / name
    # Written only when it changed, so that a run leaves the work tree clean.
    if not path.exists() or path.read_bytes() != png:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_it_saves_screenshots(browser, demo_server, lang):
    storage = None
    for device, (width, height) in (("desktop", (1280, 800)), ("mobile", (360, 740))):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            timezone_id="Europe/Helsinki",
            locale={"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[lang],
            storage_state=storage,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{demo_server}/demo/karvia/?lang={lang}")
        page.get_by_test_id("launcher").click()
        if storage is None:
            page.get_by_test_id("composer").fill(QUESTIONS[lang])
            page.get_by_test_id("composer").press("Enter")
            expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(1)
            Message.objects.update(created=PINNED)
            storage = context.storage_state()
            page.reload()  # the history again, with the pinned times; the panel stays open
        expect(page.get_by_test_id("feedback")).to_be_in_viewport()
        page.get_by_test_id("composer").blur()
        if device == "desktop":
            png = page.screenshot(
                clip={"x": width - 420, "y": height - 700, "width": 420, "height": 700},
                animations="disabled",
            )
        else:
            png = page.screenshot(animations="disabled")
        save(png, f"widget-{lang}-{device}.png")
        context.close()
