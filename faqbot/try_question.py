"""Trying a question: what the bot would do with a message, explained for editors.

A trial runs the chat's own decision (faqbot.matching) with the chat's own index and the
municipality's thresholds (faqbot.live_index), so what an editor sees here is what a
resident would get. "Before and after an unsaved edit" decides twice: with the saved FAQ,
and with a temporary index of the published entries in which the edited entry takes the
place of the saved one.

Build cost of the temporary index: what the live index's build costs, which grows with
the FAQ. Measured: 7 ms for the demo FAQ (74 entries), 14 ms for shared/faq-eval (114);
bench/bench_matching.py's synthetic 5,000 entries take 5-10 s and some hundreds of MB
while it exists. Building it per click keeps the live index untouched and needs no cache
to invalidate, which is right at the size of these six municipalities' FAQ (hundreds of
entries); at thousands, the engine would need a way to replace one entry in an index.
The page shows how long the build took.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from faqbot import live_index
from faqbot.languages import LANGUAGE_CHOICES
from faqbot.matching import Decision, FaqDoc, FaqIndex, Thresholds
from faqbot.models import FaqEntry, Municipality

# One temporary index at a time in a process: editors trying edits together wait for each
# other rather than holding several indexes' memory at once.
_temporary_build = threading.Lock()
LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
OUTCOMES = {
    "answer": _("Answers"),
    "suggest": _("Suggests entries"),
    "handoff": _("Hands over to customer service"),
    "reply": _("Replies to small talk"),
}
REASONS = {
    "confident": _("The best entry's confidence reaches the answer threshold."),
    "unsure": _(
        "The best entry's confidence is below the answer threshold but reaches the suggestion "
        "threshold, so the bot offers the likeliest entries to choose from."
    ),
    "low_confidence": _("No entry is close enough to suggest: the confidence is too low."),
    "person_requested": _("The message asks for a person."),
    "greeting": _("The message is a greeting: the bot greets back and asks what it can do."),
    "thanks": _("The message thanks the bot: the bot replies politely."),
    "goodbye": _("The message says goodbye: the bot replies politely."),
    "acknowledgement": _("The message acknowledges an answer: the bot asks if there is more."),
    "other_municipality": _(
        "The message names something only another municipality's FAQ has, so the bot does "
        "not guess from this municipality's entries."
    ),
    "empty": _("The bot found no entry that shares a word with the message."),
}


@dataclass(frozen=True)
class TrialCandidate:
    key: str
    question: str
    municipality: str | None  # the municipality's name; None for a shared entry
    language: str
    confidence: float
    matched: tuple[str, ...]  # the message's words the entry matched
    eligible: bool  # False: shares no content word, never an answer
    entry_id: int | None = None  # for a link to the entry; None for an unsaved one
    edited: bool = False  # the entry being edited (with its unsaved values)

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class Trial:
    outcome: str
    reason: str
    language: str  # the language the message was read as
    thresholds: Thresholds
    candidates: tuple[TrialCandidate, ...]

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES.get(self.outcome, self.outcome))

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, self.reason))

    @property
    def language_name(self) -> str:
        return str(LANGUAGE_NAMES.get(self.language, self.language))

    @property
    def answer(self) -> TrialCandidate | None:
        return self.candidates[0] if self.outcome == "answer" and self.candidates else None

    @property
    def answer_percent(self) -> int:
        return round(self.thresholds.answer * 100)

    @property
    def suggest_percent(self) -> int:
        return round(self.thresholds.suggest * 100)


@dataclass(frozen=True)
class EditTrial:
    before: Trial
    after: Trial
    build_seconds: float

    @property
    def build_milliseconds(self) -> int:
        return max(1, round(self.build_seconds * 1000))

    @property
    def changed(self) -> bool:
        return (self.before.outcome, [c.key for c in self.before.candidates]) != (
            self.after.outcome,
            [c.key for c in self.after.candidates],
        )


def _trial(
    decision: Decision,
    index: FaqIndex,
    thresholds: Thresholds,
    edited_key: str | None = None,
) -> Trial:
    keys = [c.key for c in decision.candidates]
    ids = dict(FaqEntry.objects.filter(key__in=keys).values_list("key", "pk"))
    slugs = {index.docs[key].municipality for key in keys} - {None}
    names = dict(Municipality.objects.filter(slug__in=slugs).values_list("slug", "name"))
    candidates = []
    for candidate in decision.candidates:
        doc = index.docs[candidate.key]
        edited = candidate.key == edited_key
        candidates.append(
            TrialCandidate(
                key=candidate.key,
                question=doc.question,
                municipality=names.get(doc.municipality, doc.municipality)
                if doc.municipality
                else None,
                language=doc.language,
                confidence=candidate.confidence,
                matched=candidate.matched,
                eligible=candidate.eligible,
                entry_id=ids.get(candidate.key),
                edited=edited,
            )
        )
    return Trial(decision.outcome, decision.reason, decision.language, thresholds,
                 tuple(candidates))  # fmt: skip


def try_question(
    text: str, municipality: Municipality, language: str, highlight: str | None = None
) -> Trial:
    """What the chat of this municipality would do with the message now.

    highlight: the key of an entry to mark among the candidates (the one being edited).
    """
    thresholds = municipality.thresholds()
    index = live_index.current_index()
    decision = index.decide(text, municipality.slug, language, thresholds)
    return _trial(decision, index, thresholds, highlight)


def _temporary_index(docs: list[FaqDoc]) -> FaqIndex:
    # Like live_index.build_index, the collector is paused: the build allocates millions of
    # objects that all stay alive until it ends. Unlike it, nothing is frozen: this index
    # is garbage as soon as the page is rendered.
    with _temporary_build:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return FaqIndex(docs, analyzer=live_index.analyzer())
        finally:
            if collecting:
                gc.enable()


def try_edit(
    text: str,
    municipality: Municipality,
    language: str,
    edited: FaqDoc | None,
    replaces: str | None,
) -> EditTrial:
    """The decision with the saved FAQ and with one entry's unsaved values.

    edited: the entry as the form has it (None when the form unpublishes it); replaces:
    the key it has in the database (None for a new entry).
    """
    before = try_question(text, municipality, language, highlight=replaces)
    gone = {key for key in (replaces, edited.key if edited else None) if key}
    docs = [doc for doc in live_index.load_content().docs if doc.key not in gone]
    if edited is not None:
        docs.append(edited)
    started = time.perf_counter()
    index = _temporary_index(docs)
    build_seconds = time.perf_counter() - started
    thresholds = municipality.thresholds()
    decision = index.decide(text, municipality.slug, language, thresholds)
    after = _trial(decision, index, thresholds, edited.key if edited else None)
    return EditTrial(before, after, build_seconds)


def edited_doc(values: dict[str, Any]) -> FaqDoc | None:
    """The FaqDoc of a change form's cleaned values, None when it would not be published."""
    if not values.get("published"):
        return None
    municipality = values.get("municipality")
    return FaqDoc(
        key=values.get("key") or "(unsaved)",
        municipality=municipality.slug if municipality else None,
        language=values["language"],
        question=values["question"],
        alternatives=tuple(values.get("alternatives") or ()),
        answer=values.get("answer") or "",
        group=str(values.get("translation_group") or ""),
    )
