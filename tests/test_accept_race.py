"""Two agents accept the same conversation at the same moment: exactly one gets it.

Real concurrency on PostgreSQL: two threads, each with its own database connection, meet at
a barrier and call accept together. A pause after the row lock (inside the capacity check)
keeps the window wide open, so an accept without the lock would let both through.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from chat import lifecycle, queueing
from chat.access import Refusal
from chat.conversations import start_conversation
from chat.handoff import Handoff, request_handoff
from chat.models import Conversation, Message
from tests.conftest import make_agent, require_service

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def postgresql(db) -> None:
    require_service(
        connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL; bin/test does)"
    )


@pytest.fixture
def slow_capacity_check(monkeypatch) -> None:
    load_of = queueing.load_of

    def slowly(agent_id: int) -> int:
        time.sleep(0.05)
        return load_of(agent_id)

    monkeypatch.setattr(lifecycle, "load_of", slowly)


def at_once(*calls) -> list[str]:
    """Run the calls in threads released together; each result is "won" or a refusal."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = [""] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            calls[index]()
            results[index] = "won"
        except Refusal as refusal:
            results[index] = refusal.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def queued_conversation(municipality) -> Conversation:
    conversation, _token = start_conversation(municipality, "fi")
    assert request_handoff(conversation.pk, "person_requested") == Handoff.QUEUED
    return conversation


def test_exactly_one_of_two_simultaneous_accepts_wins(
    postgresql, karvia, karvia_agent, slow_capacity_check
):
    kaisa = make_agent("kaisa", [karvia])
    for _ in range(5):
        conversation = queued_conversation(karvia)
        results = at_once(
            lambda c=conversation: lifecycle.accept(karvia_agent.pk, c.pk),
            lambda c=conversation: lifecycle.accept(kaisa.pk, c.pk),
        )
        assert sorted(results) == ["already_taken", "won"]
        conversation.refresh_from_db()
        winner = karvia_agent if results[0] == "won" else kaisa
        assert (conversation.state, conversation.assigned_agent_id) == ("assigned", winner.pk)
        # One agent joined, and the resident was told once.
        joined = Message.objects.filter(conversation=conversation, text__contains="liittyi")
        assert joined.count() == 1
        # Room for the next round.
        lifecycle.close(winner.pk, conversation.pk)


def test_one_agent_accepting_two_at_once_keeps_to_their_capacity(
    postgresql, karvia, slow_capacity_check
):
    aino = make_agent("aino", [karvia], capacity=1)
    first, second = queued_conversation(karvia), queued_conversation(karvia)
    results = at_once(
        lambda: lifecycle.accept(aino.pk, first.pk),
        lambda: lifecycle.accept(aino.pk, second.pk),
    )
    assert sorted(results) == ["at_capacity", "won"]
    assert Conversation.objects.filter(assigned_agent=aino, state="assigned").count() == 1
