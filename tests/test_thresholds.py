"""Each municipality may set its bot's two thresholds; empty ones are the calibrated defaults."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from faqbot import live_index
from faqbot.matching import DEFAULT_THRESHOLDS, Thresholds
from faqbot.models import FaqRevision, Municipality
from tests.conftest import set_thresholds

MIXED = "lajittelu ohje jäte kirjasto"


@pytest.fixture
def admin_client(client, db):
    User.objects.create_superuser("alice", "alice@example.fi", "pw-alice-123")
    client.login(username="alice", password="pw-alice-123")
    return client


def municipality_form(municipality: Municipality, **overrides) -> dict:
    form = {
        "slug": municipality.slug,
        "name": municipality.name,
        "name_sv": municipality.name_sv,
        "languages": '["fi", "sv", "en"]',
        "theme_color": municipality.theme_color,
        "allowed_origins": "[]",
        "greeting_fi": "",
        "greeting_sv": "",
        "greeting_en": "",
        "answer_threshold": "",
        "suggest_threshold": "",
        "routing_mode": "pick",
    }
    # The inlines of customer service hours (chat.admin), empty.
    for prefix in ("office_hours", "exceptional_days"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    form.update(overrides)
    return form


@pytest.mark.django_db
def test_it_uses_the_defaults_for_empty_thresholds(karvia):
    assert karvia.thresholds() == DEFAULT_THRESHOLDS
    set_thresholds(karvia, 0.9, None)
    assert karvia.thresholds() == Thresholds(0.9, DEFAULT_THRESHOLDS.suggest)
    set_thresholds(karvia, None, 0.1)
    assert karvia.thresholds() == Thresholds(DEFAULT_THRESHOLDS.answer, 0.1)


@pytest.mark.django_db
def test_it_never_suggests_only_above_the_answer_threshold(karvia):
    # Stored before a recalibration moved the default answer threshold below it.
    Municipality.objects.filter(pk=karvia.pk).update(suggest_threshold=0.99)
    karvia.refresh_from_db()
    assert karvia.thresholds().suggest == karvia.thresholds().answer


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "suggest", "field"),
    [
        (1.2, None, "answer_threshold"),
        (-0.5, None, "answer_threshold"),
        (None, 1.01, "suggest_threshold"),
        (0.5, 0.6, "suggest_threshold"),
        (None, 0.99, "suggest_threshold"),  # above the default answer threshold
        (0.01, None, "answer_threshold"),  # below the default suggestion threshold
    ],
)
def test_it_validates_thresholds(karvia, answer, suggest, field):
    with pytest.raises(ValidationError) as error:
        set_thresholds(karvia, answer, suggest)
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_it_accepts_equal_thresholds(karvia):
    set_thresholds(karvia, 0.5, 0.5)
    assert karvia.thresholds() == Thresholds(0.5, 0.5)


@pytest.mark.django_db
def test_it_sets_thresholds_in_admin(admin_client, karvia):
    url = f"/admin/faqbot/municipality/{karvia.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="answer_threshold"' in page
    assert 'name="suggest_threshold"' in page
    before = FaqRevision.current()
    form = municipality_form(karvia, answer_threshold="0.8", suggest_threshold="0.2")
    assert admin_client.post(url, form).status_code == 302
    karvia.refresh_from_db()
    assert (karvia.answer_threshold, karvia.suggest_threshold) == (0.8, 0.2)
    assert FaqRevision.current() > before  # every server process sees it by the next message


@pytest.mark.django_db
def test_it_refuses_crossed_thresholds_in_admin(admin_client, karvia):
    url = f"/admin/faqbot/municipality/{karvia.pk}/change/"
    form = municipality_form(karvia, answer_threshold="0.3", suggest_threshold="0.6")
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "suggest_threshold" in response.context["adminform"].form.errors
    karvia.refresh_from_db()
    assert karvia.answer_threshold is None


@pytest.mark.django_db(transaction=True)
async def test_the_server_decides_with_the_municipalitys_thresholds(faq, karvia):
    from channels.db import database_sync_to_async

    await database_sync_to_async(set_thresholds)(karvia, 0.0, 0.0)
    decision, _index = await live_index.decide(MIXED, "karvia", "fi")
    assert decision.outcome == "answer"
    await database_sync_to_async(set_thresholds)(karvia, 1.0, 0.0)
    decision, _index = await live_index.decide(MIXED, "karvia", "fi")
    assert decision.outcome == "suggest"
    # Explicit thresholds win over the municipality's.
    decision, _index = await live_index.decide(MIXED, "karvia", "fi", Thresholds(0.0, 0.0))
    assert decision.outcome == "answer"
    # A municipality that set none decides with the defaults.
    decision, _index = await live_index.decide(MIXED, "pomarkku", "fi")
    expected = await live_index.decide(MIXED, "pomarkku", "fi", DEFAULT_THRESHOLDS)
    assert decision == expected[0]
