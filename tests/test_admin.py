"""Admins edit FAQ content in Django admin; the next question sees the change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from faqbot.models import FaqEntry, FaqRevision

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    User.objects.create_superuser("alice", "alice@example.fi", "pw-alice-123")
    client.login(username="alice", password="pw-alice-123")
    return client


def entry_form(**overrides) -> dict:
    form = {
        "key": "new-entry",
        "municipality": "",
        "language": "fi",
        "category": "Liikunta",
        "question": "Milloin uimahalli on auki?",
        "alternatives": '["uimahallin aukiolo"]',
        "answer": "Uimahalli on auki **ti–su**.",
        "published": "on",
    }
    form.update(overrides)
    return form


def test_it_lists_entries_with_filters(admin_client, faq):
    response = admin_client.get("/admin/faqbot/faqentry/?language=sv")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hur sorterar jag avfall?" in page
    assert "Miten lajittelen jätteet?" not in page
    page = admin_client.get(
        f"/admin/faqbot/faqentry/?municipality__id__exact={faq['karvia-library'].municipality_id}"
    ).content.decode()
    assert "Milloin Karvian kirjasto on auki?" in page
    assert "Milloin Pomarkun kirjasto on auki?" not in page
    page = admin_client.get("/admin/faqbot/faqentry/?category=J%C3%A4tehuolto").content.decode()
    assert "Miten lajittelen jätteet?" in page
    assert "Milloin Karvian kirjasto on auki?" not in page
    page = admin_client.get("/admin/faqbot/faqentry/?scope=shared").content.decode()
    assert "Miten lajittelen jätteet?" in page
    assert "Milloin Karvian kirjasto on auki?" not in page


def test_it_creates_an_entry(admin_client, faq):
    before = FaqRevision.current()
    response = admin_client.post("/admin/faqbot/faqentry/add/", entry_form())
    assert response.status_code == 302
    entry = FaqEntry.objects.get(key="new-entry")
    assert entry.alternatives == ["uimahallin aukiolo"]
    assert entry.municipality is None
    assert FaqRevision.current() > before


def test_it_refuses_an_invalid_entry(admin_client, faq):
    response = admin_client.post(
        "/admin/faqbot/faqentry/add/", entry_form(key="bad key!", alternatives='"text"')
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() >= {"key", "alternatives"}
    assert not FaqEntry.objects.filter(question="Milloin uimahalli on auki?").exists()


def test_it_edits_unpublishes_and_deletes(admin_client, faq):
    entry = faq["waste"]
    url = f"/admin/faqbot/faqentry/{entry.pk}/change/"
    assert admin_client.get(url).status_code == 200
    form = entry_form(key="waste", question="Miten lajittelen?", answer="Uusi vastaus.")
    del form["published"]
    assert admin_client.post(url, form).status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "Uusi vastaus."
    assert not entry.published

    response = admin_client.post(f"/admin/faqbot/faqentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not FaqEntry.objects.filter(pk=entry.pk).exists()


def test_it_shows_the_sanitised_answer_preview(admin_client, faq):
    entry = faq["waste"]
    entry.answer = "**Ohje** <script>alert(1)</script>"
    entry.save()
    page = admin_client.get(f"/admin/faqbot/faqentry/{entry.pk}/change/").content.decode()
    assert "<strong>Ohje</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_it_keeps_non_staff_out(client, faq):
    User.objects.create_user("bob", password="pw-bob-123")
    client.login(username="bob", password="pw-bob-123")
    response = client.get("/admin/faqbot/faqentry/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(20)
async def test_it_answers_with_the_admins_edit_at_the_next_question(faq):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from config.asgi import application

    async def ask(client_id: str) -> dict:
        await communicator.send_json_to(
            {"type": "message", "client_id": client_id, "text": "miten lajittelen jätteet"}
        )
        await communicator.receive_json_from()  # the echo
        return await communicator.receive_json_from()

    communicator = WebsocketCommunicator(application, "/ws/chat/karvia/?lang=fi")
    await communicator.connect()
    await communicator.receive_json_from()
    assert (await ask("a"))["text"].startswith("Lajittele bio-")

    def edit_in_admin() -> int:
        User.objects.create_superuser("alice", "alice@example.fi", "pw-alice-123")
        client = Client()
        client.login(username="alice", password="pw-alice-123")
        entry = faq["waste"]
        form = entry_form(
            key="waste",
            question=entry.question,
            alternatives='["biojätteen lajittelu"]',
            answer="Lajitteluohjeet ovat muuttuneet.",
        )
        return client.post(f"/admin/faqbot/faqentry/{entry.pk}/change/", form).status_code

    assert await sync_to_async(edit_in_admin)() == 302
    assert (await ask("b"))["text"] == "Lajitteluohjeet ovat muuttuneet."
    await communicator.disconnect()
