"""Sentence vectors kept in the database (faqbot.models.SentenceVector).

The matching core stays free of the ORM: the live index loads the vectors its documents
need before a build and stores the ones the build had to compute after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from faqbot import sentences
from faqbot.models import SentenceVector

BATCH = 2000
# Vectors of texts no longer in the FAQ are dropped when they outnumber those in use.
STALE_FACTOR = 2


def load(texts: Iterable[str]) -> dict[str, np.ndarray]:
    """The stored vectors of these texts (those found)."""
    by_key = {sentences.key(text): text for text in texts}
    keys = list(by_key)
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(keys), BATCH):
        rows = SentenceVector.objects.filter(key__in=keys[start : start + BATCH]).values_list(
            "key", "vector"
        )
        for key, blob in rows:
            vector = np.frombuffer(bytes(blob), dtype="<f4")
            if vector.shape == (sentences.DIMENSIONS,):
                found[by_key[key]] = vector
    return found


def save(vectors: Mapping[str, np.ndarray]) -> None:
    SentenceVector.objects.bulk_create(
        [
            SentenceVector(key=sentences.key(text), vector=vector.astype("<f4").tobytes())
            for text, vector in vectors.items()
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )


def prune(in_use: Iterable[str]) -> int:
    """Drop the vectors of texts no longer in use, once they are most of the table."""
    keep = {sentences.key(text) for text in in_use}
    if SentenceVector.objects.count() <= STALE_FACTOR * max(len(keep), 1):
        return 0
    stale = [k for k in SentenceVector.objects.values_list("key", flat=True) if k not in keep]
    deleted = 0
    for start in range(0, len(stale), BATCH):
        deleted += SentenceVector.objects.filter(key__in=stale[start : start + BATCH]).delete()[0]
    return deleted
