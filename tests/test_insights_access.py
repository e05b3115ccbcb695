"""Who may use the insights pages: staff only, and FAQ editors see their municipalities.

Personas: Essi (superuser), Sami (staff, edits no FAQ: sees all), Kaija (staff, FAQ
editor of Karvia only), Jaana (staff, edits the shared entries: sees all), Olli (logged
in, not staff) and an anonymous visitor.
"""

# The shared fixtures are imported by name, and test arguments take the same names.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from faqbot.models import EditorProfile
from insights.models import DismissedGroup, Rescore
from tests.insights_fixtures import PERIOD, essi, history, make_staff, olli_user, sami  # noqa: F401

pytestmark = pytest.mark.django_db

PAGES = [
    "/insights/",
    "/insights/unanswered/",
    "/insights/unanswered/hidden/",
    "/insights/analytics/summary.csv",
]


@pytest.fixture
def kaija(karvia):
    """Kaija, staff, a FAQ editor of Karvia only."""
    user = make_staff("kaija")
    EditorProfile.objects.create(user=user).municipalities.set([karvia])
    return user


@pytest.fixture
def jaana(karvia):
    """Jaana, staff, edits Karvia's entries and the shared ones."""
    user = make_staff("jaana")
    EditorProfile.objects.create(user=user).municipalities.set([karvia])
    user.user_permissions.add(Permission.objects.get(codename="edit_shared_entries"))
    return user


@pytest.mark.parametrize("url", PAGES)
def test_it_sends_anonymous_visitors_to_the_login(client, url):
    response = client.get(url, PERIOD)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", PAGES)
def test_it_refuses_users_who_are_not_staff(client, olli_user, history, url):
    client.force_login(olli_user)
    response = client.get(url, PERIOD)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_refuses_actions_to_users_who_are_not_staff(client, olli_user, history, karvia):
    client.force_login(olli_user)
    params = {
        **PERIOD,
        "group_municipality": "karvia",
        "language": "fi",
        "messages": str(history.messages["c5-q"].pk),
    }
    for url in ("/insights/unanswered/dismiss/", "/insights/unanswered/rescore/"):
        assert client.post(url, params).status_code == 302
    assert client.get("/insights/unanswered/new-entry/", params).status_code == 302
    assert not DismissedGroup.objects.exists() and not Rescore.objects.exists()


def test_it_shows_staff_who_edit_no_faq_every_municipality(client, sami, history):
    client.force_login(sami)
    page = client.get("/insights/", PERIOD).content.decode()
    assert "Karvia" in page and "Pomarkku" in page


def test_it_shows_an_editor_only_their_municipalities(client, kaija, history):
    client.force_login(kaija)
    page = client.get("/insights/", PERIOD).content.decode()
    assert '<th scope="row">Karvia</th>' in page
    assert "Pomarkku" not in page
    unanswered_page = client.get("/insights/unanswered/", PERIOD).content.decode()
    assert "Rakennusluvan hakeminen" in unanswered_page
    assert "· Pomarkku ·" not in unanswered_page
    rows = client.get("/insights/analytics/summary.csv", PERIOD).content.decode()
    assert "Pomarkku" not in rows


def test_it_refuses_an_editor_another_municipalitys_figures(client, kaija, history):
    client.force_login(kaija)
    for url in PAGES[:2] + PAGES[3:]:
        response = client.get(url, {**PERIOD, "municipality": "pomarkku"})
        assert response.status_code == 400
        assert "Pomarkku" not in response.content.decode()


def test_it_refuses_an_editor_another_municipalitys_groups(client, kaija, history):
    client.force_login(kaija)
    params = {
        **PERIOD,
        "group_municipality": "pomarkku",
        "language": "fi",
        "messages": str(history.messages["c10-q"].pk),
    }
    assert client.post("/insights/unanswered/dismiss/", params).status_code == 404
    assert client.post("/insights/unanswered/rescore/", params).status_code == 404
    assert client.get("/insights/unanswered/new-entry/", params).status_code == 404
    # Nor a Pomarkku message passed off as Karvia's.
    params["group_municipality"] = "karvia"
    assert client.post("/insights/unanswered/dismiss/", params).status_code == 404
    assert not DismissedGroup.objects.exists() and not Rescore.objects.exists()


def test_it_refuses_an_editor_another_municipalitys_hidden_groups(
    client, kaija, essi, history, pomarkku
):
    dismissed = DismissedGroup.objects.create(
        municipality=pomarkku, language="fi", normalised_text="koira", example="koira?"
    )
    client.force_login(kaija)
    assert "koira?" not in client.get("/insights/unanswered/hidden/").content.decode()
    assert (
        client.post("/insights/unanswered/hidden/", {"dismissed": dismissed.pk}).status_code == 404
    )
    assert DismissedGroup.objects.filter(pk=dismissed.pk).exists()


def test_it_shows_an_editor_of_shared_entries_every_municipality(client, jaana, history):
    client.force_login(jaana)
    page = client.get("/insights/", PERIOD).content.decode()
    assert "Pomarkku" in page
