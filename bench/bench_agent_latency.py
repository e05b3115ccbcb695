"""How long a resident's message takes to reach an agent's socket across two processes.

Run by hand (not by pytest), from the project root, with PostgreSQL and Redis running:

    .venv/bin/python bench/bench_agent_latency.py [--messages 300] [--gap-ms 20]

It starts two real daphne processes sharing one PostgreSQL database and one Redis (as in
production), connects a resident to the first and an agent to the second, hands the
conversation to the agent, then sends --messages resident messages, one after another,
each --gap-ms after the previous one arrived. For each it measures the time from the
resident's send to the agent's socket receiving the `message` frame: store with its
sequence number, commit, signal through Redis, read back by the agent's process, send.

The database is DATABASE_URL, or a database of its own (kuntachat_bench) on the local
PostgreSQL that the script creates and migrates; REDIS_URL defaults to the local Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE = "postgres://kuntachat:kuntachat@127.0.0.1:5432/kuntachat_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The servers must read the agent's session with the key it was made with.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-" + "x" * 20)
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist yet."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

import websockets  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from chat.agent_accounts import save_agent  # noqa: E402
from chat.models import AgentProfile, Conversation  # noqa: E402
from faqbot.models import Municipality  # noqa: E402
from tests.servers import daphne, redis_available  # noqa: E402

SLUG = "bench-kunta"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare() -> dict[str, str]:
    """A municipality and an online agent of it; returns the agent's session cookie."""
    call_command("migrate", verbosity=0)
    municipality, _created = Municipality.objects.get_or_create(
        slug=SLUG, defaults={"name": "Benchkunta", "languages": ["fi"]}
    )
    Conversation.objects.filter(municipality=municipality).delete()
    agent = save_agent("bench-agent", uuid.uuid4().hex, [SLUG], "Bench", capacity=10)
    AgentProfile.objects.filter(pk=agent.pk).update(status="online", disconnected_at=None)
    client = Client()
    client.force_login(agent.user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


async def receive(ws: websockets.ClientConnection) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=15))


async def next_of(ws: websockets.ClientConnection, kind: str) -> dict:
    while True:
        frame = await receive(ws)
        if frame["type"] == kind:
            return frame


async def run(first: str, second: str, cookie: dict[str, str], count: int, gap_s: float) -> list:
    async with (
        websockets.connect(f"{second}/ws/agent/", additional_headers=cookie) as agent,
        websockets.connect(f"{first}/ws/chat/{SLUG}/?lang=fi") as resident,
    ):
        await next_of(agent, "hello")
        await next_of(resident, "welcome")
        await resident.send(json.dumps({"type": "handoff"}))
        assert (await next_of(resident, "state"))["state"] == "queued"
        [waiting] = (await next_of(agent, "queue"))["conversations"]
        await agent.send(json.dumps({"type": "accept", "conversation": waiting["id"]}))
        await next_of(agent, "conversation")

        latencies = []
        for i in range(count):
            client_id = f"b{i}"
            started = time.perf_counter()
            await resident.send(
                json.dumps({"type": "message", "client_id": client_id, "text": f"viesti {i}"})
            )
            while True:
                frame = await next_of(agent, "message")
                if frame.get("client_id") == client_id:
                    break
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(gap_s)
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--gap-ms", type=float, default=20.0)
    args = parser.parse_args()
    if not redis_available(REDIS_URL):
        sys.exit(f"Redis is not available at {REDIS_URL}")
    cookie = prepare()
    env = {
        "REDIS_URL": REDIS_URL,
        "CHANNEL_LAYER_PREFIX": f"kc-bench-{uuid.uuid4().hex[:8]}",
        "CHAT_RATE_LIMIT_MESSAGES": "1000000",
        "SECRET_KEY": os.environ["SECRET_KEY"],
    }
    with daphne(**env) as first, daphne(**env) as second:
        latencies = asyncio.run(
            run(
                first.replace("http", "ws"),
                second.replace("http", "ws"),
                cookie,
                args.messages,
                args.gap_ms / 1000,
            )
        )
    report = {
        "messages": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p90_ms": round(percentile(latencies, 0.90), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
