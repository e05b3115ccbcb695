"""Screenshots of the widget in fi, sv and en, on a desktop and a 360 px phone, saved to
docs/screenshots/ (the README links them). The demo content answers; message times are
pinned in the database so that an unchanged widget gives unchanged pictures."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Expect

from chat.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
# Our own expect, not the shared one: the first answer waits for the index of the demo FAQ
# to be built, which on a busy two-core machine can take longer than the default 5 s.
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
def demo_server(server_for_this_test) -> str:
    call_command("import_faq", DEMO_FAQ)
    return server_for_this_test


# Counts the pixels of two PNGs (data: URLs) that differ by more than anti-aliasing noise.
PIXELS_APART = """async ([a, b]) => {
  const load = (src) => new Promise((ok, fail) => {
    const i = new Image(); i.onload = () => ok(i); i.onerror = fail; i.src = src;
  });
  const [x, y] = await Promise.all([load(a), load(b)]);
  if (x.width !== y.width || x.height !== y.height) return Infinity;
  const pixels = (img) => {
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return g.getImageData(0, 0, c.width, c.height).data;
  };
  const p = pixels(x), q = pixels(y);
  let n = 0;
  for (let i = 0; i < p.length; i += 4) {
    const d = Math.abs(p[i] - q[i]) + Math.abs(p[i + 1] - q[i + 1]) + Math.abs(p[i + 2] - q[i + 2]);
    if (d > 24) n++;
  }
  return n;
}"""


def save(page, png: bytes, name: str) -> None:
    """Write the screenshot unless the committed one looks the same: rounded corners at
    fractional positions are antialiased a shade differently from run to run, and a test
    run should not leave the work tree changed for that."""
    path = SHOTS / name
    if path.exists():
        old = path.read_bytes()
        if old == png:
            return
        url = "data:image/png;base64,"
        apart = page.evaluate(
            PIXELS_APART,
            [url + base64.b64encode(old).decode(), url + base64.b64encode(png).decode()],
        )
        if apart == 0:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)


def test_it_saves_screenshots(browser, demo_server):
    # One server for the three languages: each language is its own conversation.
    for lang in ("fi", "sv", "en"):
        screenshots(browser, demo_server, lang)


def screenshots(browser, demo_server: str, lang: str) -> None:
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
        page.mouse.move(0, 0)  # no hover state left from the click on the launcher
        page.wait_for_timeout(100)
        if device == "desktop":
            png = page.screenshot(
                clip={"x": width - 420, "y": height - 700, "width": 420, "height": 700},
                animations="disabled",
            )
        else:
            png = page.screenshot(animations="disabled")
        save(page, png, f"widget-{lang}-{device}.png")
        context.close()
