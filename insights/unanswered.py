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

The chat records these messages as they happen (insights.unanswered_log) and reads them
with the analyzer (insights.normalising). A page counts them per normalised text in SQL,
groups the distinct texts (insights.grouping) and loads the messages themselves only for
the groups it shows: a year of six municipalities is some 50,000 messages.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from faqbot.models import Municipality
from insights import grouping, normalising
from insights.filters import Selection
from insights.models import DismissedGroup, NormalisedMessage, Rescore

# The reasons, re-exported: the page's groups count them.
from insights.unanswered_log import FLAGS
from insights.unanswered_log import HANDED_OFF as HANDED_OFF
from insights.unanswered_log import NOT_HELPFUL as NOT_HELPFUL
from insights.unanswered_log import SUGGESTED as SUGGESTED

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
    normalised_texts: tuple[str, ...]  # the leader's first
    count: int
    kinds: Counter[str]
    # The newest message reading as the leader's text: the group's name and key.
    representative_id: int
    # Loaded for the groups a page shows (attach_messages), newest first.
    messages: list[Unanswered] = field(default_factory=list)
    rescores: dict[int, Rescore] = field(default_factory=dict)
    municipality: Municipality | None = None  # filled in for the page

    @property
    def representative(self) -> Unanswered:
        return next(m for m in self.messages if m.id == self.representative_id)

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
        return f"g{self.representative_id}"

    @property
    def editor_ids(self) -> str:
        """The representative, then the other phrasings: a new entry's question and
        alternatives."""
        representative = self.representative
        ids, seen = [representative.id], {representative.text.casefold()}
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


_PERIOD = "u.municipality_id IN ({ids}) AND u.started >= %s AND u.started < %s"
# The period's recorded messages that the analyzer has not read yet.
_UNREAD_SQL = f"""
    SELECT q.id, q.text, c.language FROM insights_unansweredmessage u
    JOIN chat_message q ON q.id = u.message_id
    JOIN chat_conversation c ON c.id = q.conversation_id
    WHERE {_PERIOD} AND NOT EXISTS (
        SELECT 1 FROM insights_normalisedmessage nm WHERE nm.message_id = u.message_id)
"""
# How many messages read as each normalised text, of which kinds, and the newest of them.
# Only questions for the FAQ: some content word, and no request for a person.
_TEXTS_SQL = f"""
    SELECT u.municipality_id, nm.language, nm.text, COUNT(*),
        SUM(CASE WHEN u.handed_off THEN 1 ELSE 0 END),
        SUM(CASE WHEN u.suggested THEN 1 ELSE 0 END),
        SUM(CASE WHEN u.not_helpful THEN 1 ELSE 0 END),
        MAX(u.message_id)
    FROM insights_unansweredmessage u
    JOIN insights_normalisedmessage nm ON nm.message_id = u.message_id
    WHERE {_PERIOD} AND nm.text <> '' AND NOT nm.asks_for_person
    GROUP BY u.municipality_id, nm.language, nm.text
"""
_MESSAGES_SQL = f"""
    SELECT q.id, q.text, q.created, u.municipality_id, nm.language, nm.text,
        u.handed_off, u.suggested, u.not_helpful
    FROM insights_unansweredmessage u
    JOIN insights_normalisedmessage nm ON nm.message_id = u.message_id
    JOIN chat_message q ON q.id = u.message_id
    WHERE {_PERIOD} AND nm.text <> '' AND NOT nm.asks_for_person {{texts}}
    ORDER BY q.created DESC, q.id DESC
"""


def _aware(value: datetime.datetime | str) -> datetime.datetime:
    # SQLite hands raw queries their timestamps as text.
    if isinstance(value, str):
        parsed = parse_datetime(value)
        assert parsed is not None
        value = parsed
    return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)


def _period(selection: Selection) -> tuple[str, list[object]]:
    ids = selection.municipality_ids
    return ", ".join(["%s"] * len(ids)), [*ids, selection.start, selection.end]


