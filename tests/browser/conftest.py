"""Playwright in Debian's Chromium, against a real daphne server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import require_service
from tests.servers import (
    ROOT,
    daphne,
    start_another_test_on_shared_servers,
    wait_until_the_servers_are_quiet,
)

# Every page's answers come from a real server on a two-core machine that also runs the
# browser: a bot reply or an index rebuild can take longer than Playwright's default 5 s.
expect.set_options(timeout=15_000)

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


@pytest.fixture(scope="session")
def shared_server(django_db_setup) -> Iterator[str]:
    """One daphne for the browser tests that do not stop their server (live_server_url).

    Starting a server and loading its language models took 4 to 10 s a test, more than
    most of these tests themselves. Warm: a test's first question would otherwise wait for
    the models to load, longer than an expect's 5 s on a busy machine."""
    with daphne(warm=True) as url:
        yield url


@pytest.fixture
def server_for_this_test(transactional_db, browser, shared_server) -> Iterator[str]:
    """The shared server, made to serve this test's rows (an empty FAQ until the test or
    another fixture writes one)."""
    start_another_test_on_shared_servers()
    yield shared_server
    # The test's pages leave, and the server's work on their leaving (presence, the queue)
    # is over before the database is emptied.
    for context in browser.contexts:
        context.close()
    wait_until_the_servers_are_quiet()


@pytest.fixture
def live_server_url(faq, server_for_this_test) -> str:
    return server_for_this_test


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# ---- The widget's tests (tests/browser/test_widget_*.py) ------------------------------------


class RestartableDaphne:
    """A daphne on a fixed port that a test can kill (SIGKILL, as a crash) and start again,
    against the same database, so that clients reconnect to the same address."""

    def __init__(self) -> None:
        from tests.servers import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = ROOT / "var" / f"daphne-{self.port}-restartable.log"

    def start(self) -> None:
        from tests.servers import database_url, wait_for_port

        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }
        self.log.parent.mkdir(exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                 "config.asgi:application"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(self.port, self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def restartable_server(transactional_db, faq) -> Iterator[RestartableDaphne]:
    """Like live_server_url, but the test may kill and restart the server mid-test."""
    server = RestartableDaphne()
    server.start()
    try:
        yield server
    finally:
        server.kill()
        server.log.unlink(missing_ok=True)


class AgentSocket:
    """A customer-service agent on the real agent socket (/ws/agent/), logged in with a
    session cookie: drives the live-agent states the widget shows (queue, agent, rating)."""

    def __init__(self, base_url: str, agent) -> None:
        from django.test import Client
        from websockets.sync.client import connect

        client = Client()
        client.force_login(agent.user)
        self.stack = ExitStack()
        self.ws = self.stack.enter_context(
            connect(
                base_url.replace("http", "ws", 1) + "/ws/agent/",
                origin=base_url,
                additional_headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"},
                proxy=None,
                # Closing waits this long for the server's close frame; the test is over.
                close_timeout=1,
            )
        )
        self.hello = self.next("hello")

    def send(self, **frame) -> None:
        self.ws.send(json.dumps(frame))

    def next(self, kind: str, timeout: float = 10, where=lambda frame: True) -> dict:
        """The next frame of this type (that `where` accepts); others before it are skipped."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            frame = json.loads(self.ws.recv(timeout=left))
            if frame["type"] == kind and where(frame):
                return frame
        raise TimeoutError(f"no {kind} frame within {timeout} s")

    def frames(self, quiet_s: float = 0.5) -> list[dict]:
        """Every frame until the socket has been quiet for `quiet_s`."""
        frames = []
        while True:
            try:
                frames.append(json.loads(self.ws.recv(timeout=quiet_s)))
            except TimeoutError:
                return frames

    def close(self) -> None:
        self.stack.close()


@pytest.fixture
def agent_socket(live_server_url) -> Iterator:
    """A factory: agent_socket(agent_profile) -> a connected AgentSocket, closed afterwards."""
    sockets: list[AgentSocket] = []

    def open_socket(agent) -> AgentSocket:
        sockets.append(AgentSocket(live_server_url, agent))
        return sockets[-1]

    yield open_socket
    for socket in sockets:
        socket.close()


@pytest.fixture
def host_site(page, live_server_url):
    """A factory for a municipality's own website on another origin, embedding the widget
    from the chat server: host_site(origin="https://www.karvia.fi", ...) -> the page's URL.

    Playwright answers the site's requests; the widget's files and socket come from the
    real server. Chromium asks before a public site reaches a loopback address (Local
    Network Access), which the test grants, as a municipality's real visitors never need."""
    page.context.grant_permissions(["local-network-access"])

    def site(
        origin: str = "https://www.karvia.fi",
        *,
        slug: str = "karvia",
        lang: str = "fi",
        attrs: str = "",
        head: str = "",
        body: str = "",
    ) -> str:
        html = (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{slug}</title>{head}</head><body><main><h1>{slug}</h1>{body}</main>"
            f'<script src="{live_server_url}/widget.js" data-municipality="{slug}"{attrs} async>'
            "</script></body></html>"
        )
        page.route(
            f"{origin}/**",
            lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
        )
        return origin + "/"

    return site


def axe_violations(page, options: dict | None = None) -> list[dict]:
    """axe-core's violations on the whole page, the widget's open shadow root included."""
    from axe_playwright_python.sync_playwright import Axe

    # Checked as the resident sees it once the panel has opened: halfway through its
    # fade-in every colour is paler, and axe would measure that. (Endless animations,
    # such as the typing dots, have no end to wait for.)
    page.evaluate(
        """() => {
          const roots = [document, ...[...document.querySelectorAll('*')]
            .filter(e => e.shadowRoot).map(e => e.shadowRoot)];
          return Promise.all(roots.flatMap(r => r.getAnimations())
            .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
            .map(a => a.finished.catch(() => null)));
        }"""
    )
    results = Axe().run(page, options=options or {"resultTypes": ["violations"]})
    return results.response["violations"]


@pytest.fixture
def axe():
    return axe_violations
