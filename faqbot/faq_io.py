"""Import and export of FAQ content in the format of shared/faq-eval/README.md.

The format is {"municipalities": [...], "entries": [...]}. Besides the documented keys, a
municipality may carry name_sv, theme_color, allowed_origins, greeting {fi, sv, en},
answer_threshold and suggest_threshold (0..1, or null for the calibrated default), and an
entry may carry published and the link to its translations: group (a UUID shared by the
entries that translate one another) or translation_of (the id of an entry it translates,
in the file or already in the database). Export writes them all (the link as group), so a
round trip loses nothing. docs/faq-import.md describes the format and its CSV form.

An entry without group and translation_of keeps the link it has; with "group": null or
"translation_of": null it is unlinked from its translations.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from faqbot.answer_links import link_problems
from faqbot.languages import LANGUAGE_CODES
from faqbot.models import ORIGIN_RE, FaqEntry, FaqRevision, Municipality
from faqbot.thresholds import suggest_above_answer

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# The history's reason for saves made by an import (django-simple-history, 100 characters).
IMPORT_REASON = "import"
# Entry fields as the file names them, in the order a preview lists changes.
ENTRY_FIELDS = (
    "municipality", "language", "category", "question", "alternatives", "answer",
    "published", "group",
)  # fmt: skip
MUNICIPALITY_FIELDS = (
    "name", "name_sv", "languages", "theme_color", "allowed_origins", "greeting",
    "answer_threshold", "suggest_threshold",
)  # fmt: skip
_MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: what it is about, which field, and what is wrong.

    str() gives the English line the import command prints; text() the message alone in
    the active language, for the admin's preview (the messages are marked for translation
    with gettext_noop and formatted with params after translating).
    """

    subject: str  # "file", "entry 'library-karvia'", "entry #3", "municipality 'karvia'"
    message: str
    field: str | None = None
    key: str | None = None  # the entry's id or the municipality's slug, when it has one
    params: dict[str, object] = dataclass_field(default_factory=dict)

    def __str__(self) -> str:
        message = self.message % self.params if self.params else self.message
        if self.field is None:
            return f"{self.subject}: {message}"
        return f"{self.subject}: field '{self.field}': {message}"

    def text(self) -> str:
        message = gettext(self.message)
        return message % self.params if self.params else message

    def place(self) -> str:
        """Where the problem is, in the active language (the subject is English)."""
        kind, _, rest = self.subject.partition(" ")
        name = self.key if self.key is not None else rest.strip("'")
        if kind == "file":
            return gettext("the file")
        if kind == "line":
            return gettext("line %(number)s") % {"number": rest}
        if kind == "municipality" or kind.startswith("#"):
            return gettext("municipality %(name)s") % {"name": name or kind}
        return gettext("entry %(name)s") % {"name": name}


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    municipalities_created: int = 0
    municipalities_updated: int = 0


class FaqImportError(Exception):
    def __init__(self, errors: list[str], problems: list[Problem] | None = None) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.problems = problems or []


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


