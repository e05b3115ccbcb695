"""Editors edit their own municipalities' entries; shared entries need their own permission.

Personas (tests/faq_editors.py): Kaisa edits Karvia's entries, Paavo Pomarkku's, Jaana
Karvia's and the shared ones, Alice is a superuser, Olli is no staff. Each refusal is
checked where a request could slip past the forms: the list, the change and delete views,
the add form's municipality choices, bulk actions and the list's inline "published".
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from faqbot.models import FaqEntry
from faqbot.permissions import scope_for
from tests.faq_editors import PASSWORD, change_form, editor, entry_form, logged_in, superuser

pytestmark = pytest.mark.django_db

LIST = "/admin/faqbot/faqentry/"


@pytest.fixture
def kaisa(karvia):
    """An editor of Karvia."""
    return logged_in(editor("kaisa", ["karvia"]))


@pytest.fixture
def paavo(pomarkku):
    """An editor of Pomarkku."""
    return logged_in(editor("paavo", ["pomarkku"]))


@pytest.fixture
def jaana(karvia):
    """An editor of Karvia who may also edit the shared entries."""
    return logged_in(editor("jaana", ["karvia"], shared=True))


@pytest.fixture
def alice(db):
    return logged_in(superuser())


@pytest.fixture
def olli(db):
    """Not staff at all."""
    return logged_in(User.objects.create_user("olli", password=PASSWORD))


def change_url(entry: FaqEntry) -> str:
    return f"{LIST}{entry.pk}/change/"


def test_it_lists_only_own_and_shared_entries(kaisa, faq):
    page = kaisa.get(LIST).content.decode()
    assert "Milloin Karvian kirjasto on auki?" in page
    assert "Miten lajittelen jätteet?" in page  # shared: read-only, but shown
    assert "Milloin Pomarkun kirjasto on auki?" not in page


def test_it_lets_superusers_see_everything(alice, faq):
    page = alice.get(LIST).content.decode()
    assert "Milloin Karvian kirjasto on auki?" in page
    assert "Milloin Pomarkun kirjasto on auki?" in page


def test_it_keeps_non_staff_out_of_every_page(olli, faq):
    entry = faq["karvia-library"]
    for url in (
        LIST,
        change_url(entry),
        f"{LIST}add/",
        f"{LIST}try/",
        f"{LIST}import/",
        f"{LIST}export/json/",
        f"{LIST}{entry.pk}/translations/",
        f"{LIST}{entry.pk}/history/",
    ):
        response = olli.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]
    assert olli.post(change_url(entry), change_form(entry, answer="Hacked.")).status_code == 302
    assert olli.post(f"{LIST}preview-markdown/", {"text": "x"}).status_code == 302
    entry.refresh_from_db()
    assert entry.answer != "Hacked."


def test_it_does_not_show_another_municipalitys_entry(kaisa, faq):
    entry = faq["pomarkku-library"]
    response = kaisa.get(change_url(entry))
    # Django admin answers an object outside the queryset as missing.
    assert response.status_code == 302
    assert kaisa.get(f"{LIST}{entry.pk}/history/").status_code == 404
    assert kaisa.get(f"{LIST}{entry.pk}/translations/").status_code == 404


def test_it_refuses_to_change_another_municipalitys_entry(kaisa, faq):
    entry = faq["pomarkku-library"]
    response = kaisa.post(change_url(entry), change_form(entry, answer="Kaisa was here."))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "Pomarkun kirjasto on auki ti–to 12–19."


def test_it_refuses_to_delete_another_municipalitys_entry(kaisa, faq):
    entry = faq["pomarkku-library"]
    kaisa.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"})
    assert FaqEntry.objects.filter(pk=entry.pk).exists()


def test_it_lets_an_editor_change_and_delete_their_own_entries(kaisa, faq):
    entry = faq["karvia-library"]
    response = kaisa.post(change_url(entry), change_form(entry, answer="Uudet ajat."))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "Uudet ajat."
    assert kaisa.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not FaqEntry.objects.filter(pk=entry.pk).exists()


def test_it_shows_shared_entries_read_only_without_the_permission(kaisa, faq):
    entry = faq["waste"]
    response = kaisa.get(change_url(entry))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert 'name="answer"' not in response.content.decode()


def test_it_refuses_to_change_a_shared_entry_without_the_permission(kaisa, faq):
    entry = faq["waste"]
    response = kaisa.post(change_url(entry), change_form(entry, answer="Ei näin."))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.answer.startswith("Lajittele")


def test_it_refuses_to_delete_a_shared_entry_without_the_permission(kaisa, faq):
    entry = faq["waste"]
    assert kaisa.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert FaqEntry.objects.filter(pk=entry.pk).exists()


def test_it_lets_the_shared_permission_edit_shared_entries(jaana, faq):
    entry = faq["waste"]
    response = jaana.post(change_url(entry), change_form(entry, answer="Uudet ohjeet."))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "Uudet ohjeet."


def test_it_still_keeps_the_shared_editor_out_of_other_municipalities(jaana, faq):
    entry = faq["pomarkku-library"]
    jaana.post(change_url(entry), change_form(entry, answer="Jaana was here."))
    entry.refresh_from_db()
    assert entry.answer.startswith("Pomarkun")


def test_it_offers_only_the_editors_municipalities_when_adding(kaisa, faq, karvia, pomarkku):
    form = kaisa.get(f"{LIST}add/").context["adminform"].form
    choices = form.fields["municipality"]
    assert list(choices.queryset) == [karvia]
    assert choices.required  # no "shared" choice without the permission


def test_it_offers_shared_with_the_permission(jaana, faq, karvia):
    field = jaana.get(f"{LIST}add/").context["adminform"].form.fields["municipality"]
    assert list(field.queryset) == [karvia]
    assert not field.required


def test_it_refuses_to_add_an_entry_to_another_municipality(kaisa, faq, pomarkku):
    response = kaisa.post(f"{LIST}add/", entry_form(municipality=pomarkku.pk))
    assert response.status_code == 200
    assert "municipality" in response.context["adminform"].form.errors
    assert not FaqEntry.objects.filter(key="new-entry").exists()


def test_it_refuses_to_add_a_shared_entry_without_the_permission(kaisa, faq):
    response = kaisa.post(f"{LIST}add/", entry_form(municipality=""))
    assert response.status_code == 200
    assert "municipality" in response.context["adminform"].form.errors
    assert not FaqEntry.objects.filter(key="new-entry").exists()


def test_it_adds_an_entry_to_the_editors_municipality(kaisa, faq, karvia):
    assert kaisa.post(f"{LIST}add/", entry_form(municipality=karvia.pk)).status_code == 302
    assert FaqEntry.objects.get(key="new-entry").municipality == karvia


def test_it_refuses_to_move_an_entry_into_another_municipality(kaisa, faq, pomarkku):
    entry = faq["karvia-library"]
    response = kaisa.post(change_url(entry), change_form(entry, municipality=pomarkku.pk))
    assert response.status_code == 200
    assert "municipality" in response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert entry.municipality.slug == "karvia"


def test_it_publishes_only_editable_entries_in_bulk(kaisa, faq):
    FaqEntry.objects.update(published=False)
    ids = [faq[key].pk for key in ("karvia-library", "waste", "pomarkku-library")]
    kaisa.post(LIST, {"action": "publish", "_selected_action": ids})
    published = set(FaqEntry.objects.filter(published=True).values_list("key", flat=True))
    # Pomarkku's is not even in Kaisa's list; the shared one is read-only for her.
    assert published == {"karvia-library"}


def test_it_refuses_bulk_deletion_that_includes_a_shared_entry(kaisa, faq):
    ids = [faq["karvia-library"].pk, faq["waste"].pk]
    response = kaisa.post(
        LIST, {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 403
    assert FaqEntry.objects.filter(pk__in=ids).count() == 2


def test_it_ignores_a_posted_published_flag_for_a_read_only_row(kaisa, faq):
    shared = faq["waste"]
    own = faq["karvia-library"]
    rows = [own, shared, faq["waste-sv"]]
    form = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "_save": "Save",
    }
    for i, entry in enumerate(rows):
        form[f"form-{i}-id"] = str(entry.pk)  # every row unticked: unpublish all
    response = kaisa.post(LIST, form)
    assert response.status_code == 302
    own.refresh_from_db()
    shared.refresh_from_db()
    assert not own.published
    assert shared.published


def test_it_lists_an_editors_entries_in_a_bounded_number_of_queries(
    kaisa, faq, django_assert_max_num_queries
):
    # The list page for an editor: a fixed number of queries, whatever the number of rows.
    for i in range(30):
        FaqEntry.objects.create(
            key=f"extra-{i}", municipality=faq["karvia-library"].municipality, language="fi",
            question=f"Kysymys {i}?", answer="Vastaus.",
        )  # fmt: skip
    with django_assert_max_num_queries(16):
        assert kaisa.get(LIST).status_code == 200


def test_it_gives_superusers_every_municipality(db, karvia, pomarkku):
    scope = scope_for(superuser())
    assert scope.can_edit(None) and scope.can_edit(karvia.pk) and scope.can_edit(pomarkku.pk)
