"""import_faq and export_faq: the format of shared/faq-eval/README.md, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from faqbot.models import FaqEntry, FaqRevision, Municipality

pytestmark = pytest.mark.django_db

DEMO_FAQ = Path(__file__).resolve().parents[1] / "faqbot" / "demo" / "demo_faq.json"
EVAL_FAQ = Path(__file__).resolve().parents[2] / "shared" / "faq-eval" / "faq.json"


def write(tmp_path: Path, data: object, name: str = "faq.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def small_file(**entry_overrides) -> dict:
    entry = {
        "id": "library-karvia",
        "municipality": "karvia",
        "language": "fi",
        "category": "Kirjasto",
        "question": "Milloin kirjasto on auki?",
        "alternatives": ["kirjaston aukiolo"],
        "answer": "Ma–pe 10–18.",
    }
    entry.update(entry_overrides)
    return {
        "municipalities": [{"slug": "karvia", "name": "Karvia", "languages": ["fi", "sv", "en"]}],
        "entries": [entry],
    }


def test_it_imports_municipalities_and_entries(tmp_path, capsys):
    call_command("import_faq", write(tmp_path, small_file()))
    entry = FaqEntry.objects.get(key="library-karvia")
    assert entry.municipality == Municipality.objects.get(slug="karvia")
    assert entry.alternatives == ["kirjaston aukiolo"]
    assert entry.published
    assert "1 created" in capsys.readouterr().out


def test_it_upserts_by_id(tmp_path, capsys):
    call_command("import_faq", write(tmp_path, small_file()))
    call_command("import_faq", write(tmp_path, small_file(answer="Ma–to 12–19.")))
    assert FaqEntry.objects.get().answer == "Ma–to 12–19."
    assert "1 updated" in capsys.readouterr().out
    call_command("import_faq", write(tmp_path, small_file(answer="Ma–to 12–19.")))
    assert FaqEntry.objects.count() == 1
    assert "1 unchanged" in capsys.readouterr().out


def test_it_moves_the_faq_revision(tmp_path):
    before = FaqRevision.current()
    call_command("import_faq", write(tmp_path, small_file()))
    assert FaqRevision.current() > before


def test_it_imports_nothing_and_lists_every_error(tmp_path, capsys):
    data = small_file(language="de", question="")
    data["entries"].append(
        {
            "id": "bad id!",
            "municipality": "atlantis",
            "language": "fi",
            "question": "q",
            "answer": "a",
            "alternatives": "not a list",
        }
    )
    data["entries"].append(dict(data["entries"][0]))  # a duplicate id
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_faq", write(tmp_path, data))
    errors = capsys.readouterr().err
    assert "entry 'library-karvia': field 'language'" in errors
    assert "entry 'library-karvia': field 'question'" in errors
    assert "entry 'bad id!': field 'id'" in errors
    assert "entry 'bad id!': field 'municipality': unknown municipality 'atlantis'" in errors
    assert "entry 'bad id!': field 'alternatives'" in errors
    assert "entry 'library-karvia': field 'id': appears more than once" in errors
    assert not Municipality.objects.exists()
    assert not FaqEntry.objects.exists()


def test_it_keeps_existing_content_when_a_file_fails(tmp_path):
    call_command("import_faq", write(tmp_path, small_file()))
    broken = small_file(answer="Changed.")
    broken["entries"].append({"id": "x", "language": "fi"})
    with pytest.raises(CommandError):
        call_command("import_faq", write(tmp_path, broken))
    assert FaqEntry.objects.get().answer == "Ma–pe 10–18."


def test_it_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_faq", path)


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_faq", tmp_path / "nope.json")


def test_it_refuses_a_file_of_the_wrong_shape(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import_faq", write(tmp_path, ["a list"]))
    assert "must be a JSON object" in capsys.readouterr().err


@pytest.mark.parametrize("source", [DEMO_FAQ, EVAL_FAQ], ids=["demo", "eval"])
def test_it_round_trips_without_loss(tmp_path, source):
    if not source.exists():
        pytest.fail(f"{source} is missing")
    call_command("import_faq", source)
    first = tmp_path / "first.json"
    call_command("export_faq", first)
    exported = json.loads(first.read_text(encoding="utf-8"))
    original = json.loads(source.read_text(encoding="utf-8"))
    # Every key the source gave comes back with the same value.
    for given, got in zip(original["entries"], exported["entries"], strict=True):
        assert {key: got[key] for key in given} == given
    for given, got in zip(original["municipalities"], exported["municipalities"], strict=True):
        assert {key: got[key] for key in given} == given

    # And the exported file imports to the same content and exports identically.
    FaqEntry.objects.all().delete()
    Municipality.objects.all().delete()
    call_command("import_faq", first)
    second = tmp_path / "second.json"
    call_command("export_faq", second)
    assert json.loads(second.read_text(encoding="utf-8")) == exported


def test_it_exports_unpublished_entries_as_such(tmp_path):
    call_command("import_faq", write(tmp_path, small_file(published=False)))
    out = tmp_path / "out.json"
    call_command("export_faq", out)
    assert json.loads(out.read_text())["entries"][0]["published"] is False


def with_thresholds(answer: object, suggest: object) -> dict:
    data = small_file()
    data["municipalities"][0].update(answer_threshold=answer, suggest_threshold=suggest)
    return data


def test_it_imports_and_exports_a_municipalitys_thresholds(tmp_path):
    call_command("import_faq", write(tmp_path, with_thresholds(0.8, 0.25)))
    karvia = Municipality.objects.get(slug="karvia")
    assert (karvia.answer_threshold, karvia.suggest_threshold) == (0.8, 0.25)
    out = tmp_path / "out.json"
    call_command("export_faq", out)
    exported = json.loads(out.read_text())["municipalities"][0]
    assert (exported["answer_threshold"], exported["suggest_threshold"]) == (0.8, 0.25)


def test_it_round_trips_thresholds_without_loss(tmp_path):
    # Values that a decimal round trip could bend, an integer, and an empty one.
    data = with_thresholds(0.7000000000000001, None)
    data["municipalities"].append(
        {"slug": "pomarkku", "name": "Pomarkku", "answer_threshold": 1, "suggest_threshold": 0}
    )
    call_command("import_faq", write(tmp_path, data))
    first = tmp_path / "first.json"
    call_command("export_faq", first)
    exported = json.loads(first.read_text())["municipalities"]
    assert [(m["answer_threshold"], m["suggest_threshold"]) for m in exported] == [
        (0.7000000000000001, None),
        (1.0, 0.0),
    ]
    Municipality.objects.all().delete()
    call_command("import_faq", first)
    second = tmp_path / "second.json"
    call_command("export_faq", second)
    assert second.read_text() == first.read_text()


def test_it_empties_thresholds_a_file_leaves_out(tmp_path):
    call_command("import_faq", write(tmp_path, with_thresholds(0.8, 0.25)))
    call_command("import_faq", write(tmp_path, small_file()))
    karvia = Municipality.objects.get(slug="karvia")
    assert (karvia.answer_threshold, karvia.suggest_threshold) == (None, None)


@pytest.mark.parametrize(
    ("answer", "suggest", "field"),
    [
        (1.5, None, "answer_threshold"),
        (-0.1, None, "answer_threshold"),
        ("0.8", None, "answer_threshold"),
        (True, None, "answer_threshold"),
        (float("nan"), None, "answer_threshold"),
        (None, [0.3], "suggest_threshold"),
        (0.4, 0.6, "suggest_threshold"),  # suggesting only above the answer threshold
        (None, 0.99, "suggest_threshold"),  # above the default answer threshold
        (0.01, None, "answer_threshold"),  # below the default suggestion threshold
    ],
)
def test_it_refuses_bad_thresholds(tmp_path, capsys, answer, suggest, field):
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_faq", write(tmp_path, with_thresholds(answer, suggest)))
    assert f"municipality 'karvia': field '{field}'" in capsys.readouterr().err
    assert not Municipality.objects.exists()


# ---- Translations: the optional group and translation_of keys (docs/faq-import.md) ----------


def translated_file() -> dict:
    data = small_file()
    data["entries"] += [
        {
            "id": "library-karvia-sv",
            "municipality": "karvia",
            "language": "sv",
            "question": "När är biblioteket öppet?",
            "answer": "Må–fre 10–18.",
            "translation_of": "library-karvia",
        },
        {
            "id": "library-karvia-en",
            "municipality": "karvia",
            "language": "en",
            "question": "When is the library open?",
            "answer": "Mon–Fri 10–18.",
            "translation_of": "library-karvia-sv",  # a chain: still one group
        },
    ]
    return data


def groups() -> dict[str, str]:
    return {
        key: str(group) for key, group in FaqEntry.objects.values_list("key", "translation_group")
    }


def test_it_links_translations_named_in_the_file(tmp_path):
    call_command("import_faq", write(tmp_path, translated_file()))
    found = groups()
    assert found["library-karvia"] == found["library-karvia-sv"] == found["library-karvia-en"]


def test_it_round_trips_translation_groups_without_loss(tmp_path):
    data = translated_file()
    data["entries"].append(
        {"id": "alone", "municipality": None, "language": "fi", "question": "Q?", "answer": "A."}
    )
    call_command("import_faq", write(tmp_path, data))
    first = tmp_path / "first.json"
    call_command("export_faq", first)
    exported = json.loads(first.read_text(encoding="utf-8"))
    by_key = {e["id"]: e for e in exported["entries"]}
    assert by_key["library-karvia"]["group"] == by_key["library-karvia-en"]["group"]
    assert by_key["alone"]["group"] != by_key["library-karvia"]["group"]

    FaqEntry.objects.all().delete()
    Municipality.objects.all().delete()
    call_command("import_faq", first)
    second = tmp_path / "second.json"
    call_command("export_faq", second)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_it_links_to_an_entry_already_in_the_database(tmp_path):
    call_command("import_faq", write(tmp_path, small_file()))
    data = small_file()
    data["entries"] = [
        {
            "id": "library-karvia-sv",
            "municipality": "karvia",
            "language": "sv",
            "question": "När är biblioteket öppet?",
            "answer": "Må–fre 10–18.",
            "translation_of": "library-karvia",
        }
    ]
    call_command("import_faq", write(tmp_path, data))
    found = groups()
    assert found["library-karvia"] == found["library-karvia-sv"]


def test_it_keeps_links_a_file_does_not_mention(tmp_path):
    call_command("import_faq", write(tmp_path, translated_file()))
    before = groups()
    # The same entries without the link keys, as in shared/faq-eval: the links stay.
    plain = translated_file()
    for entry in plain["entries"]:
        entry.pop("translation_of", None)
    call_command("import_faq", write(tmp_path, plain))
    assert groups() == before


def test_it_unlinks_an_entry_given_null(tmp_path):
    call_command("import_faq", write(tmp_path, translated_file()))
    data = translated_file()
    data["entries"][2]["translation_of"] = None  # the English one stands alone
    call_command("import_faq", write(tmp_path, data))
    found = groups()
    assert found["library-karvia"] == found["library-karvia-sv"] != found["library-karvia-en"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"translation_of": "nowhere"}, "field 'translation_of': unknown entry 'nowhere'"),
        ({"translation_of": "library-karvia-en"}, "field 'translation_of': links round in a loop"),
        ({"group": "not-a-uuid"}, "field 'group': a UUID"),
        (
            {"group": "6f1c1e2a-5b0e-4c2e-9a57-0d5f3c2b9e10"},
            "field 'translation_of': give either 'group' or 'translation_of', not both",
        ),
        ({"language": "fi"}, "field 'translation_of': its translations already have a fi entry"),
        (
            {"municipality": None},
            "field 'translation_of': translations belong to the same municipality",
        ),
    ],
)
def test_it_refuses_broken_translation_links(tmp_path, capsys, change, message):
    data = translated_file()
    data["entries"][1].update(change)  # the Swedish entry
    if "translation_of" in str(change) and "loop" in message:
        data["entries"][0]["translation_of"] = "library-karvia-en"
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_faq", write(tmp_path, data))
    assert message in capsys.readouterr().err
    assert not FaqEntry.objects.exists()


def test_it_refuses_a_group_shared_with_another_municipalitys_entry(tmp_path, capsys):
    data = translated_file()
    data["municipalities"].append({"slug": "pomarkku", "name": "Pomarkku"})
    data["entries"][1]["municipality"] = "pomarkku"
    with pytest.raises(CommandError):
        call_command("import_faq", write(tmp_path, data))
    assert "belongs to 'karvia'" in capsys.readouterr().err


def test_it_evaluates_a_file_with_links_without_the_database():
    from faqbot.evaluation import docs_from_faq

    docs = docs_from_faq(translated_file())
    assert [d.key for d in docs] == ["library-karvia", "library-karvia-sv", "library-karvia-en"]
