"""Fitting the bot's confidence and choosing its thresholds from a labelled set.

The procedure, run by `python manage.py calibrate_bot --faq F --questions Q`:

1. Ranking: for every question with an expected entry, take the in-scope candidates the
   index scores (up to RANK_POOL) with their features (faqbot.matching.RANKING_FEATURES)
   and fit a conditional-logit model (softmax over each question's candidates, L2, Newton's
   method) so that the expected entry scores highest, its translations with it (their
   probabilities add up, as a decision joins them into one answer). Its coefficients
   weigh the features into each candidate's score. A feature whose meaning says which way
   it counts (more coverage can only mean a better match) keeps its weight to that sign
   (RANKING_SIGNS): one fitted against it is set to zero and the rest fitted again. The
   coverage features overlap, and on 200 questions the plain fit gave some of them
   negative weights that another set of questions would not bear out.
2. Confidence: with that ranking, for each question whose decision the confidence decides
   (not a request for a person),
   take the features of the best candidate (faqbot.matching.confidence_features) and
   whether it is the expected entry, and fit a logistic regression (L2, Newton's method)
   to "the best candidate is right". Its output is the calibrated confidence.
3. Choose the answer threshold: the lowest confidence at which the wrong-answer rate over
   the whole set stays at or under the target (default 0.025, below the product target of
   0.05 for a margin), which gives the most answers. The suggest threshold is the one
   under which the expected entry is rarely in the top three.
4. k-fold cross-validation repeats 1–3 on k−1 folds and applies the result to the k-th,
   so the scores it reports are those of thresholds that never saw the questions scored.

The fitted coefficients and thresholds go into faqbot.matching (Weights.ranking,
Weights.calibration and DEFAULT_THRESHOLDS). No entry ids or phrases are involved: only a
dozen numbers describing how well a candidate matches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import numpy as np

from faqbot.evaluation import Outcome, Question, Scores, score
from faqbot.matching import Decision, FaqIndex, Thresholds, Weights

FORCED_REASONS = {"person_requested", "empty"}
WRONG_TARGET = 0.025
L2 = 0.05


RANK_POOL = 20
# Newton steps at most; on the dev set the ranker's fit settles in well under 100.
RANKER_STEPS = 200
# Per ranking feature (faqbot.matching.RANKING_FEATURES): +1 where more of it can only
# mean a better match, -1 where less, 0 where either could be learned.
RANKING_SIGNS = np.array([
    0, 1, 1, 1, 1, 1, 1, 1, 1, -1, 1, 1, 0, 0, 1, -1, 1, 1, 1,
])  # fmt: skip


@dataclass(frozen=True)
class Sample:
    question: Question
    decision: Decision


def samples(index: FaqIndex, questions: list[Question]) -> list[Sample]:
    return [Sample(q, index.decide(q.text, q.municipality, q.language)) for q in questions]


Pool = tuple[np.ndarray, list[int]]


def candidate_pools(index: FaqIndex, questions: list[Question]) -> list[Pool | None]:
    """Per question: the features of its candidates, and the rows of the expected entry
    and of its versions (translations) among them.

    A decision joins an entry's versions into one answer in the resident's language
    (FaqIndex.decide), their scores added as probabilities, so the ranker is fitted to
    the same: the expected answer's probability is the sum of its versions'. Taken as
    wrong candidates, the versions taught the ranker to hold every entry in another
    language than the message's down, also where only that language has the right one."""
    pools: list[Pool | None] = []
    for q in questions:
        ranking = index.rank(q.text, q.municipality, q.language)
        pool = ranking.inside[:RANK_POOL]
        keys = [index.key_of(i) for _, i, _ in pool]
        if q.expected not in keys:
            pools.append(None)
            continue
        versions = set(index.versions(pool[keys.index(q.expected)][1]).values())
        right = [row for row, (_, i, _) in enumerate(pool) if i in versions]
        if len(right) < len(pool):
            pools.append((np.array([m.features for _, _, m in pool]), right))
        else:
            pools.append(None)
    return pools


