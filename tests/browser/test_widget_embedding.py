"""The widget on a municipality's own website (another origin than the chat server): the
script tag and its JS API, languages, allowed and foreign origins, style isolation, the
theme colour's contrast, the size budgets and no third-party requests."""

from __future__ import annotations

import gzip
import re

import pytest
from playwright.sync_api import Expect

from faqbot.models import Municipality

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
# Our own expect, not the shared one: a fresh server's first answer waits for the FAQ
# matcher's warm-up, which on a busy two-core machine can take longer than the default 5 s.
expect = Expect()
expect.set_options(timeout=15_000)

# What the README and docs/widget.md tell a municipality to put before the script tag, so
# that calls made before the script has loaded are queued, not lost.
STUB = (
    "<script>window.Kuntachat=window.Kuntachat||{q:[]};"
    '["open","close","setLanguage"].forEach(function(m){Kuntachat[m]=Kuntachat[m]||'
    "function(){Kuntachat.q.push([m].concat([].slice.call(arguments)))}});</script>"
)
BUDGET_CLOSED = 5 * 1024
BUDGET_OPEN = 30 * 1024


def test_calls_made_before_the_script_loaded_are_queued(page, host_site):
    url = host_site(head=STUB + '<script>Kuntachat.setLanguage("sv"); Kuntachat.open();</script>')
    page.goto(url)
    expect(page.get_by_test_id("panel")).to_be_visible()
    expect(page.get_by_test_id("greeting")).to_have_text("Hej! Jag är Karvias chatt.")
    # After loading, the same API drives the widget directly.
    page.evaluate("Kuntachat.close()")
    expect(page.get_by_test_id("panel")).to_be_hidden()
    page.evaluate("Kuntachat.setLanguage('en'); Kuntachat.open()")
    expect(page.get_by_test_id("panel")).to_be_visible()
    expect(page.get_by_test_id("greeting")).to_have_text("Hello! This is Karvia's chat.")
    expect(page.get_by_test_id("send")).to_have_text("Send")


def test_the_language_follows_data_lang_else_the_page(page, host_site):
    cases = [
        ("fi", ' data-lang="en"', "Open chat", "Hello! This is Karvia's chat."),
        ("sv-FI", "", "Öppna chatten", "Hej! Jag är Karvias chatt."),
        ("de", "", "Avaa chat", "Hei! Olen Karvian chat."),
    ]
    for page_lang, attrs, launcher, greeting in cases:
        page.goto(host_site(lang=page_lang, attrs=attrs))
        expect(page.get_by_test_id("launcher")).to_have_attribute("aria-label", launcher)
        page.get_by_test_id("launcher").click()
        expect(page.get_by_test_id("greeting")).to_have_text(greeting)
        page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")  # afresh


def test_it_chats_on_an_allowed_origin_and_refuses_a_foreign_one(page, host_site):
    page.goto(host_site("https://www.karvia.fi"))
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("greeting")).to_have_text("Hei! Olen Karvian chat.")

    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(host_site("https://www.evil.example"))
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("error")).to_have_text("Chat ei ole käytettävissä tällä sivustolla.")
    expect(page.get_by_test_id("composer")).to_be_disabled()
    expect(page.get_by_test_id("greeting")).to_be_hidden()
    page.wait_for_timeout(1500)
    assert len(sockets) == 1  # refused for good: no reconnecting
    expect(page.get_by_test_id("status")).to_be_empty()


HOSTILE_CSS = """<style>
  html { font-size: 40px; }
  * { font-family: "Comic Sans MS", cursive !important; color: #f0f !important;
      letter-spacing: 4px !important; line-height: 3 !important;
      text-transform: uppercase !important; box-sizing: content-box !important; }
  button, textarea, section, div, p, span, h2 { background: #0f0 !important;
      padding: 30px !important; border: 6px dotted red !important; margin: 20px !important;
      width: 900px !important; }
  [role=log], [role=dialog] { display: none !important; }
</style>"""
STYLE_PROBES = [
    "fontFamily",
    "color",
    "backgroundColor",
    "letterSpacing",
    "lineHeight",
    "textTransform",
    "paddingTop",
    "borderTopWidth",
    "width",
    "display",
]


def widget_styles(page) -> dict:
    return page.evaluate(
        """(props) => {
          const root = document.querySelector('kuntachat-widget').shadowRoot;
          const out = {};
          for (const sel of ['.kc-launcher', '.kc-panel', '.kc-title', '.kc-log', '.kc-send',
                             'textarea', '.kc-bubble']) {
            const s = getComputedStyle(root.querySelector(sel));
            out[sel] = Object.fromEntries(props.map((p) => [p, s[p]]));
          }
          return out;
        }""",
        STYLE_PROBES,
    )


def page_styles(page) -> dict:
    return page.evaluate(
        """(props) => Object.fromEntries(['h1', 'button#own', 'p#own'].map((sel) => {
            const s = getComputedStyle(document.querySelector(sel));
            return [sel, Object.fromEntries(props.map((p) => [p, s[p]]))];
        }))""",
        STYLE_PROBES,
    )


