"""Editing entries: translations linked and shown side by side, links checked for form,
and the live preview of the sanitised answer.

Personas: Kaisa edits Karvia's entries, Alice is a superuser (tests/faq_editors.py).
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils.translation import override

from faqbot.models import FaqEntry
from tests.faq_editors import change_form, editor, entry_form, logged_in, superuser

pytestmark = pytest.mark.django_db

LIST = "/admin/faqbot/faqentry/"


@pytest.fixture
def kaisa(karvia):
    """An editor of Karvia."""
    return logged_in(editor("kaisa", ["karvia"]))


@pytest.fixture
def alice(db):
    return logged_in(superuser())


@pytest.fixture
def linked(faq):
    """The shared waste entry in Finnish and Swedish, linked as translations."""
    group = faq["waste"].translation_group
    FaqEntry.objects.filter(key="waste-sv").update(translation_group=group)
    for entry in faq.values():
        entry.refresh_from_db()
    return faq


# -- translations -----------------------------------------------------------------------------


def missing_column(client: Client, url: str = LIST) -> dict[str, str]:
    """Each listed entry's key → what its "missing translations" cell says."""
    response = client.get(url)
    changelist = response.context["cl"]
    admin = changelist.model_admin
    with override("en"):
        return {e.key: str(admin.translations_missing(e)) for e in changelist.result_list}


def test_it_shows_which_languages_each_group_lacks(alice, linked):
    cells = missing_column(alice)
    assert "English" in cells["waste"] and "Swedish" not in cells["waste"]
    assert "English" in cells["waste-sv"] and "Finnish" not in cells["waste-sv"]
    # Karvia offers fi, sv and en; Pomarkku only fi and sv.
    assert "Swedish" in cells["karvia-library"] and "English" in cells["karvia-library"]
    assert "Swedish" in cells["pomarkku-library"]
    assert "English" not in cells["pomarkku-library"]


def test_it_says_nothing_is_missing_for_a_complete_group(alice, linked, pomarkku):
    FaqEntry.objects.create(
        key="pomarkku-library-sv", municipality=pomarkku, language="sv",
        question="När är biblioteket öppet?", answer="Ti–to 12–19.",
        translation_group=linked["pomarkku-library"].translation_group,
    )  # fmt: skip
    assert missing_column(alice)["pomarkku-library"] == "–"


def test_it_filters_entries_missing_a_language(alice, linked):
    page = alice.get(LIST, {"missing": "sv"}).content.decode()
    assert "Milloin Karvian kirjasto on auki?" in page
    assert "Miten lajittelen jätteet?" not in page  # has its Swedish translation


def test_it_lists_the_page_in_a_fixed_number_of_queries(
    alice, linked, karvia, django_assert_num_queries
):
    def page_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert alice.get(LIST).status_code == 200
        return len(queries)

    few = page_queries()
    for i in range(20):
        FaqEntry.objects.create(
            key=f"extra-{i}", municipality=karvia, language="fi", question=f"Kysymys {i}?",
            answer="Vastaus.",
        )  # fmt: skip
    assert page_queries() == few


def test_it_shows_the_translations_side_by_side(alice, linked):
    response = alice.get(f"{LIST}{linked['waste'].pk}/translations/")
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c["language"] for c in columns] == ["fi", "sv", "en"]
    assert columns[0]["entry"].key == "waste"
    assert columns[1]["entry"].key == "waste-sv"
    assert columns[2]["entry"] is None
    page = response.content.decode()
    assert "Miten lajittelen jätteet?" in page and "Hur sorterar jag avfall?" in page
    # Links to edit each, and to add the missing English one in the same group.
    assert f"{LIST}{linked['waste'].pk}/change/" in page
    assert f"{LIST}{linked['waste-sv'].pk}/change/" in page
    assert f"translation_group={linked['waste'].translation_group}" in page
    assert "language=en" in page
    assert "key=waste-en" in page


