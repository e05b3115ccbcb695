"""Benchmark of the insights pages (issue 6) on a year of service for six municipalities.

Run by hand (not by pytest), from the project root, with PostgreSQL running:

    .venv/bin/python bench/bench_analytics.py [--conversations 100000] [--reuse]

It creates the database `kuntachat_bench` (dropping an old one unless --reuse finds it
filled), migrates it, loads the demo municipalities and FAQ, and generates a year of
conversations (about ten messages each: 1,000,000 messages at the default) with COPY.
Then it renders each insights page through Django's test client, logged in as a
superuser, three times, and reports the slowest and the median. Target: under 1 s a page.
A bulk load bypasses the chat, which records unanswered messages and normalises them as
they happen: the benchmark catches up on both after loading and reports how long that took.

    BENCH_DATABASE_ADMIN_URL  where to create the database (default: the test role's
                              postgres://kuntachat:kuntachat@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_ADMIN_URL", "postgres://kuntachat:kuntachat@127.0.0.1:5432/postgres"
)
BENCH_DB = "kuntachat_bench"
os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import psycopg  # noqa: E402

if TYPE_CHECKING:
    from django.test import Client

DEMO_FAQ = ROOT / "faqbot" / "demo" / "demo_faq.json"
HELSINKI = ZoneInfo("Europe/Helsinki")
TARGET_S = 1.0
YEAR_END = datetime.date(2026, 10, 31)
YEAR_START = YEAR_END - datetime.timedelta(days=364)

# Questions the demo FAQ has no answer for, as residents might put them.
TOPICS = [
    "kalastuslupa",
    "metsästyskortti",
    "koiravero",
    "venepaikka",
    "pysäköintilupa",
    "rakennuslupa",
    "kaivolupa",
    "katuvalo",
    "lumiaura",
    "hiekoitus",
    "tonttikauppa",
    "kesätyöpaikka",
    "vuokra-asunto",
    "ikäihmisten palveluasunto",
    "omaishoidon tuki",
    "kuljetuspalvelu",
    "perhekahvila",
    "nuorisotalo",
    "kansalaisopiston kurssi",
    "uimakoulu",
    "kuntosalikortti",
    "frisbeegolfrata",
    "hiihtolatu",
    "koirapuisto",
    "kunnanvaltuuston kokous",
    "äänestyspaikka",
    "verokortti",
    "hautapaikka",
    "löytötavara",
    "kadonnut lemmikki",
    "tienvarsimainos",
    "torikauppa",
    "ruokakassi",
    "talousneuvonta",
    "mielenterveyspalvelu",
    "hammaslääkäri",
    "neuvola",
    "kotihoito",
    "koulukuljetus",
    "esikoulu",
    "lukion valintakoe",
    "vesimittari",
    "viemäritukos",
    "sähkökatko",
    "kuntalaisaloite",
    "avustushakemus",
    "yrityspalvelut",
    "tapahtumalupa",
]
TEMPLATES = [
    "miten saan {t}",
    "Mistä haen {t}?",
    "{t}",
    "kysyisin {t}",
    "onko {t} mahdollista",
    "Paljonko {t} maksaa?",
    "kenelle kuuluu {t}",
    "{t} ohjeet",
    "tarvitsen tietoa: {t}",
    "hei, {t}?",
    "Missä asioidaan {t}?",
    "{t} hakemus",
]
SMALL_TALK = ["hei", "kiitos", "haluan puhua ihmiselle", "asiakaspalvelija kiitos", "?"]
HANDOFF = (
    "Sorry, I did not find a reliable answer to that. A person from customer service can help you."
)
SUGGEST = "I am not sure I understood. Did you mean one of these?"
SMALL_TALK_REPLY = "Hello! What can I help you with? Write your question in your own words."
GREETINGS = ["hei", "moi", "hyvää päivää"]

MESSAGE_COLUMNS = (
    "conversation_id", "seq", "sender", "text", "html", "client_scope", "internal",
    "agent_id", "faq_entry_id", "confidence", "candidates", "suggestions", "created",
    "small_talk",
)  # fmt: skip


def create_database(reuse: bool) -> bool:
    """Create the bench database; True when it has to be filled."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)
        ).fetchone()
        if exists and reuse:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return True


