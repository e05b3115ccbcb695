"""Importing a file from the admin: read it, preview what it would do, then apply it.

The preview and the write are separate requests. The file's content is kept in the session
between them under its SHA-256 digest, which the preview page posts back: "apply" writes
exactly the content that was previewed, validates it again (the database may have moved),
and writes it in one transaction, all or nothing.

Editors import only what they could edit by hand (faqbot.permissions): every entry the
file creates or changes must be in their scope before and after, and changing a
municipality's settings needs the model permissions for municipalities.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from faqbot.faq_csv import decode, read_csv
from faqbot.faq_io import (
    FaqImportError,
    ImportPlan,
    ImportReport,
    Problem,
    import_faq,
    plan_import,
)
from faqbot.models import Municipality
from faqbot.permissions import scope_for

SESSION_KEY = "faqbot_import"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass
class Upload:
    name: str
    format: str  # "json" or "csv"
    digest: str
    data: Any = None  # the import format; None when the file could not be read
    problems: list[Problem] = field(default_factory=list)  # from reading the file


def _format(name: str, text: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".json"):
        return "json"
    return "json" if text.lstrip()[:1] in ("{", "[") else "csv"


def read_upload(name: str, raw: bytes) -> Upload:
    """The file's entries (and municipalities) in the import format, from JSON or CSV."""
    digest = hashlib.sha256(raw).hexdigest()
    text = decode(raw)
    kind = _format(name, text)
    upload = Upload(name, kind, digest)
    if kind == "csv":
        upload.data, upload.problems = read_csv(text)
        return upload
    try:
        upload.data = json.loads(text)
    except ValueError as exc:
        upload.problems = [
            Problem("file", gettext_noop("is not valid JSON: %(error)s"), params={"error": exc})
        ]
    return upload


def _permission_problems(plan: ImportPlan, user: Any) -> list[Problem]:
    scope = scope_for(user)
    ids = dict(Municipality.objects.values_list("slug", "pk"))

    def may_edit(slug: str | None) -> bool:
        if slug is None:
            return scope.can_edit(None)
        # A municipality the file itself creates: only those who edit everything.
        return scope.can_edit(ids[slug]) if slug in ids else scope.everything

    def refused(change: Any, slug: str | None) -> Problem:
        message = (
            gettext_noop("you may not edit entries shared by all municipalities")
            if slug is None
            else gettext_noop("you may not edit the entries of %(municipality)s")
        )
        return Problem(
            f"entry {change.key!r}", message, "municipality", change.key, {"municipality": slug}
        )

    found: list[Problem] = []
    if plan.created and not user.has_perm("faqbot.add_faqentry"):
        found.append(Problem("file", gettext_noop("you may not add FAQ entries")))
    if plan.changed and not user.has_perm("faqbot.change_faqentry"):
        found.append(Problem("file", gettext_noop("you may not change FAQ entries")))
    for change in plan.created:
        if not may_edit(change.municipality):
            found.append(refused(change, change.municipality))
    for change in plan.changed:
        for slug in dict.fromkeys((change.old_municipality, change.municipality)):
            if not may_edit(slug):
                found.append(refused(change, slug))
    for changes, permission, message in (
        (
            plan.municipalities_created,
            "faqbot.add_municipality",
            gettext_noop("you may not add municipalities"),
        ),
        (
            plan.municipalities_changed,
            "faqbot.change_municipality",
            gettext_noop("you may not change municipalities' settings"),
        ),
    ):
        if not user.has_perm(permission):
            found += [Problem(f"municipality {c.key!r}", message, None, c.key) for c in changes]
    return found


def preview(upload: Upload, user: Any) -> ImportPlan:
    """What applying the upload would do for this user, with every problem listed."""
    if upload.data is None:
        return ImportPlan(problems=list(upload.problems))
    plan = plan_import(upload.data)
    plan.problems = upload.problems + plan.problems + _permission_problems(plan, user)
    return plan


def apply(upload: Upload, user: Any) -> ImportReport:
    """Write the upload, all or nothing; FaqImportError when anything is wrong with it."""
    with transaction.atomic():
        plan = preview(upload, user)
        if plan.problems:
            raise FaqImportError([str(p) for p in plan.problems], plan.problems)
        return import_faq(upload.data)


def remember(session: Any, upload: Upload) -> None:
    session[SESSION_KEY] = {
        "name": upload.name,
        "format": upload.format,
        "digest": upload.digest,
        "data": upload.data,
        "problems": [
            [p.subject, p.message, p.field, p.key, {k: str(v) for k, v in p.params.items()}]
            for p in upload.problems
        ],
    }


def recall(session: Any, digest: str) -> Upload | None:
    """The upload previewed under this digest, if it is still the session's."""
    stored = session.get(SESSION_KEY)
    if not stored or stored.get("digest") != digest:
        return None
    return Upload(
        stored["name"],
        stored["format"],
        stored["digest"],
        stored["data"],
        [Problem(*item) for item in stored["problems"]],
    )


def forget(session: Any) -> None:
    session.pop(SESSION_KEY, None)
