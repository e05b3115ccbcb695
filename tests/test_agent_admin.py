"""Admins manage agents, office hours, exceptional days, contact requests and see ratings."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from chat.conversations import start_conversation
from chat.models import ContactRequest, Conversation, ExceptionalDay, OfficeHours, Rating
from tests.conftest import make_agent
from tests.test_thresholds import municipality_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    User.objects.create_superuser("alice", "alice@example.fi", "pw-alice-123")
    client.login(username="alice", password="pw-alice-123")
    return client


def test_it_lists_and_edits_agents(admin_client, karvia, pomarkku):
    agent = make_agent("aino", [karvia, pomarkku], display_name="Aino A.")
    listing = admin_client.get("/admin/chat/agentprofile/").content.decode()
    assert "Aino A." in listing
    assert "Karvia, Pomarkku" in listing
    page = admin_client.get(f"/admin/chat/agentprofile/{agent.pk}/change/")
    assert page.status_code == 200
    response = admin_client.post(
        f"/admin/chat/agentprofile/{agent.pk}/change/",
        {
            "user": agent.user_id,
            "display_name": "Aino",
            "municipalities": [karvia.pk],
            "capacity": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    assert (agent.display_name, agent.capacity) == ("Aino", 2)
    assert list(agent.municipalities.all()) == [karvia]


def test_it_sets_office_hours_and_exceptional_days_on_the_municipality(admin_client, karvia):
    url = f"/admin/faqbot/municipality/{karvia.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="office_hours-TOTAL_FORMS"' in page
    assert 'name="routing_mode"' in page
    form = municipality_form(karvia, routing_mode="auto")
    form.update(
        {
            "office_hours-TOTAL_FORMS": "1",
            "office_hours-0-weekday": "0",
            "office_hours-0-opens": "08:00",
            "office_hours-0-closes": "16:00",
            "exceptional_days-TOTAL_FORMS": "1",
            "exceptional_days-0-date": "2026-12-24",
            "exceptional_days-0-closed": "on",
            "exceptional_days-0-note": "Jouluaatto",
        }
    )
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    karvia.refresh_from_db()
    assert karvia.routing_mode == "auto"
    assert OfficeHours.objects.get().weekday == 0
    assert ExceptionalDay.objects.get().note == "Jouluaatto"


def test_it_refuses_hours_that_close_before_they_open(admin_client, karvia):
    form = municipality_form(karvia)
    form.update(
        {
            "office_hours-TOTAL_FORMS": "1",
            "office_hours-0-weekday": "0",
            "office_hours-0-opens": "16:00",
            "office_hours-0-closes": "08:00",
        }
    )
    response = admin_client.post(f"/admin/faqbot/municipality/{karvia.pk}/change/", form)
    assert response.status_code == 200
    assert not OfficeHours.objects.exists()


def test_it_lists_contact_requests_and_marks_them_handled(admin_client, karvia):
    request = ContactRequest.objects.create(
        municipality=karvia, language="fi", name="Maija", email="m@example.fi", message="Soita"
    )
    listing = admin_client.get("/admin/chat/contactrequest/?handled=no").content.decode()
    assert "Maija" in listing
    admin_client.post(
        "/admin/chat/contactrequest/",
        {"action": "mark_handled", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.handled_at is not None
    assert (
        "Maija" not in admin_client.get("/admin/chat/contactrequest/?handled=no").content.decode()
    )


def test_it_shows_ratings(admin_client, karvia):
    agent = make_agent("aino", [karvia])
    conversation, _token = start_conversation(karvia, "fi")
    Conversation.objects.filter(pk=conversation.pk).update(state="closed", assigned_agent=agent)
    Rating.objects.create(conversation=conversation, score=4, comment="Hyvä")
    listing = admin_client.get("/admin/chat/rating/").content.decode()
    assert "Aino" in listing
    page = admin_client.get(f"/admin/chat/conversation/{conversation.pk}/change/")
    assert page.status_code == 200
