"""manage.py evaluate_bot: scores a labelled set without touching the database's FAQ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from faqbot.models import FaqEntry, FaqRevision, Municipality

pytestmark = pytest.mark.django_db

FAQ = {
    "municipalities": [
        {"slug": "karvia", "name": "Karvia", "languages": ["fi", "sv", "en"]},
        {"slug": "pomarkku", "name": "Pomarkku", "languages": ["fi", "sv"]},
    ],
    "entries": [
        {
            "id": "eval-library-karvia",
            "municipality": "karvia",
            "language": "fi",
            "question": "Milloin Karvian kirjasto on auki?",
            "alternatives": ["kirjaston aukiolo"],
            "answer": "Ma–pe 10–18.",
        },
        {
            "id": "eval-library-pomarkku",
            "municipality": "pomarkku",
            "language": "fi",
            "question": "Milloin Pomarkun kirjasto on auki?",
            "alternatives": ["kirjaston aukiolo"],
            "answer": "Ti–to 12–19.",
        },
        {
            "id": "eval-permit",
            "municipality": None,
            "language": "fi",
            "question": "Miten haen rakennuslupaa?",
            "alternatives": ["rakennusluvan hakeminen"],
            "answer": "Lupapisteessä.",
        },
    ],
}
QUESTIONS = [
    {"text": "kirjaston aukiolo", "municipality": "karvia", "language": "fi",
     "expected": "eval-library-karvia", "kind": "keyword"},
    {"text": "milloin kirjasto on auki", "municipality": "pomarkku", "language": "fi",
     "expected": "eval-library-pomarkku", "kind": "paraphrase"},
    {"text": "rakennusluvan hakeminen", "municipality": "pomarkku", "language": "fi",
     "expected": "eval-permit", "kind": "keyword"},
    {"text": "saanko jutella ihmisen kanssa", "municipality": "karvia", "language": "fi",
     "expected": "HANDOFF", "kind": "handoff_request"},
    {"text": "qwerty asdfgh", "municipality": "karvia", "language": "fi",
     "expected": None, "kind": "out_of_scope"},
]  # fmt: skip
SCORES = ["answer_accuracy", "wrong_answer_rate", "handoff_recall", "top3_recall"]


def write_files(tmp_path: Path, faq: object = FAQ, questions: list | None = None) -> list[str]:
    faq_path = tmp_path / "faq.json"
    faq_path.write_text(json.dumps(faq, ensure_ascii=False), encoding="utf-8")
    questions_path = tmp_path / "questions.jsonl"
    lines = [json.dumps(q, ensure_ascii=False) for q in (questions or QUESTIONS)]
    questions_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--faq", str(faq_path), "--questions", str(questions_path)]


def test_it_scores_a_labelled_set_as_json(tmp_path, capsys):
    call_command("evaluate_bot", *write_files(tmp_path), "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == len(QUESTIONS)
    for key in SCORES:
        assert 0.0 <= result[key] <= 1.0, key
    assert 0.0 < result["p50_ms"] <= result["p99_ms"]
    # The set is easy; a bot that gets it wrong is broken, not merely imprecise.
    assert result["answer_accuracy"] == 1.0
    assert result["wrong_answer_rate"] == 0.0
    assert result["handoff_recall"] == 1.0
    assert result["top3_recall"] == 1.0


def test_it_prints_a_readable_report(tmp_path, capsys):
    call_command("evaluate_bot", *write_files(tmp_path))
    out = capsys.readouterr().out
    assert f"n = {len(QUESTIONS)}" in out
    for key in SCORES:
        assert key in out


def test_it_leaves_the_databases_faq_untouched(tmp_path, faq, capsys):
    def snapshot() -> tuple:
        return (
            list(FaqEntry.objects.order_by("pk").values()),
            list(Municipality.objects.order_by("pk").values()),
            FaqRevision.current(),
        )

    before = snapshot()
    call_command("evaluate_bot", *write_files(tmp_path), "--json")
    assert snapshot() == before
    assert not FaqEntry.objects.filter(key__startswith="eval-").exists()


@pytest.mark.parametrize(
    "broken",
    [
        "faq_not_json",
        "faq_invalid_entry",
        "faq_missing",
        "questions_not_json",
        "question_without_text",
    ],
)
def test_it_refuses_a_bad_file(tmp_path, broken, capsys):
    args = write_files(tmp_path)
    faq_path, questions_path = Path(args[1]), Path(args[3])
    if broken == "faq_not_json":
        faq_path.write_text("{not json")
    elif broken == "faq_invalid_entry":
        bad = json.loads(json.dumps(FAQ))
        bad["entries"][0]["language"] = "de"
        faq_path.write_text(json.dumps(bad))
    elif broken == "faq_missing":
        faq_path.unlink()
    elif broken == "questions_not_json":
        questions_path.write_text("{broken\n")
    else:
        questions_path.write_text(json.dumps({"municipality": "karvia", "language": "fi"}))
    with pytest.raises(CommandError):
        call_command("evaluate_bot", *args, "--json")
    assert capsys.readouterr().out == ""


def test_it_reads_the_translation_links_of_our_export_format():
    from faqbot.evaluation import docs_from_faq

    group = "7d7c2a4e-8a4b-4b8e-9d0e-3f2c1b0a9e8d"

    def entry(key: str, language: str, **link: str) -> dict:
        return {"id": key, "municipality": None, "language": language, "question": key,
                "alternatives": [], "answer": key, **link}  # fmt: skip

    entries = [
        entry("fi", "fi"),
        entry("sv", "sv", translation_of="fi"),
        entry("en", "en", translation_of="sv"),  # a chain ends at the same entry
        entry("other", "fi"),
        entry("a", "fi", group=group),
        entry("b", "sv", group=group),
    ]
    docs = docs_from_faq({"municipalities": FAQ["municipalities"], "entries": entries})
    groups = {doc.key: doc.group for doc in docs}
    assert groups["fi"] == groups["sv"] == groups["en"]
    assert groups["a"] == groups["b"] == group
    assert groups["other"] not in {groups[key] for key in groups if key != "other"}
    assert groups["fi"] != groups["a"]
