"""Accessibility of the widget in real Chromium: axe-core in every state a resident meets,
the keyboard, focus, live announcements, motion, small screens and zoom.

axe runs against the whole page (the demo page is ours too); the widget lives in an open
shadow root, which axe-core enters: the first test proves that it does."""

from __future__ import annotations

import pytest
from playwright.sync_api import Expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
# Our own expect, not the shared one: a fresh server's first answer waits for the FAQ
# matcher's warm-up, which on a busy two-core machine can take longer than the default 5 s.
expect = Expect()
expect.set_options(timeout=15_000)

MESSAGES = '[data-testid="message"][data-seq]'


def open_widget(page, url: str):
    page.goto(url)
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("greeting")).not_to_be_empty()
    return page


def ask(page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def no_violations(axe, page, state: str) -> None:
    violations = axe(page)
    assert violations == [], f"{state}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in violations
    )


def active_testid(page) -> str | None:
    """The data-testid of the focused element, looking into the widget's shadow root."""
    return page.evaluate(
        """() => {
          let a = document.activeElement;
          while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
          return a ? a.getAttribute('data-testid') || a.tagName.toLowerCase() : null;
        }"""
    )


def test_axe_checks_inside_the_widgets_shadow_root(page, live_server_url, axe):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    no_violations(axe, page, "open")
    # A button without a name, planted in the shadow root, must be found, once.
    page.evaluate(
        """() => {
          const root = document.querySelector('kuntachat-widget').shadowRoot;
          const b = document.createElement('button');
          b.className = 'planted';
          root.querySelector('.kc-head').append(b);
        }"""
    )
    violations = axe(page)
    assert [v["id"] for v in violations] == ["button-name"]
    # One node, addressed through the shadow root: [host, selector inside it].
    assert [n["target"] for n in violations[0]["nodes"]] == [[["kuntachat-widget", ".planted"]]]


def test_axe_finds_nothing_closed_open_or_with_messages(
    page, live_server_url, axe, karvia_always_unsure
):
    page.goto(f"{live_server_url}/demo/karvia/")
    expect(page.get_by_test_id("launcher")).to_be_visible()
    no_violations(axe, page, "closed")
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("greeting")).not_to_be_empty()
    no_violations(axe, page, "open")
    ask(page, "lajittelu ohje jäte kirjasto")
    expect(page.get_by_test_id("suggestion").first).to_be_visible()
    no_violations(axe, page, "suggestions")
    page.locator('[data-testid="suggestion"][data-entry="waste"]').click()
    page.get_by_test_id("helpful-yes").click()
    expect(page.get_by_test_id("feedback-thanks")).not_to_be_empty()
    page.get_by_test_id("composer").fill("x" * 2001)  # over the limit: the error styles
    no_violations(axe, page, "answer, feedback, over-long draft")
    page.get_by_test_id("lang-sv").click()
    expect(page.get_by_test_id("greeting")).to_contain_text("Hej")
    no_violations(axe, page, "in Swedish")
    page.keyboard.press("Escape")
    page.evaluate("() => localStorage.clear()")  # not to count these messages as unread
    no_violations(axe, page, "closed again")


def test_axe_finds_nothing_in_the_queue_with_an_agent_or_at_the_rating(
    page, live_server_url, axe, karvia_agent, agent_socket
):
    agent = agent_socket(karvia_agent)
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    expect(page.get_by_test_id("feedback")).to_be_visible()
    page.get_by_test_id("handoff").click()
    expect(page.get_by_test_id("queue")).to_contain_text("jonossa")
    no_violations(axe, page, "queued")
    summary = agent.next("queue", where=lambda f: f["conversations"])["conversations"][0]
    agent.send(type="accept", conversation=summary["id"])
    agent.send(type="typing", conversation=summary["id"])
    expect(page.get_by_test_id("typing")).to_be_visible()
    no_violations(axe, page, "with an agent, typing")
    agent.send(type="message", conversation=summary["id"], client_id="a1", text="Hei!")
    agent.send(type="close", conversation=summary["id"])
    expect(page.get_by_test_id("rating-form")).to_be_visible()
    no_violations(axe, page, "rating")
    page.get_by_test_id("rating-form").get_by_role("button").click()  # no score: an error
    expect(page.get_by_test_id("rating-form").get_by_role("alert")).not_to_be_empty()
    no_violations(axe, page, "rating with an error")
    page.get_by_test_id("rating-form").get_by_text("5 / 5").click()
    page.get_by_test_id("rating-form").get_by_role("button").click()
    expect(page.get_by_test_id("rating-done")).to_be_visible()
    no_violations(axe, page, "rated")


