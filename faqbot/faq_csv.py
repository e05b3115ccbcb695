"""FAQ entries as CSV, for editing in a spreadsheet (docs/faq-import.md).

One entry a row, with the columns of CSV_COLUMNS. A file is read into the JSON import
format ({"entries": [...]}), so the same validation and preview apply to both; cells that
do not convert (published "maybe") are passed on as they are, for validation to name.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.utils.translation import gettext_noop

from faqbot.faq_io import Problem

CSV_COLUMNS = (
    "id", "municipality", "language", "category", "question", "alternatives", "answer",
    "published", "group",
)  # fmt: skip
REQUIRED_COLUMNS = ("id", "language", "question", "answer")
# Read, never written: export links translations by group.
EXTRA_COLUMNS = ("translation_of",)
ALTERNATIVES_SEPARATOR = " | "
TRUE_WORDS = {"true", "1", "yes", "kyllä", "ja", "x"}
FALSE_WORDS = {"false", "0", "no", "ei", "nej"}


def decode(raw: bytes) -> str:
    """Text from an uploaded file: UTF-8 (with or without Excel's BOM), else Windows-1252.

    A spreadsheet saved as "CSV" on a Finnish Windows is often Windows-1252, where ä and ö
    are single bytes that are not valid UTF-8.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _delimiter(header: str) -> str:
    # Spreadsheets in Finnish and Swedish locales write ";" because "," is the decimal mark.
    return max((",", ";", "\t"), key=header.count)


def _alternatives(cell: str) -> object:
    text = cell.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return cell  # validation names it: "a list of texts"
    return [part.strip() for part in text.split("|") if part.strip()]


def _published(cell: str) -> object:
    word = cell.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return cell


def read_csv(text: str) -> tuple[dict[str, Any], list[Problem]]:
    """The entries of a CSV file in the import format, and problems with its columns."""
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(header))
    columns = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = columns
    problems = [
        Problem("file", gettext_noop("column %(name)s is missing"), params={"name": repr(name)})
        for name in REQUIRED_COLUMNS
        if name not in columns
    ]
    known = set(CSV_COLUMNS) | set(EXTRA_COLUMNS)
    problems += [
        Problem(
            "file",
            gettext_noop("unknown column %(name)s (the columns: %(columns)s)"),
            params={"name": repr(name), "columns": ", ".join(CSV_COLUMNS)},
        )
        for name in columns
        if name not in known
    ]
    entries: list[dict[str, Any]] = []
    for row in reader:
        if None in row:
            problems.append(
                Problem(
                    f"line {reader.line_num}",
                    gettext_noop("has more cells than the header has columns"),
                )
            )
        cells = {k: (v or "") for k, v in row.items() if k is not None}
        if not any(value.strip() for value in cells.values()):
            continue  # spreadsheets leave empty rows at the end
        entry: dict[str, Any] = {
            "id": cells.get("id", "").strip(),
            "municipality": cells.get("municipality", "").strip() or None,
            "language": cells.get("language", "").strip(),
            "category": cells.get("category", ""),
            "question": cells.get("question", ""),
            "alternatives": _alternatives(cells.get("alternatives", "")),
            "answer": cells.get("answer", ""),
        }
        if cells.get("published", "").strip():
            entry["published"] = _published(cells["published"])
        for link in ("group", "translation_of"):
            if cells.get(link, "").strip():
                entry[link] = cells[link].strip()
        entries.append(entry)
    return {"entries": entries}, problems


def _alternatives_cell(alternatives: list[str]) -> str:
    """ "a | b" where that reads back the same, else a JSON list (lossless either way)."""
    plain = all(a and a == a.strip() and "|" not in a for a in alternatives) and not (
        alternatives and alternatives[0].startswith("[")
    )
    if plain:
        return ALTERNATIVES_SEPARATOR.join(alternatives)
    return json.dumps(alternatives, ensure_ascii=False)


def write_csv(data: dict[str, Any]) -> str:
    """The entries of an export (faq_io.export_faq) as CSV text."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in data["entries"]:
        writer.writerow(
            [
                entry["id"],
                entry["municipality"] or "",
                entry["language"],
                entry["category"],
                entry["question"],
                _alternatives_cell(entry["alternatives"]),
                entry["answer"],
                "true" if entry["published"] else "false",
                entry["group"],
            ]
        )
    return out.getvalue()