def test_it_renders_answers_side_by_side_sanitised(alice, linked):
    FaqEntry.objects.filter(key="waste-sv").update(answer="**Sortera** <script>alert(1)</script>")
    page = alice.get(f"{LIST}{linked['waste'].pk}/translations/").content.decode()
    assert "<strong>Sortera</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_it_offers_no_add_link_to_readers_of_shared_entries(kaisa, linked):
    page = kaisa.get(f"{LIST}{linked['waste'].pk}/translations/").content.decode()
    assert "translation_group=" not in page
    assert "Hur sorterar jag avfall?" in page


def test_it_adds_a_translation_into_the_group(kaisa, faq, karvia):
    original = faq["karvia-library"]
    response = kaisa.get(
        f"{LIST}add/",
        {
            "translation_group": original.translation_group,
            "language": "sv",
            "municipality": karvia.pk,
        },
    )
    assert response.context["adminform"].form.initial["translation_group"] == str(
        original.translation_group
    )
    form = entry_form(
        key="karvia-library-sv", municipality=karvia.pk, language="sv",
        question="När är biblioteket öppet?", answer="Må–fre 10–18.",
        translation_group=original.translation_group,
    )  # fmt: skip
    assert kaisa.post(f"{LIST}add/", form).status_code == 302
    assert FaqEntry.objects.get(key="karvia-library-sv").translation_group == (
        original.translation_group
    )


def test_it_refuses_a_second_entry_of_one_language_in_a_group(kaisa, faq, karvia):
    original = faq["karvia-library"]
    form = entry_form(
        key="karvia-library-2", municipality=karvia.pk, language="fi",
        translation_group=original.translation_group,
    )  # fmt: skip
    response = kaisa.post(f"{LIST}add/", form)
    assert response.status_code == 200
    assert "karvia-library" in str(response.context["adminform"].form.non_field_errors())
    assert not FaqEntry.objects.filter(key="karvia-library-2").exists()


def test_it_refuses_a_translation_of_another_municipalitys_entry(kaisa, faq, karvia):
    # Posting Pomarkku's group by hand does not make a Karvia entry its translation.
    form = entry_form(
        key="sneaky", municipality=karvia.pk, language="sv",
        translation_group=faq["pomarkku-library"].translation_group,
    )  # fmt: skip
    response = kaisa.post(f"{LIST}add/", form)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not FaqEntry.objects.filter(key="sneaky").exists()


def test_it_gives_a_new_entry_its_own_group_when_none_is_posted(alice, faq):
    # The old form, without the hidden group field (tests/test_admin.py posts it so).
    assert alice.post(f"{LIST}add/", entry_form()).status_code == 302
    entry = FaqEntry.objects.get(key="new-entry")
    assert FaqEntry.objects.filter(translation_group=entry.translation_group).count() == 1


def test_it_links_and_unlinks_translations_from_the_list(alice, faq):
    ids = [faq["waste"].pk, faq["waste-sv"].pk]
    alice.post(LIST, {"action": "link_translations", "_selected_action": ids})
    groups = set(FaqEntry.objects.filter(pk__in=ids).values_list("translation_group", flat=True))
    assert groups == {faq["waste"].translation_group}  # the Finnish one's group

    alice.post(LIST, {"action": "unlink_translations", "_selected_action": [faq["waste-sv"].pk]})
    groups = set(FaqEntry.objects.filter(pk__in=ids).values_list("translation_group", flat=True))
    assert len(groups) == 2


def test_it_refuses_to_link_entries_of_different_municipalities(alice, faq):
    ids = [faq["karvia-library"].pk, faq["waste-sv"].pk]
    response = alice.post(
        LIST, {"action": "link_translations", "_selected_action": ids}, follow=True
    )
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1
    groups = set(FaqEntry.objects.filter(pk__in=ids).values_list("translation_group", flat=True))
    assert len(groups) == 2


