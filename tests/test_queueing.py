"""The queue's order, positions and estimated waits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chat.conversations import start_conversation
from chat.models import Conversation
from chat.queueing import estimated_wait_s, position, typical_wait_s
from tests.conftest import make_agent

pytestmark = pytest.mark.django_db


def queued(municipality, minutes_ago: float) -> Conversation:
    conversation, _token = start_conversation(municipality, "fi")
    conversation.state = Conversation.State.QUEUED
    conversation.queued_at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    conversation.save()
    return conversation


def served(municipality, waited_s: float, hours_ago: float = 1) -> Conversation:
    conversation, _token = start_conversation(municipality, "fi")
    assigned = timezone.now() - dt.timedelta(hours=hours_ago)
    conversation.state = Conversation.State.CLOSED
    conversation.queued_at = assigned - dt.timedelta(seconds=waited_s)
    conversation.assigned_at = assigned
    conversation.save()
    return conversation


def test_the_longest_waiting_is_first(karvia, pomarkku):
    newer, older = queued(karvia, 1), queued(karvia, 5)
    queued(pomarkku, 10)  # another municipality's queue
    assert (position(older), position(newer)) == (1, 2)


def test_it_estimates_from_the_default_without_history(karvia, settings):
    settings.CHAT_DEFAULT_WAIT_S = 90
    assert typical_wait_s(karvia.pk) is None
    # Nobody online counts as one agent: someone will come.
    assert estimated_wait_s(karvia.pk, 1) == 90
    assert estimated_wait_s(karvia.pk, 3) == 270


def test_it_estimates_from_recent_actual_waits_and_agents_with_room(karvia, pomarkku):
    for waited in (30, 60, 600):
        served(karvia, waited)
    served(karvia, 5000, hours_ago=24 * 8)  # too old to count
    served(pomarkku, 5000)  # another municipality's
    assert typical_wait_s(karvia.pk) == 60
    make_agent("aino", [karvia])
    make_agent("kaisa", [karvia])
    make_agent("liisa", [karvia], status="away")  # not online: no help
    assert estimated_wait_s(karvia.pk, 1) == 60
    assert estimated_wait_s(karvia.pk, 2) == 60
    assert estimated_wait_s(karvia.pk, 3) == 120


def test_an_agent_at_capacity_does_not_shorten_the_wait(karvia):
    served(karvia, 100)
    full = make_agent("aino", [karvia], capacity=1)
    conversation, _token = start_conversation(karvia, "fi")
    Conversation.objects.filter(pk=conversation.pk).update(
        state=Conversation.State.ASSIGNED, assigned_agent=full
    )
    make_agent("kaisa", [karvia])
    assert estimated_wait_s(karvia.pk, 2) == 200
