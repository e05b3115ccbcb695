"""The widget survives: a server that crashes and comes back (same database, same port),
an acknowledgement lost on the way, and replies that arrive while the panel is closed."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from playwright.sync_api import Expect

from chat.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
# Our own expect, not the shared one: a fresh server's first answer waits for the FAQ
# matcher's warm-up, which on a busy two-core machine can take longer than the default 5 s.
expect = Expect()
expect.set_options(timeout=15_000)

MESSAGES = '[data-testid="message"][data-seq]'


def ask(page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def test_a_server_crash_loses_no_message_and_duplicates_none(page, restartable_server):
    server = restartable_server
    page.goto(f"{server.url}/demo/karvia/")
    page.get_by_test_id("launcher").click()
    ask(page, "milloin kirjasto on auki")
    expect(page.locator(MESSAGES)).to_have_count(2)

    attempts: list[float] = []
    page.on("websocket", lambda ws: attempts.append(time.monotonic()))
    # One question is on its way as the server dies (stored or not: either is fine), the
    # next is written while it is down.
    ask(page, "miten lajittelen jätteet")
    server.kill()
    expect(page.get_by_test_id("status")).to_have_text("Yhteys katkesi. Yhdistetään uudelleen…")
    ask(page, "kiitos vastauksista")
    pending = page.locator('[data-testid="message"][data-pending="true"]')
    expect(pending.last).to_have_text("kiitos vastauksista")
    # A few refused attempts, further apart each time. The backoff is read from these alone:
    # a starting server loads its models on both cores, which delays the browser's timers.
    deadline = time.monotonic() + 20
    while len(attempts) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    refused = list(attempts)
    server.start()

    expect(page.get_by_test_id("status")).to_be_empty(timeout=20_000)
    expect(pending).to_have_count(0, timeout=10_000)
    resident = page.locator('[data-testid="message"][data-sender="resident"][data-seq]')
    expect(resident).to_have_count(3)
    page.wait_for_timeout(1000)  # a late duplicate would show by now
    texts = [m.text_content() for m in resident.all()]
    assert texts == ["milloin kirjasto on auki", "miten lajittelen jätteet", "kiitos vastauksista"]
    stored = list(Message.objects.order_by("seq").values_list("seq", "sender", "text"))
    assert [seq for seq, _, _ in stored] == list(range(1, len(stored) + 1))
    assert [text for _, sender, text in stored if sender == "resident"] == texts
    shown = [int(m.get_attribute("data-seq")) for m in page.locator(MESSAGES).all()]
    assert shown == [seq for seq, _, _ in stored]

    # Reconnecting backed off: each wait at least as long as the one before, give or take
    # the jitter (each wait is drawn from [max/2, max] of a doubling max).
    gaps = [b - a for a, b in itertools.pairwise(refused)]
    assert len(gaps) >= 3, gaps
    assert all(later >= earlier * 0.8 for earlier, later in itertools.pairwise(gaps)), gaps
    # Two doublings apart: at least twice as long, less a margin for the browser's timers.
    assert gaps[2] >= gaps[0] * 1.5, gaps


@pytest.mark.parametrize("lost", ["on_the_way_in", "the_acknowledgement"])
def test_a_message_lost_on_the_line_is_resent_once_and_stored_once(page, live_server_url, lost):
    sent: list[dict] = []
    connections: list[int] = []

    def route(ws) -> None:
        connections.append(len(connections) + 1)
        number = len(connections)
        server = ws.connect_to_server()

        def from_page(message) -> None:
            frame = json.loads(message)
            if frame["type"] == "message":
                sent.append({"connection": number, **frame})
                if number == 1 and lost == "on_the_way_in":
                    ws.close()  # the line dies before the server has it
                    return
            server.send(message)

        def from_server(message) -> None:
            frame = json.loads(message)
            if number == 1 and lost == "the_acknowledgement" and frame.get("client_id"):
                ws.close()  # stored, but the echo never arrives
                return
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    page.route_web_socket("**/ws/chat/**", route)
    page.goto(f"{live_server_url}/demo/karvia/")
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("greeting")).not_to_be_empty()
    ask(page, "milloin kirjasto on auki")
    expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(1)
    resident = page.locator('[data-testid="message"][data-sender="resident"]')
    expect(resident).to_have_count(1)
    expect(resident).to_have_attribute("data-seq", "1")
    page.wait_for_timeout(500)
    assert Message.objects.filter(sender="resident").count() == 1
    assert len(connections) == 2
    if lost == "on_the_way_in":
        # Not in the history the new connection brought: sent again, once.
        assert [f["connection"] for f in sent] == [1, 2]
        assert sent[0]["client_id"] == sent[1]["client_id"]
    else:
        # The history after reconnecting carries the stored copy: that is its acknowledgement,
        # so nothing is sent again (a resend would be harmless: stored once per client_id).
        assert [f["connection"] for f in sent] == [1]


def test_the_launcher_counts_replies_that_arrived_while_closed(page, live_server_url):
    page.goto(f"{live_server_url}/demo/karvia/")
    page.get_by_test_id("launcher").click()
    ask(page, "milloin kirjasto on auki")
    expect(page.locator(MESSAGES)).to_have_count(2)
    # Another tab of the site, with the chat closed, follows the same conversation.
    other = page.context.new_page()
    other.goto(f"{live_server_url}/demo/karvia/")
    launcher = other.get_by_test_id("launcher")
    badge = other.get_by_test_id("badge")
    expect(launcher).to_have_attribute("aria-label", "Avaa chat")
    expect(badge).to_be_hidden()
    ask(page, "miten lajittelen jätteet")
    expect(page.locator(MESSAGES)).to_have_count(4)
    # The resident's own message is not news; the bot's answer is.
    expect(badge).to_have_text("1")
    expect(launcher).to_have_attribute("aria-label", "Avaa chat – 1 uusi viesti")
    launcher.click()
    expect(badge).to_be_hidden()
    expect(other.locator(MESSAGES)).to_have_count(4)
    expect(launcher).to_have_attribute("aria-label", "Sulje chat")