def _read_unread(selection: Selection) -> None:
    """Normalise what the chat did not (messages from before it did, or bulk loads)."""
    marks, params = _period(selection)
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL.format(ids=marks), params)
        unread = cursor.fetchall()
    normalising.store(unread)


def _messages(selection: Selection, texts: list[str] | None = None) -> list[Unanswered]:
    marks, params = _period(selection)
    only = ""
    if texts is not None:
        only = f"AND nm.text IN ({', '.join(['%s'] * len(texts))})"
        params = [*params, *texts]
    with connection.cursor() as cursor:
        cursor.execute(_MESSAGES_SQL.format(ids=marks, texts=only), params)
        rows = cursor.fetchall()
    return [
        Unanswered(
            id_,
            text,
            _aware(created),
            municipality,
            language,
            normalised,
            {kind for kind, on in zip(FLAGS, flags, strict=True) if on},
        )
        for id_, text, created, municipality, language, normalised, *flags in rows
    ]


def unanswered_messages(selection: Selection) -> list[Unanswered]:
    """Every unanswered resident message of the selection, normalised, newest first."""
    if not selection.municipality_ids:
        return []
    _read_unread(selection)
    return _messages(selection)


@dataclass(frozen=True)
class _Text:
    count: int
    kinds: Counter[str]
    newest: int  # message id


def _texts(selection: Selection) -> dict[tuple[int, str], dict[str, _Text]]:
    """Per municipality and language: each normalised text's count, kinds and newest."""
    marks, params = _period(selection)
    partitions: dict[tuple[int, str], dict[str, _Text]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_TEXTS_SQL.format(ids=marks), params)
        for municipality, language, text, count, *kinds, newest in cursor.fetchall():
            counts = Counter({k: int(n) for k, n in zip(FLAGS, kinds, strict=True) if n})
            partitions[(municipality, language)][text] = _Text(int(count), counts, newest)
    return partitions


def group_unanswered(selection: Selection) -> Listing:
    """The selection's unanswered messages in groups of similar ones, most frequent first.

    The groups come without their messages: attach_messages loads them for those shown.
    """
    if not selection.municipality_ids:
        return Listing([], 0, 0, 0)
    _read_unread(selection)
    partitions = _texts(selection)
    dismissed: dict[tuple[int, str], list[str]] = defaultdict(list)
    for municipality_id, language, text in DismissedGroup.objects.filter(
        municipality_id__in=selection.municipality_ids
    ).values_list("municipality_id", "language", "normalised_text"):
        dismissed[(municipality_id, language)].append(text)
    groups: list[Group] = []
    hidden = ungrouped = total = 0
    for (municipality_id, language), texts in partitions.items():
        total += sum(found.count for found in texts.values())
        result = grouping.group_texts({text: found.count for text, found in texts.items()})
        ungrouped += result.ungrouped_messages
        hide = grouping.similar_to_any(
            [g.representative for g in result.groups], dismissed[(municipality_id, language)]
        )
        for text_group, is_hidden in zip(result.groups, hide, strict=True):
            if is_hidden:
                hidden += 1
                continue
            kinds: Counter[str] = Counter()
            for text in text_group.texts:
                kinds.update(texts[text].kinds)
            groups.append(
                Group(
                    municipality_id,
                    language,
                    text_group.texts,
                    text_group.count,
                    kinds,
                    texts[text_group.representative].newest,
                )
            )
    groups.sort(key=lambda g: (-g.count, -g.representative_id))
    return Listing(groups, hidden, ungrouped, total)


def attach_messages(groups: list[Group], selection: Selection) -> None:
    """Load the messages of these groups (a page's), in one query."""
    texts = sorted({text for group in groups for text in group.normalised_texts})
    if not texts:
        return
    found: dict[tuple[int, str, str], list[Unanswered]] = defaultdict(list)
    for message in _messages(selection, texts):
        found[(message.municipality_id, message.language, message.normalised)].append(message)
    for group in groups:
        group.messages = sorted(
            (
                message
                for text in group.normalised_texts
                for message in found[(group.municipality_id, group.language, text)]
            ),
            key=lambda m: (m.created, m.id),
            reverse=True,
        )


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
