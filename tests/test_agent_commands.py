"""manage.py create_agent, and the demo's agent and office hours."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from chat.models import AgentProfile, OfficeHours
from faqbot.models import Municipality

pytestmark = pytest.mark.django_db


def test_it_creates_an_agent_for_the_given_municipalities(karvia, pomarkku):
    out = io.StringIO()
    call_command(
        "create_agent",
        "--username=anna",
        "--password=Salasana-123",
        "--municipalities=karvia,pomarkku",
        "--display-name=Anna K.",
        "--capacity=5",
        stdout=out,
    )
    agent = AgentProfile.objects.get(user__username="anna")
    assert (agent.display_name, agent.capacity, agent.status) == ("Anna K.", 5, "offline")
    assert {m.slug for m in agent.municipalities.all()} == {"karvia", "pomarkku"}
    assert authenticate(username="anna", password="Salasana-123") == agent.user
    assert "karvia, pomarkku" in out.getvalue()


def test_running_it_again_updates_the_agent(karvia, pomarkku):
    call_command("create_agent", "--username=anna", "--password=a", "--municipalities=karvia")
    call_command("create_agent", "--username=anna", "--password=b", "--municipalities=pomarkku")
    agent = AgentProfile.objects.get()
    assert [m.slug for m in agent.municipalities.all()] == ["pomarkku"]
    assert agent.display_name == "anna"
    assert authenticate(username="anna", password="b") == agent.user


@pytest.mark.parametrize(
    "arguments",
    [
        ["--municipalities=atlantis"],
        ["--municipalities=,"],
        ["--municipalities=karvia", "--capacity=0"],
    ],
)
def test_it_refuses_unknown_municipalities_and_bad_capacity(karvia, arguments):
    with pytest.raises(CommandError):
        call_command("create_agent", "--username=anna", "--password=a", *arguments)
    assert not AgentProfile.objects.exists()


def test_the_demo_creates_an_agent_of_all_municipalities_and_open_hours():
    out = io.StringIO()
    call_command("setup_demo", "--port=8123", stdout=out)
    printed = out.getvalue()
    match = re.search(
        r"http://127\.0\.0\.1:8123/agent/ +\(username: agent, password: (\S+)\)", printed
    )
    assert match, printed
    agent = AgentProfile.objects.get(user__username="agent")
    assert agent.municipalities.count() == Municipality.objects.count() == 6
    assert authenticate(username="agent", password=match.group(1)) == agent.user
    # Open around the clock, every day, in every municipality.
    assert OfficeHours.objects.filter(opens="00:00", closes="00:00").count() == 6 * 7
    # A fresh password each run.
    call_command("setup_demo", "--port=8123", stdout=out)
    again = re.findall(r"username: agent, password: (\S+)\)", out.getvalue())
    assert len(again) == 2 and again[0] != again[1]
    assert OfficeHours.objects.count() == 6 * 7
