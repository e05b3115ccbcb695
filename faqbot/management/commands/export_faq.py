from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faqbot.faq_io import export_faq


class Command(BaseCommand):
    help = "Write all municipalities and FAQ entries to a JSON file (the import format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a path, or - for standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(export_faq(), ensure_ascii=False, indent=2) + "\n"
        if options["file"] == "-":
            self.stdout.write(text, ending="")
            return
        try:
            with open(options["file"], "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise CommandError(f"cannot write {options['file']}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Wrote {options['file']}."))
