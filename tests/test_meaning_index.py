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


def basis(*axes: int) -> np.ndarray:
    return np.eye(DIMENSIONS, dtype=np.float32)[list(axes)]


def form_faq(form: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forty entries, topic i along axis i. Each of the first 38 has two phrasings that
    differ along the last axis (a question and a keyword, say); entry 38 has only one
    phrasing at -form, entry 39 only one at +form; every answer is its topic."""
    rows, owners = [], []
    for entry in range(40):
        signs = (-1, 1) if entry < 38 else ((-1,) if entry == 38 else (1,))
        for sign in signs:
            rows.append(basis(entry)[0] + sign * form * basis(DIMENSIONS - 1)[0])
            owners.append(entry)
    return unit(np.array(rows)), np.array(owners), basis(*range(40))


def test_it_looks_past_what_the_texts_of_one_entry_differ_in():
    phrases, owners, answers = form_faq(form=0.8)
    index = MeaningIndex(phrases, owners, answers, len(answers))
    # Mostly about entry 38, but worded in the form only entry 39's phrasing has.
    message = unit(0.6 * basis(38)[0] + 0.4 * basis(39)[0] + 0.8 * basis(DIMENSIONS - 1)[0])
    before = Similarity(index, message)
    assert before.phrase[39] > before.phrase[38]

    index.whiten(np.arange(len(answers)))

    after = Similarity(index, message)
    assert after.phrase[38] > after.phrase[39]
    # Phrasings and answers are compared in the same whitened space.
    assert after.answer[38] > after.answer[39]
    assert np.allclose(np.linalg.norm(index.phrases, axis=1), 1.0, atol=1e-5)


def test_it_counts_the_translations_of_an_entry_as_one_entry():
    """Axis 0: entry A's topic, axis 1: entry B's, the last axis: English. A is in Finnish
    and English, B only in English, like a FAQ whose translations are not all done."""
    english = basis(DIMENSIONS - 1)[0]
    topic_a, topic_b = basis(0)[0], basis(1)[0]
    texts = unit(np.array([topic_a, topic_a + english, topic_b + english]))
    answers = texts.copy()
    owners = np.arange(3)
    message = unit(0.75 * topic_a + 0.25 * topic_b + english)  # about A, in English

    def best_of_finnish_a_and_english_b(versions: np.ndarray) -> int:
        index = MeaningIndex(texts.copy(), owners, answers.copy(), 3)  # whitened in place
        index.whiten(versions)
        return int(np.argmax(Similarity(index, message).phrase[[0, 2]]))

    # Apart, the English entry B is nearer: it shares the language.
    assert best_of_finnish_a_and_english_b(np.array([0, 1, 2])) == 1
    # As versions of one entry, A's Finnish and English texts teach that the language says
    # nothing about the topic.
    assert best_of_finnish_a_and_english_b(np.array([0, 0, 2])) == 0


def test_it_leaves_vectors_alone_where_no_entry_varies():
    phrases = basis(0, 1)
    index = MeaningIndex(phrases, np.arange(2), phrases.copy(), 2)
    index.whiten(np.arange(2))
    assert index.transform is None
    assert np.allclose(Similarity(index, unit(basis(0)[0] + basis(1)[0])).phrase, 2**-0.5)


def test_it_approximates_a_whitened_large_faq_in_the_whitened_space(faq, monkeypatch):
    phrases, owners, answers = faq
    monkeypatch.setattr(meaning_index, "EXACT_ROWS", 100)
    index = MeaningIndex(phrases, owners, answers, len(answers))
    index.whiten(np.arange(len(answers)) // 2)  # pairs of entries as versions of one
    assert index.transform is not None
    vector = unit(phrases[owners == 20][0] + 0.2)
    whitened = unit(vector @ index.transform)
    best, answer = brute_force(index.phrases, owners, index.answers, whitened)
    similarity = Similarity(index, vector)
    everyone = np.ones(len(answers), dtype=bool)
    nearest = similarity.nearest(everyone, 5)
    assert sorted(nearest) == sorted(np.argsort(-best)[:5].tolist())
    assert np.allclose(similarity.answer[nearest], answer[nearest], atol=1e-5)


def test_it_takes_entries_without_phrasings():
    phrases = basis(0, 1)
    answers = basis(0, 2, 1)
    index = MeaningIndex(phrases.copy(), np.array([0, 2]), answers.copy(), 3)
    index.whiten(np.arange(3))
    similarity = Similarity(index, basis(1)[0])
    assert similarity.phrase[1] == -np.inf
    assert int(np.argmax(similarity.phrase)) == 2
    assert index.question_similarity(2, np.arange(3))[1] == 0.0
