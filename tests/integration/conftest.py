"""What the integration tests share: two real daphne processes over one PostgreSQL and one
Redis, as in production."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.conftest import require_service
from tests.servers import daphne, redis_available

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def two_servers(faq) -> Iterator[tuple[str, str]]:
    """The websocket base URLs of two warmed-up daphne processes."""
    require_service(
        connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL; bin/test does)"
    )
    require_service(redis_available(REDIS_URL), f"Redis at {REDIS_URL}")
    # A prefix of its own keeps this run's groups apart from anything else on that Redis.
    env = {"REDIS_URL": REDIS_URL, "CHANNEL_LAYER_PREFIX": f"kc-test-{uuid.uuid4().hex[:8]}"}
    with daphne(warm=True, **env) as first, daphne(warm=True, **env) as second:
        yield first.replace("http", "ws"), second.replace("http", "ws")
