"""Creating and updating FAQ editors' accounts (manage.py create_editor, the tests)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from faqbot.models import EditorProfile, Municipality

# What an editor needs in Django admin besides their municipalities (faqbot.permissions).
EDITOR_PERMISSIONS = ("view_faqentry", "add_faqentry", "change_faqentry", "delete_faqentry")
SHARED_PERMISSION = "edit_shared_entries"


def save_editor(
    username: str, password: str | None, slugs: list[str], *, shared: bool = False
) -> EditorProfile:
    """Create the editor, or update one: a staff user with the FAQ entry permissions, the
    municipalities whose entries they edit and, with shared, the entries shared by all."""
    municipalities = list(Municipality.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {m.slug for m in municipalities})
    if unknown:
        raise ValueError(f"No municipality with the slug: {', '.join(unknown)}")
    if not slugs and not shared:
        raise ValueError("Give at least one municipality, or the shared entries.")
    codenames = [*EDITOR_PERMISSIONS, *([SHARED_PERMISSION] if shared else [])]
    permissions = Permission.objects.filter(
        content_type__app_label="faqbot", codename__in=codenames
    )
    User: Any = get_user_model()
    with transaction.atomic():
        user, _created = User.objects.get_or_create(username=username)
        user.is_staff = True
        if password:
            user.set_password(password)
        user.save()
        user.user_permissions.remove(
            *Permission.objects.filter(content_type__app_label="faqbot", codename=SHARED_PERMISSION)
        )
        user.user_permissions.add(*permissions)
        profile, _created = EditorProfile.objects.get_or_create(user=user)
        profile.municipalities.set(municipalities)
    return profile
