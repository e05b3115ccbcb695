"""Service analytics: how the bot and customer service did, per municipality and in all.

Every figure is an aggregate query over the conversations that began in the period, in
the municipality where the resident opened the chat (Conversation.municipality), counted
once the resident wrote something (`last_seq > 0`: nothing is written into a conversation
before its resident's first message). The number of queries is fixed, whatever the
period's size; rows are never walked one by one in Python except on SQLite, where the
percentiles are computed from the waits themselves (PostgreSQL has percentile_cont).

- bot answered: no hand-off, and at least one answer from an FAQ entry;
- handed off: queued for customer service, or offered the contact form because nobody
  could chat (chat.lifecycle.request_handoff);
- queue wait: queued → assigned to an agent; first response: assigned → the agent's first
  message (a transfer to a colleague moves `assigned_at`, so only replies after it count);
- abandoned in queue: the resident left while queued (chat.lifecycle.abandon).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import TruncDate

from chat.models import ContactRequest, Conversation, Message, Rating
from insights.filters import LOCAL, Selection

SCORES = (1, 2, 3, 4, 5)
# Queue-wait histogram: the upper bound of each bucket, seconds (the last is open).
WAIT_BUCKETS = (60, 120, 300, 600, 1200, None)
TOP_ENTRIES = 20

WAIT = ExpressionWrapper(F("assigned_at") - F("queued_at"), output_field=DurationField())
RESPONSE = Case(
    When(
        first_agent_reply_at__gte=F("assigned_at"),
        then=ExpressionWrapper(
            F("first_agent_reply_at") - F("assigned_at"), output_field=DurationField()
        ),
    ),
    output_field=DurationField(),
)
HANDED_OFF = Q(queued_at__isnull=False) | Q(contact_offered_at__isnull=False)
BOT_ANSWER = Exists(
    Message.objects.filter(
        conversation_id=OuterRef("pk"), sender=Message.Sender.BOT, faq_entry__isnull=False
    )
)


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont: the continuous percentile (interpolating), NULLs out."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(
            expression, fraction=float(fraction), output_field=DurationField(), **extra
        )


def percentile(values: list[datetime.timedelta], fraction: float) -> datetime.timedelta | None:
    """percentile_cont's definition, for SQLite: linear between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def has_percentiles() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class Figures:
    """One row of the summary: a municipality, or all together."""

    conversations: int = 0
    bot_answered: int = 0
    handed_off: int = 0
    queued: int = 0
    abandoned: int = 0
    contact_requests: int = 0
    wait_median: datetime.timedelta | None = None
    wait_p90: datetime.timedelta | None = None
    response_median: datetime.timedelta | None = None
    ratings: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def bot_answered_share(self) -> float | None:
        return self._share(self.bot_answered, self.conversations)

    @property
    def handoff_rate(self) -> float | None:
        return self._share(self.handed_off, self.conversations)

    @property
    def rating_count(self) -> int:
        return sum(self.ratings.values())

    @property
    def rating_average(self) -> float | None:
        count = self.rating_count
        return sum(s * n for s, n in self.ratings.items()) / count if count else None


@dataclass
class Summary:
    rows: list[tuple[Any, Figures]]  # (municipality, figures), in the selection's order
    total: Figures


@dataclass(frozen=True)
class Day:
    day: datetime.date
    conversations: int
    bot_answered: int
    handed_off: int

    @property
    def bot_answered_share(self) -> float | None:
        return self.bot_answered / self.conversations if self.conversations else None


@dataclass(frozen=True)
class EntryUse:
    entry_id: int
    key: str
    question: str
    uses: int
    helpful: int
    not_helpful: int


def conversations(selection: Selection) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        created__gte=selection.start,
        created__lt=selection.end,
        municipality_id__in=selection.municipality_ids,
        last_seq__gt=0,
    )


