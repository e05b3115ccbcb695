"""The people of the FAQ editing tests (issue 6), set up once per test as needed.

Kaisa edits Karvia's entries, Paavo Pomarkku's, Jaana Karvia's and the shared ones; Alice
is a superuser; Olli is no staff at all. Charlie-style: nothing of Pomarkku is Kaisa's.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from faqbot.editor_accounts import save_editor

PASSWORD = "kuntachat-test-Salasana-6"


def editor(username: str, slugs: list[str], *, shared: bool = False) -> User:
    return save_editor(username, PASSWORD, slugs, shared=shared).user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def superuser(username: str = "alice") -> User:
    return User.objects.create_superuser(username, f"{username}@example.fi", PASSWORD)


def entry_form(**overrides: object) -> dict:
    """The admin's entry form as posted, for a new entry of Karvia unless overridden."""
    form = {
        "key": "new-entry",
        "municipality": "",
        "language": "fi",
        "category": "Liikunta",
        "question": "Milloin uimahalli on auki?",
        "alternatives": '["uimahallin aukiolo"]',
        "answer": "Uimahalli on auki **ti–su**.",
        "published": "on",
    }
    form.update({k: str(v) for k, v in overrides.items()})
    return form


def change_form(entry, **overrides: object) -> dict:
    """The change form of an existing entry as posted, with overrides."""
    import json

    form = {
        "key": entry.key,
        "municipality": str(entry.municipality_id or ""),
        "language": entry.language,
        "category": entry.category,
        "question": entry.question,
        "alternatives": json.dumps(entry.alternatives, ensure_ascii=False),
        "answer": entry.answer,
        "translation_group": str(entry.translation_group),
    }
    if entry.published:
        form["published"] = "on"
    form.update({k: str(v) for k, v in overrides.items()})
    return form
