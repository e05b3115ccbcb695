"""manage.py create_editor: a FAQ editor (a staff user with an editor profile)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faqbot.editor_accounts import save_editor


class Command(BaseCommand):
    help = "Create a FAQ editor, or update one, for the given municipalities' entries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="Leave out to keep an existing user's password.")
        parser.add_argument(
            "--municipalities", default="", help="Comma-separated slugs, e.g. karvia,pomarkku"
        )
        parser.add_argument(
            "--shared",
            action="store_true",
            help="May also edit the entries shared by all municipalities.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = [s.strip() for s in options["municipalities"].split(",") if s.strip()]
        try:
            profile = save_editor(
                options["username"], options["password"], slugs, shared=options["shared"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        edited = ", ".join(sorted(m.slug for m in profile.municipalities.all())) or "–"
        shared = " and the shared entries" if options["shared"] else ""
        self.stdout.write(f"Editor {profile.user.get_username()} edits: {edited}{shared}")