@contextmanager
def reading() -> Iterator[None]:
    """One transaction for a page's queries (one snapshot: the figures agree with each
    other), without PostgreSQL's JIT: it compiles these queries by their estimated cost,
    and compiling took 0.3 s of a 0.8 s query over a year of conversations."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _counts() -> dict[str, Aggregate]:
    return {
        "conversations": Count("pk"),
        "bot_answered": Count("pk", filter=~HANDED_OFF & Q(BOT_ANSWER)),
        "handed_off": Count("pk", filter=HANDED_OFF),
        "queued": Count("pk", filter=Q(queued_at__isnull=False)),
        "abandoned": Count("pk", filter=Q(state=Conversation.State.ABANDONED)),
    }


COUNTS = ("conversations", "bot_answered", "handed_off", "queued", "abandoned")


def _daily_counts(selection: Selection) -> list[dict[str, Any]]:
    """The counts per municipality and Helsinki day: the one pass over the conversations
    that both the summary and the daily chart are added up from (at most 6 × 400 rows)."""
    return list(
        conversations(selection)
        .annotate(day=TruncDate("created", tzinfo=LOCAL))
        .values("municipality_id", "day")
        .annotate(**_counts())
        .order_by()
    )


def _percentiles() -> dict[str, Aggregate]:
    return {
        "wait_median": PercentileCont(WAIT, 0.5),
        "wait_p90": PercentileCont(WAIT, 0.9),
        "response_median": PercentileCont(RESPONSE, 0.5),
    }


def _percentile_rows(
    selection: Selection,
) -> dict[int | None, dict[str, datetime.timedelta | None]]:
    """Each municipality's wait percentiles (by id), and all together's (under None)."""
    queued = conversations(selection).filter(queued_at__isnull=False, assigned_at__isnull=False)
    if has_percentiles():
        result: dict[int | None, dict[str, datetime.timedelta | None]] = {
            row.pop("municipality_id"): row
            for row in queued.values("municipality_id").annotate(**_percentiles()).order_by()
        }
        if len(selection.municipalities) > 1:
            result[None] = queued.aggregate(**_percentiles())
        return result
    # The SQLite fallback: the waits themselves, only of conversations that queued.
    waits: dict[int | None, list] = defaultdict(list)
    responses: dict[int | None, list] = defaultdict(list)
    for municipality_id, wait, response in queued.values_list("municipality_id", WAIT, RESPONSE):
        for key in (municipality_id, None):
            waits[key].append(wait)
            if response is not None:
                responses[key].append(response)
    return {
        key: {
            "wait_median": percentile(waits[key], 0.5),
            "wait_p90": percentile(waits[key], 0.9),
            "response_median": percentile(responses.get(key, []), 0.5),
        }
        for key in waits
    }


def summary(selection: Selection, counts: list[dict[str, Any]] | None = None) -> Summary:
    """The figures of each municipality of the selection, and of all of them together."""
    per: dict[int, Figures] = defaultdict(Figures)
    for row in _daily_counts(selection) if counts is None else counts:
        figures = per[row["municipality_id"]]
        for name in COUNTS:
            setattr(figures, name, getattr(figures, name) + row[name])
    total = Figures()
    for key, values in _percentile_rows(selection).items():
        for name, value in values.items():
            setattr(total if key is None else per[key], name, value)
    for municipality_id, count in (
        ContactRequest.objects.filter(
            created__gte=selection.start,
            created__lt=selection.end,
            municipality_id__in=selection.municipality_ids,
        )
        .values_list("municipality_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per[municipality_id].contact_requests = count
    for municipality_id, score, count in (
        Rating.objects.filter(
            conversation__created__gte=selection.start,
            conversation__created__lt=selection.end,
            conversation__municipality_id__in=selection.municipality_ids,
        )
        .values_list("conversation__municipality_id", "score")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per[municipality_id].ratings[score] = count
    rows = [(m, per[m.pk]) for m in selection.municipalities]
    if len(rows) == 1:
        return Summary(rows, rows[0][1])
    # Counts add up; the percentiles came from their own query above.
    for _municipality, figures in rows:
        for name in (*COUNTS, "contact_requests"):
            setattr(total, name, getattr(total, name) + getattr(figures, name))
        for score, count in figures.ratings.items():
            total.ratings[score] += count
    return Summary(rows, total)


def daily(selection: Selection, counts: list[dict[str, Any]] | None = None) -> list[Day]:
    """Conversations, bot answers and hand-offs per Helsinki day, every day of the period."""
    per_day: dict[datetime.date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in _daily_counts(selection) if counts is None else counts:
        for name in COUNTS:
            per_day[row["day"]][name] += row[name]
    return [
        Day(
            day,
            per_day[day]["conversations"],
            per_day[day]["bot_answered"],
            per_day[day]["handed_off"],
        )
        for day in selection.days()
    ]


def summary_and_daily(selection: Selection) -> tuple[Summary, list[Day]]:
    """Both from one pass over the conversations."""
    counts = _daily_counts(selection)
    return summary(selection, counts), daily(selection, counts)


def wait_histogram(selection: Selection) -> list[tuple[int, int | None, int]]:
    """(from s, to s or None, conversations) for each queue-wait bucket."""
    buckets = []
    low = 0
    for high in WAIT_BUCKETS:
        buckets.append((low, high))
        low = high or low
    aggregates = {}
    for i, (low, high) in enumerate(buckets):
        condition = Q(wait__gte=datetime.timedelta(seconds=low))
        if high is not None:
            condition &= Q(wait__lt=datetime.timedelta(seconds=high))
        aggregates[f"b{i}"] = Count("pk", filter=condition)
    counts = (
        conversations(selection)
        .filter(queued_at__isnull=False, assigned_at__isnull=False)
        .annotate(wait=WAIT)
        .aggregate(**aggregates)
    )
    return [(low, high, counts[f"b{i}"]) for i, (low, high) in enumerate(buckets)]


def entry_uses(selection: Selection) -> list[EntryUse]:
    """Every entry the bot answered with, most used first, with residents' verdicts.

    One row per entry (not per message), so the page sorts them twice in Python: by use,
    and by how often they were found not helpful.
    """
    rows = (
        Message.objects.filter(
            sender=Message.Sender.BOT,
            faq_entry__isnull=False,
            conversation__created__gte=selection.start,
            conversation__created__lt=selection.end,
            conversation__municipality_id__in=selection.municipality_ids,
        )
        .values_list("faq_entry_id", "faq_entry__key", "faq_entry__question")
        .annotate(
            uses=Count("pk"),
            helpful=Count("pk", filter=Q(feedback__helpful=True)),
            not_helpful=Count("pk", filter=Q(feedback__helpful=False)),
        )
        .order_by()
    )
    return sorted((EntryUse(*row) for row in rows), key=lambda u: (-u.uses, u.question, u.key))


def most_used(uses: list[EntryUse], limit: int = TOP_ENTRIES) -> list[EntryUse]:
    return uses[:limit]


def least_helpful(uses: list[EntryUse], limit: int = TOP_ENTRIES) -> list[EntryUse]:
    """The entries residents most often found not helpful."""
    worst = [u for u in uses if u.not_helpful]
    return sorted(worst, key=lambda u: (-u.not_helpful, u.question, u.key))[:limit]


def ratings(figures: Figures) -> list[tuple[int, int]]:
    return [(score, figures.ratings[score]) for score in SCORES]


def seconds(value: datetime.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()