def generate(conversations: int, seed: int = 6) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from chat.models import AgentProfile, Conversation
    from faqbot.models import FaqEntry, Municipality

    rng = random.Random(seed)
    started = time.perf_counter()
    call_command("import_faq", str(DEMO_FAQ), verbosity=0)
    municipalities = list(Municipality.objects.order_by("pk"))
    entries: dict[int | None, list[tuple[int, str, str, list[str]]]] = {}
    for pk, municipality_id, key, question, alternatives in FaqEntry.objects.filter(
        language="fi"
    ).values_list("pk", "municipality_id", "key", "question", "alternatives"):
        entries.setdefault(municipality_id, []).append((pk, key, question, alternatives))
    agents = {}
    for m in municipalities:
        user = User.objects.create_user(f"agent-{m.slug}", password="bench-not-a-password")
        agent = AgentProfile.objects.create(user=user, display_name=f"Agent {m.name}")
        agent.municipalities.set([m])
        agents[m.pk] = agent.pk
    unanswerable = [t.format(t=topic) for topic in TOPICS for t in TEMPLATES]
    days = (YEAR_END - YEAR_START).days + 1

    conv_rows, message_rows, feedback, ratings, contacts = [], [], [], [], []
    conversation_id = 0
    for _ in range(conversations):
        conversation_id += 1
        m = rng.choice(municipalities)
        own = entries.get(m.pk, []) + entries.get(None, [])
        day = YEAR_START + datetime.timedelta(days=rng.randrange(days))
        start = datetime.datetime.combine(
            day, datetime.time(rng.randint(7, 21), rng.randrange(60), rng.randrange(60)), HELSINKI
        )
        clock = start
        seq = 0
        state, queued_at, assigned_at, first_reply, closed_at, contact_at = (
            "bot",
            None,
            None,
            None,
            None,
            None,
        )
        handoff_reason = ""

        def say(
            sender: str,
            text: str,
            entry: int | None = None,
            suggestions: list | None = None,
            confidence: float | None = None,
            agent: int | None = None,
            small_talk: bool = False,
        ) -> int:
            nonlocal seq, clock
            seq += 1
            clock += datetime.timedelta(seconds=rng.randint(5, 90))
            message_rows.append((
                conversation_id, seq,  # noqa: B023 - called within this iteration only
                sender, text, "", "", False, agent, entry, confidence,
                "[]", json.dumps(suggestions or []), clock, small_talk,
            ))  # fmt: skip
            return seq

        kind = rng.random()
        if kind < 0.02:
            pass  # opened, nothing written
        elif kind < 0.62:  # the bot answers, one to four questions
            for _ in range(rng.randint(1, 7)):
                pk, key, question, alternatives = rng.choice(own)
                say("resident", rng.choice([question, *alternatives]))
                seq_answer = say(
                    "bot", "vastaus", entry=pk, confidence=round(rng.uniform(0.7, 1), 3)
                )
                if rng.random() < 0.2:
                    feedback.append((conversation_id, seq_answer, rng.random() < 0.75))
        elif kind < 0.70:  # suggestions, half of them chosen
            pk, key, question, _alts = rng.choice(own)
            say("resident", rng.choice(unanswerable))
            say("bot", SUGGEST, suggestions=[{"id": key, "question": question}], confidence=0.5)
            if rng.random() < 0.5:
                say("resident", question)
                say("bot", "vastaus", entry=pk, confidence=1.0)
            else:
                say("resident", rng.choice(SMALL_TALK))
        else:  # handed off, after a greeting now and then (which the bot answers itself)
            if rng.random() < 0.15:
                say("resident", rng.choice(GREETINGS))
                say("bot", SMALL_TALK_REPLY, small_talk=True)
            say("resident", rng.choice(unanswerable))
            say("bot", HANDOFF, confidence=round(rng.uniform(0, 0.3), 3))
            handoff_reason = "low_confidence"
            if kind < 0.73:
                contact_at = clock
                if rng.random() < 0.6:
                    contacts.append((m.pk, clock))
            else:
                queued_at = clock
                if kind < 0.75:
                    state, closed_at = "abandoned", clock + datetime.timedelta(minutes=5)
                else:
                    clock += datetime.timedelta(seconds=int(rng.expovariate(1 / 240)))
                    assigned_at = clock
                    for i in range(rng.randint(3, 8)):
                        say("agent", "Hei, autan mielelläni.", agent=agents[m.pk])
                        if i == 0:
                            first_reply = clock
                        say("resident", "kiitos, entä sitten?")
                    state, closed_at = "closed", clock + datetime.timedelta(minutes=1)
                    if rng.random() < 0.5:
                        ratings.append((conversation_id, rng.choice([1, 2, 3, 4, 4, 5, 5, 5])))
        conv_rows.append((
            conversation_id, m.pk, "fi", f"bench-{conversation_id}", state, seq, handoff_reason,
            m.pk, queued_at, assigned_at if state == "closed" else None,
            closed_at, first_reply, contact_at, start, closed_at or clock, "[]",
            agents[m.pk] if state == "closed" else None,
        ))  # fmt: skip
    print(f"generated {len(conv_rows):,} conversations and {len(message_rows):,} messages "
          f"in memory in {time.perf_counter() - started:.1f} s")  # fmt: skip

    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY chat_conversation (id, municipality_id, language, token_hash, state, last_seq, "
            "handoff_reason, service_municipality_id, queued_at, assigned_at, closed_at, "
            "first_agent_reply_at, contact_offered_at, created, updated, declined_by, "
            "assigned_agent_id) FROM STDIN"
        ) as copy:
            for row in conv_rows:
                copy.write_row(row)
        with raw.copy(f"COPY chat_message ({', '.join(MESSAGE_COLUMNS)}) FROM STDIN") as copy:
            for row in message_rows:
                copy.write_row(row)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('chat_conversation', 'id'), %s)",
            [conversation_id],
        )
        # Feedback and ratings refer to messages by (conversation, seq): join in SQL.
        cursor.execute("CREATE TEMP TABLE fb (conversation_id bigint, seq int, helpful bool)")
        with raw.copy("COPY fb FROM STDIN") as copy:
            for row in feedback:
                copy.write_row(row)
        now = datetime.datetime.now(HELSINKI)
        cursor.execute(
            "INSERT INTO chat_feedback (message_id, helpful, created, updated) "
            "SELECT m.id, fb.helpful, m.created, m.created FROM fb JOIN chat_message m "
            "ON m.conversation_id = fb.conversation_id AND m.seq = fb.seq"
        )
        with raw.copy(
            "COPY chat_rating (conversation_id, score, comment, created) FROM STDIN"
        ) as copy:
            for conversation, score in ratings:
                copy.write_row((conversation, score, "", now))
        with raw.copy(
            "COPY chat_contactrequest (municipality_id, language, name, email, phone, message, "
            "created) FROM STDIN"
        ) as copy:
            for municipality_id, created in contacts:
                copy.write_row(
                    (municipality_id, "fi", "Asukas", "", "040 123", "Soittakaa", created)
                )
    with connection.cursor() as cursor:
        # As autovacuum would soon after a load: statistics, and the visibility map that
        # lets index-only scans skip the table.
        cursor.execute(
            "VACUUM ANALYZE chat_conversation, chat_message, chat_feedback, chat_rating, "
            "chat_contactrequest"
        )
    print(
        f"loaded with COPY in {time.perf_counter() - started:.1f} s ({len(feedback):,} "
        f"feedback, {len(ratings):,} ratings, {len(contacts):,} contact requests)"
    )
    assert Conversation.objects.count() == conversations


