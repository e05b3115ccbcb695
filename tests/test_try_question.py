""" "Try a question": what the bot would do with a message, and with an unsaved edit.

Personas: Kaisa edits Karvia's entries, Alice is a superuser (tests/faq_editors.py).
"""

from __future__ import annotations

import pytest

from faqbot.models import FaqEntry
from tests.conftest import set_thresholds
from tests.faq_editors import change_form, editor, entry_form, logged_in, superuser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("analyzer")]

LIST = "/admin/faqbot/faqentry/"
TRY = f"{LIST}try/"


@pytest.fixture
def kaisa(karvia):
    """An editor of Karvia."""
    return logged_in(editor("kaisa", ["karvia"]))


@pytest.fixture
def alice(db):
    return logged_in(superuser())


def trial(client, text: str, municipality, language: str = "fi"):
    response = client.get(
        TRY, {"text": text, "municipality": municipality.pk, "language": language}
    )
    assert response.status_code == 200
    return response


def test_it_shows_the_form_without_trying_anything(kaisa, faq):
    response = kaisa.get(TRY)
    assert response.status_code == 200
    assert response.context["trial"] is None
    assert '<label for="id_text"' in response.content.decode()


def test_it_answers_and_explains_why(kaisa, faq, karvia):
    response = trial(kaisa, "milloin kirjasto on auki", karvia)
    result = response.context["trial"]
    assert result.outcome == "answer"
    assert result.reason == "confident"
    best = result.candidates[0]
    assert best.key == "karvia-library"
    assert best.entry_id == faq["karvia-library"].pk
    assert "kirjasto" in best.matched
    assert 0 < best.confidence <= 1
    page = response.content.decode()
    assert 'data-outcome="answer"' in page
    assert f"{best.percent} %" in page
    assert f"{LIST}{faq['karvia-library'].pk}/change/" in page


def test_it_never_offers_another_municipalitys_entry(alice, faq, karvia):
    result = trial(alice, "milloin kirjasto on auki", karvia).context["trial"]
    assert "pomarkku-library" not in [c.key for c in result.candidates]


def test_it_applies_the_municipalitys_thresholds(kaisa, faq, karvia):
    set_thresholds(karvia, 1.0, 0.0)  # never answers by itself, suggests anything
    result = trial(kaisa, "milloin kirjasto on auki", karvia).context["trial"]
    assert result.outcome == "suggest"
    assert result.reason == "unsure"
    assert (result.answer_percent, result.suggest_percent) == (100, 0)


def test_it_hands_over_a_request_for_a_person(kaisa, faq, karvia):
    result = trial(kaisa, "haluan puhua ihmisen kanssa", karvia).context["trial"]
    assert result.outcome == "handoff"
    assert result.reason == "person_requested"


def test_it_shows_a_polite_reply_to_small_talk(kaisa, faq, karvia):
    response = trial(kaisa, "kiitos paljon", karvia)
    result = response.context["trial"]
    assert (result.outcome, result.reason) == ("reply", "thanks")
    assert 'data-outcome="reply"' in response.content.decode()


def test_it_refuses_another_municipalitys_chat(kaisa, faq, pomarkku):
    response = trial(kaisa, "milloin kirjasto on auki", pomarkku)
    assert response.context["trial"] is None
    assert "municipality" in response.context["form"].errors


def test_it_keeps_non_staff_out(client, faq, karvia):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("olli", password="x"))
    response = client.get(TRY, {"text": "kirjasto", "municipality": karvia.pk, "language": "fi"})
    assert response.status_code == 302


# -- before and after an unsaved edit ---------------------------------------------------------

SWIMMING = {"question": "Milloin uimahalli on auki?", "alternatives": '["uimahallin aukiolo"]'}


def try_edit(client, url: str, form: dict, text: str, municipality, language: str = "fi"):
    data = {**form, "try_text": text, "try_municipality": municipality.pk, "try_language": language}
    return client.post(url, data)


