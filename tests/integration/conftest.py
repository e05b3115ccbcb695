"""What the integration tests share: two real daphne processes over one PostgreSQL and one
Redis, as in production."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.conftest import require_service
from tests.servers import (
    daphne,
    redis_available,
    start_another_test_on_shared_servers,
    wait_until_the_servers_are_quiet,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def server_pair(django_db_setup) -> Iterator[tuple[str, str]]:
    """Two warmed-up daphne processes for all the integration tests: each took 4 to 10 s to
    start and load its language models."""
    # A prefix of its own keeps this run's groups apart from anything else on that Redis.
    env = {"REDIS_URL": REDIS_URL, "CHANNEL_LAYER_PREFIX": f"kc-test-{uuid.uuid4().hex[:8]}"}
    with daphne(warm=True, **env) as first, daphne(warm=True, **env) as second:
        yield first, second


@pytest.fixture
def two_servers(faq, request) -> Iterator[tuple[str, str]]:
    """The websocket base URLs of two warmed-up daphne processes."""
    require_service(
        connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL; bin/test does)"
    )
    require_service(redis_available(REDIS_URL), f"Redis at {REDIS_URL}")
    # Asked for only now: without PostgreSQL and Redis the servers could not start.
    first, second = request.getfixturevalue("server_pair")
    start_another_test_on_shared_servers()
    yield first.replace("http", "ws"), second.replace("http", "ws")
    wait_until_the_servers_are_quiet()
