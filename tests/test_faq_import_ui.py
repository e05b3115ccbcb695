"""Import and export in the admin: a preview of what a file would do, every error listed
before anything is written, an apply that writes all or nothing, JSON and CSV.

Personas: Alice is a superuser, Kaisa edits Karvia's entries (tests/faq_editors.py).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faqbot import faq_io
from faqbot.faq_csv import read_csv, write_csv
from faqbot.faq_io import export_faq
from faqbot.models import FaqEntry, FaqRevision, Municipality
from tests.faq_editors import editor, logged_in, superuser

pytestmark = pytest.mark.django_db

LIST = "/admin/faqbot/faqentry/"
IMPORT = f"{LIST}import/"
APPLY = f"{LIST}import/apply/"


@pytest.fixture
def alice(db):
    return logged_in(superuser())


@pytest.fixture
def kaisa(karvia):
    """An editor of Karvia."""
    return logged_in(editor("kaisa", ["karvia"]))


def json_file(data: object, name: str = "faq.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, json.dumps(data, ensure_ascii=False).encode(), "application/json"
    )


def entry(key: str, **fields: object) -> dict:
    item = {
        "id": key,
        "municipality": "karvia",
        "language": "fi",
        "category": "Kirjasto",
        "question": f"Kysymys {key}?",
        "alternatives": [],
        "answer": "Vastaus.",
    }
    item.update(fields)
    return item


def existing(faq: dict[str, FaqEntry], key: str, **changes: object) -> dict:
    """An entry of the faq fixture in the file format, with changes."""
    item = next(e for e in export_faq()["entries"] if e["id"] == key)
    item.update(changes)
    return item


def preview(client, data: object, name: str = "faq.json"):
    response = client.post(IMPORT, {"file": json_file(data, name)})
    assert response.status_code == 200
    return response


def test_it_previews_what_would_be_created_changed_and_left_alone(alice, faq):
    data = {
        "entries": [
            entry("new-one"),
            entry("new-two"),
            existing(faq, "karvia-library", answer="Uudet ajat.", alternatives=["x"]),
            existing(faq, "waste"),
        ]
    }
    before = FaqRevision.current()
    response = preview(alice, data)
    plan = response.context["plan"]
    assert [c.key for c in plan.created] == ["new-one", "new-two"]
    assert [(c.key, c.fields) for c in plan.changed] == [
        ("karvia-library", ("alternatives", "answer"))
    ]
    assert [c.key for c in plan.unchanged] == ["waste"]
    assert plan.problems == []
    page = response.content.decode()
    assert page.count('data-testid="created"') == 2
    assert page.count('data-testid="changed"') == 1
    assert APPLY in page
    # Nothing written by a preview.
    assert not FaqEntry.objects.filter(key__in=["new-one", "new-two"]).exists()
    assert FaqEntry.objects.get(key="karvia-library").answer.startswith("Kirjasto")
    assert FaqRevision.current() == before


def test_it_lists_every_error_by_entry_and_field_and_writes_nothing(alice, faq):
    data = {
        "entries": [
            entry("fine"),
            entry("bad-language", language="de"),
            entry("bad key!", question=""),
            entry("unknown-place", municipality="atlantis"),
            existing(faq, "karvia-library", answer="Muuttunut."),
        ]
    }
    response = preview(alice, data)
    problems = {(p.subject, p.field) for p in response.context["plan"].problems}
    assert problems == {
        ("entry 'bad-language'", "language"),
        ("entry 'bad key!'", "id"),
        ("entry 'bad key!'", "question"),
        ("entry 'unknown-place'", "municipality"),
    }
    page = response.content.decode()
    assert page.count('data-testid="error"') == 4
    assert "bad-language" in page and "atlantis" in page
    assert APPLY not in page  # no apply button while anything is wrong
    assert not FaqEntry.objects.filter(key="fine").exists()
    # Even posting apply does not write it.
    digest = response.context["upload"].digest
    assert alice.post(APPLY, {"digest": digest}).status_code == 409
    assert not FaqEntry.objects.filter(key="fine").exists()
    assert FaqEntry.objects.get(key="karvia-library").answer.startswith("Kirjasto")


def test_it_applies_the_previewed_file(alice, faq):
    data = {"entries": [entry("new-one"), existing(faq, "karvia-library", answer="Uudet ajat.")]}
    digest = preview(alice, data).context["upload"].digest
    before = FaqRevision.current()
    response = alice.post(APPLY, {"digest": digest})
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert FaqEntry.objects.filter(key="new-one").exists()
    assert FaqEntry.objects.get(key="karvia-library").answer == "Uudet ajat."
    assert FaqRevision.current() > before
    # Applied once: the preview is gone from the session.
    assert alice.post(APPLY, {"digest": digest}).status_code == 302
    assert FaqEntry.objects.filter(key="new-one").count() == 1


def test_it_applies_only_the_content_that_was_previewed(alice, faq):
    first = preview(alice, {"entries": [entry("first")]}).context["upload"].digest
    preview(alice, {"entries": [entry("second")]})
    # The first preview's digest no longer names the session's file.
    response = alice.post(APPLY, {"digest": first})
    assert response.status_code == 302
    assert response["Location"] == IMPORT
    assert not FaqEntry.objects.filter(key__in=["first", "second"]).exists()


def test_it_validates_again_on_apply(alice, faq, karvia):
    data = {"entries": [entry("new-sv", language="sv", translation_of="karvia-library")]}
    digest = preview(alice, data).context["upload"].digest
    # Meanwhile someone adds a Swedish translation to the same entry.
    FaqEntry.objects.create(
        key="other-sv", municipality=karvia, language="sv", question="Q?", answer="A.",
        translation_group=faq["karvia-library"].translation_group,
    )  # fmt: skip
    response = alice.post(APPLY, {"digest": digest})
    assert response.status_code == 409
    assert any(p.field == "translation_of" for p in response.context["plan"].problems)
    assert not FaqEntry.objects.filter(key="new-sv").exists()


def test_it_writes_all_or_nothing(alice, faq, monkeypatch):
    data = {"entries": [entry("one"), entry("two"), entry("three")]}
    digest = preview(alice, data).context["upload"].digest
    saved = []
    real_save = FaqEntry.save

    def failing_save(self, *args, **kwargs):
        if self.key == "three":
            raise RuntimeError("the disk is full")
        saved.append(self.key)
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(FaqEntry, "save", failing_save)
    alice.raise_request_exception = True
    with pytest.raises(RuntimeError):
        alice.post(APPLY, {"digest": digest})
    assert saved == ["one", "two"]
    assert not FaqEntry.objects.filter(key__in=["one", "two", "three"]).exists()


def test_it_refuses_an_editor_entries_outside_their_municipality(kaisa, faq, pomarkku):
    data = {
        "entries": [
            entry("karvia-new"),
            entry("pomarkku-new", municipality="pomarkku"),
            existing(faq, "waste", answer="Shared, changed."),
            existing(faq, "karvia-library", municipality="pomarkku"),
            existing(faq, "waste-sv"),  # unchanged: reading it back is fine
        ]
    }
    response = preview(kaisa, data)
    problems = {(p.key, p.field) for p in response.context["plan"].problems}
    assert problems == {
        ("pomarkku-new", "municipality"),
        ("waste", "municipality"),
        ("karvia-library", "municipality"),
    }
    assert kaisa.post(APPLY, {"digest": response.context["upload"].digest}).status_code == 409
    assert not FaqEntry.objects.filter(key="karvia-new").exists()


def test_it_refuses_an_editor_changes_to_municipalities(kaisa, faq):
    data = {
        "municipalities": [{"slug": "karvia", "name": "Karvia (renamed)"}],
        "entries": [entry("karvia-new")],
    }
    problems = preview(kaisa, data).context["plan"].problems
    assert [(p.subject, p.field) for p in problems] == [("municipality 'karvia'", None)]


def test_it_lets_an_editor_import_their_own_export_back(kaisa, faq):
    exported = kaisa.get(f"{LIST}export/json/")
    data = json.loads(exported.content)
    plan = preview(kaisa, data).context["plan"]
    assert plan.problems == []
    assert not plan.created and not plan.changed
    assert {c.key for c in plan.unchanged} == {"karvia-library", "waste", "waste-sv"}


def test_it_reports_a_file_that_is_not_json(alice):
    response = alice.post(IMPORT, {"file": SimpleUploadedFile("x.json", b"{broken")})
    problems = response.context["plan"].problems
    assert len(problems) == 1 and "not valid JSON" in str(problems[0])


def test_it_keeps_non_staff_and_readers_out_of_the_import(db, client):
    from django.contrib.auth.models import User

    reader = User.objects.create_user("lukija", password="x", is_staff=True)
    client.force_login(reader)
    assert client.get(IMPORT).status_code == 403
    assert client.post(APPLY, {"digest": "x"}).status_code == 403


# -- export -----------------------------------------------------------------------------------


def test_it_exports_json_in_the_import_format(alice, faq):
    response = alice.get(f"{LIST}export/json/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="kuntachat-faq-')
    assert json.loads(response.content) == export_faq()


def test_it_exports_what_the_list_shows(alice, faq):
    data = json.loads(alice.get(f"{LIST}export/json/", {"language": "sv"}).content)
    assert [e["id"] for e in data["entries"]] == ["waste-sv"]


def test_it_exports_only_an_editors_visible_entries(kaisa, faq):
    data = json.loads(kaisa.get(f"{LIST}export/json/").content)
    assert {e["id"] for e in data["entries"]} == {"karvia-library", "waste", "waste-sv"}
    assert [m["slug"] for m in data["municipalities"]] == ["karvia"]


def test_it_exports_csv(alice, faq):
    response = alice.get(f"{LIST}export/csv/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffid,municipality,language,category,question,alternatives,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["id"] for r in rows} == {"karvia-library", "pomarkku-library", "waste", "waste-sv"}
    library = next(r for r in rows if r["id"] == "karvia-library")
    assert library["alternatives"] == "kirjaston aukioloajat"
    assert library["published"] == "true"


# -- CSV --------------------------------------------------------------------------------------


def test_it_round_trips_csv_without_loss(alice, faq):
    FaqEntry.objects.filter(key="waste").update(
        alternatives=["a | b", " spaced ", "[not json"],
        answer='Rivi 1\nRivi 2, "lainaus"; puolipiste\n\n- lista',
        published=False,
    )
    FaqEntry.objects.filter(key="waste-sv").update(
        translation_group=FaqEntry.objects.get(key="waste").translation_group
    )
    before = export_faq()
    text = alice.get(f"{LIST}export/csv/").content.decode("utf-8")
    # Through the admin: nothing would change.
    upload = SimpleUploadedFile("faq.csv", text.encode("utf-8"), "text/csv")
    plan = alice.post(IMPORT, {"file": upload}).context["plan"]
    assert plan.problems == []
    assert not plan.created and not plan.changed and len(plan.unchanged) == 4
    # Into an empty database: the same entries come back.
    FaqEntry.objects.all().delete()
    data, problems = read_csv(text.lstrip("\ufeff"))
    assert problems == []
    faq_io.import_faq(data)
    assert export_faq()["entries"] == before["entries"]


def test_it_reads_spreadsheet_csv(alice, faq, karvia):
    # Excel in a Finnish locale: ";" between cells, a byte-order mark, "|" between
    # alternatives, TRUE/FALSE, an empty municipality for a shared entry.
    text = (
        "\ufeffid;municipality;language;category;question;alternatives;answer;published\r\n"
        "sauna;karvia;fi;Liikunta;Milloin sauna lämpiää?;saunavuorot | yleinen sauna;"
        '"Ke ja la; naiset ensin.";TRUE\r\n'
        "yhteinen;;fi;;Yhteinen kysymys?;;Vastaus.;FALSE\r\n"
        ";;;;;;;\r\n"
    )
    upload = SimpleUploadedFile("faq.csv", text.encode("utf-8"), "text/csv")
    response = alice.post(IMPORT, {"file": upload})
    plan = response.context["plan"]
    assert plan.problems == []
    assert [c.key for c in plan.created] == ["sauna", "yhteinen"]
    assert alice.post(APPLY, {"digest": response.context["upload"].digest}).status_code == 302
    sauna = FaqEntry.objects.get(key="sauna")
    assert sauna.alternatives == ["saunavuorot", "yleinen sauna"]
    assert sauna.answer == "Ke ja la; naiset ensin."
    assert sauna.municipality == karvia and sauna.published
    shared = FaqEntry.objects.get(key="yhteinen")
    assert shared.municipality is None and not shared.published


def test_it_reads_windows_1252_csv(alice, karvia):
    text = "id,municipality,language,question,answer\r\nx,karvia,fi,Mitä häiriö?,Vastaus.\r\n"
    upload = SimpleUploadedFile("faq.csv", text.encode("cp1252"), "text/csv")
    plan = alice.post(IMPORT, {"file": upload}).context["plan"]
    assert plan.created[0].label == "Mitä häiriö?"


def test_it_names_csv_problems(alice, karvia):
    text = (
        "id,municipality,language,question,answer,published,colour\r\n"
        "x,karvia,fi,Q?,A.,maybe,red\r\n"
        'y,karvia,fi,Q?,A.,true,,"[not a list"\r\n'
    )
    upload = SimpleUploadedFile("faq.csv", text.encode(), "text/csv")
    problems = [str(p) for p in alice.post(IMPORT, {"file": upload}).context["plan"].problems]
    assert any("unknown column 'colour'" in p for p in problems)
    assert any("line 3" in p and "more cells" in p for p in problems)
    assert "entry 'x': field 'published': true or false" in problems


def test_it_writes_alternatives_as_json_only_when_needed():
    data = {
        "entries": [
            {
                "id": "a", "municipality": None, "language": "fi", "category": "",
                "question": "Q?", "alternatives": ["yksi", "kaksi"], "answer": "A.",
                "published": True, "group": "6f1c1e2a-5b0e-4c2e-9a57-0d5f3c2b9e10",
            },
            {
                "id": "b", "municipality": None, "language": "fi", "category": "",
                "question": "Q?", "alternatives": ["x | y"], "answer": "A.",
                "published": True, "group": "6f1c1e2a-5b0e-4c2e-9a57-0d5f3c2b9e11",
            },
        ]
    }  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(write_csv(data))))
    assert rows[0]["alternatives"] == "yksi | kaksi"
    assert rows[1]["alternatives"] == '["x | y"]'
    assert read_csv(write_csv(data))[0]["entries"][1]["alternatives"] == ["x | y"]


def test_it_warns_about_links_the_form_would_refuse_but_imports_them(alice, faq):
    data = {"entries": [entry("linky", answer="[Kartta](www.karvia.fi/kartta)")]}
    response = preview(alice, data)
    plan = response.context["plan"]
    assert plan.problems == []
    assert [(w.key, w.field) for w in plan.warnings] == [("linky", "answer")]
    assert alice.post(APPLY, {"digest": response.context["upload"].digest}).status_code == 302
    assert FaqEntry.objects.filter(key="linky").exists()


def test_it_creates_municipalities_for_a_superuser(alice, db):
    data = {
        "municipalities": [{"slug": "honkajoki", "name": "Honkajoki"}],
        "entries": [entry("h", municipality="honkajoki")],
    }
    response = preview(alice, data)
    plan = response.context["plan"]
    assert [c.key for c in plan.municipalities_created] == ["honkajoki"]
    assert [c.key for c in plan.created] == ["h"]
    alice.post(APPLY, {"digest": response.context["upload"].digest})
    assert Municipality.objects.get(slug="honkajoki").faq_entries.count() == 1
