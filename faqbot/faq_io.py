"""Import and export of FAQ content in the format of shared/faq-eval/README.md.

The format is {"municipalities": [...], "entries": [...]}. Besides the documented keys, a
municipality may carry name_sv, theme_color, allowed_origins, greeting {fi, sv, en},
answer_threshold and suggest_threshold (0..1, or null for the calibrated default), and an
entry may carry published; export writes them all, so a round trip loses nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from faqbot.languages import LANGUAGE_CODES
from faqbot.models import ORIGIN_RE, FaqEntry, FaqRevision, Municipality
from faqbot.thresholds import suggest_above_answer

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    municipalities_created: int = 0
    municipalities_updated: int = 0


class FaqImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def _text(value: object, *, required: bool, max_length: int) -> str | None:
    """The value if it is an acceptable text, else None."""
    if not isinstance(value, str):
        return None
    if required and not value.strip():
        return None
    if len(value) > max_length:
        return None
    return value


def _threshold(value: object) -> bool:
    """Is the value an acceptable threshold: null, or a number in 0..1?"""
    if value is None:
        return True
    # JSON's true is not a number, and Python's json module reads NaN and Infinity.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and 0.0 <= value <= 1.0


def _municipality_errors(index: int, item: object) -> list[str]:
    if not isinstance(item, dict):
        return [f"municipality #{index + 1}: must be an object"]
    label = f"municipality {item.get('slug')!r}" if "slug" in item else f"#{index + 1}"
    errors = []
    if not isinstance(item.get("slug"), str) or not SLUG_RE.match(item["slug"]):
        errors.append(f"{label}: field 'slug': letters, digits, - and _ only (1–50)")
    if _text(item.get("name"), required=True, max_length=100) is None:
        errors.append(f"{label}: field 'name': a non-empty text of at most 100 characters")
    languages = item.get("languages", list(LANGUAGE_CODES))
    if (
        not isinstance(languages, list)
        or not languages
        or any(code not in LANGUAGE_CODES for code in languages)
        or len(set(languages)) != len(languages)
    ):
        errors.append(f"{label}: field 'languages': a list of fi, sv, en")
    if "name_sv" in item and _text(item["name_sv"], required=False, max_length=100) is None:
        errors.append(f"{label}: field 'name_sv': a text of at most 100 characters")
    if "theme_color" in item and (
        not isinstance(item["theme_color"], str) or not COLOUR_RE.match(item["theme_color"])
    ):
        errors.append(f"{label}: field 'theme_color': a colour like #1f5f8b")
    origins = item.get("allowed_origins", [])
    if not isinstance(origins, list) or any(
        not isinstance(o, str) or not ORIGIN_RE.match(o) for o in origins
    ):
        errors.append(f"{label}: field 'allowed_origins': a list like ['https://www.karvia.fi']")
    greeting = item.get("greeting", {})
    if not isinstance(greeting, dict) or any(
        key not in LANGUAGE_CODES or not isinstance(value, str) for key, value in greeting.items()
    ):
        errors.append(f"{label}: field 'greeting': an object of fi, sv, en texts")
    thresholds_valid = True
    for key in ("answer_threshold", "suggest_threshold"):
        if not _threshold(item.get(key)):
            errors.append(f"{label}: field '{key}': a number from 0 to 1, or null")
            thresholds_valid = False
    if thresholds_valid and suggest_above_answer(
        item.get("answer_threshold"), item.get("suggest_threshold")
    ):
        field = (
            "suggest_threshold" if item.get("suggest_threshold") is not None else "answer_threshold"
        )
        errors.append(
            f"{label}: field '{field}': suggest_threshold may not be above answer_threshold "
            "(a missing or null one is the calibrated default)"
        )
    return errors


def _entry_errors(index: int, item: object, known_slugs: set[str]) -> list[str]:
    if not isinstance(item, dict):
        return [f"entry #{index + 1}: must be an object"]
    key = item.get("id")
    label = f"entry {key!r}" if isinstance(key, str) else f"entry #{index + 1}"
    errors = []
    if not isinstance(key, str) or not KEY_RE.match(key):
        errors.append(f"{label}: field 'id': letters, digits, '.', '-' and '_' (1–120)")
    municipality = item.get("municipality")
    if municipality is not None and municipality not in known_slugs:
        errors.append(f"{label}: field 'municipality': unknown municipality {municipality!r}")
    if item.get("language") not in LANGUAGE_CODES:
        errors.append(f"{label}: field 'language': one of fi, sv, en")
    if _text(item.get("category", ""), required=False, max_length=100) is None:
        errors.append(f"{label}: field 'category': a text of at most 100 characters")
    if _text(item.get("question"), required=True, max_length=500) is None:
        errors.append(f"{label}: field 'question': a non-empty text of at most 500 characters")
    alternatives = item.get("alternatives", [])
    if not isinstance(alternatives, list) or any(not isinstance(a, str) for a in alternatives):
        errors.append(f"{label}: field 'alternatives': a list of texts")
    if _text(item.get("answer"), required=True, max_length=20000) is None:
        errors.append(f"{label}: field 'answer': a non-empty Markdown text")
    if "published" in item and not isinstance(item["published"], bool):
        errors.append(f"{label}: field 'published': true or false")
    return errors


def validate(data: object, *, use_database: bool = True) -> list[str]:
    """Every error in the file, each naming the entry or municipality and the field.

    Entries may name municipalities already in the database, unless use_database is off
    (the evaluation reads files alone).
    """
    if not isinstance(data, dict):
        return ["file: must be a JSON object with 'municipalities' and 'entries'"]
    errors: list[str] = []
    municipalities = data.get("municipalities", [])
    entries = data.get("entries")
    if not isinstance(municipalities, list):
        errors.append("file: 'municipalities' must be a list")
        municipalities = []
    if not isinstance(entries, list):
        errors.append("file: 'entries' must be a list")
        entries = []
    seen_slugs: set[str] = set()
    for i, item in enumerate(municipalities):
        errors += _municipality_errors(i, item)
        slug = item.get("slug") if isinstance(item, dict) else None
        if isinstance(slug, str):
            if slug in seen_slugs:
                errors.append(f"municipality {slug!r}: field 'slug': appears more than once")
            seen_slugs.add(slug)
    known = set(seen_slugs)
    if use_database:
        known |= set(Municipality.objects.values_list("slug", flat=True))
    seen_keys: set[str] = set()
    for i, item in enumerate(entries):
        errors += _entry_errors(i, item, known)
        key = item.get("id") if isinstance(item, dict) else None
        if isinstance(key, str):
            if key in seen_keys:
                errors.append(f"entry {key!r}: field 'id': appears more than once")
            seen_keys.add(key)
    return errors


def _float_or_none(value: float | None) -> float | None:
    return None if value is None else float(value)


def _municipality_fields(item: dict[str, Any]) -> dict[str, Any]:
    greeting = item.get("greeting", {})
    fields: dict[str, Any] = {
        "name": item["name"],
        "languages": item.get("languages", list(LANGUAGE_CODES)),
        "name_sv": item.get("name_sv", ""),
        "allowed_origins": item.get("allowed_origins", []),
        "greeting_fi": greeting.get("fi", ""),
        "greeting_sv": greeting.get("sv", ""),
        "greeting_en": greeting.get("en", ""),
        "answer_threshold": _float_or_none(item.get("answer_threshold")),
        "suggest_threshold": _float_or_none(item.get("suggest_threshold")),
    }
    if "theme_color" in item:
        fields["theme_color"] = item["theme_color"]
    return fields


def _entry_fields(item: dict[str, Any], municipalities: dict[str, Municipality]) -> dict:
    slug = item.get("municipality")
    return {
        "municipality": municipalities[slug] if slug else None,
        "language": item["language"],
        "category": item.get("category", ""),
        "question": item["question"],
        "alternatives": list(item.get("alternatives", [])),
        "answer": item["answer"],
        "published": item.get("published", True),
    }


def _upsert(model: type, lookup: dict[str, Any], fields: dict[str, Any]) -> str:
    """Create, update or leave one row; returns which."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        model.objects.create(**lookup, **fields)
        return "created"
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(obj, name, fields[name])
    obj.save()
    return "updated"


