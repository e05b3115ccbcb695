"""Read the unanswered messages of a period with the analyzer ahead of time.

The chat reads each unanswered message as it happens; messages from before that, or
loaded around the chat, are read by the unanswered-questions page on first use, which for
a year of a busy service takes seconds (about 50,000 messages, a millisecond or less
each). Run this after such an import (and `rebuild_unanswered`) so that no admin waits.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from faqbot.models import Municipality
from insights import unanswered
from insights.filters import LOCAL, Selection
from insights.models import NormalisedMessage


class Command(BaseCommand):
    help = "Normalise the unanswered resident messages of the last DAYS days (default 400)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=400)

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate(timezone=LOCAL)
        selection = Selection(
            tuple(Municipality.objects.all()),
            today - datetime.timedelta(days=options["days"] - 1),
            today,
            None,
        )
        before = NormalisedMessage.objects.count()
        started = time.perf_counter()
        found = unanswered.unanswered_messages(selection)
        added = NormalisedMessage.objects.count() - before
        self.stdout.write(
            f"{len(found)} unanswered messages; {added} normalised now, "
            f"in {time.perf_counter() - started:.1f} s"
        )
