"""The matching core: plain Python, no ORM, so it can be tested and benchmarked alone.

An index is built from FAQ documents; `FaqIndex.decide` maps (message, municipality,
language) to a decision: answer with one entry, suggest a few, or hand off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, utils

Outcome = Literal["answer", "suggest", "handoff"]

DEFAULT_ANSWER_THRESHOLD = 0.80
DEFAULT_SUGGEST_THRESHOLD = 0.55
SUGGESTION_COUNT = 3


@dataclass(frozen=True)
class FaqDoc:
    key: str
    municipality: str | None
    language: str
    question: str
    alternatives: tuple[str, ...] = ()
    answer: str = ""


@dataclass(frozen=True)
class Candidate:
    key: str
    confidence: float


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class Thresholds:
    answer: float = DEFAULT_ANSWER_THRESHOLD
    suggest: float = DEFAULT_SUGGEST_THRESHOLD


class FaqIndex:
    def __init__(self, docs: Iterable[FaqDoc]) -> None:
        self.docs: dict[str, FaqDoc] = {}
        self._phrases: dict[str, list[str]] = {}
        for doc in docs:
            self.docs[doc.key] = doc
            phrases = [doc.question, *doc.alternatives]
            self._phrases[doc.key] = [utils.default_process(p) for p in phrases if p.strip()]

    def candidates_for(self, municipality: str, language: str) -> list[FaqDoc]:
        """Entries that may answer in this chat: its municipality's and the shared ones."""
        return [
            doc
            for doc in self.docs.values()
            if doc.language == language and doc.municipality in (None, municipality)
        ]

    def score(self, text: str, doc: FaqDoc) -> float:
        query = utils.default_process(text)
        if not query:
            return 0.0
        return (
            max(
                (fuzz.token_set_ratio(query, phrase) for phrase in self._phrases[doc.key]),
                default=0.0,
            )
            / 100.0
        )

    def decide(
        self, text: str, municipality: str, language: str, thresholds: Thresholds | None = None
    ) -> Decision:
        thresholds = thresholds or Thresholds()
        ranked = sorted(
            (
                Candidate(doc.key, self.score(text, doc))
                for doc in self.candidates_for(municipality, language)
            ),
            key=lambda c: c.confidence,
            reverse=True,
        )[:SUGGESTION_COUNT]
        if ranked and ranked[0].confidence >= thresholds.answer:
            return Decision("answer", tuple(ranked))
        if ranked and ranked[0].confidence >= thresholds.suggest:
            return Decision("suggest", tuple(c for c in ranked if c.confidence > 0))
        return Decision("handoff", tuple(ranked))