def import_faq(data: object) -> ImportReport:
    """Upsert municipalities by slug and entries by id, all or nothing."""
    errors = validate(data)
    if errors:
        raise FaqImportError(errors)
    assert isinstance(data, dict)
    report = ImportReport()
    with transaction.atomic():
        for item in data.get("municipalities", []):
            outcome = _upsert(Municipality, {"slug": item["slug"]}, _municipality_fields(item))
            if outcome == "created":
                report.municipalities_created += 1
            elif outcome == "updated":
                report.municipalities_updated += 1
        municipalities = {m.slug: m for m in Municipality.objects.all()}
        for item in data["entries"]:
            outcome = _upsert(FaqEntry, {"key": item["id"]}, _entry_fields(item, municipalities))
            setattr(report, outcome, getattr(report, outcome) + 1)
        FaqRevision.bump()
    return report


def export_faq() -> dict[str, Any]:
    municipalities = [
        {
            "slug": m.slug,
            "name": m.name,
            "name_sv": m.name_sv,
            "languages": m.languages,
            "theme_color": m.theme_color,
            "allowed_origins": m.allowed_origins,
            "greeting": {"fi": m.greeting_fi, "sv": m.greeting_sv, "en": m.greeting_en},
            "answer_threshold": m.answer_threshold,
            "suggest_threshold": m.suggest_threshold,
        }
        for m in Municipality.objects.order_by("pk")
    ]
    entries = [
        {
            "id": e.key,
            "municipality": e.municipality.slug if e.municipality else None,
            "language": e.language,
            "category": e.category,
            "question": e.question,
            "alternatives": e.alternatives,
            "answer": e.answer,
            "published": e.published,
        }
        for e in FaqEntry.objects.select_related("municipality").order_by("pk")
    ]
    return {"municipalities": municipalities, "entries": entries}