def test_it_neither_takes_styles_from_the_page_nor_leaks_its_own(page, host_site):
    own = '<button id="own" type="button">Sivun painike</button><p id="own">Teksti</p>'
    page.goto(host_site("https://www.karvia.fi", body=own))
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("greeting")).not_to_be_empty()
    plain = widget_styles(page)
    page.evaluate("sessionStorage.clear()")  # not to reopen by itself on the next page

    page.goto(host_site("https://www.karvia.fi", body=own, head=HOSTILE_CSS))
    before = page_styles(page)
    sheets = page.evaluate("document.styleSheets.length")
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("greeting")).not_to_be_empty()
    hostile = widget_styles(page)
    diff = {
        sel: {p: (plain[sel][p], v) for p, v in props.items() if v != plain[sel][p]}
        for sel, props in hostile.items()
    }
    assert {sel: d for sel, d in diff.items() if d} == {}
    # Opening the widget changed nothing of the page's own.
    assert page_styles(page) == before
    assert page.evaluate("document.styleSheets.length") == sheets


def contrast_with_white(rgb: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_a_light_theme_colour_is_darkened_to_4_5_to_1(page, live_server_url, karvia):
    Municipality.objects.filter(pk=karvia.pk).update(theme_color="#ffcc00")
    page.goto(f"{live_server_url}/demo/karvia/")
    page.get_by_test_id("launcher").click()
    page.get_by_test_id("composer").fill("milloin kirjasto on auki")
    page.get_by_test_id("composer").press("Enter")
    expect(page.get_by_test_id("feedback")).to_be_visible()
    colours = page.evaluate(
        """() => {
          const root = document.querySelector('kuntachat-widget').shadowRoot;
          const bg = (sel) => getComputedStyle(root.querySelector(sel)).backgroundColor;
          return [bg('.kc-launcher'), bg('.kc-head'), bg('.kc-resident .kc-bubble')];
        }"""
    )
    launcher, head, bubble = colours
    assert launcher == head == bubble
    ratio = contrast_with_white(head)
    assert 4.5 <= ratio < 5.5, (head, ratio)  # just dark enough: still the municipality's
    r, g, b = (int(v) for v in re.findall(r"\d+", head)[:3])
    assert r > g > b  # still a yellow-orange, not grey or black
    # The theme reaches the next page before the socket answers (the loader remembers it).
    page.reload()
    launcher_after = page.get_by_test_id("launcher").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert launcher_after == head


def widget_files(page, chat_host: str) -> dict[str, dict]:
    """Every response from the chat host: its size on the wire and gzipped."""
    files: dict[str, dict] = {}

    def record(response) -> None:
        if not response.url.startswith(chat_host) or response.request.resource_type == "websocket":
            return
        body = response.body()
        encoded = response.request.sizes()["responseBodySize"]
        files[response.url.removeprefix(chat_host)] = {
            "raw": len(body),
            "wire": encoded,
            "encoding": response.headers.get("content-encoding", ""),
            # A server or proxy in front compresses these; level 6 is gzip's default.
            "gzip": len(gzip.compress(body, compresslevel=6)),
        }

    page.on("response", record)
    return files


def budget(files: dict[str, dict]) -> int:
    # What the browser transfers: the compressed size where the server compressed, the
    # size gzip would make of it where it did not.
    return sum(f["wire"] if f["encoding"] else f["gzip"] for f in files.values())


def test_the_widget_keeps_within_its_size_budgets(page, host_site, live_server_url):
    files = widget_files(page, live_server_url)
    page.goto(host_site(), wait_until="networkidle")
    assert list(files) == ["/widget.js"], files
    closed = budget(files)
    assert closed <= BUDGET_CLOSED, files
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("greeting")).not_to_be_empty()
    page.wait_for_load_state("networkidle")
    assert sorted(files) == [
        "/static/kuntachat/widget-app.js",
        "/static/kuntachat/widget.css",
        "/widget.js",
    ], files
    opened = budget(files)
    assert opened <= BUDGET_OPEN, files
    print(f"\nwidget size (gzip): closed {closed} B, opened {opened} B; {files}")


def test_it_makes_no_third_party_requests(page, host_site, live_server_url):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    page.goto(host_site("https://www.karvia.fi"))
    page.get_by_test_id("launcher").click()
    page.get_by_test_id("composer").fill("milloin kirjasto on auki")
    page.get_by_test_id("composer").press("Enter")
    expect(page.get_by_test_id("feedback")).to_be_visible()
    ws_host = live_server_url.replace("http://", "ws://")
    strangers = [
        url
        for url in requests
        if not url.startswith(("https://www.karvia.fi/", live_server_url, ws_host))
    ]
    assert strangers == []


def test_it_works_under_a_strict_content_security_policy(page, host_site, live_server_url):
    """A site whose CSP allows the chat host but no inline script or style still gets a
    styled, working widget (constructed stylesheets and CSSOM are not inline styles)."""
    ws_host = live_server_url.replace("http://", "ws://")
    csp = (
        "default-src 'none'; "
        f"script-src {live_server_url}; style-src {live_server_url}; connect-src {ws_host}"
    )
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(host_site(head=f'<meta http-equiv="Content-Security-Policy" content="{csp}">'))
    launcher = page.get_by_test_id("launcher")
    assert launcher.evaluate("b => getComputedStyle(b).position") == "fixed"
    launcher.click()
    page.get_by_test_id("composer").fill("milloin kirjasto on auki")
    page.get_by_test_id("composer").press("Enter")
    expect(page.locator('[data-testid="message"][data-sender="bot"] strong')).to_have_text(
        "ma–pe 10–18"
    )
    assert page.get_by_test_id("panel").evaluate("p => getComputedStyle(p).position") == "fixed"
    assert violations == []
