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
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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


# One pass in SQL over the bot's replies of the period, each joined with the resident
# message it answered (the one just before it: the bot replies to each message at once, and
# nothing else is written into a conversation while it is with the bot), the resident's
# next message and the stored normalised text. Two branches: replies without an entry
# (hand-offs and suggestions, which a partial index finds: insights/migrations/0003) and
# replies marked not helpful (found from the verdicts). Plain SQL, because the ORM can
# join a message to its neighbour only through correlated subqueries, which took seconds
# over a year.
_COLUMNS = """
    q.id, q.text, q.created, c.municipality_id, c.language,
    nm.language, nm.text, nm.asks_for_person, b.faq_entry_id, b.suggestions, nx.text
"""
_JOINS = """
    JOIN chat_conversation c ON c.id = b.conversation_id
    JOIN chat_message q ON q.conversation_id = b.conversation_id AND q.seq = b.seq - 1
        AND q.sender = 'resident'
    LEFT JOIN chat_message nx ON nx.conversation_id = b.conversation_id
        AND nx.seq = b.seq + 1 AND nx.sender = 'resident'
    LEFT JOIN insights_normalisedmessage nm ON nm.message_id = q.id
"""
_PERIOD = "c.created >= %s AND c.created < %s AND c.municipality_id IN ({ids})"
_SQL = f"""
    SELECT {_COLUMNS}, NULL FROM chat_message b {_JOINS}
    WHERE b.sender = 'bot' AND b.faq_entry_id IS NULL AND {_PERIOD}
    UNION ALL
    SELECT {_COLUMNS}, f.helpful FROM chat_feedback f
    JOIN chat_message b ON b.id = f.message_id {_JOINS}
    WHERE f.helpful = %s AND b.sender = 'bot' AND {_PERIOD}
"""


def _kinds(
    entry_id: int | None, offered: object, next_text: str | None, helpful: object
) -> set[str]:
    kinds = set()
    if helpful is not None and not helpful:
        kinds.add(NOT_HELPFUL)
    if entry_id is None:
        suggestions = json.loads(offered) if isinstance(offered, str) else offered or []
        if not suggestions:
            kinds.add(HANDED_OFF)
        elif next_text not in {s.get("question") for s in suggestions}:
            kinds.add(SUGGESTED)
    return kinds


def _aware(value: datetime.datetime | str) -> datetime.datetime:
    # SQLite hands raw queries their timestamps as text.
    if isinstance(value, str):
        parsed = parse_datetime(value)
        assert parsed is not None
        value = parsed
    return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)


def unanswered_messages(selection: Selection) -> list[Unanswered]:
    """Every unanswered resident message of the selection, normalised, newest first."""
    ids = selection.municipality_ids
    if not ids:
        return []
    marks = ", ".join(["%s"] * len(ids))
    period = [selection.start, selection.end, *ids]
    found: dict[int, list] = {}
    kinds: dict[int, set[str]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(ids=marks), [*period, False, *period])
        for row in cursor.fetchall():
            (id_, text, created, municipality, conversation_language, *normalised) = row[:8]
            kinds[id_] |= _kinds(row[8], row[9], row[10], row[11])
            if id_ not in found:
                found[id_] = [id_, text, created, municipality, conversation_language, *normalised]
    rows = [row for row in found.values() if kinds[row[0]]]
    # Messages the analyzer has not read yet (NULL through the outer join).
    fresh = normalising.store((row[0], row[1], row[4]) for row in rows if row[6] is None)
    result = []
    for id_, text, created, municipality, _conversation_language, *normalised in rows:
        if id_ in fresh:
            done = fresh[id_]
            normalised = [done.language, done.text, done.asks_for_person]
        language, words, asks_for_person = normalised
        if words and not asks_for_person:
            result.append(
                Unanswered(id_, text, _aware(created), municipality, language, words, kinds[id_])
            )
    result.sort(key=lambda m: (m.created, m.id), reverse=True)
    return result


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