def test_axe_finds_nothing_on_the_contact_form(page, live_server_url, axe):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    page.get_by_test_id("composer").fill("x")  # the handoff button shows once welcomed
    page.get_by_test_id("handoff").click()
    form = page.get_by_test_id("contact-form")
    expect(form).to_be_visible()
    no_violations(axe, page, "contact form")
    form.get_by_role("button").click()
    expect(form.get_by_label("Nimi (pakollinen)")).to_have_attribute("aria-invalid", "true")
    no_violations(axe, page, "contact form with errors")
    form.get_by_label("Nimi (pakollinen)").fill("Maija")
    form.get_by_label("Puhelinnumero").fill("040 123 4567")
    form.get_by_label("Asiasi (pakollinen)").fill("Soittakaa minulle")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("contact-done")).to_be_visible()
    no_violations(axe, page, "contact request sent")


def test_axe_finds_nothing_on_the_statement_pages(page, live_server_url, axe):
    for path in ("privacy", "accessibility"):
        for lang in ("fi", "sv", "en"):
            page.goto(f"{live_server_url}/{path}/karvia/?lang={lang}")
            no_violations(axe, page, f"{path} {lang}")


def test_it_works_with_the_keyboard_alone(page, live_server_url):
    page.goto(f"{live_server_url}/demo/karvia/")
    launcher = page.get_by_test_id("launcher")
    expect(launcher).to_be_visible()
    # Tab through the page until the launcher (it comes after the page's own links).
    for _ in range(40):
        page.keyboard.press("Tab")
        if active_testid(page) == "launcher":
            break
    assert active_testid(page) == "launcher"
    assert launcher.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("panel")).to_be_visible()
    assert active_testid(page) == "composer"
    page.keyboard.type("milloin kirjasto on auki")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("helpful-yes")).to_be_visible()
    # Forwards from the composer reaches the send button; backwards the answer's buttons.
    page.keyboard.type("?")
    page.keyboard.press("Tab")
    assert active_testid(page) == "send"
    page.keyboard.press("Shift+Tab")
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        if active_testid(page) == "helpful-no":
            break
    assert active_testid(page) == "helpful-no"
    no = page.get_by_test_id("helpful-no")
    assert no.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    assert no.evaluate("b => parseFloat(getComputedStyle(b).outlineWidth)") >= 2
    page.keyboard.press("Space")
    expect(no).to_have_attribute("aria-pressed", "true")
    assert active_testid(page) == "helpful-no"
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("panel")).to_be_hidden()
    assert active_testid(page) == "launcher"
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("panel")).to_be_visible()
    page.get_by_test_id("close").focus()
    page.keyboard.press("Enter")
    assert active_testid(page) == "launcher"


