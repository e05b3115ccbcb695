"""The calibration's fits (faqbot.calibration): the ranker keeps each weight to the sign
its feature's meaning gives it, and still ranks the expected candidates first."""

from __future__ import annotations

import numpy as np
import pytest

from faqbot import calibration
from faqbot.evaluation import Question
from faqbot.matching import RANKING_FEATURES, FaqDoc, FaqIndex

MESSAGE_COVER = RANKING_FEATURES.index("message_cover")
COVERAGE = RANKING_FEATURES.index("coverage")
MISSING = RANKING_FEATURES.index("missing")


def pools(seed: int = 1, questions: int = 120, candidates: int = 6):
    """Questions whose expected candidate has the most coverage and the least missing,
    and, as collinear features make happen, a little *less* message cover than the rest
    once coverage is accounted for."""
    rng = np.random.default_rng(seed)
    result = []
    for _ in range(questions):
        rows = rng.uniform(0.0, 1.0, size=(candidates, len(RANKING_FEATURES)))
        rows[:, 0] = 1.0
        right = int(rng.integers(candidates))
        rows[right, COVERAGE] += 0.8
        rows[right, MISSING] -= 0.5
        rows[:, MESSAGE_COVER] = rows[:, COVERAGE] - rng.uniform(0.0, 0.6, size=candidates)
        rows[right, MESSAGE_COVER] -= 0.4
        result.append((rows, [right]))
    return result


def test_it_would_weigh_a_collinear_feature_against_its_meaning_unconstrained():
    # The premise of the constraint: the plain fit gives message cover a negative weight.
    usable = pools()
    size = len(RANKING_FEATURES)
    free = calibration._fit_ranker(usable, size, calibration.L2, np.zeros(size, dtype=bool))
    assert free[MESSAGE_COVER] < 0


def test_it_keeps_each_ranking_weight_to_its_sign():
    weights = calibration.fit_ranker(pools())
    signs = calibration.RANKING_SIGNS
    assert len(signs) == len(RANKING_FEATURES)
    assert (signs * weights >= -1e-9).all()
    assert weights[MESSAGE_COVER] == pytest.approx(0.0)
    assert weights[COVERAGE] > 0
    assert weights[MISSING] < 0


def test_it_still_ranks_the_expected_candidates_first():
    weights = calibration.fit_ranker(pools(seed=1))
    held_out = pools(seed=2)
    first = sum(int(np.argmax(rows @ weights) == right) for rows, [right] in held_out)
    assert first / len(held_out) > 0.8


def test_it_counts_the_expected_entrys_translations_as_right(analyzer):
    """A decision joins an entry's versions into one answer in the resident's language, so
    the ranker is not taught to hold the Finnish version down against the English one."""
    docs = [
        FaqDoc("daycare", None, "fi", "Miten haen päivähoitopaikkaa?", (), "Hae ajoissa.",
               group="daycare"),
        FaqDoc("daycare-en", None, "en", "How do I apply for a daycare place?", (),
               "Apply in time.", group="daycare"),
        FaqDoc("library", None, "fi", "Milloin kirjasto on auki?", (), "Ma–pe 10–18."),
        FaqDoc("permit", None, "fi", "Miten haen rakennuslupaa?", (), "Lupapisteessä."),
    ]  # fmt: skip
    index = FaqIndex(docs, analyzer=analyzer)
    question = Question("how do I apply for a daycare place", "karvia", "en", "daycare-en")
    features = {
        index.key_of(i): match.features
        for _, i, match in index.rank(question.text, "karvia", "en").inside
    }
    assert {"daycare", "daycare-en", "permit"} <= set(features)

    [(rows, right)] = calibration.candidate_pools(index, [question])

    assert sorted(map(tuple, rows)) == sorted(map(tuple, features.values()))
    assert sorted(tuple(rows[r]) for r in right) == sorted(
        (tuple(features["daycare"]), tuple(features["daycare-en"]))
    )


def test_it_fits_the_probability_of_an_answer_as_the_sum_of_its_versions():
    rng = np.random.default_rng(4)
    usable = []
    for rows, [right] in pools(seed=3, questions=60):
        version = int((right + 1) % len(rows))  # another row is a version of the answer
        usable.append((rows, [right, version]))
    size = len(RANKING_FEATURES)
    penalty = np.eye(size) * calibration.L2
    penalty[0, 0] = 1.0

    def loss(w: np.ndarray) -> float:
        total = 0.5 * w @ penalty @ w
        for rows, right in usable:
            logits = rows @ w
            total -= np.log(np.exp(logits[right]).sum() / np.exp(logits).sum())
        return float(total)

    w = calibration._fit_ranker(usable, size, calibration.L2, np.zeros(size, dtype=bool))

    # At the fitted weights the loss is at its least: no direction lowers it.
    for direction in rng.normal(size=(8, size)):
        direction /= np.linalg.norm(direction)
        assert loss(w) <= min(loss(w + 1e-3 * direction), loss(w - 1e-3 * direction)) + 1e-9