def timed(client: Client, url: str, params: dict, runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep a filled bench database")
    args = parser.parse_args()

    fill = create_database(args.reuse)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from chat.models import Message
    from faqbot import live_index
    from insights import unanswered_log

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s")
    if fill:
        generate(args.conversations)
        # The chat records unanswered messages and reads them with the analyzer as it goes
        # (insights.unanswered_log, insights.normalising); a bulk load has to catch up.
        started = time.perf_counter()
        recorded = unanswered_log.rebuild()
        print(f"recorded {recorded:,} unanswered messages in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        call_command("normalise_messages", days=400)
        print(f"normalised them in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE insights_unansweredmessage, insights_normalisedmessage")
    else:
        print("reusing the filled database (--reuse)")
    print(f"{Message.objects.count():,} messages in the database")
    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    live_index.analyzer()  # spaCy and Voikko load once per process, as in a server

    year = {"start": YEAR_START.isoformat(), "end": YEAR_END.isoformat()}
    month = {
        "start": (YEAR_END - datetime.timedelta(days=29)).isoformat(),
        "end": YEAR_END.isoformat(),
    }
    one = {"municipality": "karvia"}
    pages = [
        ("analytics, all, a year", "/insights/", year),
        ("analytics, Karvia, a year", "/insights/", {**year, **one}),
        ("analytics, all, 30 days", "/insights/", month),
        ("summary.csv, all, a year", "/insights/analytics/summary.csv", year),
        ("daily.csv, all, a year", "/insights/analytics/daily.csv", year),
        ("entries.csv, all, a year", "/insights/analytics/entries.csv", year),
        ("unanswered, all, a year", "/insights/unanswered/", year),
        ("unanswered, Karvia, a year", "/insights/unanswered/", {**year, **one}),
        ("unanswered, all, 30 days", "/insights/unanswered/", month),
    ]
    print(f"\n{'page':34} {'median':>8} {'slowest':>8}")
    worst = 0.0
    for name, url, params in pages:
        times = timed(client, url, params)
        worst = max(worst, max(times))
        print(f"{name:34} {statistics.median(times):7.3f}s {max(times):7.3f}s")
    verdict = "within" if worst < TARGET_S else "OVER"
    print(f"\nslowest page {worst:.3f} s: {verdict} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
