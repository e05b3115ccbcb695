"""How alike in meaning a message is to each FAQ entry: its closest phrasing and its answer.

The cosines of the message's sentence vector (faqbot.sentences) with every phrasing and
answer of the FAQ. At a few hundred entries that is two small matrix products. At
thousands it was the slowest step after the embedding itself: 15,000 phrasings × 384
floats are 23 MB, read from memory on every message because the embedding has just
filled the caches with the model. So a large index first compares in fewer dimensions
(the phrasings' principal components, a third of the size) and computes the exact
cosines only for the entries that matter: those the matcher scores, and the likeliest
by the approximation. Entries never made exact keep their approximate value; no decision
reads them.

Before any message is compared, the vectors are whitened within entries (`whiten`): the
directions in which one entry's own texts differ from each other (its question and its
keyword-like alternatives, its answer, its translations) say nothing about which entry a
message is about, yet e5 gives them much of the cosine: the two largest such directions
hold 76 and 38 times the average share of the variation. Scaled down, the cosines follow the
topic more than the form and the language.
"""

from __future__ import annotations

import numpy as np

# Up to this many phrasings the cosines are all exact.
EXACT_ROWS = 4000
REDUCED_DIMENSIONS = 128
PCA_SAMPLE = 2000
# How many more entries than asked for are made exact before the nearest are chosen.
NEAREST_MARGIN = 6
# Phrasings per entry in the table that finds each entry's best; entries with more are
# handled apart.
TABLE_WIDTH = 8
# How far the within-entry scatter is shrunk towards the identity before whitening: at 0
# every within-entry direction would be flattened completely (noisy with three or four
# texts an entry), at 1 nothing changes. Chosen by cross-validation (docs/faqbot.md): 0.4 to
# 0.7 scored within a point of each other.
WHITENING_SHRINKAGE = 0.5
# Rows transformed at a time, for small temporary arrays.
WHITENING_BLOCK = 4096


class Similarity:
    """One message's cosines with every entry: the closest phrasing and the answer."""

    def __init__(self, index: MeaningIndex, vector: np.ndarray) -> None:
        self._index = index
        if index.transform is not None:
            vector = _unit(vector @ index.transform)
        self._vector = vector
        self.exact = np.zeros(index.entries, dtype=bool)
        if index.reduced is None:
            self.phrase, self.answer = index.exact_similarity(vector, None)
            self.exact[:] = True
        else:
            self.phrase, self.answer = index.approximate_similarity(vector)

    def refine(self, entries: np.ndarray | list[int]) -> None:
        """Make these entries' cosines exact."""
        wanted = np.asarray(entries, dtype=np.int64)
        wanted = wanted[~self.exact[wanted]]
        if not len(wanted):
            return
        wanted = np.unique(wanted)
        phrase, answer = self._index.exact_similarity(self._vector, wanted)
        self.phrase[wanted], self.answer[wanted] = phrase, answer
        self.exact[wanted] = True

    def nearest(self, mask: np.ndarray, count: int) -> list[int]:
        """The `count` entries under the mask whose closest phrasing is the most alike."""
        candidates = np.flatnonzero(mask)
        if len(candidates) > count * NEAREST_MARGIN and not self.exact[candidates].all():
            rough = np.argpartition(-self.phrase[candidates], count * NEAREST_MARGIN)
            candidates = candidates[rough[: count * NEAREST_MARGIN]]
        self.refine(candidates)
        if len(candidates) > count:
            candidates = candidates[np.argpartition(-self.phrase[candidates], count)[:count]]
        return candidates.tolist()

    def best(self, mask: np.ndarray, count: int) -> float:
        """The highest exact phrase cosine under the mask, once the `count` nearest under
        it are exact."""
        self.nearest(mask, count)
        chosen = mask & self.exact
        return float(self.phrase[chosen].max()) if chosen.any() else 0.0


