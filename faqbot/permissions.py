"""Who may see and edit which FAQ entries.

An editor (EditorProfile) edits the entries of their municipalities. Entries shared by all
municipalities (municipality null) reach every chat, so editing them needs the permission
faqbot.edit_shared_entries besides; every editor may read them, since they answer in their
municipality's chat too. Other municipalities' entries are not shown at all. Superusers
edit everything. Django's model permissions (faqbot.change_faqentry and so on) still apply
on top: this module only narrows them to municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from faqbot.models import EditorProfile, FaqEntry, Municipality

SHARED_PERMISSION = "faqbot.edit_shared_entries"


@dataclass(frozen=True)
class EditorScope:
    """The municipalities a user edits FAQ content for."""

    everything: bool  # a superuser
    municipality_ids: frozenset[int]
    shared: bool  # may edit entries shared by all municipalities

    def can_edit(self, municipality_id: int | None) -> bool:
        """May this user edit an entry of this municipality (None: a shared entry)?"""
        if self.everything:
            return True
        if municipality_id is None:
            return self.shared
        return municipality_id in self.municipality_ids

    def can_view(self, municipality_id: int | None) -> bool:
        return municipality_id is None or self.can_edit(municipality_id)

    def can_edit_entry(self, entry: FaqEntry) -> bool:
        return self.can_edit(entry.municipality_id)

    @property
    def edits_anything(self) -> bool:
        return self.everything or self.shared or bool(self.municipality_ids)

    def _where(self, *, include_shared: bool) -> Q:
        where = Q(municipality_id__in=self.municipality_ids)
        if include_shared:
            where |= Q(municipality__isnull=True)
        return where

    def visible_entries(self, entries: QuerySet[FaqEntry]) -> QuerySet[FaqEntry]:
        if self.everything:
            return entries
        return entries.filter(self._where(include_shared=True))

    def editable_entries(self, entries: QuerySet[FaqEntry]) -> QuerySet[FaqEntry]:
        if self.everything:
            return entries
        return entries.filter(self._where(include_shared=self.shared))

    def editable_municipalities(self) -> QuerySet[Municipality]:
        """The municipalities an entry may be given (shared is a separate choice)."""
        if self.everything:
            return Municipality.objects.all()
        return Municipality.objects.filter(pk__in=self.municipality_ids)

    def trial_municipalities(self) -> QuerySet[Municipality]:
        """Whose chat the user may try questions in.

        Editors of shared entries try in every municipality: their entries answer in every
        chat, and compete there with each municipality's own.
        """
        if self.everything or self.shared:
            return Municipality.objects.all()
        return Municipality.objects.filter(pk__in=self.municipality_ids)


def scope_for(user: Any) -> EditorScope:
    """The user's scope, computed once per request (cached on the user object)."""
    cached = getattr(user, "_faq_editor_scope", None)
    if cached is not None:
        return cached
    if not user.is_active or not user.is_authenticated:
        scope = EditorScope(False, frozenset(), False)
    elif user.is_superuser:
        scope = EditorScope(True, frozenset(), True)
    else:
        ids = EditorProfile.objects.filter(user_id=user.pk).values_list("municipalities", flat=True)
        scope = EditorScope(
            False,
            frozenset(i for i in ids if i is not None),
            user.has_perm(SHARED_PERMISSION),
        )
    user._faq_editor_scope = scope
    return scope
