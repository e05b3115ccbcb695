"""Real daphne processes for integration and browser tests."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests use, so that servers see the same rows."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.postgresql":
        user = s.get("USER") or ""
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        return (
            f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"
        )
    return f"sqlite:///{s['NAME']}"


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"daphne did not listen on {port} within {timeout} s")


WARMED_UP = ("FAQ matcher warmed up", "warming up the FAQ matcher failed")


def wait_for_warm_up(log: Path, process: subprocess.Popen, timeout: float = 90.0) -> None:
    """Wait until the process has loaded its language models (config/asgi.py starts that
    in a thread). Meanwhile the loading holds the interpreter, and a first connection
    could wait on it for seconds: a test's timeout is not the place to measure that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        text = log.read_text(errors="replace")
        if any(line in text for line in WARMED_UP):
            return
        time.sleep(0.1)
    raise RuntimeError(f"daphne did not warm up within {timeout} s")


@contextmanager
def daphne(port: int | None = None, *, warm: bool = False, **env: str) -> Iterator[str]:
    """A daphne process on 127.0.0.1; yields its base URL (http://127.0.0.1:PORT).

    warm: yield only once its language models are loaded (wait_for_warm_up).
    """
    port = port or free_port()
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # INFO, for the line that says the matcher has warmed up (access logs stay off).
        "LOG_LEVEL": "INFO",
        **env,
    }
    log = (ROOT / "var").joinpath(f"daphne-{port}-{uuid.uuid4().hex[:6]}.log")
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "config.asgi:application"],
            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(port, process)
            if warm:
                wait_for_warm_up(log, process)
            yield f"http://127.0.0.1:{port}"
        except BaseException:
            print(log.read_text(errors="replace")[-4000:])
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    log.unlink(missing_ok=True)


# The FAQ revisions that servers shared by several tests see: above any a test reaches by
# its own edits, and a step apart.
SHARED_REVISION_BASE = 10**12
SHARED_REVISION_STEP = 10**6
_tests_on_shared_servers = itertools.count(1)
BUSY_CONNECTIONS = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'
"""


def start_another_test_on_shared_servers() -> None:
    """Make servers that served earlier tests rebuild their FAQ index for this one.

    The database is emptied after each test, so the revision counter starts again: a
    number a server has built its index for could come back with other entries."""
    from faqbot.models import FaqRevision

    value = SHARED_REVISION_BASE + next(_tests_on_shared_servers) * SHARED_REVISION_STEP
    FaqRevision.objects.update_or_create(pk=1, defaults={"value": value})


def wait_until_the_servers_are_quiet(quiet_s: float = 0.5, timeout: float = 15.0) -> None:
    """Wait until no other connection to the test database has been busy for quiet_s.

    Called once a test's clients have gone, before the database is emptied: a server
    still writing what their leaving set off (presence, the queue) would deadlock with
    the emptying."""
    if connection.vendor != "postgresql":
        time.sleep(quiet_s)  # SQLite does not tell who is at work
        return
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(BUSY_CONNECTIONS)
            busy = cursor.fetchone()[0]
        if busy:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        time.sleep(0.05)
    raise AssertionError(f"the servers were still busy with the database after {timeout} s")


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False
