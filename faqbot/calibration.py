"""Fitting the bot's confidence and choosing its thresholds from a labelled set.

The procedure, run by `python manage.py calibrate_bot --faq F --questions Q`:

1. Score every question against the FAQ. For each question whose decision the confidence
   decides (not a request for a person, not a question about another municipality's
   service), take the features of the best candidate (faqbot.matching.confidence_features)
   and whether that candidate is the expected entry.
2. Fit a logistic regression (L2-regularised, Newton's method) from the features to
   "the best candidate is right". Its output is the calibrated confidence.
3. Choose the answer threshold: the lowest confidence at which the wrong-answer rate over
   the whole set stays at or under the target (default 0.04, below the product target of
   0.05 for a margin), which gives the most answers. The suggest threshold is the one
   under which the expected entry is rarely in the top three.
4. k-fold cross-validation repeats 2–3 on k−1 folds and applies the result to the k-th,
   so the scores it reports are those of thresholds that never saw the questions scored.

The fitted coefficients and thresholds go into faqbot.matching (Weights.calibration and
DEFAULT_THRESHOLDS). No entry ids or phrases are involved: only five numbers per candidate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from faqbot.evaluation import Outcome, Question, Scores, score
from faqbot.matching import Decision, FaqIndex, Thresholds

FORCED_REASONS = {"person_requested", "other_municipality", "empty"}
WRONG_TARGET = 0.04
L2 = 0.05


@dataclass(frozen=True)
class Sample:
    question: Question
    decision: Decision


def samples(index: FaqIndex, questions: list[Question]) -> list[Sample]:
    return [Sample(q, index.decide(q.text, q.municipality, q.language)) for q in questions]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Coefficients of a logistic regression (the first feature is the constant 1)."""
    w = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * l2
    penalty[0, 0] = 0.0  # no shrinking of the intercept
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -50, 50)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + penalty + np.eye(len(w)) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _confidence(coefficients: np.ndarray, features: tuple[float, ...]) -> float:
    x = float(np.dot(coefficients, features))
    return 1.0 / (1.0 + np.exp(-max(-50.0, min(50.0, x))))


def _outcome(sample: Sample, coefficients: np.ndarray, thresholds: Thresholds) -> Outcome:
    decision = sample.decision
    if decision.reason in FORCED_REASONS or not decision.candidates:
        return Outcome(sample.question, decision, 0.0)
    confidence = _confidence(coefficients, decision.candidates[0].features)
    if confidence >= thresholds.answer:
        outcome = "answer"
    elif confidence >= thresholds.suggest:
        outcome = "suggest"
    else:
        outcome = "handoff"
    return Outcome(
        sample.question,
        Decision(outcome, decision.candidates, decision.reason, decision.language),
        0.0,
    )


def fit(train: list[Sample], wrong_target: float = WRONG_TARGET) -> tuple[np.ndarray, Thresholds]:
    usable = [s for s in train if s.decision.reason not in FORCED_REASONS and s.decision.best]
    x = np.array([s.decision.candidates[0].features for s in usable])
    y = np.array([float(s.decision.candidates[0].key == s.question.expected) for s in usable])
    coefficients = fit_logistic(x, y)
    best = Thresholds(answer=1.01, suggest=0.0)
    for answer in np.arange(0.30, 0.99, 0.01):
        thresholds = Thresholds(answer=float(round(answer, 2)), suggest=0.0)
        scores = score([_outcome(s, coefficients, thresholds) for s in train])
        if scores.wrong_answer_rate <= wrong_target:
            best = thresholds
            break
    # Suggest where the expected entry is in the top three for most who get suggestions.
    confidences = sorted(
        _confidence(coefficients, s.decision.candidates[0].features) for s in usable
    )
    suggest = min(best.answer, confidences[len(confidences) // 4] if confidences else 0.2)
    return coefficients, Thresholds(answer=best.answer, suggest=round(float(suggest), 2))


def cross_validate(
    data: list[Sample], folds: int = 5, seed: int = 7
) -> tuple[Scores, list[tuple[np.ndarray, Thresholds]]]:
    order = list(range(len(data)))
    random.Random(seed).shuffle(order)
    outcomes: list[Outcome] = []
    fitted = []
    for fold in range(folds):
        test = [data[i] for i in order[fold::folds]]
        train = [data[i] for n, i in enumerate(order) if n % folds != fold]
        coefficients, thresholds = fit(train)
        fitted.append((coefficients, thresholds))
        outcomes += [_outcome(s, coefficients, thresholds) for s in test]
    return score(outcomes), fitted


def apply(data: list[Sample], coefficients: np.ndarray, thresholds: Thresholds) -> Scores:
    return score([_outcome(s, coefficients, thresholds) for s in data])