def fit_ranker(pools: list[Pool | None], l2: float = L2) -> np.ndarray:
    """Conditional logit: maximise the softmax probability of each expected answer (the
    sum of its versions'), each weight kept to the sign its feature's meaning gives it
    (RANKING_SIGNS)."""
    usable = [p for p in pools if p is not None]
    size = usable[0][0].shape[1]
    fixed = np.zeros(size, dtype=bool)
    while True:
        w = _fit_ranker(usable, size, l2, fixed)
        wrong = RANKING_SIGNS * w < -1e-9
        if not wrong.any():
            return w
        # The most wrongly signed weight is set to zero and the rest fitted again.
        fixed[int(np.argmin(RANKING_SIGNS * w))] = True


def _fit_ranker(usable: list[Pool], size: int, l2: float, fixed: np.ndarray) -> np.ndarray:
    """Newton steps with the curvature of the softmax over all candidates only. With one
    right row that is the exact Hessian; with several, the right rows' own curvature
    (which lowers it) is left out, so each step is shorter than Newton's and every step
    still lowers the loss (a majorise-minimise step)."""
    w = np.zeros(size)
    penalty = np.eye(size) * l2
    penalty[0, 0] = 1.0  # the constant feature cancels out in a softmax; keep it at 0
    for _ in range(RANKER_STEPS):
        gradient = penalty @ w
        hessian = penalty.copy()
        for rows, right in usable:
            logits = rows @ w
            p = np.exp(logits - logits.max())
            p /= p.sum()
            mean = p @ rows
            among_right = p[right] / p[right].sum()
            gradient -= among_right @ rows[right] - mean
            hessian += (rows * p[:, None]).T @ rows - np.outer(mean, mean)
        gradient[fixed] = 0.0
        hessian[fixed, :] = 0.0
        hessian[:, fixed] = 0.0
        step = np.linalg.solve(hessian + np.eye(size) * 1e-9, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Coefficients of a logistic regression (the first feature is the constant 1).

    Unconstrained, unlike the ranker: the candidate's score is one of the features and
    already holds the others, so a weight against a feature's meaning is a correction
    of the score, not noise."""
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
    best = decision.candidates[0]
    confidence = _confidence(coefficients, best.features) if best.eligible else 0.0
    if confidence >= thresholds.answer:
        outcome = "answer"
    elif decision.candidates[0].features[8]:  # the "elsewhere" feature
        outcome = "handoff"
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
    index: FaqIndex, questions: list[Question], folds: int = 5, seed: int = 7
) -> tuple[Scores, list[Weights]]:
    pools = candidate_pools(index, questions)
    base = index.weights
    order = list(range(len(questions)))
    random.Random(seed).shuffle(order)
    outcomes: list[Outcome] = []
    fitted = []
    try:
        for fold in range(folds):
            test_ids = set(order[fold::folds])
            train_ids = [i for i in order if i not in test_ids]
            ranker = fit_ranker([pools[i] for i in train_ids])
            index.weights = replace(base, ranking=tuple(float(x) for x in ranker))
            train = samples(index, [questions[i] for i in train_ids])
            coefficients, thresholds = fit(train)
            fitted.append(replace(index.weights, calibration=tuple(float(x) for x in coefficients)))
            test = samples(index, [questions[i] for i in sorted(test_ids)])
            outcomes += [_outcome(s, coefficients, thresholds) for s in test]
    finally:
        index.weights = base
    return score(outcomes), fitted


def fit_all(index: FaqIndex, questions: list[Question]) -> tuple[Weights, Thresholds, Scores]:
    """Ranking, confidence and thresholds fitted on the whole set, and its (optimistic)
    scores on that same set."""
    base = index.weights
    try:
        ranker = fit_ranker(candidate_pools(index, questions))
        index.weights = replace(base, ranking=tuple(float(x) for x in ranker))
        data = samples(index, questions)
        coefficients, thresholds = fit(data)
        weights = replace(index.weights, calibration=tuple(float(x) for x in coefficients))
        return weights, thresholds, apply(data, coefficients, thresholds)
    finally:
        index.weights = base


def apply(data: list[Sample], coefficients: np.ndarray, thresholds: Thresholds) -> Scores:
    return score([_outcome(s, coefficients, thresholds) for s in data])
