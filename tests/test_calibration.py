"""The calibration's fits (faqbot.calibration): the ranker keeps each weight to the sign
its feature's meaning gives it, and still ranks the expected candidates first."""

from __future__ import annotations

import numpy as np
import pytest

from faqbot import calibration
from faqbot.matching import RANKING_FEATURES

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
        result.append((rows, right))
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
    first = sum(int(np.argmax(rows @ weights) == right) for rows, right in held_out)
    assert first / len(held_out) > 0.8