def _uuid(value: object) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _municipality_problems(index: int, item: object) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem(f"municipality #{index + 1}", gettext_noop("must be an object"))]
    slug = item.get("slug") if isinstance(item.get("slug"), str) else None
    label = f"municipality {item.get('slug')!r}" if "slug" in item else f"#{index + 1}"
    problems = []

    def problem(name: str, message: str, **params: object) -> None:
        problems.append(Problem(label, message, name, slug, params))

    if not isinstance(item.get("slug"), str) or not SLUG_RE.match(item["slug"]):
        problem("slug", gettext_noop("letters, digits, - and _ only (1–50)"))
    if _text(item.get("name"), required=True, max_length=100) is None:
        problem("name", gettext_noop("a non-empty text of at most 100 characters"))
    languages = item.get("languages", list(LANGUAGE_CODES))
    if (
        not isinstance(languages, list)
        or not languages
        or any(code not in LANGUAGE_CODES for code in languages)
        or len(set(languages)) != len(languages)
    ):
        problem("languages", gettext_noop("a list of fi, sv, en"))
    if "name_sv" in item and _text(item["name_sv"], required=False, max_length=100) is None:
        problem("name_sv", gettext_noop("a text of at most 100 characters"))
    if "theme_color" in item and (
        not isinstance(item["theme_color"], str) or not COLOUR_RE.match(item["theme_color"])
    ):
        problem("theme_color", gettext_noop("a colour like #1f5f8b"))
    origins = item.get("allowed_origins", [])
    if not isinstance(origins, list) or any(
        not isinstance(o, str) or not ORIGIN_RE.match(o) for o in origins
    ):
        problem("allowed_origins", gettext_noop("a list like ['https://www.karvia.fi']"))
    greeting = item.get("greeting", {})
    if not isinstance(greeting, dict) or any(
        key not in LANGUAGE_CODES or not isinstance(value, str) for key, value in greeting.items()
    ):
        problem("greeting", gettext_noop("an object of fi, sv, en texts"))
    thresholds_valid = True
    for key in ("answer_threshold", "suggest_threshold"):
        if not _threshold(item.get(key)):
            problem(key, gettext_noop("a number from 0 to 1, or null"))
            thresholds_valid = False
    if thresholds_valid and suggest_above_answer(
        item.get("answer_threshold"), item.get("suggest_threshold")
    ):
        name = (
            "suggest_threshold" if item.get("suggest_threshold") is not None else "answer_threshold"
        )
        problem(
            name,
            gettext_noop(
                "suggest_threshold may not be above answer_threshold "
                "(a missing or null one is the calibrated default)"
            ),
        )
    return problems


def _entry_label(index: int, item: dict) -> str:
    key = item.get("id")
    return f"entry {key!r}" if isinstance(key, str) else f"entry #{index + 1}"


def _entry_problems(index: int, item: object, known_slugs: set[str]) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem(f"entry #{index + 1}", gettext_noop("must be an object"))]
    key = item.get("id")
    label = _entry_label(index, item)
    own_key = key if isinstance(key, str) else None
    problems = []

    def problem(name: str, message: str, **params: object) -> None:
        problems.append(Problem(label, message, name, own_key, params))

    if not isinstance(key, str) or not KEY_RE.match(key):
        problem("id", gettext_noop("letters, digits, '.', '-' and '_' (1–120)"))
    municipality = item.get("municipality")
    if municipality is not None and municipality not in known_slugs:
        problem(
            "municipality", gettext_noop("unknown municipality %(value)s"), value=repr(municipality)
        )
    if item.get("language") not in LANGUAGE_CODES:
        problem("language", gettext_noop("one of fi, sv, en"))
    if _text(item.get("category", ""), required=False, max_length=100) is None:
        problem("category", gettext_noop("a text of at most 100 characters"))
    if _text(item.get("question"), required=True, max_length=500) is None:
        problem("question", gettext_noop("a non-empty text of at most 500 characters"))
    alternatives = item.get("alternatives", [])
    if not isinstance(alternatives, list) or any(not isinstance(a, str) for a in alternatives):
        problem("alternatives", gettext_noop("a list of texts"))
    if _text(item.get("answer"), required=True, max_length=20000) is None:
        problem("answer", gettext_noop("a non-empty Markdown text"))
    if "published" in item and not isinstance(item["published"], bool):
        problem("published", gettext_noop("true or false"))
    group = item.get("group")
    if group is not None and _uuid(group) is None:
        problem("group", gettext_noop("a UUID like 6f1c1e2a-5b0e-4c2e-9a57-0d5f3c2b9e10, or null"))
    target = item.get("translation_of")
    if target is not None:
        if group is not None:
            problem(
                "translation_of", gettext_noop("give either 'group' or 'translation_of', not both")
            )
        elif not isinstance(target, str) or not KEY_RE.match(target):
            problem("translation_of", gettext_noop("the id of another entry, or null"))
        elif target == key:
            problem("translation_of", gettext_noop("an entry cannot be a translation of itself"))
    return problems


@dataclass(frozen=True)
class _Existing:
    group: uuid.UUID
    language: str
    municipality: str | None


