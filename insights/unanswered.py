"""The resident messages the bot could not answer, grouped by what they ask.

A resident message is unanswered when the bot's reply to it
- handed the conversation off (a bot message with neither an entry nor suggestions: the
  hand-off text, whether the resident then queued or was offered the contact form),
- offered suggestions and the resident's next message was none of them (choosing a
  suggestion stores its question as the resident's next message, chat.bot_reply), or
- was marked not helpful by the resident.
The bot's reply answers the latest resident message before it. Requests for a person and
messages with no content word ("hei", "?") are left out: no FAQ entry answers them.

A conversation belongs to the period and municipality it began in, as on the analytics
page. Groups are formed per municipality and language (an entry has one of each).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from chat.models import Message
from faqbot.models import Municipality
from insights import grouping, normalising
from insights.filters import Selection
from insights.models import DismissedGroup, NormalisedMessage, Rescore

HANDED_OFF = "handed_off"
SUGGESTED = "suggested"
NOT_HELPFUL = "not_helpful"
# Messages shown under a group, and carried into a new entry's alternatives.
SAMPLE_SIZE = 10
# Phrasings of a group (one message per normalised text, newest first) that re-scoring
# checks and the page shows it for: a year's largest group may hold thousands of messages.
RESCORE_LIMIT = 50
MAX_ALTERNATIVES = 20


@dataclass
class Unanswered:
    id: int
    text: str
    created: datetime.datetime
    municipality_id: int
    language: str
    normalised: str
    kinds: set[str] = field(default_factory=set)


@dataclass
class Group:
    municipality_id: int
    language: str
    representative: Unanswered
    messages: list[Unanswered]  # newest first
    kinds: Counter[str]
    normalised_texts: tuple[str, ...]
    rescores: dict[int, Rescore] = field(default_factory=dict)
    municipality: Municipality | None = None  # filled in for the page

    @property
    def count(self) -> int:
        return len(self.messages)

    @property
    def sample(self) -> list[Unanswered]:
        return self.messages[:SAMPLE_SIZE]

    @property
    def distinct(self) -> list[Unanswered]:
        """One message per normalised text, newest first: the group's phrasings."""
        seen: dict[str, Unanswered] = {}
        for message in self.messages:
            seen.setdefault(message.normalised, message)
        return list(seen.values())

    @property
    def checked(self) -> list[Unanswered]:
        """The phrasings re-scoring looks at."""
        return self.distinct[:RESCORE_LIMIT]

    @property
    def now_answered(self) -> list[Rescore]:
        return [r for r in self.rescores.values() if r.outcome == Rescore.Outcome.ANSWER]

    @property
    def key(self) -> str:
        return f"g{self.representative.id}"

    @property
    def editor_ids(self) -> str:
        """The representative, then the other phrasings: a new entry's question and
        alternatives."""
        ids, seen = [self.representative.id], {self.representative.text.casefold()}
        for message in self.messages:
            if len(ids) > MAX_ALTERNATIVES:
                break
            if message.text.casefold() not in seen:
                seen.add(message.text.casefold())
                ids.append(message.id)
        return ",".join(str(i) for i in ids)

    @property
    def checked_ids(self) -> str:
        return ",".join(str(m.id) for m in self.checked)


@dataclass
class Listing:
    groups: list[Group]  # visible ones, most messages first
    hidden: int  # groups dismissed as not for the FAQ
    ungrouped_messages: int
    messages: int  # unanswered messages in all (dismissed ones included)


def _bot_replies(selection: Selection):  # noqa: ANN202 - a queryset of dicts
    before = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"),
        sender=Message.Sender.RESIDENT,
        seq__lt=OuterRef("seq"),
    ).order_by("-seq")
    following = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"),
        sender=Message.Sender.RESIDENT,
        seq=OuterRef("seq") + 1,
    )
    return (
        Message.objects.filter(
            Q(faq_entry__isnull=True) | Q(feedback__helpful=False),
            sender=Message.Sender.BOT,
            conversation__created__gte=selection.start,
            conversation__created__lt=selection.end,
            conversation__municipality_id__in=selection.municipality_ids,
        )
        .annotate(
            question_id=Subquery(before.values("id")[:1]),
            next_text=Subquery(following.values("text")[:1]),
        )
        .values(
            "question_id",
            "next_text",
            "suggestions",
            "faq_entry_id",
            helpful=F("feedback__helpful"),
            municipality_id=F("conversation__municipality_id"),
        )
    )


