"""Similar questions together: greedy leader clustering of normalised texts (no ORM).

Texts are compared with rapidfuzz's token_sort_ratio over the analyzer's sorted lemmas
(insights.normalising), so word order and inflection no longer matter and what is left is
which content words two messages share, letter by letter (a compound or a typo still
scores close). Two texts are similar at SIMILARITY_CUTOFF or above: at 70, "auki kirjasto"
and "aukioloaika kirjasto" (79) or "kirjasto" (76) meet, while "auki uimahalli" and
"auki kirjasto" (52) stay apart.

Clustering is a single greedy pass (leader clustering): the most frequent text not yet in
a group leads a new one, and takes every unassigned text similar to it. Each member is
therefore within the cutoff of its leader, groups cannot chain across unrelated topics as
single-linkage would, and the result does not depend on anything but the counts.

Cost: the distinct texts are compared all against all up to PAIRWISE_LIMIT (3,000 texts:
0.15 s on two cores); rarer texts beyond it, each seen once or so, are only compared with
the leaders, up to TAIL_LIMIT more. Whatever is left beyond both is counted, not grouped,
and the page says so: a narrower period or one municipality brings it in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

SIMILARITY_CUTOFF = 70
PAIRWISE_LIMIT = 3000
TAIL_LIMIT = 20000


@dataclass(frozen=True)
class TextGroup:
    # The leader: the most frequent text, which every other member is similar to (so no
    # member is closer to the rest than it).
    representative: str
    texts: tuple[str, ...]  # the members, most frequent first
    count: int  # messages in all


@dataclass(frozen=True)
class Grouping:
    groups: list[TextGroup]
    ungrouped_texts: int  # distinct texts beyond the limits
    ungrouped_messages: int


def _similarity(left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    return process.cdist(
        left,
        right,
        scorer=fuzz.token_sort_ratio,
        score_cutoff=SIMILARITY_CUTOFF,
        dtype=np.uint8,
        workers=-1,
    )


def group_texts(
    counts: Mapping[str, int],
    pairwise_limit: int = PAIRWISE_LIMIT,
    tail_limit: int = TAIL_LIMIT,
) -> Grouping:
    """Group normalised texts (text -> how many messages read so), largest group first."""
    ordered = sorted(counts, key=lambda text: (-counts[text], text))
    head, tail = ordered[:pairwise_limit], ordered[pairwise_limit:]
    rest = tail[tail_limit:]
    tail = tail[:tail_limit]
    if not head:
        return Grouping([], 0, 0)
    similar = _similarity(head, head) >= SIMILARITY_CUTOFF
    assigned = np.zeros(len(head), dtype=bool)
    members: list[list[int]] = []
    for i in range(len(head)):
        if assigned[i]:
            continue
        taken = np.flatnonzero(similar[i] & ~assigned)
        assigned[taken] = True
        members.append([i, *(int(j) for j in taken if j != i)])
    leaders = [group[0] for group in members]
    extra: list[list[str]] = [[] for _ in members]
    if tail:
        scores = _similarity(tail, [head[i] for i in leaders])
        best = scores.argmax(axis=1)
        for row, column in enumerate(best):
            if scores[row, column] >= SIMILARITY_CUTOFF:
                extra[column].append(tail[row])
            else:
                rest.append(tail[row])
    groups = []
    for group, more in zip(members, extra, strict=True):
        texts = tuple(head[i] for i in group) + tuple(more)
        groups.append(TextGroup(head[group[0]], texts, int(sum(counts[text] for text in texts))))
    groups.sort(key=lambda g: (-g.count, g.representative))
    return Grouping(groups, len(rest), int(sum(counts[text] for text in rest)))


def similar_to_any(texts: Sequence[str], others: Sequence[str]) -> list[bool]:
    """For each text, whether any of the others is similar to it (at the cutoff)."""
    if not texts or not others:
        return [False] * len(texts)
    scores = _similarity(texts, others)
    return [bool(row.max() >= SIMILARITY_CUTOFF) for row in scores]