def test_incoming_messages_never_move_focus(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    expect(page.get_by_test_id("feedback")).to_have_count(1)
    # Focus on the first answer's button while the second answer arrives.
    page.get_by_test_id("composer").fill("miten lajittelen jätteet")
    page.get_by_test_id("send").focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("helpful-yes").first.focus()
    expect(page.get_by_test_id("feedback")).to_have_count(2)
    assert active_testid(page) == "helpful-yes"
    # Typing the next question while the answer comes in.
    page.get_by_test_id("composer").fill("milloin kirjasto on auki")
    page.get_by_test_id("composer").press("Enter")
    page.get_by_test_id("composer").press_sequentially("vielä yksi", delay=20)
    expect(page.locator(MESSAGES)).to_have_count(6)
    assert active_testid(page) == "composer"
    expect(page.get_by_test_id("composer")).to_have_value("vielä yksi")


def test_each_message_is_added_to_the_live_region_once(page, live_server_url):
    sockets = []

    def route(ws) -> None:
        sockets.append(ws)
        ws.connect_to_server()

    page.route_web_socket("**/ws/chat/**", route)
    open_widget(page, f"{live_server_url}/demo/karvia/")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_have_attribute("aria-relevant", "additions")
    log.evaluate(
        """log => {
          window.added = [];
          window.changes = null;
          new MutationObserver((records) => {
            for (const r of records) {
              if (window.changes) window.changes.push(r.type + ' ' + r.target.className);
              if (r.target !== log) continue;
              for (const n of r.addedNodes) {
                const b = n.nodeType === 1 && n.querySelector('.kc-bubble');
                if (b) window.added.push(b.textContent);
              }
            }
          }).observe(log, {childList: true, subtree: true, characterData: true});
        }"""
    )
    ask(page, "milloin kirjasto on auki")
    ask(page, "miten lajittelen jätteet")
    expect(page.locator(MESSAGES)).to_have_count(4)
    # A language switch reconnects and resyncs: nothing new, nothing again.
    page.get_by_test_id("lang-sv").click()
    expect(page.get_by_test_id("greeting")).to_contain_text("Hej")
    # A dropped connection and the resync after it change nothing at all in the log.
    page.evaluate("window.changes = []")
    sockets[-1].close()
    expect(page.get_by_test_id("status")).not_to_be_empty()
    expect(page.get_by_test_id("status")).to_be_empty()
    assert len(sockets) == 3
    page.wait_for_timeout(300)
    assert page.evaluate("window.changes") == []
    added = page.evaluate("window.added")
    assert len(added) == 4, added
    assert added[0] == "milloin kirjasto on auki"  # the pending copy, kept when stored
    assert len(set(added)) == 4


def test_it_honours_reduced_motion(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    panel = page.get_by_test_id("panel")
    assert panel.evaluate("p => getComputedStyle(p).animationName") == "kc-in"
    page.emulate_media(reduced_motion="reduce")
    assert panel.evaluate("p => getComputedStyle(p).animationName") == "none"
    launcher = page.get_by_test_id("launcher")
    assert launcher.evaluate("b => getComputedStyle(b).transitionDuration") == "0s"
    typing = page.get_by_test_id("typing")
    assert typing.evaluate("t => getComputedStyle(t, '::after').animationName") == "none"


def assert_no_sideways_scrolling(page) -> None:
    overflow = page.evaluate(
        """() => {
          const w = document.documentElement.clientWidth;
          const root = document.querySelector('kuntachat-widget').shadowRoot;
          const wide = Array.from(root.querySelectorAll('.kc-panel *'))
            .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 0.5
                    && !e.closest('.kc-vh'))
            .map((e) => e.className || e.tagName);
          const panel = root.querySelector('.kc-panel');
          return {page: document.scrollingElement.scrollWidth - w,
                  panel: panel.scrollWidth - panel.clientWidth, wide};
        }"""
    )
    assert overflow == {"page": 0, "panel": 0, "wide": []}, overflow


LONG = "https://www.karvia.fi/" + "hyvin-pitka-osoite/" * 12 + " " + "Pitkäsanaisuus" * 12


def test_it_fits_small_screens_and_zoom(browser, live_server_url):
    # A phone, the narrowest screen WCAG 1.4.10 asks for, and a 1280 x 1024 screen at 400 %.
    for viewport, scale in (((360, 740), 1), ((320, 568), 1), ((320, 256), 4)):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=scale
        )
        try:
            fits(context.new_page(), live_server_url, viewport)
        finally:
            context.close()


def fits(page, live_server_url: str, viewport: tuple[int, int]) -> None:
    page.set_default_timeout(10_000)
    open_widget(page, f"{live_server_url}/demo/karvia/")
    # Below 480 px the panel is the whole screen (once it has slid in).
    panel = page.get_by_test_id("panel")
    panel.evaluate("p => Promise.all(p.getAnimations().map((a) => a.finished))")
    box = panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": viewport[0], "height": viewport[1]}
    ask(page, LONG)
    ask(page, "milloin kirjasto on auki")
    answer = page.locator('[data-testid="message"][data-sender="bot"] strong')
    expect(answer.last).to_have_text("ma–pe 10–18")
    assert_no_sideways_scrolling(page)
    # Everything is reachable: the composer and the answer's buttons.
    yes = page.get_by_test_id("helpful-yes").last
    yes.click()
    expect(yes).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("composer").fill("kiitos")
    page.get_by_test_id("send").click()
    expect(page.locator(MESSAGES).filter(has_text="kiitos")).to_have_count(1)
    page.get_by_test_id("close").click()
    expect(page.get_by_test_id("panel")).to_be_hidden()
