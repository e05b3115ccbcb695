"""A municipality's decision thresholds: the ones it set, else the calibrated defaults.

faqbot.matching is imported lazily: it pulls in spaCy, which models, admin and the import
command should not pay for at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faqbot.matching import Thresholds


def effective_thresholds(answer: float | None, suggest: float | None) -> Thresholds:
    """The thresholds the bot decides with; an empty one is the calibrated default."""
    from faqbot.matching import DEFAULT_THRESHOLDS, Thresholds

    answer_at = DEFAULT_THRESHOLDS.answer if answer is None else answer
    suggest_at = DEFAULT_THRESHOLDS.suggest if suggest is None else suggest
    # A recalibration may move a default past a value a municipality set; suggesting from
    # above the answer threshold would mean never suggesting, so the lower one wins.
    return Thresholds(answer=answer_at, suggest=min(suggest_at, answer_at))


def suggest_above_answer(answer: float | None, suggest: float | None) -> bool:
    """Would these settings suggest only from a higher confidence than they answer from?"""
    from faqbot.matching import DEFAULT_THRESHOLDS

    answer_at = DEFAULT_THRESHOLDS.answer if answer is None else answer
    suggest_at = DEFAULT_THRESHOLDS.suggest if suggest is None else suggest
    return suggest_at > answer_at