def _existing_entries(keys: set[str], groups: set[uuid.UUID] | None = None) -> dict[str, _Existing]:
    """The database's entries with these ids or in these translation groups."""
    rows = FaqEntry.objects.filter(key__in=keys)
    if groups:
        rows |= FaqEntry.objects.filter(translation_group__in=groups)
    return {
        key: _Existing(group, language, slug)
        for key, group, language, slug in rows.values_list(
            "key", "translation_group", "language", "municipality__slug"
        )
    }


def resolve_groups(entries: list[object], *, use_database: bool = True) -> tuple[
    dict[str, uuid.UUID], list[Problem]
]:  # fmt: skip
    """Each file entry's translation group after the import, and the problems with links.

    Problems: translation_of naming an unknown entry or going round in a loop, and groups
    that would hold two entries of one language or entries of different municipalities.
    """
    items: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for index, item in enumerate(entries):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            items.setdefault(item["id"], item)
            labels.setdefault(item["id"], _entry_label(index, item))
    targets = {t for item in items.values() if isinstance(t := item.get("translation_of"), str)}
    existing = _existing_entries(set(items) | targets) if use_database else {}
    problems: list[Problem] = []
    resolved: dict[str, uuid.UUID] = {}
    shared_counts: dict[uuid.UUID, int] = defaultdict(int)
    for found in existing.values():
        shared_counts[found.group] += 1

    def resolve(key: str, path: tuple[str, ...]) -> uuid.UUID:
        if key in resolved:
            return resolved[key]
        item = items[key]
        group = item.get("group", _MISSING)
        target = item.get("translation_of", _MISSING)
        result: uuid.UUID | None = None
        if isinstance(group, str):
            result = _uuid(group)
        elif isinstance(target, str) and target != key:
            if target in path:
                problems.append(
                    Problem(
                        labels[key],
                        gettext_noop("links round in a loop back to %(value)s"),
                        "translation_of",
                        key,
                        {"value": repr(target)},
                    )
                )
            elif target in items:
                result = resolve(target, (*path, key))
            elif target in existing:
                result = existing[target].group
            else:
                problems.append(
                    Problem(
                        labels[key],
                        gettext_noop("unknown entry %(value)s"),
                        "translation_of",
                        key,
                        {"value": repr(target)},
                    )
                )
        elif group is None or target is None:
            # Explicitly unlinked: its own group, the present one if nothing else shares it.
            found = existing.get(key)
            if found is not None and shared_counts[found.group] <= 1:
                result = found.group
        elif key in existing:
            result = existing[key].group  # no link given: it keeps the one it has
        resolved[key] = result or uuid.uuid4()
        return resolved[key]

    for key in items:
        resolve(key, ())

    # The groups as they would be after the import: the file's entries, and the database's
    # entries of the same groups that the file does not mention.
    members: dict[uuid.UUID, list[tuple[str, str, str | None, bool]]] = defaultdict(list)
    for key, item in items.items():
        members[resolved[key]].append((key, item.get("language"), item.get("municipality"), True))
    if use_database:
        others = _existing_entries(set(), set(members))
        for key, found in others.items():
            if key not in items:
                members[found.group].append((key, found.language, found.municipality, False))
    for group_members in members.values():
        for key, language, municipality, in_file in group_members:
            if not in_file:
                continue
            item = items[key]
            link = next((name for name in ("translation_of", "group") if name in item), None)
            twin = next(
                (k for k, lang, _m, _f in group_members if k != key and lang == language), None
            )
            if twin is not None:
                problems.append(
                    Problem(
                        labels[key],
                        gettext_noop(
                            "its translations already have a %(language)s entry (%(other)s)"
                        ),
                        link or "language",
                        key,
                        {"language": language, "other": repr(twin)},
                    )
                )
            elsewhere = next(
                ((k, m) for k, _lang, m, _f in group_members if k != key and m != municipality),
                None,
            )
            if elsewhere is not None:
                other, slug = elsewhere
                message = (
                    gettext_noop(
                        "translations belong to the same municipality, or are all shared: "
                        "%(other)s is shared"
                    )
                    if slug is None
                    else gettext_noop(
                        "translations belong to the same municipality, or are all shared: "
                        "%(other)s belongs to %(municipality)s"
                    )
                )
                params = {"other": repr(other), "municipality": repr(slug)}
                problems.append(Problem(labels[key], message, link or "municipality", key, params))
    return resolved, problems