def _kinds(row: dict) -> set[str]:
    kinds = set()
    if row["helpful"] is False:
        kinds.add(NOT_HELPFUL)
    if row["faq_entry_id"] is None:
        suggestions = row["suggestions"] or []
        if not suggestions:
            kinds.add(HANDED_OFF)
        elif row["next_text"] not in {s.get("question") for s in suggestions}:
            kinds.add(SUGGESTED)
    return kinds


def unanswered_messages(selection: Selection) -> list[Unanswered]:
    """Every unanswered resident message of the selection, normalised."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for row in _bot_replies(selection).iterator(chunk_size=5000):
        found = _kinds(row)
        if found and row["question_id"] is not None:
            kinds[row["question_id"]] |= found
    if not kinds:
        return []
    questions = Message.objects.filter(
        pk__in=Subquery(_bot_replies(selection).values("question_id"))
    )
    normalising.normalise_missing(questions)
    rows = (
        questions.filter(normalised__asks_for_person=False)
        .exclude(normalised__text="")
        .values_list(
            "id",
            "text",
            "created",
            "conversation__municipality_id",
            Coalesce("normalised__language", "conversation__language"),
            "normalised__text",
        )
        .order_by("-created", "-id")
    )
    return [
        Unanswered(id_, text, created, municipality, language, normalised, kinds[id_])
        for id_, text, created, municipality, language, normalised in rows.iterator(chunk_size=5000)
        if id_ in kinds
    ]


def group_unanswered(selection: Selection) -> Listing:
    """The selection's unanswered messages in groups of similar ones, most frequent first."""
    messages = unanswered_messages(selection)
    partitions: dict[tuple[int, str], list[Unanswered]] = defaultdict(list)
    for message in messages:
        partitions[(message.municipality_id, message.language)].append(message)
    dismissed: dict[tuple[int, str], list[str]] = defaultdict(list)
    for municipality_id, language, text in DismissedGroup.objects.filter(
        municipality_id__in=selection.municipality_ids
    ).values_list("municipality_id", "language", "normalised_text"):
        dismissed[(municipality_id, language)].append(text)
    groups: list[Group] = []
    hidden = ungrouped = 0
    for (municipality_id, language), members in partitions.items():
        by_text: dict[str, list[Unanswered]] = defaultdict(list)
        for message in members:
            by_text[message.normalised].append(message)
        result = grouping.group_texts({text: len(found) for text, found in by_text.items()})
        ungrouped += result.ungrouped_messages
        hide = grouping.similar_to_any(
            [g.representative for g in result.groups], dismissed[(municipality_id, language)]
        )
        for text_group, is_hidden in zip(result.groups, hide, strict=True):
            if is_hidden:
                hidden += 1
                continue
            group_messages = sorted(
                (m for text in text_group.texts for m in by_text[text]),
                key=lambda m: (m.created, m.id),
                reverse=True,
            )
            kinds: Counter[str] = Counter()
            for message in group_messages:
                kinds.update(message.kinds)
            groups.append(
                Group(
                    municipality_id,
                    language,
                    by_text[text_group.representative][0],
                    group_messages,
                    kinds,
                    text_group.texts,
                )
            )
    groups.sort(key=lambda g: (-g.count, -g.representative.created.timestamp()))
    return Listing(groups, hidden, ungrouped, len(messages))


def attach_rescores(groups: list[Group]) -> None:
    """Each group's stored re-scoring results, in one query for the page."""
    ids = [m.id for g in groups for m in g.checked]
    if not ids:
        return
    found = {
        r.message_id: r
        for r in Rescore.objects.filter(message_id__in=ids).select_related("faq_entry")
    }
    for group in groups:
        group.rescores = {m.id: found[m.id] for m in group.checked if m.id in found}


def normalised_of(message_id: int) -> NormalisedMessage | None:
    return NormalisedMessage.objects.filter(message_id=message_id).first()
