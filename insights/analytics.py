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
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
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


def _counts() -> dict[str, Aggregate]:
    return {
        "conversations": Count("pk"),
        "bot_answered": Count("pk", filter=~HANDED_OFF & Q(BOT_ANSWER)),
        "handed_off": Count("pk", filter=HANDED_OFF),
        "queued": Count("pk", filter=Q(queued_at__isnull=False)),
        "abandoned": Count("pk", filter=Q(state=Conversation.State.ABANDONED)),
    }


def _percentiles() -> dict[str, Aggregate]:
    if not has_percentiles():
        return {}
    return {
        "wait_median": PercentileCont(WAIT, 0.5),
        "wait_p90": PercentileCont(WAIT, 0.9),
        "response_median": PercentileCont(RESPONSE, 0.5),
    }


def _percentiles_in_python(
    selection: Selection, by_municipality: bool
) -> dict[int | None, dict[str, datetime.timedelta | None]]:
    """The SQLite fallback: the waits themselves, only of conversations that queued."""
    waits: dict[int | None, list] = defaultdict(list)
    responses: dict[int | None, list] = defaultdict(list)
    rows = (
        conversations(selection)
        .filter(queued_at__isnull=False, assigned_at__isnull=False)
        .values_list("municipality_id", WAIT, RESPONSE)
    )
    for municipality_id, wait, response in rows:
        key = municipality_id if by_municipality else None
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


def summary(selection: Selection) -> Summary:
    """The figures of each municipality of the selection, and of all of them together."""
    aggregates = {**_counts(), **_percentiles()}
    per = {
        row.pop("municipality_id"): Figures(**row)
        for row in conversations(selection)
        .values("municipality_id")
        .annotate(**aggregates)
        .order_by()
    }
    if len(selection.municipalities) == 1:
        only = selection.municipalities[0].pk
        total = per.setdefault(only, Figures())
    else:
        total = Figures(**conversations(selection).aggregate(**aggregates))
    if not has_percentiles():
        for key, values in _percentiles_in_python(selection, True).items():
            for name, value in values.items():
                setattr(per.setdefault(key, Figures()), name, value)
        if len(selection.municipalities) > 1:
            for name, value in _percentiles_in_python(selection, False).get(None, {}).items():
                setattr(total, name, value)
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
        per.setdefault(municipality_id, Figures()).contact_requests = count
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
        per.setdefault(municipality_id, Figures()).ratings[score] = count
    if len(selection.municipalities) > 1:
        # Counts add up; the percentiles came from their own query above.
        for figures in per.values():
            total.contact_requests += figures.contact_requests
            for score, count in figures.ratings.items():
                total.ratings[score] += count
    rows = [(m, per.get(m.pk, Figures())) for m in selection.municipalities]
    return Summary(rows, total)


def daily(selection: Selection) -> list[Day]:
    """Conversations, bot answers and hand-offs per Helsinki day, every day of the period."""
    counts = {
        row["day"]: row
        for row in conversations(selection)
        .annotate(day=TruncDate("created", tzinfo=LOCAL))
        .values("day")
        .annotate(
            conversations=Count("pk"),
            bot_answered=Count("pk", filter=~HANDED_OFF & Q(BOT_ANSWER)),
            handed_off=Count("pk", filter=HANDED_OFF),
        )
        .order_by()
    }
    empty = {"conversations": 0, "bot_answered": 0, "handed_off": 0}
    return [
        Day(
            day,
            counts.get(day, empty)["conversations"],
            counts.get(day, empty)["bot_answered"],
            counts.get(day, empty)["handed_off"],
        )
        for day in selection.days()
    ]


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


def entry_uses(selection: Selection, limit: int | None = TOP_ENTRIES) -> list[EntryUse]:
    """The entries the bot answered with, most used first, with residents' verdicts."""
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
        .order_by("-uses", "faq_entry__question", "faq_entry_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [EntryUse(*row) for row in rows]


def least_helpful(selection: Selection, limit: int = TOP_ENTRIES) -> list[EntryUse]:
    """The entries residents most often found not helpful."""
    rows = (
        Message.objects.filter(
            sender=Message.Sender.BOT,
            faq_entry__isnull=False,
            feedback__isnull=False,
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
        .filter(not_helpful__gt=0)
        .order_by("-not_helpful", "faq_entry__question", "faq_entry_id")[:limit]
    )
    return [EntryUse(*row) for row in rows]


def ratings(figures: Figures) -> list[tuple[int, int]]:
    return [(score, figures.ratings[score]) for score in SCORES]


def seconds(value: datetime.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()