def problems(data: object, *, use_database: bool = True) -> list[Problem]:
    """Every problem in the file, each naming the entry or municipality and the field.

    Entries may name municipalities and entries already in the database, unless
    use_database is off (the evaluation reads files alone).
    """
    if not isinstance(data, dict):
        return [
            Problem(
                "file", gettext_noop("must be a JSON object with 'municipalities' and 'entries'")
            )
        ]
    found: list[Problem] = []
    municipalities = data.get("municipalities", [])
    entries = data.get("entries")
    if not isinstance(municipalities, list):
        found.append(Problem("file", gettext_noop("'municipalities' must be a list")))
        municipalities = []
    if not isinstance(entries, list):
        found.append(Problem("file", gettext_noop("'entries' must be a list")))
        entries = []
    seen_slugs: set[str] = set()
    for i, item in enumerate(municipalities):
        found += _municipality_problems(i, item)
        slug = item.get("slug") if isinstance(item, dict) else None
        if isinstance(slug, str):
            if slug in seen_slugs:
                found.append(
                    Problem(
                        f"municipality {slug!r}",
                        gettext_noop("appears more than once"),
                        "slug",
                        slug,
                    )
                )
            seen_slugs.add(slug)
    known = set(seen_slugs)
    if use_database:
        known |= set(Municipality.objects.values_list("slug", flat=True))
    seen_keys: set[str] = set()
    entry_problems: list[Problem] = []
    for i, item in enumerate(entries):
        entry_problems += _entry_problems(i, item, known)
        key = item.get("id") if isinstance(item, dict) else None
        if isinstance(key, str):
            if key in seen_keys:
                entry_problems.append(
                    Problem(f"entry {key!r}", gettext_noop("appears more than once"), "id", key)
                )
            seen_keys.add(key)
    found += entry_problems
    if not entry_problems:
        # Links between entries are checked once each entry is sound by itself.
        found += resolve_groups(entries, use_database=use_database)[1]
    return found


def validate(data: object, *, use_database: bool = True) -> list[str]:
    """Every error in the file as text, each naming the entry or municipality and the field."""
    return [str(problem) for problem in problems(data, use_database=use_database)]


def link_warnings(data: dict[str, Any]) -> list[Problem]:
    """Answers' links that the editor's form would refuse (faqbot.answer_links).

    Only warnings: a file made elsewhere (the evaluation sets) must still load as it is.
    """
    warnings = []
    for index, item in enumerate(data.get("entries", [])):
        if isinstance(item, dict) and isinstance(item.get("answer"), str):
            for problem in link_problems(item["answer"]):
                warnings.append(
                    Problem(_entry_label(index, item), problem.message(), "answer", item.get("id"))
                )
    return warnings


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


def _entry_fields(
    item: dict[str, Any], municipalities: dict[str, Municipality], group: uuid.UUID
) -> dict[str, Any]:
    slug = item.get("municipality")
    return {
        "municipality": municipalities.get(slug) if slug else None,
        "language": item["language"],
        "category": item.get("category", ""),
        "question": item["question"],
        "alternatives": list(item.get("alternatives", [])),
        "answer": item["answer"],
        "published": item.get("published", True),
        "translation_group": group,
    }


# The model's field names as the file calls them, for previews.
_FILE_NAMES = {
    "translation_group": "group",
    "greeting_fi": "greeting",
    "greeting_sv": "greeting",
    "greeting_en": "greeting",
}


def _changed_fields(obj: object, fields: dict[str, Any]) -> list[str]:
    return [name for name, value in fields.items() if getattr(obj, name) != value]


def _file_names(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_FILE_NAMES.get(name, name) for name in names))


@dataclass(frozen=True)
class Change:
    """One row an import would create or change (fields: what changes, as the file names them)."""

    key: str
    label: str
    fields: tuple[str, ...] = ()
    municipality: str | None = None  # an entry's municipality slug after the import
    old_municipality: str | None = None  # before, for changed entries