def test_it_refuses_to_link_two_entries_of_one_language(alice, faq):
    ids = [faq["karvia-library"].pk, faq["pomarkku-library"].pk]
    alice.post(LIST, {"action": "link_translations", "_selected_action": ids})
    groups = set(FaqEntry.objects.filter(pk__in=ids).values_list("translation_group", flat=True))
    assert len(groups) == 2


def test_it_keeps_the_others_linked_when_one_translation_is_deleted(alice, linked, karvia):
    group = linked["waste"].translation_group
    FaqEntry.objects.create(
        key="waste-en", municipality=None, language="en", question="How do I sort waste?",
        answer="Sort it.", translation_group=group,
    )  # fmt: skip
    linked["waste"].delete()
    assert set(FaqEntry.objects.filter(translation_group=group).values_list("key", flat=True)) == {
        "waste-sv",
        "waste-en",
    }


# -- links in answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "www.karvia.fi",
        "/asuminen",
        "javascript:alert(1)",
        "https://localhost/",
        "https://karvia/",
        "mailto:kirjasto",
        "tel:soita",
        "ftp://files.karvia.fi/",
    ],
)
def test_it_refuses_an_answer_with_a_bad_link_naming_it(alice, faq, link):
    entry = faq["waste"]
    answer = f"Katso [ohjeet]({link}) ja [kartta](https://www.karvia.fi/kartta)."
    response = alice.post(f"{LIST}{entry.pk}/change/", change_form(entry, answer=answer))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["answer"]
    assert len(errors) == 1
    assert link in errors[0]
    entry.refresh_from_db()
    assert entry.answer.startswith("Lajittele")


@pytest.mark.parametrize(
    "link",
    [
        "https://www.karvia.fi/asuminen?x=1#kohta",
        "http://example.fi",
        "https://jämijärvi.fi/",
        "mailto:kirjasto@karvia.fi",
        "tel:+358441234567",
    ],
)
def test_it_accepts_web_mail_and_phone_links(alice, faq, link):
    entry = faq["waste"]
    answer = f"Katso [tästä]({link})."
    response = alice.post(f"{LIST}{entry.pk}/change/", change_form(entry, answer=answer))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.answer == answer


# -- the live preview -------------------------------------------------------------------------


def test_it_previews_the_sanitised_answer(kaisa, faq):
    response = kaisa.post(
        f"{LIST}preview-markdown/",
        {"text": "**Auki** <script>alert(1)</script> [x](javascript:alert(2)) [y](www.x.fi)"},
    )
    assert response.status_code == 200
    data = response.json()
    assert "<strong>Auki</strong>" in data["html"]
    assert "<script>" not in data["html"]
    assert "javascript:" not in data["html"].split("href")[-1] or "href" not in data["html"]
    assert len(data["problems"]) == 2
    assert "javascript:alert(2)" in data["problems"][0]
    assert "www.x.fi" in data["problems"][1]


def test_it_refuses_a_preview_without_the_csrf_token(faq, karvia):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor("kaisa", ["karvia"]))
    assert client.post(f"{LIST}preview-markdown/", {"text": "x"}).status_code == 403


def test_it_refuses_a_preview_by_get(kaisa):
    assert kaisa.get(f"{LIST}preview-markdown/").status_code == 405


def test_it_refuses_a_preview_to_staff_who_edit_no_entries(db, client):
    from django.contrib.auth.models import User

    staff = User.objects.create_user("sakari", password="x", is_staff=True)
    client.force_login(staff)
    assert client.post(f"{LIST}preview-markdown/", {"text": "x"}).status_code == 403


def test_it_puts_the_preview_and_the_script_on_the_change_form(kaisa, faq):
    page = kaisa.get(f"{LIST}{faq['karvia-library'].pk}/change/").content.decode()
    assert 'id="faq-answer-preview"' in page
    assert "faqbot/entry_form.js" in page
    assert f"{LIST}preview-markdown/" in page
    assert uuid.UUID(str(faq["karvia-library"].translation_group)).hex[:8] in page
