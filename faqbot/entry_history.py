"""Entries' history beyond what django-simple-history's admin shows: deleted entries.

The library keeps a last version ("-") of every deleted entry; these helpers find the
deleted entries an editor may see, so that they can be looked at and restored like any
other version (restoring saves the version again under its old id).
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery

from faqbot.models import FaqEntry
from faqbot.permissions import EditorScope

DELETED_SHOWN = 100


def last_version(entry_id: str) -> Any | None:
    """The newest historical row of an entry id, or None (also for an id that is no number)."""
    try:
        return FaqEntry.history.filter(id=int(entry_id)).first()
    except ValueError:
        return None


def is_deleted(entry_id: str) -> bool:
    last = last_version(entry_id)
    return last is not None and last.history_type == "-"


def deleted_entries(scope: EditorScope, limit: int = DELETED_SHOWN) -> list[Any]:
    """The newest deletions of entries that are still gone, that the scope may see."""
    newest = FaqEntry.history.filter(id=OuterRef("id")).order_by("-history_date", "-history_id")
    rows = (
        FaqEntry.history.filter(history_type="-")
        .filter(history_id=Subquery(newest.values("history_id")[:1]))
        .exclude(id__in=FaqEntry.objects.values("pk"))
        .select_related("history_user")
        .order_by("-history_date")
    )
    if not scope.everything:
        ids = list(scope.municipality_ids)
        rows = rows.filter(municipality_id__in=ids) | rows.filter(municipality_id__isnull=True)
    return list(rows[:limit])