@dataclass
class ImportPlan:
    """What an import would do, worked out without writing anything."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    municipalities_created: list[Change] = field(default_factory=list)
    municipalities_changed: list[Change] = field(default_factory=list)
    municipalities_unchanged: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def plan_import(data: object) -> ImportPlan:
    """What importing the file would create, change and leave alone, and its problems."""
    plan = ImportPlan(problems=problems(data))
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        return plan
    plan.warnings = link_warnings(data)
    failing = {p.key for p in plan.problems if p.key is not None}
    existing_municipalities = {m.slug: m for m in Municipality.objects.all()}
    municipalities = data.get("municipalities", [])
    for item in municipalities if isinstance(municipalities, list) else []:
        if not isinstance(item, dict) or item.get("slug") in failing or "slug" not in item:
            continue
        slug, name = item["slug"], item.get("name", "")
        found = existing_municipalities.get(slug)
        if found is None:
            plan.municipalities_created.append(Change(slug, name))
            continue
        changed = _changed_fields(found, _municipality_fields(item))
        target = plan.municipalities_changed if changed else plan.municipalities_unchanged
        target.append(Change(slug, name, _file_names(changed)))
    groups, _ = resolve_groups(data["entries"])
    sound = [
        item
        for item in data["entries"]
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] not in failing
    ]
    current = {
        e.key: e
        for e in FaqEntry.objects.filter(key__in=[i["id"] for i in sound]).select_related(
            "municipality"
        )
    }
    for item in sound:
        key = item["id"]
        new_slug = item.get("municipality")
        found = current.get(key)
        if found is None:
            plan.created.append(Change(key, item["question"], (), new_slug))
            continue
        # Compared by slug: a municipality the file creates is not in the database yet.
        fields = _entry_fields(item, {}, groups[key]) | {"municipality": new_slug}
        old_slug = found.municipality.slug if found.municipality else None
        changed = [
            name
            for name, value in fields.items()
            if (old_slug if name == "municipality" else getattr(found, name)) != value
        ]
        change = Change(key, item["question"], _file_names(changed), new_slug, old_slug)
        (plan.changed if changed else plan.unchanged).append(change)
    return plan


def _upsert(model: type, lookup: dict[str, Any], fields: dict[str, Any]) -> str:
    """Create, update or leave one row; returns which."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **fields)
        obj._change_reason = IMPORT_REASON
        obj.save()
        return "created"
    changed = _changed_fields(obj, fields)
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(obj, name, fields[name])
    obj._change_reason = IMPORT_REASON
    obj.save()
    return "updated"


def import_faq(data: object) -> ImportReport:
    """Upsert municipalities by slug and entries by id, all or nothing."""
    with transaction.atomic():
        found = problems(data)
        if found:
            raise FaqImportError([str(p) for p in found], found)
        assert isinstance(data, dict)
        report = ImportReport()
        for item in data.get("municipalities", []):
            outcome = _upsert(Municipality, {"slug": item["slug"]}, _municipality_fields(item))
            if outcome == "created":
                report.municipalities_created += 1
            elif outcome == "updated":
                report.municipalities_updated += 1
        municipalities = {m.slug: m for m in Municipality.objects.all()}
        groups, _ = resolve_groups(data["entries"])
        for item in data["entries"]:
            fields = _entry_fields(item, municipalities, groups[item["id"]])
            outcome = _upsert(FaqEntry, {"key": item["id"]}, fields)
            setattr(report, outcome, getattr(report, outcome) + 1)
        FaqRevision.bump()
    return report


def export_faq(entries: Any = None, municipalities: Any = None) -> dict[str, Any]:
    """Everything, or the given querysets of entries and municipalities, in the file format."""
    if municipalities is None:
        municipalities = Municipality.objects.all()
    if entries is None:
        entries = FaqEntry.objects.all()
    return {
        "municipalities": [
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
            for m in municipalities.order_by("pk")
        ],
        "entries": [
            {
                "id": e.key,
                "municipality": e.municipality.slug if e.municipality else None,
                "language": e.language,
                "category": e.category,
                "question": e.question,
                "alternatives": e.alternatives,
                "answer": e.answer,
                "published": e.published,
                "group": str(e.translation_group),
            }
            for e in entries.select_related("municipality").order_by("pk")
        ],
    }
