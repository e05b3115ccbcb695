"""Scoring the bot on a labelled set, in the format of shared/faq-eval/README.md.

Nothing here touches the database: the FAQ comes from the file and the index is built for
the run alone.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faqbot.faq_io import resolve_groups, validate
from faqbot.matching import Decision, FaqDoc, FaqIndex, Thresholds

HANDOFF = "HANDOFF"


class EvaluationInputError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


@dataclass(frozen=True)
class Question:
    text: str
    municipality: str
    language: str
    expected: str | None
    kind: str = ""


@dataclass(frozen=True)
class Outcome:
    question: Question
    decision: Decision
    elapsed_ms: float

    @property
    def answered(self) -> str | None:
        best = self.decision.best
        return best.key if self.decision.outcome == "answer" and best else None

    @property
    def expects_entry(self) -> bool:
        return self.question.expected not in (None, HANDOFF)

    @property
    def correct(self) -> bool:
        if self.expects_entry:
            return self.answered == self.question.expected
        return self.answered is None

    @property
    def wrong_answer(self) -> bool:
        return self.answered is not None and self.answered != self.question.expected

    @property
    def in_top1(self) -> bool:
        best = self.decision.best
        return best is not None and best.key == self.question.expected

    @property
    def in_top3(self) -> bool:
        return self.question.expected in [c.key for c in self.decision.candidates[:3]]


def docs_from_faq(data: object) -> list[FaqDoc]:
    errors = validate(data, use_database=False)
    if errors:
        raise EvaluationInputError(errors)
    assert isinstance(data, dict)
    # Our export format may link translations ('group', 'translation_of'); the file's
    # links alone, as validate() checked them.
    groups, _problems = resolve_groups(data["entries"], use_database=False)
    return [
        FaqDoc(
            key=e["id"],
            municipality=e.get("municipality"),
            language=e["language"],
            question=e["question"],
            alternatives=tuple(e.get("alternatives", [])),
            answer=e["answer"],
            group=str(groups[e["id"]]),
        )
        for e in data["entries"]
        if e.get("published", True)
    ]


def load_faq(path: Path) -> list[FaqDoc]:
    return docs_from_faq(json.loads(Path(path).read_text(encoding="utf-8")))


def load_questions(path: Path) -> list[Question]:
    questions, errors = [], []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            questions.append(
                Question(
                    text=str(item["text"]),
                    municipality=str(item["municipality"]),
                    language=str(item["language"]),
                    expected=item.get("expected"),
                    kind=str(item.get("kind", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            errors.append(f"line {number}: {exc!r}")
    if errors:
        raise EvaluationInputError(errors)
    return questions


def run(
    index: FaqIndex, questions: Iterable[Question], thresholds: Thresholds | None = None
) -> list[Outcome]:
    outcomes = []
    for question in questions:
        started = time.perf_counter()
        decision = index.decide(question.text, question.municipality, question.language, thresholds)
        elapsed = (time.perf_counter() - started) * 1000
        outcomes.append(Outcome(question, decision, elapsed))
    return outcomes


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Scores:
    n: int = 0
    answer_accuracy: float = 0.0
    wrong_answer_rate: float = 0.0
    handoff_recall: float = 0.0
    top3_recall: float = 0.0
    top1_recall: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "answer_accuracy": round(self.answer_accuracy, 4),
            "wrong_answer_rate": round(self.wrong_answer_rate, 4),
            "handoff_recall": round(self.handoff_recall, 4),
            "top3_recall": round(self.top3_recall, 4),
            "top1_recall": round(self.top1_recall, 4),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
        }


def score(outcomes: list[Outcome]) -> Scores:
    entry_questions = [o for o in outcomes if o.expects_entry]
    handoffs = [o for o in outcomes if not o.expects_entry]
    times = [o.elapsed_ms for o in outcomes]

    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    return Scores(
        n=len(outcomes),
        answer_accuracy=share(sum(o.correct for o in entry_questions), len(entry_questions)),
        wrong_answer_rate=share(sum(o.wrong_answer for o in outcomes), len(outcomes)),
        handoff_recall=share(sum(o.answered is None for o in handoffs), len(handoffs)),
        top3_recall=share(sum(o.in_top3 for o in entry_questions), len(entry_questions)),
        top1_recall=share(sum(o.in_top1 for o in entry_questions), len(entry_questions)),
        p50_ms=_percentile(times, 0.50),
        p99_ms=_percentile(times, 0.99),
    )


def breakdown(outcomes: list[Outcome], key: str) -> dict[str, Scores]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[getattr(outcome.question, key) or "-"].append(outcome)
    return {name: score(group) for name, group in sorted(groups.items())}


def worst_mistakes(outcomes: list[Outcome], limit: int = 15) -> list[Outcome]:
    """Wrong answers first, most confident first; then missed entries."""
    wrong = sorted(
        (o for o in outcomes if o.wrong_answer),
        key=lambda o: -(o.decision.best.confidence if o.decision.best else 0),
    )
    missed = [o for o in outcomes if o.expects_entry and not o.correct and not o.wrong_answer]
    return (wrong + missed)[:limit]


def report(outcomes: list[Outcome]) -> dict[str, Any]:
    result = score(outcomes).as_dict()
    result["by_kind"] = {k: v.as_dict() for k, v in breakdown(outcomes, "kind").items()}
    result["by_language"] = {k: v.as_dict() for k, v in breakdown(outcomes, "language").items()}
    result["worst_mistakes"] = [
        {
            "text": o.question.text,
            "municipality": o.question.municipality,
            "language": o.question.language,
            "kind": o.question.kind,
            "expected": o.question.expected,
            "outcome": o.decision.outcome,
            "reason": o.decision.reason,
            "candidates": [[c.key, c.confidence] for c in o.decision.candidates],
        }
        for o in worst_mistakes(outcomes)
    ]
    return result
