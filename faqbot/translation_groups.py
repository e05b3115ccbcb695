"""Entries in Finnish, Swedish and English linked as translations of one another.

Entries with the same translation_group are one text in several languages: at most one
entry a language, all of one municipality or all shared (FaqEntry.clean checks a form's
entry, faqbot.faq_io a file). A group can be missing languages: the municipality offers
them, but no entry of the group is written in them yet.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.translation import gettext

from faqbot.languages import LANGUAGE_CODES
from faqbot.models import FaqEntry

LINK_REASON = "linked as translations"
UNLINK_REASON = "unlinked from its translations"


def _language_order(code: str) -> int:
    return LANGUAGE_CODES.index(code) if code in LANGUAGE_CODES else len(LANGUAGE_CODES)


def expected_languages(entry: FaqEntry) -> list[str]:
    """The languages the entry's readers use: its municipality's, or all for a shared one."""
    if entry.municipality_id is None:
        return list(LANGUAGE_CODES)
    return [code for code in LANGUAGE_CODES if code in entry.municipality.languages]


def attach_group_languages(entries: Sequence[FaqEntry]) -> None:
    """Give each entry the languages its group has (group_languages), in one query."""
    groups = {entry.translation_group for entry in entries}
    languages: dict[uuid.UUID, set[str]] = defaultdict(set)
    for group, language in FaqEntry.objects.filter(translation_group__in=groups).values_list(
        "translation_group", "language"
    ):
        languages[group].add(language)
    for entry in entries:
        entry.group_languages = languages[entry.translation_group]


def missing_languages(entry: FaqEntry) -> list[str]:
    """Languages of the entry's readers that its group has no entry in."""
    present = getattr(entry, "group_languages", None)
    if present is None:
        attach_group_languages([entry])
        present = entry.group_languages
    return [code for code in expected_languages(entry) if code not in present]


def group_entries(entry: FaqEntry) -> list[FaqEntry]:
    """The entry and its translations, Finnish first, then Swedish and English."""
    members = FaqEntry.objects.filter(translation_group=entry.translation_group).select_related(
        "municipality"
    )
    return sorted(members, key=lambda e: (_language_order(e.language), e.key))


def translation_key(key: str, language: str) -> str:
    """A suggested id for a translation: the entry's id with the language's suffix."""
    stem = key[:-3] if key[-3:] in ("-fi", "-sv", "-en") else key
    return f"{stem}-{language}"[:120]


def link_problem(entries: Sequence[FaqEntry]) -> str | None:
    """Why these entries cannot become one group of translations, or None."""
    if len(entries) < 2:
        return gettext("Choose two or more entries to link as translations.")
    if len({e.municipality_id for e in entries}) > 1:
        return gettext(
            "Translations belong to the same municipality, or are all shared: "
            "choose entries of one municipality."
        )
    target = _target_group(entries)
    chosen = {e.pk for e in entries}
    staying = FaqEntry.objects.filter(translation_group=target).exclude(pk__in=chosen)
    languages = [e.language for e in entries] + list(staying.values_list("language", flat=True))
    if len(set(languages)) != len(languages):
        return gettext(
            "A group of translations has one entry a language: the chosen entries (with the "
            "translations they already have) repeat a language."
        )
    if staying.exclude(municipality_id=entries[0].municipality_id).exists():
        return gettext("The chosen entries' translations belong to another municipality.")
    return None


def _target_group(entries: Sequence[FaqEntry]) -> uuid.UUID:
    """The group the linked entries join: the Finnish one's (or the first language's)."""
    first = min(entries, key=lambda e: (_language_order(e.language), e.key))
    return first.translation_group


def link(entries: Sequence[FaqEntry]) -> int:
    """Make the entries translations of one another; returns how many moved."""
    target = _target_group(entries)
    moved = 0
    with transaction.atomic():
        for entry in entries:
            if entry.translation_group != target:
                entry.translation_group = target
                entry._change_reason = LINK_REASON
                entry.save(update_fields=["translation_group", "updated"])
                moved += 1
    return moved


def unlink(entries: Iterable[FaqEntry]) -> int:
    """Each entry on its own again; returns how many were linked to others before."""
    unlinked = 0
    with transaction.atomic():
        for entry in entries:
            if (
                FaqEntry.objects.filter(translation_group=entry.translation_group)
                .exclude(pk=entry.pk)
                .exists()
            ):
                entry.translation_group = uuid.uuid4()
                entry._change_reason = UNLINK_REASON
                entry.save(update_fields=["translation_group", "updated"])
                unlinked += 1
    return unlinked