class MeaningIndex:
    """The sentence vectors of an index's phrasings (rows owned by entries, each entry's
    consecutive) and answers (one per entry)."""

    def __init__(
        self, phrases: np.ndarray, owners: np.ndarray, answers: np.ndarray, entries: int
    ) -> None:
        self.entries = entries
        self.phrases = phrases
        self.answers = answers
        self.transform: np.ndarray | None = None
        self._owners = owners
        counts = np.bincount(owners, minlength=entries)
        self._starts = (np.cumsum(counts) - counts).astype(np.int64)
        self._counts = counts
        width = max(1, min(int(counts.max(initial=1)), TABLE_WIDTH))
        columns = np.arange(width)
        # Row numbers past the last stand for "no phrasing" (a cosine of -inf).
        self._table = np.where(
            columns < counts[:, None], self._starts[:, None] + columns, len(owners)
        ).astype(np.int64)
        self._overflow = np.flatnonzero(counts > width)
        # The questions as embedded, for comparing entries with each other (question_similarity);
        # an entry without phrasings has none.
        self._questions = np.zeros(answers.shape, dtype=np.float32)
        self._questions[counts > 0] = phrases[self._starts[counts > 0]]
        # The principal components of a large FAQ's phrasings, worked out once they are
        # final: after whitening, which FaqIndex does as it is built.
        self._reduced: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._approximate = len(phrases) > EXACT_ROWS

    @property
    def reduced(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A large FAQ's phrasings in fewer dimensions (basis, mean, the phrasings in it);
        None where all cosines are exact."""
        if self._approximate and self._reduced is None:
            self._reduced = _reduce(self.phrases)
        return self._reduced

    def whiten(self, versions: np.ndarray) -> None:
        """Whiten the vectors within entries, each entry's versions (one number per entry,
        the same for an entry's translations) counting as one entry. Called once the
        translations are known, which are found with the vectors as embedded.

        The phrasings and answers given to the index are its own: they are transformed
        in place, as a copy of a large FAQ's would stay in the process's heap."""
        transform = self._within_entry_whitening(versions)
        if transform is not None:
            self.transform = transform
            for rows in (self.phrases, self.answers):
                for start in range(0, len(rows), WHITENING_BLOCK):
                    block = rows[start : start + WHITENING_BLOCK]
                    block[:] = _unit(block @ transform)
        # Now, at build time, rather than on the first message.
        self._reduced = _reduce(self.phrases) if self._approximate else None

    def _within_entry_whitening(self, versions: np.ndarray) -> np.ndarray | None:
        """A symmetric matrix that scales each direction by how little the texts of one
        entry vary along it: the inverse square root of their scatter around their
        entry's mean, shrunk towards its average (WHITENING_SHRINKAGE). None where no
        entry's texts vary.

        The scatter is the texts' second moment less each entry's mean's, which needs no
        copy of the texts: an entry's phrasings are consecutive rows."""
        starts = self._starts[self._counts > 0]
        sums = np.zeros(self.answers.shape, dtype=np.float64)
        sums[self._counts > 0] = np.add.reduceat(self.phrases, starts, axis=0)
        sums += self.answers
        groups = np.unique(versions, return_inverse=True)[1]
        group_sums = np.zeros((groups.max() + 1, sums.shape[1]))
        np.add.at(group_sums, groups, sums)
        group_counts = np.bincount(groups, weights=self._counts + 1.0)
        means = group_sums / np.sqrt(group_counts)[:, None]
        moment = (self.phrases.T @ self.phrases + self.answers.T @ self.answers).astype(np.float64)
        scatter = moment - means.T @ means
        average = np.trace(scatter) / len(scatter)
        # Beside the texts' own size, what is left may be rounding only.
        if average <= 1e-6 * np.trace(moment) / len(moment):
            return None
        shrunk = (1 - WHITENING_SHRINKAGE) * scatter + WHITENING_SHRINKAGE * average * np.eye(
            len(scatter)
        )
        values, vectors = np.linalg.eigh(shrunk)
        return ((vectors / np.sqrt(values)) @ vectors.T).astype(np.float32)

    def _best_phrases(self, cosines: np.ndarray) -> np.ndarray:
        """Each entry's highest cosine, from one per phrasing."""
        cosines = np.append(cosines, np.float32(-np.inf))
        best = cosines[self._table[:, 0]]
        for column in range(1, self._table.shape[1]):
            np.maximum(best, cosines[self._table[:, column]], out=best)
        for entry in self._overflow:
            start = self._starts[entry]
            best[entry] = cosines[start : start + self._counts[entry]].max()
        return best

    def exact_similarity(
        self, vector: np.ndarray, entries: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact cosines for all entries (None) or for these sorted entries."""
        if entries is None:
            return self._best_phrases(self.phrases @ vector), self.answers @ vector
        # Only the entries' own rows: the table's, and an overflowing entry's in full.
        table = self._table[entries]
        present = table < len(self.phrases)
        cosines = np.full(table.shape, -np.inf, dtype=np.float32)
        cosines[present] = self.phrases[table[present]] @ vector
        best = cosines.max(axis=1)
        for at in np.flatnonzero(self._counts[entries] > table.shape[1]):
            start, count = self._starts[entries[at]], self._counts[entries[at]]
            best[at] = (self.phrases[start : start + count] @ vector).max()
        return best, self.answers[entries] @ vector

    def question_similarity(self, entry: int, entries: np.ndarray) -> np.ndarray:
        """Cosines of an entry's question (its first phrasing) with these entries', as
        embedded: how alike two entries are, form and language included."""
        return self._questions[entries] @ self._questions[entry]

    def approximate_similarity(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Approximate phrase cosines for all entries; answer cosines are left at zero
        until refined (only the entries scored read them)."""
        assert self.reduced is not None
        basis, mean, phrases = self.reduced
        # The mean's share is the same for every phrasing; added back, approximate and
        # exact values compare.
        approximate = phrases @ (basis @ vector) + np.float32(mean @ vector)
        return self._best_phrases(approximate), np.zeros(self.entries, dtype=np.float32)


def _reduce(phrases: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The phrasings' mean, their principal components, and the phrasings in those.

    The components come from a sample, and the projection avoids a centred copy of the
    whole matrix: a large temporary array stays in the process's heap once freed.
    """
    mean = phrases.mean(axis=0, dtype=np.float64).astype(np.float32)
    sample = phrases[:: max(1, len(phrases) // PCA_SAMPLE)][:PCA_SAMPLE] - mean
    _, _, components = np.linalg.svd(sample, full_matrices=False)
    basis = np.ascontiguousarray(components[:REDUCED_DIMENSIONS], dtype=np.float32)
    reduced = phrases @ basis.T
    reduced -= mean @ basis.T
    return basis, mean, reduced


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)
