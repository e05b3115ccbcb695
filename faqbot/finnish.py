"""Finnish morphology: spaCy's Finnish pipeline for lemmas, Voikko for compound parts.

Only the pipeline's tokenizer and lemmatizer run (the lemmatizer is Voikko-based); the
tagger, parser and NER would cost milliseconds per message and add nothing here. Words
Voikko does not know go through the spoken-Finnish rules before they are given up on.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from faqbot.folding import fold
from faqbot.spoken_finnish import SPOKEN_WORDS, restored_diacritics, spoken_candidates

SPACY_MODEL = "spacy_fi_experimental_web_md"
WORDBASE_RE = re.compile(r"\+([^+(]+)(?:\(([^)]*)\))?")
MIN_PART_LENGTH = 3
PROPER_NOUN_CLASSES = frozenset({"paikannimi", "etunimi", "sukunimi", "nimi"})
# How much a word says, by how common it is in Finnish at large (the pipeline's table of
# log word probabilities): a word weighs (COMMON_LOG_PROBABILITY - its log probability) /
# RARE_SPAN of what the FAQ's own counts give it, at least GENERAL_FLOOR and at most all:
# "saada" (-7.9) a fifth, "tosi" (-8.6) 0.27, "hirvi" (-13.0) and "sähkökatko" (-14.7) all
# of it. A word the table lacks is taken as rare.
COMMON_LOG_PROBABILITY = -7.0
RARE_SPAN = 6.0
GENERAL_FLOOR = 0.2


@dataclass(frozen=True)
class FinnishWord:
    lemma: str  # folded
    alternatives: tuple[str, ...]  # other folded lemmas Voikko considers possible
    parts: tuple[str, ...]  # folded compound parts, e.g. jäteastia → jate, astia
    known: bool
    raw: str = ""  # the lemma before folding, as the word vectors know it
    proper: bool = False  # a name (a place, a person) in every reading Voikko has
    # The standard form Voikko knew the word by, where it did not know it as written
    # ("onks" → "onko", "jateastia" → "jäteastia"); "" otherwise.
    standard: str = ""


class FinnishMorphology:
    """One per process: the models are loaded once and shared by the matcher threads."""

    def __init__(self) -> None:
        import libvoikko
        import spacy

        self.nlp = spacy.load(
            SPACY_MODEL,
            exclude=["tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "ner"],
        )
        self.voikko = libvoikko.Voikko("fi")
        # Voikko handles are not safe to share between threads, and spaCy's lemmatizer
        # holds one of its own.
        self.lock = threading.Lock()
        self.vectors = self.nlp.vocab.vectors
        self._probabilities = self.nlp.vocab.lookups.get_table("lexeme_prob", {})

    def rarity(self, lemma: str, surface: str) -> float:
        """GENERAL_FLOOR..1: how rare the word is in Finnish at large (see RARE_SPAN)."""
        probability = self._probabilities.get(lemma)
        if probability is None:
            probability = self._probabilities.get(surface)
        if probability is None:
            return 1.0
        share = (COMMON_LOG_PROBABILITY - probability) / RARE_SPAN
        return min(1.0, max(GENERAL_FLOOR, share))

    def lemmas(self, text: str) -> list[tuple[str, str]]:
        """(lower-case surface, spaCy lemma) for each word of the text."""
        with self.lock:
            doc = self.nlp(text.lower())
        return [(t.lower_, t.lemma_.lower()) for t in doc if not (t.is_punct or t.is_space)]

    def word(self, surface: str, lemma: str) -> FinnishWord:
        return _analyse_word(self, surface, lemma)

    def _voikko(self, word: str) -> list[dict[str, str]]:
        with self.lock:
            return self.voikko.analyze(word)

    def vector(self, lemma: str) -> np.ndarray | None:
        """The unit-length word vector of a lemma (unfolded), or None."""
        return _vector(self, lemma)

    def _vector(self, lemma: str) -> np.ndarray | None:
        vocab = self.nlp.vocab
        if not vocab.has_vector(lemma):
            return None
        vector = vocab.get_vector(lemma)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else None


@lru_cache(maxsize=100_000)
def _vector(morph: FinnishMorphology, lemma: str) -> np.ndarray | None:
    # spaCy's vector lookup costs a fifth of a millisecond; a word's vector never changes.
    with morph.lock:
        return morph._vector(lemma)


def _parts(wordbases: str) -> list[str]:
    """Compound parts from Voikko's WORDBASES, e.g. '+jäte(jäte)+astia(astia)'.

    Derivational endings ('+ut', '+inen') are not words; '=' joins a fused pair
    ('auki=olo'), whose halves are words of their own.
    """
    parts = []
    for surface, base in WORDBASE_RE.findall(wordbases or ""):
        part = (base or surface).strip().lower()
        if part.startswith("+"):
            continue
        for piece in part.split("="):
            if len(piece) >= MIN_PART_LENGTH:
                parts.append(piece)
    return parts


def _repairs(surface: str) -> list[str]:
    """Spoken forms first, then missing ä/ö, then both together."""
    spoken = list(spoken_candidates(surface))
    return [
        *spoken,
        *restored_diacritics(surface),
        *(v for s in spoken for v in restored_diacritics(s)),
    ]


@lru_cache(maxsize=200_000)
def _analyse_word(morph: FinnishMorphology, surface: str, lemma: str) -> FinnishWord:
    analyses = morph._voikko(surface)
    standard = ""
    if not analyses and surface.isalpha() and (len(surface) > 2 or surface in SPOKEN_WORDS):
        for candidate in _repairs(surface):
            analyses = morph._voikko(candidate)
            if analyses:
                lemma = analyses[0].get("BASEFORM", candidate).lower()
                standard = candidate
                break
    if not analyses:
        return FinnishWord(fold(surface), (), (), known=False, raw=surface)
    lemmas: list[str] = []
    parts: list[str] = []
    for analysis in analyses:
        base = analysis.get("BASEFORM", "").lower()
        if base and base not in lemmas:
            lemmas.append(base)
        for part in _parts(analysis.get("WORDBASES", "")):
            if part not in parts:
                parts.append(part)
    main = lemma if lemma in lemmas else lemmas[0] if lemmas else surface
    folded_main = fold(main)
    alternatives = tuple(dict.fromkeys(fold(x) for x in lemmas if fold(x) != folded_main))
    folded_parts = tuple(
        dict.fromkeys(fold(p) for p in parts if fold(p) not in {folded_main, *alternatives})
    )
    # A compound's last part alone is not a compound part worth listing if it equals the
    # whole word (simple words have one part: themselves).
    proper = all(a.get("CLASS") in PROPER_NOUN_CLASSES for a in analyses)
    return FinnishWord(
        folded_main,
        alternatives,
        folded_parts,
        known=True,
        raw=main,
        proper=proper,
        standard=standard,
    )
