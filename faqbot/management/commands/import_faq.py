from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faqbot import live_index
from faqbot.faq_io import FaqImportError, import_faq


class Command(BaseCommand):
    help = "Load municipalities and FAQ entries from a JSON file (upsert by id, all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        except ValueError as exc:
            raise CommandError(f"{options['file']} is not valid JSON: {exc}") from exc
        try:
            report = import_faq(data)
        except FaqImportError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} error(s); nothing was imported.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Entries: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged. Municipalities: "
                f"{report.municipalities_created} created, "
                f"{report.municipalities_updated} updated."
            )
        )
        # The index, built here, stores the sentence vectors of the new texts, so that the
        # import waits for them rather than the first resident after it.
        started = time.perf_counter()
        live_index.current_index()
        self.stdout.write(f"The bot's index is ready ({time.perf_counter() - started:.1f} s).")
