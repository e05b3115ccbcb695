"""Who may see which municipalities' insights.

Staff only. A superuser sees every municipality; a staff user who is a FAQ editor of some
municipalities sees those; other staff see all of them (as they see all FAQ entries in
admin today).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from faqbot.models import Municipality

User = AbstractBaseUser | AnonymousUser


def editor_municipality_ids(user: User) -> set[int] | None:
    """The municipalities the user edits the FAQ of, or None when they are no editor."""
    # Issue 6's FAQ-editing half adds editor memberships to faqbot; until it lands, no
    # staff user is limited to some municipalities.
    return None


def visible_municipalities(user: User) -> QuerySet[Municipality]:
    if not (user.is_active and getattr(user, "is_staff", False)):
        return Municipality.objects.none()
    if getattr(user, "is_superuser", False):
        return Municipality.objects.all()
    ids = editor_municipality_ids(user)
    if ids is None:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=ids)
