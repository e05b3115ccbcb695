"""Every change to an entry is kept with who and when, and an earlier version can be restored.

The history is django-simple-history's; these tests check what editors rely on: who and
when, the list of versions with what changed, restoring, and that restoring obeys the same
municipality rules as editing.
"""

from __future__ import annotations

import json

import pytest

from faqbot.faq_io import import_faq
from faqbot.models import FaqEntry
from tests.faq_editors import change_form, editor, logged_in, superuser

pytestmark = pytest.mark.django_db

LIST = "/admin/faqbot/faqentry/"


@pytest.fixture
def kaisa_user(karvia):
    return editor("kaisa", ["karvia"])


@pytest.fixture
def kaisa(kaisa_user):
    """An editor of Karvia."""
    return logged_in(kaisa_user)


@pytest.fixture
def paavo(pomarkku):
    """An editor of Pomarkku."""
    return logged_in(editor("paavo", ["pomarkku"]))


def edit(client, entry: FaqEntry, **changes: object) -> None:
    response = client.post(f"{LIST}{entry.pk}/change/", change_form(entry, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()


def test_it_keeps_who_changed_what_and_when(kaisa, kaisa_user, faq):
    entry = faq["karvia-library"]
    edit(kaisa, entry, answer="Kirjasto on auki ma–to 12–19.")
    latest = entry.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == kaisa_user
    assert latest.answer == "Kirjasto on auki ma–to 12–19."
    assert latest.history_date is not None
    assert entry.history.count() == 2  # created by the fixture, changed by Kaisa


def test_it_lists_the_versions_with_the_changed_fields(kaisa, faq):
    entry = faq["karvia-library"]
    edit(kaisa, entry, answer="Uudet ajat.")
    page = kaisa.get(f"{LIST}{entry.pk}/history/").content.decode()
    assert page.count('data-testid="version"') == 2
    assert "kaisa" in page
    assert "Uudet ajat." in page  # the change, old → new
    assert "Kirjasto on auki" in page


def test_it_records_imports_with_their_reason(db, karvia):
    data = {
        "entries": [
            {
                "id": "x",
                "municipality": "karvia",
                "language": "fi",
                "question": "Q?",
                "answer": "A.",
            }
        ]
    }
    import_faq(data)
    data["entries"][0]["answer"] = "B."
    import_faq(data)
    reasons = list(
        FaqEntry.objects.get(key="x").history.values_list("history_change_reason", "history_type")
    )
    assert reasons == [("import", "~"), ("import", "+")]


def test_it_restores_an_earlier_version(kaisa, kaisa_user, faq):
    entry = faq["karvia-library"]
    original = entry.history.last()
    edit(kaisa, entry, answer="Väärä vastaus.", question="Väärä kysymys?")
    url = f"{LIST}{entry.pk}/history/{original.history_id}/"
    page = kaisa.get(url)
    assert page.status_code == 200
    assert 'name="_save"' in page.content.decode()  # the restore button
    form = page.context["adminform"].form
    assert form.initial["answer"] == "Kirjasto on auki **ma–pe 10–18**."

    restored = change_form(original.instance, _save="Restore")
    response = kaisa.post(url, restored)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "Kirjasto on auki **ma–pe 10–18**."
    assert entry.question == "Milloin Karvian kirjasto on auki?"
    # The restore is itself a version, by whoever restored.
    assert entry.history.count() == 3
    assert entry.history.first().history_user == kaisa_user


def test_it_moves_the_faq_revision_on_restore(kaisa, faq):
    from faqbot.models import FaqRevision

    entry = faq["karvia-library"]
    original = entry.history.last()
    edit(kaisa, entry, answer="Väärä vastaus.")
    before = FaqRevision.current()
    kaisa.post(f"{LIST}{entry.pk}/history/{original.history_id}/", change_form(original.instance))
    assert FaqRevision.current() > before


def test_it_refuses_another_municipalitys_history(paavo, faq):
    entry = faq["karvia-library"]
    version = entry.history.first()
    assert paavo.get(f"{LIST}{entry.pk}/history/").status_code == 404
    assert paavo.get(f"{LIST}{entry.pk}/history/{version.history_id}/").status_code == 403
    response = paavo.post(
        f"{LIST}{entry.pk}/history/{version.history_id}/", change_form(entry, answer="Paavo.")
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.answer.startswith("Kirjasto")


def test_it_refuses_restoring_a_version_from_another_municipality(kaisa, faq, karvia, pomarkku):
    # The entry was Karvia's, and has since moved to Pomarkku: its old Karvia version is
    # not a way for Kaisa to take it back.
    entry = faq["pomarkku-library"]
    entry.municipality = karvia
    entry.save()
    karvia_version = entry.history.first()
    entry.municipality = pomarkku
    entry.save()
    url = f"{LIST}{entry.pk}/history/{karvia_version.history_id}/"
    assert kaisa.get(url).status_code == 403
    assert kaisa.post(url, change_form(karvia_version.instance)).status_code == 403
    entry.refresh_from_db()
    assert entry.municipality.slug == "pomarkku"


def test_it_shows_shared_history_read_only_without_the_permission(kaisa, faq):
    entry = faq["waste"]
    version = entry.history.first()
    page = kaisa.get(f"{LIST}{entry.pk}/history/{version.history_id}/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = kaisa.post(
        f"{LIST}{entry.pk}/history/{version.history_id}/", change_form(entry, answer="x")
    )
    assert response.status_code == 403


def test_it_keeps_the_history_of_a_deleted_entry(db, faq):
    alice = logged_in(superuser())
    entry = faq["karvia-library"]
    pk = entry.pk
    assert alice.post(f"{LIST}{pk}/delete/", {"post": "yes"}).status_code == 302
    assert [h.history_type for h in FaqEntry.history.filter(id=pk)] == ["-", "+"]
    page = alice.get(f"{LIST}{pk}/history/")
    assert page.status_code == 200
    assert "Milloin Karvian kirjasto on auki?" in page.content.decode()


def test_it_records_bulk_actions_with_the_user(kaisa, kaisa_user, faq):
    entry = faq["karvia-library"]
    kaisa.post(LIST, {"action": "unpublish", "_selected_action": [entry.pk]})
    latest = entry.history.first()
    assert latest.published is False
    assert latest.history_user == kaisa_user


def test_it_keeps_alternatives_exactly(kaisa, faq):
    entry = faq["karvia-library"]
    edit(kaisa, entry, alternatives=json.dumps(["a", "b | c"]))
    assert entry.history.first().alternatives == ["a", "b | c"]


def test_it_lists_deleted_entries_and_restores_one(kaisa, kaisa_user, faq):
    entry = faq["karvia-library"]
    pk = entry.pk
    assert kaisa.post(f"{LIST}{pk}/delete/", {"post": "yes"}).status_code == 302
    page = kaisa.get(f"{LIST}deleted/")
    assert [row.id for row in page.context["rows"]] == [pk]
    assert f"{LIST}{pk}/history/" in page.content.decode()

    deletion = FaqEntry.history.filter(id=pk).first()
    url = f"{LIST}{pk}/history/{deletion.history_id}/"
    assert 'name="_save"' in kaisa.get(url).content.decode()
    assert kaisa.post(url, change_form(deletion.instance)).status_code == 302
    restored = FaqEntry.objects.get(pk=pk)
    assert (restored.key, restored.answer) == (
        "karvia-library",
        "Kirjasto on auki **ma–pe 10–18**.",
    )
    assert restored.history.first().history_user == kaisa_user
    assert kaisa.get(f"{LIST}deleted/").context["rows"] == []


def test_it_keeps_other_municipalities_deleted_entries_out_of_sight(kaisa, paavo, faq):
    entry = faq["pomarkku-library"]
    pk = entry.pk
    assert paavo.post(f"{LIST}{pk}/delete/", {"post": "yes"}).status_code == 302
    assert kaisa.get(f"{LIST}deleted/").context["rows"] == []
    deletion = FaqEntry.history.filter(id=pk).first()
    url = f"{LIST}{pk}/history/{deletion.history_id}/"
    assert kaisa.get(f"{LIST}{pk}/history/").status_code == 404
    assert kaisa.get(url).status_code == 403
    assert kaisa.post(url, change_form(deletion.instance)).status_code == 403
    assert not FaqEntry.objects.filter(pk=pk).exists()
    assert [row.id for row in paavo.get(f"{LIST}deleted/").context["rows"]] == [pk]


def test_it_lets_readers_of_shared_entries_see_but_not_restore_them(kaisa, faq):
    alice = logged_in(superuser())
    entry = faq["waste"]
    pk = entry.pk
    alice.post(f"{LIST}{pk}/delete/", {"post": "yes"})
    assert [row.id for row in kaisa.get(f"{LIST}deleted/").context["rows"]] == [pk]
    deletion = FaqEntry.history.filter(id=pk).first()
    url = f"{LIST}{pk}/history/{deletion.history_id}/"
    assert 'name="_save"' not in kaisa.get(url).content.decode()
    assert kaisa.post(url, change_form(deletion.instance)).status_code == 403
    assert not FaqEntry.objects.filter(pk=pk).exists()
