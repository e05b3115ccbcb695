"""Who may see which municipalities' insights.

Staff only. A superuser sees every municipality. A FAQ editor (faqbot's EditorProfile)
sees the municipalities they edit, or all of them when they may edit the shared entries,
which answer in every municipality's chat. Staff who edit no FAQ content (a service
manager) are not limited to municipalities and see all.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from faqbot.models import EditorProfile, Municipality
from faqbot.permissions import scope_for

User = AbstractBaseUser | AnonymousUser


def visible_municipalities(user: User) -> QuerySet[Municipality]:
    if not (user.is_active and getattr(user, "is_staff", False)):
        return Municipality.objects.none()
    if getattr(user, "is_superuser", False):
        return Municipality.objects.all()
    if not EditorProfile.objects.filter(user_id=user.pk).exists():
        return Municipality.objects.all()
    scope = scope_for(user)
    if scope.shared:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=scope.municipality_ids)
