"""Derive the unanswered-messages table from the messages themselves.

The chat records unanswered messages as it goes; run this after loading conversations
around it (an import of history, a restore of the messages table), then
`normalise_messages` so that no admin waits for the analyzer.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from insights import unanswered_log


class Command(BaseCommand):
    help = "Rebuild the table of unanswered resident messages from the stored messages."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = unanswered_log.rebuild()
        self.stdout.write(
            f"{count} unanswered messages recorded in {time.perf_counter() - started:.1f} s"
        )
