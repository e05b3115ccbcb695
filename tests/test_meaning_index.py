"""How alike in meaning a message is to each entry (faqbot.meaning_index): exact cosines for
a small FAQ, and for a large one an approximation that is made exact wherever a decision
reads it."""

from __future__ import annotations

import numpy as np
import pytest

from faqbot import meaning_index
from faqbot.meaning_index import MeaningIndex, Similarity

DIMENSIONS = 384


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def clustered_faq(entries: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries with 1–3 phrasings near a topic vector each (one entry with many), and an
    answer near the same topic. Like a sentence model's vectors, they vary mostly along
    fewer directions than they have dimensions."""
    random = np.random.default_rng(seed)
    directions = random.normal(size=(48, DIMENSIONS))

    def near(centres: np.ndarray, spread: float) -> np.ndarray:
        shift = random.normal(size=(len(centres), 48)) @ directions
        noise = random.normal(size=(len(centres), DIMENSIONS))
        return unit(centres + spread * shift + 0.3 * noise)

    topics = random.normal(size=(entries, 48)) @ directions
    counts = random.integers(1, 4, size=entries)
    counts[7] = meaning_index.TABLE_WIDTH + 3  # more phrasings than the table is wide
    owners = np.repeat(np.arange(entries), counts)
    phrases = near(topics[owners], 0.5)
    answers = near(topics, 0.7)
    return phrases, owners, answers


def brute_force(phrases, owners, answers, vector) -> tuple[np.ndarray, np.ndarray]:
    cosines = phrases @ vector
    best = np.array([cosines[owners == e].max() for e in range(len(answers))])
    return best, answers @ vector


@pytest.fixture
def faq():
    return clustered_faq(600)


def test_it_gives_every_entry_its_closest_phrasing_and_its_answer(faq):
    phrases, owners, answers = faq
    index = MeaningIndex(phrases, owners, answers, len(answers))
    assert index.reduced is None  # small enough to be exact
    vector = unit(phrases[20] + 0.1)
    similarity = Similarity(index, vector)
    best, answer = brute_force(phrases, owners, answers, vector)
    assert np.allclose(similarity.phrase, best, atol=1e-5)
    assert np.allclose(similarity.answer, answer, atol=1e-5)
    assert similarity.exact.all()


def test_it_approximates_a_large_faq_and_makes_exact_what_is_read(faq, monkeypatch):
    phrases, owners, answers = faq
    monkeypatch.setattr(meaning_index, "EXACT_ROWS", 100)
    index = MeaningIndex(phrases, owners, answers, len(answers))
    assert index.reduced is not None
    for probe in (5, 20, 400, 7):
        vector = unit(
            phrases[owners == probe][0] + 0.3 * np.random.default_rng(probe).normal(size=DIMENSIONS)
        )
        best, answer = brute_force(phrases, owners, answers, vector)
        similarity = Similarity(index, vector)
        assert not similarity.exact.any()
        everyone = np.ones(len(answers), dtype=bool)
        nearest = similarity.nearest(everyone, 5)
        # The same five as the exact cosines would choose, with exact values.
        assert sorted(nearest) == sorted(np.argsort(-best)[:5].tolist())
        assert np.allclose(similarity.phrase[nearest], best[nearest], atol=1e-5)
        assert np.allclose(similarity.answer[nearest], answer[nearest], atol=1e-5)
        assert similarity.best(everyone, 5) == pytest.approx(best.max(), abs=1e-5)
        similarity.refine([3, 7, 3])
        assert np.allclose(similarity.phrase[[3, 7]], best[[3, 7]], atol=1e-5)


def test_it_keeps_the_nearest_within_a_mask(faq, monkeypatch):
    phrases, owners, answers = faq
    monkeypatch.setattr(meaning_index, "EXACT_ROWS", 100)
    index = MeaningIndex(phrases, owners, answers, len(answers))
    mask = np.arange(len(answers)) % 2 == 1
    vector = unit(phrases[owners == 20][0])  # entry 20 itself is outside the mask
    nearest = Similarity(index, vector).nearest(mask, 3)
    best, _ = brute_force(phrases, owners, answers, vector)
    odd = np.flatnonzero(mask)
    assert sorted(nearest) == sorted(odd[np.argsort(-best[odd])[:3]].tolist())