def test_it_compares_the_saved_faq_with_the_unsaved_edit(alice, faq, karvia):
    # The shared waste entry rewritten about the swimming hall: before, the library's
    # "milloin … on auki" is the best the bot has; after, the edited entry is.
    entry = faq["waste"]
    form = change_form(entry, **SWIMMING, answer="Uimahalli on auki ti–su.")
    url = f"{LIST}{entry.pk}/try-edit/"
    response = try_edit(alice, url, form, "milloin uimahalli on auki", karvia)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.before.candidates[0].key == "karvia-library"
    assert "uimahalli" not in result.before.candidates[0].matched
    best = result.after.candidates[0]
    assert best.key == "waste"
    assert best.edited
    assert best.question == "Milloin uimahalli on auki?"  # the unsaved question
    assert "uimahalli" in best.matched
    assert result.after.outcome == "answer"
    assert result.changed
    assert result.build_seconds > 0
    page = response.content.decode()
    assert page.count('data-testid="candidate"') == len(result.before.candidates) + len(
        result.after.candidates
    )
    # Nothing was saved.
    entry.refresh_from_db()
    assert entry.question == "Miten lajittelen jätteet?"


def test_it_shows_what_unpublishing_would_do(kaisa, faq, karvia):
    entry = faq["karvia-library"]
    form = change_form(entry)
    del form["published"]
    response = try_edit(
        kaisa, f"{LIST}{entry.pk}/try-edit/", form, "milloin kirjasto on auki", karvia
    )
    result = response.context["result"]
    assert result.before.candidates[0].key == "karvia-library"
    assert "karvia-library" not in [c.key for c in result.after.candidates]


def test_it_tries_a_new_entry_from_the_add_form(kaisa, faq, karvia):
    form = entry_form(key="swimming", municipality=karvia.pk, **SWIMMING)
    response = try_edit(kaisa, f"{LIST}try-edit/", form, "milloin uimahalli on auki", karvia)
    best = response.context["result"].after.candidates[0]
    assert best.key == "swimming"
    assert best.edited
    assert best.entry_id is None  # not saved, so no link
    assert not FaqEntry.objects.filter(key="swimming").exists()


def test_it_tries_a_shared_entry_in_a_chosen_municipality(alice, faq, pomarkku):
    entry = faq["waste"]
    form = change_form(entry)
    response = try_edit(
        alice, f"{LIST}{entry.pk}/try-edit/", form, "miten lajittelen jätteet", pomarkku
    )
    assert response.context["result"].after.candidates[0].key == "waste"


def test_it_answers_the_script_with_the_fragment_alone(kaisa, faq, karvia):
    entry = faq["karvia-library"]
    response = try_edit(
        kaisa, f"{LIST}{entry.pk}/try-edit/?fragment=1", change_form(entry), "kirjasto", karvia
    )
    page = response.content.decode()
    assert 'data-testid="before-after"' in page
    assert "<html" not in page


def test_it_lists_what_is_wrong_with_the_form(kaisa, faq, karvia):
    entry = faq["karvia-library"]
    form = change_form(entry, question="", alternatives="not json")
    response = try_edit(kaisa, f"{LIST}{entry.pk}/try-edit/?fragment=1", form, "", karvia)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"try_text", "question", "alternatives"} <= set(errors)


def test_it_refuses_to_try_another_municipalitys_entry(kaisa, faq, karvia):
    entry = faq["pomarkku-library"]
    response = try_edit(
        kaisa, f"{LIST}{entry.pk}/try-edit/", change_form(entry), "kirjasto", karvia
    )
    assert response.status_code == 404


def test_it_refuses_a_get(kaisa, faq):
    assert kaisa.get(f"{LIST}{faq['karvia-library'].pk}/try-edit/").status_code == 405


def test_it_puts_the_panel_on_the_change_form(kaisa, faq, karvia):
    entry = faq["karvia-library"]
    page = kaisa.get(f"{LIST}{entry.pk}/change/").content.decode()
    assert f'formaction="{LIST}{entry.pk}/try-edit/"' in page
    assert '<label for="id_try_text"' in page
    assert f'<option value="{karvia.pk}" selected>' in page


def test_it_leaves_the_panel_off_a_read_only_form(kaisa, faq):
    page = kaisa.get(f"{LIST}{faq['waste'].pk}/change/").content.decode()
    assert "id_try_text" not in page
