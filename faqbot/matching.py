"""The matching core: plain Python, no ORM, so it can be tested and benchmarked alone.

`FaqIndex` is built from FAQ documents; `FaqIndex.decide` maps (message, municipality,
language) to a decision: answer with one entry, suggest a few, or hand off.

How a message is scored against an entry:
- Both are analysed into words with terms (lemmas and compound parts for Finnish, stems for
  Swedish and English; folded, so missing ä/ö do not matter). A message word matches an
  entry word when they share a term. Unknown message words are repaired against the
  index's own vocabulary (typos).
- Words weigh their inverse document frequency, so rare words count more than "miten" and
  "voiko"; stop words weigh a tenth.
- For each phrasing of the entry (question and alternatives) the weighted share of the
  message that it covers and the share of the phrasing that the message covers combine
  into an F-score; the best phrasing, the coverage by all phrasings together and the
  coverage by the answer text (at a lower weight) make the entry's score.
- A message in another language than an entry is translated word by word into Finnish
  (bilingual dictionaries) before it is scored against Finnish entries.
- The whole message's meaning (faqbot.sentences: multilingual sentence embeddings) is
  compared with each phrasing and answer: it brings in candidates that share no word with
  the message, adds features, and links translations of one entry, which then count as one
  answer in the resident's language.
- The confidence is a logistic function of the best score and its margin over the next,
  fitted by faqbot.calibration; the thresholds on it are chosen there too.
"""

from __future__ import annotations

import math
import operator
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from faqbot.analysis import Analyzer, Word
from faqbot.intent import asks_for_person
from faqbot.meaning_index import MeaningIndex, Similarity
from faqbot.small_talk import small_talk

# "reply": small talk, answered politely, not from the FAQ (faqbot.small_talk).
Outcome = Literal["answer", "suggest", "handoff", "reply"]
Reason = Literal["confident", "unsure", "low_confidence", "person_requested",
                 "other_municipality", "empty",
                 "greeting", "thanks", "goodbye", "acknowledgement"]  # fmt: skip

SUGGESTION_COUNT = 3
STOP_WORD_FACTOR = 0.1
OWN_NAME_FACTOR = 0.5
UNKNOWN_WORD_FACTOR = 0.6
TRANSLATED_WORD_FACTOR = 0.8
# A word that shares only compound parts with another (metsästys|kortti, kirjasto|kortti)
# matches it partly, by the weight of the shared parts, and never fully.
PART_CREDIT = 0.8
LONG_MESSAGE_WORDS = 4
# Word vectors: a word the FAQ never uses matches the FAQ's words nearest in meaning, at
# most this much, and only above this cosine similarity.
SIMILAR_CREDIT = 0.5
SIMILAR_MIN = 0.5
SIMILAR_COUNT = 5
# How much rare vocabulary a Swedish or English entry's translation must share with a
# Finnish entry to be taken for its translation (in idf units, about two rare words).
TRANSLATION_MIN_WEIGHT = 5.0
# Or the Finnish entry whose answer means the most like its answer: at least this alike
# (cosine), and by this much more than the next.
TRANSLATION_MIN_SENTENCE = 0.8
TRANSLATION_MARGIN = 0.01
# The start of an answer is what its meaning is read from.
ANSWER_SENTENCE_CHARS = 1000
TYPO_MIN_LENGTH = 4
TYPO_CUTOFF = 80
TYPO_CUTOFF_KNOWN = 88
# Entries scored in full per message, by the weight they share with it: in scope, and of
# other municipalities (for the "elsewhere" evidence). Each costs about 50 µs at 5,000
# entries; 40 and 10 decided the same as these on the dev set (cross-validated) and on the
# benchmark's 5,000-entry FAQ, in two thirds of the time. The entries nearest in meaning
# are scored besides (PRESELECT_SENTENCE).
PRESELECT = 24
PRESELECT_OTHERS = 6
# Only a word at least this rare (share of the rarest word's weight) can show that the
# resident asks about another municipality's service.
ELSEWHERE_MIN_WEIGHT = 0.5
# Unless this municipality has its own version of that entry: a question the same but for
# the municipalities' names, or one of nearly the same meaning (cosine): "milloin
# kunnantalo on auki" for "milloin kaupungintalo on auki" is 0.986, while a question about
# another service is further ("milloin kuntosali on auki" for "uimahalli": 0.929).
COUNTERPART_MIN_SENTENCE = 0.97


RANKING_FEATURES = (
    "bias", "best_phrase", "message_cover", "phrase_cover", "coverage", "answer",
    "local", "fuzzy", "matched_share", "missing", "rarest_matched", "meaning",
    "cross_language", "page_language", "cross_coverage", "native_missing",
    "sentence", "sentence_lead", "answer_sentence",
)  # fmt: skip


MAX_MARGIN = 5.0


# Sentence similarities (cosines of e5 embeddings, whitened within entries:
# faqbot.meaning_index) fall between about 0.85 and 0.97; the features are centred and
# scaled to the range of the others.
SENTENCE_CENTRE = 0.9
SENTENCE_SCALE = 20.0
# Entries whose phrasings mean the most like the message are scored even when they share
# no word with it (a paraphrase, another language).
PRESELECT_SENTENCE = 8
PRESELECT_SENTENCE_OTHERS = 3


def confidence_features(
    match: Match,
    margin: float,
    cross_language: bool,
    content_words: int,
    elsewhere: bool,
    other_lead: float,
    sentence: float,
    sentence_margin: float,
) -> tuple[float, ...]:
    """What the confidence of a candidate is computed from (see Weights.calibration).

    margin: the candidate's score less the best other candidate's; elsewhere: the message
    names something only another municipality's FAQ knows; other_lead: how far the best
    entry of another municipality scores above this candidate; sentence: how alike the
    message and the entry mean (cosine); sentence_margin: that less the best other
    candidate's.
    """
    return (
        1.0,
        match.score,
        max(-MAX_MARGIN, min(MAX_MARGIN, margin)),
        1.0 if cross_language else 0.0,
        min(1.0, max(0.0, (content_words - LONG_MESSAGE_WORDS) / 8)),
        match.message_cover,
        match.phrase_cover,
        match.missing,
        1.0 if elsewhere else 0.0,
        max(-1.0, min(1.0, other_lead / MAX_MARGIN)),
        (sentence - SENTENCE_CENTRE) * SENTENCE_SCALE,
        max(-1.0, min(1.0, sentence_margin * SENTENCE_SCALE)),
        match.features[RANKING_FEATURES.index("answer_sentence")] if match.features else 0.0,
    )


@dataclass(frozen=True)
class Weights:
    """How the features of one entry combine, and how the result becomes a confidence."""

    # score = ranking · features, features as in RANKING_FEATURES; a logit, fitted by
    # faqbot.calibration with each weight kept to its feature's sign (RANKING_SIGNS): a
    # zero is a feature whose weight came out against its meaning.
    ranking: tuple[float, ...] = (
        0.0, 0.407, 0.0, 3.793, 0.384, 3.672, 0.950, 1.022, 2.205, -4.131, 0.072, 0.0,
        -0.565, 0.506, 6.622, -1.296, 1.400, 1.400, 8.644,
    )  # fmt: skip
    # confidence = sigmoid(calibration · features), features as in `confidence_features`;
    # fitted by faqbot.calibration (python manage.py calibrate_bot).
    calibration: tuple[float, ...] = (
        -2.343, 0.520, 0.202, 3.974, 3.664, -1.347, -1.906, 3.064, -2.875, -1.230, -3.234, 3.157,
        0.558,
    )  # fmt: skip

    def __post_init__(self) -> None:
        # Checked once here: the ranking's dot product runs for every candidate unchecked.
        if len(self.ranking) != len(RANKING_FEATURES):
            raise ValueError(f"{len(RANKING_FEATURES)} ranking weights expected")


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.64
    suggest: float = 0.57


DEFAULT_WEIGHTS = Weights()
DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class FaqDoc:
    key: str
    municipality: str | None
    language: str
    question: str
    alternatives: tuple[str, ...] = ()
    answer: str = ""
    # The editors' link between translations: documents with the same group are one
    # entry in several languages. Empty where nobody has linked them.
    group: str = ""


@dataclass(frozen=True)
class Candidate:
    key: str
    confidence: float
    score: float = 0.0
    matched: tuple[str, ...] = ()  # the message's words that matched, for explanations
    features: tuple[float, ...] = ()  # what the confidence was computed from
    # False when the entry shares no content word with the message (only "kuka" or
    # "miten"): such an entry is never an answer, however the numbers fall.
    eligible: bool = True


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    reason: Reason = "confident"
    language: str = ""  # the language the message was read as

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class Match:
    """How one entry matches a message."""

    score: float
    matched: tuple[str, ...]  # the message's words found in the entry's phrasings
    message_cover: float  # share of the message's weight the best phrasing covers
    phrase_cover: float  # share of the best phrasing's weight the message covers
    missing: float  # the weightiest message word the entry lacks, 0..1
    features: tuple[float, ...] = ()  # see RANKING_FEATURES
    # Whether some content word of the message is found in the entry (phrasings or answer)
    evidence: bool = False


@dataclass(frozen=True, slots=True)
class _Lexical:
    """What of an entry's match the message's words tell, before its sentence vector is
    ready (see FaqIndex.rank)."""

    features: tuple[float, ...]  # RANKING_FEATURES up to `meaning`
    coverage: float
    missing: float
    matched: tuple[str, ...]
    message_cover: float
    phrase_cover: float
    evidence: bool


@dataclass
class Ranking:
    inside: list[tuple[float, int, Match]]
    other: tuple[float, int, Match] | None
    detected: str
    message: dict[str, tuple[tuple[Word, ...], list[float]]]
    # Per entry: the cosine between the message and its closest phrasing.
    sentence: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))


@dataclass
class _Phrase:
    words: tuple[Word, ...]
    terms: frozenset[str]
    text: str = ""  # the content words' lemmas, for fuzzy comparison
    weights: tuple[float, ...] = ()
    total: float = 1.0
    # (word, weight, whether it can match in part: compound parts or similar words)
    items: tuple[tuple[Word, float, bool], ...] = ()


@dataclass
class _Entry:
    doc: FaqDoc
    phrases: list[_Phrase]
    terms: frozenset[str]
    answer_terms: frozenset[str]
    vector: np.ndarray | None = None  # mean meaning of the phrasings' words (Finnish)


@dataclass
class _Language:
    document_frequency: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    documents: int = 0
    vocabulary: dict[str, Word] = field(default_factory=dict)  # folded surface or lemma
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    idf: dict[str, float] = field(default_factory=dict)
    max_idf: float = 1.0
    surfaces: list[str] = field(default_factory=list)
    vector_terms: list[str] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # postings as numpy arrays
    vectors: np.ndarray | None = None


def _matches_in_part(word: Word) -> bool:
    """Whether the word can match without itself being there: through its compound parts
    or through words of similar meaning."""
    return bool(word.parts or word.similar_terms)


@dataclass(frozen=True)
class _MessageView:
    """The message as words of one FAQ language, and what every entry's score reads of it
    (worked out once per message, not once per entry)."""

    words: tuple[Word, ...]
    weights: list[float]
    terms: frozenset[str]
    vector: np.ndarray | None  # mean word vector (Finnish)
    total: float = 1.0
    content: int = 0  # words that are not stop words
    content_text: str = ""  # their lemmas, for fuzzy comparison
    similar: dict[str, float] = field(default_factory=dict)
    beta2: float = 1.0
    # (position, word, weight, whether it can match in part: compound parts or similar words)
    items: tuple[tuple[int, Word, float, bool], ...] = ()
    # Every term any of its words can match, in full or in part.
    reach: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, words: tuple[Word, ...], weights: list[float], vector: np.ndarray | None
    ) -> _MessageView:
        content = [w.main for w in words if not w.stop]
        # A long message tells a story around its question: what matters is how much of an
        # entry's phrasing it contains more than how much of it the phrasing explains.
        beta = 1.0 + min(1.0, max(0.0, (len(content) - LONG_MESSAGE_WORDS) / 8))
        return cls(
            words,
            weights,
            frozenset(t for w in words for t in w.terms),
            vector,
            total=sum(weights) or 1.0,
            content=len(content),
            content_text=" ".join(content),
            similar={t: SIMILAR_CREDIT * sim for w in words for t, sim in w.similar},
            beta2=beta**2,
            items=tuple(
                (i, w, weight, _matches_in_part(w))
                for i, (w, weight) in enumerate(zip(words, weights, strict=True))
            ),
            reach=frozenset(t for w in words for t in (*w.terms, *w.similar_terms)),
        )


def phrasings(doc: FaqDoc) -> tuple[str, ...]:
    return (doc.question, *doc.alternatives)


def answer_passage(doc: FaqDoc) -> str:
    """What an answer's meaning is read from: the question and the answer's start, as a
    title and its text (the passages e5 was trained to find)."""
    return f"{doc.question} {doc.answer[:ANSWER_SENTENCE_CHARS]}".strip()


def passages(docs: Iterable[FaqDoc]) -> list[str]:
    """Every text an index of these documents embeds."""
    return [text for doc in docs for text in (*phrasings(doc), answer_passage(doc))]


_ANALYZER: Analyzer | None = None
_ANALYZER_LOCK = threading.Lock()


def default_analyzer() -> Analyzer:
    """The process's one Analyzer: spaCy and Voikko load once, whoever asks first."""
    global _ANALYZER
    with _ANALYZER_LOCK:
        if _ANALYZER is None:
            _ANALYZER = Analyzer()
        return _ANALYZER


class FaqIndex:
    def __init__(
        self,
        docs: Iterable[FaqDoc],
        analyzer: Analyzer | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
    ) -> None:
        self.analyzer = analyzer or default_analyzer()
        self.weights = weights
        self.docs: dict[str, FaqDoc] = {}
        self._entries: list[_Entry] = []
        self._languages: dict[str, _Language] = defaultdict(_Language)
        for doc in docs:
            self._add(doc)
        for language in self._languages.values():
            n = max(language.documents, 1)
            language.idf = {
                term: math.log(1 + (n - df + 0.5) / (df + 0.5))
                for term, df in language.document_frequency.items()
            }
            language.max_idf = max(language.idf.values(), default=1.0)
            language.surfaces = list(language.vocabulary)
            language.arrays = {
                term: np.array(entries, dtype=np.int32)
                for term, entries in language.postings.items()
            }
        self._build_vectors()
        self._build_sentences()
        self._names = frozenset(e.doc.municipality for e in self._entries if e.doc.municipality)
        self._scopes = self._make_scopes()
        # Each entry's question, the municipalities' names aside, and who has each one (see
        # _counterpart_in).
        self._question_keys = [self._question_words(i) for i in range(len(self._entries))]
        self._question_owners: dict[tuple[str, frozenset[str]], set[str | None]] = defaultdict(set)
        for key, entry in zip(self._question_keys, self._entries, strict=True):
            self._question_owners[key].add(entry.doc.municipality)
        # Translations of one entry: each document's root (the Finnish version where there
        # is one), and each root's version in each language.
        self._root: dict[int, int] = {}
        self._versions: dict[int, dict[str, int]] = defaultdict(dict)
        self._link_translations()
        if self._entries:
            self._meaning_index.whiten(
                np.array([self._root.get(i, i) for i in range(len(self._entries))])
            )
        for entry in self._entries:
            language = self._languages[entry.doc.language]
            for phrase in entry.phrases:
                phrase.weights = tuple(self._weight(w, language) for w in phrase.words)
                phrase.total = sum(phrase.weights) or 1.0
                phrase.items = tuple(
                    (w, weight, _matches_in_part(w))
                    for w, weight in zip(phrase.words, phrase.weights, strict=True)
                )

    # -- building ---------------------------------------------------------------------------

    def _add(self, doc: FaqDoc) -> None:
        analyse = self.analyzer.faq_words
        phrases = []
        for text in (doc.question, *doc.alternatives):
            words = analyse(text, doc.language)
            if words:
                phrases.append(
                    _Phrase(
                        words,
                        frozenset(t for w in words for t in w.terms),
                        " ".join(w.main for w in words if not w.stop),
                    )
                )
        if not phrases:
            return
        terms = frozenset(t for p in phrases for t in p.terms)
        answer_terms = frozenset(
            t for w in analyse(doc.answer[:2000], doc.language) if not w.stop for t in w.terms
        )
        index = len(self._entries)
        self._entries.append(_Entry(doc, phrases, terms, answer_terms))
        self.docs[doc.key] = doc
        language = self._languages[doc.language]
        language.documents += 1
        for term in terms:
            language.document_frequency[term] += 1
            language.postings[term].append(index)
        for phrase in phrases:
            for word in phrase.words:
                language.vocabulary.setdefault(word.surface, word)
                language.vocabulary.setdefault(word.main, word)

    def _link_translations(self) -> None:
        """Link the versions of each entry in Finnish, Swedish and English.

        Where editors have linked them (FaqDoc.group), that link holds. Otherwise, as in
        the evaluation format, which does not link translations, each Swedish or English
        entry is paired with the Finnish entry it translates, in the same scope (shared, or
        the same municipality): the one whose answer means the most like its answer
        (sentence vectors), each the other's closest, or failing that, the one its
        phrasings translated word by word into Finnish match much better than any other.
        A resident who writes Swedish then gets the Swedish version of what matched best.
        """
        groups: dict[str, list[int]] = defaultdict(list)
        for index, entry in enumerate(self._entries):
            if entry.doc.group:
                groups[entry.doc.group].append(index)
        for members in groups.values():
            if len(members) < 2:
                continue
            by_language: dict[str, int] = {}
            for index in members:
                by_language.setdefault(self._entries[index].doc.language, index)
            root = by_language.get("fi", members[0])
            for index in by_language.values():
                self._link(root, index)
        finnish = self._languages.get("fi")
        if finnish is None:
            return
        for index, entry in enumerate(self._entries):
            language = entry.doc.language
            if language == "fi" or language not in ("sv", "en") or index in self._root:
                continue
            best = self._translation_by_meaning(index)
            if best is None:
                best = self._translation_by_dictionary(index, finnish)
            root = self._root.get(best, best) if best is not None else None
            if root is not None and language not in self._versions[root]:
                self._link(root, index)

    def _link(self, root: int, index: int) -> None:
        self._root[index] = root
        self._root.setdefault(root, root)
        self._versions[root][self._entries[index].doc.language] = index
        self._versions[root].setdefault(self._entries[root].doc.language, root)

    def _translation_by_meaning(self, index: int) -> int | None:
        """The Finnish entry of the same scope whose answer means the most like this
        entry's, if this entry's answer is also the closest to it of its language."""
        entry = self._entries[index]

        def closest(of: int, language: str) -> tuple[int, float, float] | None:
            pool = np.flatnonzero(
                (self._entry_languages == language) & (self._entry_owners == self._entry_owners[of])
            )
            if not len(pool):
                return None
            answers = self._meaning_index.answers
            similarity = answers[pool] @ answers[of]
            order = np.argsort(-similarity)[:2]
            runner_up = float(similarity[order[1]]) if len(order) > 1 else 0.0
            return int(pool[order[0]]), float(similarity[order[0]]), runner_up

        found = closest(index, "fi")
        if found is None:
            return None
        best, similarity, runner_up = found
        if similarity < TRANSLATION_MIN_SENTENCE or similarity - runner_up < TRANSLATION_MARGIN:
            return None
        back = closest(best, entry.doc.language)
        return best if back is not None and back[0] == index else None

    def _translation_by_dictionary(self, index: int, finnish: _Language) -> int | None:
        entry = self._entries[index]
        translated: set[str] = set()
        for text in (entry.doc.question, *entry.doc.alternatives):
            for word in self.analyzer.faq_translation(text, entry.doc.language):
                translated |= word.terms
        overlap: dict[int, float] = defaultdict(float)
        for term in translated:
            weight = finnish.idf.get(term, 0.0)
            for other in finnish.postings.get(term, ()):
                if self._entries[other].doc.municipality == entry.doc.municipality:
                    overlap[other] += weight
        if not overlap:
            return None
        ranked = sorted(overlap.items(), key=lambda item: -item[1])
        best, best_weight = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best_weight >= TRANSLATION_MIN_WEIGHT and best_weight >= 1.5 * runner_up:
            return best
        return None

    def _meaning(self, words: Sequence[Word]) -> np.ndarray | None:
        """The unit-length mean of the word vectors of a text's content words."""
        vectors = [
            v
            for w in words
            if not w.stop and w.lemma and (v := self.analyzer.finnish.vector(w.lemma)) is not None
        ]
        if not vectors:
            return None
        mean = np.mean(vectors, axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else None

    def _build_vectors(self) -> None:
        """Unit vectors of the Finnish FAQ's lemmas, for finding words of similar meaning."""
        language = self._languages.get("fi")
        if language is None:
            return
        terms, rows = [], []
        for term, word in language.vocabulary.items():
            if term != word.main or word.stop or not word.lemma:
                continue
            vector = self.analyzer.finnish.vector(word.lemma)
            if vector is not None:
                terms.append(term)
                rows.append(vector)
        if rows:
            language.vector_terms = terms
            language.vectors = np.vstack(rows).astype(np.float32)
        for entry in self._entries:
            if entry.doc.language == "fi":
                entry.vector = self._meaning([w for p in entry.phrases for w in p.words])

    def _build_sentences(self) -> None:
        """Sentence vectors of every phrasing and answer, and which entry each belongs to."""
        texts, owners = [], []
        for index, entry in enumerate(self._entries):
            for text in phrasings(entry.doc):
                texts.append(text)
                owners.append(index)
        encoder = self.analyzer.sentences
        self._meaning_index = MeaningIndex(
            encoder.passages(texts),
            np.array(owners, dtype=np.int64),
            encoder.passages([answer_passage(e.doc) for e in self._entries]),
            len(self._entries),
        )
        self._entry_languages = np.array([e.doc.language for e in self._entries])
        self._of_language = {
            code: self._entry_languages == code for code in set(self._entry_languages.tolist())
        }
        self._entry_owners = np.array([e.doc.municipality or "" for e in self._entries])

    def _sentence_similarity_soon(
        self, text: str, language: str
    ) -> Callable[[], Similarity | None]:
        """How alike in meaning the message is to each entry's phrasings and answer, once
        the embedding that has started on the encoder's thread (faqbot.sentences) ends.
        The model reads the message as Analyzer.for_sentence_model writes it out."""
        if not self._entries:
            return lambda: None
        pending = self.analyzer.sentences.query_soon(
            self.analyzer.for_sentence_model(text, language)
        )
        return lambda: Similarity(self._meaning_index, pending.result())

    def _nearest_in_meaning(
        self, similarity: Similarity | None, language: str, municipality: str
    ) -> list[int]:
        """The entries of a language that mean the most like the message, in scope first."""
        of_language = self._of_language.get(language)
        if similarity is None or of_language is None:
            return []
        scope = self._scope(municipality)
        return similarity.nearest(scope & of_language, PRESELECT_SENTENCE) + similarity.nearest(
            ~scope & of_language, PRESELECT_SENTENCE_OTHERS
        )

    def _weight(self, word: Word, language: _Language, municipality: str = "") -> float:
        known = [language.idf[t] for t in word.terms if t in language.idf]
        if not known:
            weight = language.max_idf * UNKNOWN_WORD_FACTOR
        elif word.translated:
            # A translated word stands for any of its translations, so it is as common as
            # they are on average, not as rare as the rarest.
            weight = sum(known) / len(known) * TRANSLATED_WORD_FACTOR
        else:
            weight = max(known)
        if word.stop:
            return weight * STOP_WORD_FACTOR
        # A word the FAQ seldom uses may still be an everyday one ("tosi", "saada"), which
        # says little about what the resident asks; the FAQ's counts alone would make it
        # weigh as much as "sähkökatko".
        weight *= word.rarity
        if municipality and word.main == municipality:
            # The chat's own municipality's name says little about the topic; it only
            # leans towards the municipality's own entries.
            weight *= OWN_NAME_FACTOR
        return weight

    @staticmethod
    def _inside(word: Word, terms: frozenset[str], language: _Language) -> float:
        """How much of a word is found among the terms: 1 for the word, less for parts."""
        if not word.core.isdisjoint(terms):
            return 1.0
        if not word.parts or word.parts.isdisjoint(terms):
            if word.similar_terms.isdisjoint(terms):
                return 0.0
            return max(SIMILAR_CREDIT * sim for t, sim in word.similar if t in terms)
        idf, default = language.idf, language.max_idf
        total = found = 0.0
        for part in word.parts:
            weight = idf.get(part, default)
            total += weight
            if part in terms:
                found += weight
        return PART_CREDIT * found / total

    # -- the message ------------------------------------------------------------------------

    def _repair(self, words: Sequence[Word], language: _Language) -> tuple[Word, ...]:
        """Typos: a word the index does not know takes the terms of its closest known word."""
        repaired = []
        for word in words:
            if (
                word.stop
                or len(word.surface) < TYPO_MIN_LENGTH
                or any(t in language.idf for t in word.core)
                or not language.surfaces
            ):
                repaired.append(word)
                continue
            # A word Voikko knows but the FAQ does not ("nuorisotia" read as nuori+sota) is
            # more likely right as it is, so it needs a closer match to be replaced.
            cutoff = TYPO_CUTOFF_KNOWN if word.known else TYPO_CUTOFF
            match = process.extractOne(
                word.surface, language.surfaces, scorer=fuzz.ratio, score_cutoff=cutoff
            )
            if match is None:
                repaired.append(self._with_similar(word, language))
                continue
            known = language.vocabulary[match[0]]
            repaired.append(
                replace(word, core=word.core | known.core, parts=word.parts | known.parts)
            )
        return tuple(repaired)

    def _with_similar(self, word: Word, language: _Language) -> Word:
        """A word the FAQ never uses gets the FAQ's words nearest in meaning (word vectors)."""
        if language.vectors is None or not word.lemma:
            return word
        vector = self.analyzer.finnish.vector(word.lemma)
        if vector is None:
            return word
        similarity = language.vectors @ vector
        best = np.argsort(similarity)[::-1][:SIMILAR_COUNT]
        similar = tuple(
            (language.vector_terms[i], float(similarity[i]))
            for i in best
            if similarity[i] >= SIMILAR_MIN and language.vector_terms[i] not in word.core
        )
        if not similar:
            return word
        return replace(word, similar=similar, similar_terms=frozenset(t for t, _ in similar))

    def _message_words(self, text: str, detected: str) -> dict[str, tuple[Word, ...]]:
        """The message as words of each FAQ language it can be compared with."""
        by_language: dict[str, tuple[Word, ...]] = {}
        for code, language in self._languages.items():
            if code == detected:
                words = self.analyzer.words(text, code)
            elif code == "fi" and detected in ("sv", "en"):
                words = self.analyzer.translate_to_finnish(text, detected)
            else:
                continue
            if words:
                by_language[code] = self._repair(words, language)
        return by_language

    # -- scoring ----------------------------------------------------------------------------

    def _lexical(self, entry: _Entry, message: _MessageView, language: _Language) -> _Lexical:
        """The entry's features that the message's words give (RANKING_FEATURES up to
        `meaning`)."""
        inside = self._inside
        words, weights, message_terms = message.words, message.weights, message.terms
        total, similar, beta2 = message.total, message.similar, message.beta2
        best_f = best_cq = best_cp = 0.0
        matched: set[int] = set()
        for phrase in entry.phrases:
            terms = phrase.terms
            if terms.isdisjoint(message.reach):
                continue  # nothing of the message is in it, not even in part
            covered_message = 0.0
            for i, word, weight, partial in message.items:
                # The common case inline: the word itself is there, or nothing of it is.
                if not word.core.isdisjoint(terms):
                    covered_message += weight
                    matched.add(i)
                elif partial:
                    share = inside(word, terms, language)
                    if share:
                        covered_message += weight * share
                        matched.add(i)
            if not covered_message:
                continue
            covered_phrase = 0.0
            for word, weight, partial in phrase.items:
                if not word.core.isdisjoint(message_terms):
                    covered_phrase += weight
                elif partial:
                    covered_phrase += weight * (
                        inside(word, message_terms, language) or similar.get(word.main, 0.0)
                    )
                elif similar:
                    covered_phrase += weight * similar.get(word.main, 0.0)
            cq, cp = covered_message / total, covered_phrase / phrase.total
            if cp:
                f = (1 + beta2) * cq * cp / (beta2 * cq + cp)
                if f > best_f:
                    best_f, best_cq, best_cp = f, cq, cp
        coverage = answer = missing = 0.0
        evidence = False
        entry_terms, answer_terms = entry.terms, entry.answer_terms
        for _i, word, weight, partial in message.items:
            if not word.core.isdisjoint(entry_terms):
                found = 1.0
            else:
                found = inside(word, entry_terms, language) if partial else 0.0
            if not word.core.isdisjoint(answer_terms):
                in_answer = 1.0
            else:
                in_answer = inside(word, answer_terms, language) if partial else 0.0
            coverage += weight * found
            answer += weight * in_answer
            if not word.stop:
                either = max(found, in_answer)
                missing = max(missing, weight * (1.0 - either))
                evidence = evidence or either > 0
        fuzzy = max(
            (fuzz.token_set_ratio(message.content_text, p.text) for p in entry.phrases),
            default=0.0,
        )
        content_matched = [i for i in matched if not words[i].stop]
        matched_share = len(content_matched) / max(message.content, 1)
        rarest = max((weights[i] for i in content_matched), default=0.0)
        meaning = (
            float(entry.vector @ message.vector)
            if entry.vector is not None and message.vector is not None
            else 0.0
        )
        coverage /= total
        missing /= language.max_idf
        return _Lexical(
            (
                1.0,
                best_f,
                best_cq,
                best_cp,
                coverage,
                answer / total,
                0.0 if entry.doc.municipality is None else 1.0,
                fuzzy / 100.0,
                matched_share,
                missing,
                rarest / language.max_idf,
                meaning,
            ),
            coverage,
            missing,
            tuple(words[i].surface for i in sorted(matched)),
            best_cq,
            best_cp,
            evidence,
        )

    def _complete(self, lexical: _Lexical, late: tuple[float, float, float, float, float]) -> Match:
        """The entry's match and score. `late`: whether the message was read through
        translation, whether the entry is in the page's language, and the sentence
        cosines (see RANKING_FEATURES)."""
        cross, own_language, sentence, sentence_lead, answer_sentence = late
        features = (
            *lexical.features,
            cross,
            own_language,
            # Through translation only the coverage can be trusted; in the message's own
            # language, what the entry lacks says most.
            cross * lexical.coverage,
            (1.0 - cross) * lexical.missing,
            sentence,
            sentence_lead,
            answer_sentence,
        )
        return Match(
            score=self._rank_score(features),
            matched=lexical.matched,
            message_cover=lexical.message_cover,
            phrase_cover=lexical.phrase_cover,
            missing=lexical.missing,
            evidence=lexical.evidence,
            features=features,
        )

    def _rank_score(self, features: tuple[float, ...]) -> float:
        return sum(map(operator.mul, self.weights.ranking, features))

    def _confidence(self, features: tuple[float, ...]) -> float:
        x = sum(c * f for c, f in zip(self.weights.calibration, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))

    def rank(
        self,
        text: str,
        municipality: str,
        language: str,
        similarity_soon: Callable[[], Similarity | None] | None = None,
    ) -> Ranking:
        """In-scope entries by score, best first, and the best of other municipalities.

        The message's words are read and the entries they point to scored on them while
        its sentence vector is computed on the encoder's thread; the sentence features and
        the entries nearest in meaning follow once it is ready."""
        if similarity_soon is None:
            similarity_soon = self._sentence_similarity_soon(text, language)
        detected = self.analyzer.detect_language(text, language)
        message: dict[str, tuple[tuple[Word, ...], list[float]]] = {}
        by_language = self._message_words(text, detected)
        plans = []
        for code, words in by_language.items():
            lang = self._languages[code]
            weights = [self._weight(w, lang, municipality) for w in words]
            message[code] = (words, weights)
            view = _MessageView.of(words, weights, self._meaning(words) if code == "fi" else None)
            chosen = self._preselect(words, weights, lang, municipality)
            lexical = {index: self._lexical(self._entries[index], view, lang) for index in chosen}
            plans.append((code, view, lang, lexical))
        similarity = similarity_soon()
        if similarity is None:
            sentence = answer_sentence = np.zeros(len(self._entries), dtype=np.float32)
            best_sentence = 0.0
        else:
            for code, view, lang, lexical in plans:
                for index in self._nearest_in_meaning(similarity, code, municipality):
                    if index not in lexical:
                        lexical[index] = self._lexical(self._entries[index], view, lang)
            # Every entry scored, and the best in scope in any language, exactly.
            similarity.refine([index for *_, lexical in plans for index in lexical])
            best_sentence = similarity.best(self._scope(municipality), PRESELECT_SENTENCE)
            sentence, answer_sentence = similarity.phrase, similarity.answer
        scored: dict[int, Match] = {}
        for code, _view, _lang, lexical in plans:
            cross = 1.0 if code != detected else 0.0
            for index, partial in lexical.items():
                late = (
                    cross,
                    1.0 if self._entries[index].doc.language == language else 0.0,
                    (float(sentence[index]) - SENTENCE_CENTRE) * SENTENCE_SCALE,
                    (float(sentence[index]) - best_sentence) * SENTENCE_SCALE,
                    (float(answer_sentence[index]) - SENTENCE_CENTRE) * SENTENCE_SCALE,
                )
                match = self._complete(partial, late)
                if index not in scored or match.score > scored[index].score:
                    scored[index] = match
        inside, others = [], []
        for index, match in scored.items():
            target = inside if self._in_scope(index, municipality) else others
            target.append((match.score, index, match))
        inside.sort(key=lambda item: (-item[0], item[1]))
        others.sort(key=lambda item: (-item[0], item[1]))
        return Ranking(inside, others[0] if others else None, detected, message, sentence)

    def _in_message_language(
        self, inside: list[tuple[float, int, Match]], detected: str
    ) -> list[tuple[float, int, Match, bool]]:
        """The candidates as answers: translations of one entry together, each in the
        resident's own language where a version in it is linked.

        Versions of one entry are one answer, so their scores combine as the ranker's
        probabilities would (log-sum-exp): a Finnish entry and its Swedish version, both
        fairly likely, together outweigh an unrelated entry a little likelier than each.
        The best-scoring version's match stands for the answer, which is eligible when
        any version is: when some content word of the message is found in it, in a
        phrasing or in the answer. Sentence meaning alone is not enough: in a small FAQ,
        "what is the capital of Finland" is nearest to something too, by a wide margin. A
        shared "kuka" or "miten" counts for nothing.
        """
        combined: dict[int, tuple[float, float, Match, bool]] = {}
        for score, index, match in inside:
            root = self._root.get(index, index)
            eligible = match.evidence
            if root in combined:
                total, best, kept, either = combined[root]
                combined[root] = (
                    float(np.logaddexp(total, score)),
                    max(best, score),
                    kept if best >= score else match,
                    either or eligible,
                )
            else:
                combined[root] = (score, score, match, eligible)
        result = []
        for root, (total, _best, match, eligible) in combined.items():
            version = root
            if self._entries[root].doc.language != detected:
                version = self._versions.get(root, {}).get(detected, root)
            result.append((total, version, match, eligible))
        result.sort(key=lambda item: (-item[0], item[1]))
        return result

    def versions(self, index: int) -> dict[str, int]:
        """The entry's versions (translations) by language, itself included."""
        root = self._root.get(index, index)
        return dict(self._versions.get(root) or {self._entries[index].doc.language: index})

    def key_of(self, index: int) -> str:
        return self._entries[index].doc.key

    def _in_scope(self, index: int, municipality: str) -> bool:
        return bool(self._scope(municipality)[index])

    def _scope(self, municipality: str) -> np.ndarray:
        """Which entries a chat of the municipality may answer with, as a boolean array."""
        # Made for each municipality with entries as the index is built (a 5,000-entry
        # list walked on a municipality's first message took 4 ms); any other has the
        # shared entries only.
        scope = self._scopes.get(municipality)
        return scope if scope is not None else self._scopes[""]

    def _make_scopes(self) -> dict[str, np.ndarray]:
        owners = self._entry_owners
        shared = owners == ""
        return {"": shared} | {name: shared | (owners == name) for name in self._names}

    def _preselect(
        self, words: Sequence[Word], weights: Sequence[float], lang: _Language, municipality: str
    ) -> list[int]:
        """The entries worth scoring in full: those sharing the most weight with the message.

        Counted in numpy over the postings, because at thousands of entries a common word's
        postings are long; each word counts once per entry however many of its terms match.
        """
        quick = np.zeros(len(self._entries), dtype=np.float32)
        for word, weight in zip(words, weights, strict=True):
            postings = [lang.arrays[t] for t in word.terms if t in lang.arrays]
            if not postings:
                continue
            hits = postings[0] if len(postings) == 1 else np.unique(np.concatenate(postings))
            quick[hits] += weight
        scope = self._scope(municipality)
        chosen: list[int] = []
        for mask, count in ((scope, PRESELECT), (~scope, PRESELECT_OTHERS)):
            candidates = np.flatnonzero((quick > 0) & mask)
            if len(candidates) > count:
                top = np.argpartition(-quick[candidates], count)[:count]
                candidates = candidates[top]
            chosen += sorted(candidates.tolist(), key=lambda i: (-quick[i], i))
        return chosen

    def _elsewhere_only(self, ranking: Ranking, municipality: str) -> bool:
        """Does the message name something only another municipality's FAQ knows of?

        True when the best entry of another municipality fully matches a content word that
        no entry of this chat contains, and this municipality has no version of that entry:
        the resident asks about a service (a campsite, a swimming hall) that this
        municipality does not have. Or when that word is the other municipality's name:
        "Pomarkku's library hours" on Karvia's page is not answered by Karvia's library.
        """
        if ranking.other is None:
            return False
        best = ranking.inside[0][0] if ranking.inside else 0.0
        other_score, other_index, _ = ranking.other
        if other_score <= best:
            return False
        entry = self._entries[other_index]
        words, weights = ranking.message.get(entry.doc.language, ((), []))
        lang = self._languages[entry.doc.language]
        for word, weight in zip(words, weights, strict=True):
            # Rare in the FAQ, by its own counts: a service's name ("uimahalli") is an
            # everyday word too, and where the FAQ lacks it that is what tells.
            if word.stop or weight < lang.max_idf * ELSEWHERE_MIN_WEIGHT * word.rarity:
                continue
            if self._inside(word, entry.terms, lang) < 1.0:
                continue
            if not any(
                self._in_scope(i, municipality)
                for term in word.core
                for i in lang.postings.get(term, ())
            ):
                # The name of the other municipality: the resident asks about its service,
                # which this municipality's own version does not answer. Another word:
                # worded otherwise here, perhaps, the same service under another name.
                named = word.main in self._names and word.main != municipality
                return named or not self._counterpart_in(other_index, municipality)
        return False

    def _question_words(self, index: int) -> tuple[str, frozenset[str]]:
        """The language and content words of an entry's question, without the names of
        municipalities."""
        entry = self._entries[index]
        words = entry.phrases[0].words
        return entry.doc.language, frozenset(
            w.main for w in words if not w.stop and w.main not in self._names
        )

    def _counterpart_in(self, index: int, municipality: str) -> bool:
        """Does the municipality have its own version of this entry (or a shared one): an
        entry of the same language asking the same but for the municipalities' names, or
        asking nearly the same in other words? Municipalities often each have an entry on
        one service (the library's hours), worded alike."""
        key = self._question_keys[index]
        owners = self._question_owners.get(key, set())
        # A question of nothing but names and stop words would make every such one a version.
        if key[1] and (municipality in owners or None in owners):
            return True
        language = self._entries[index].doc.language
        pool = np.flatnonzero(self._scope(municipality) & self._of_language[language])
        cosines = self._meaning_index.question_similarity(index, pool)
        return bool(len(cosines)) and float(cosines.max()) >= COUNTERPART_MIN_SENTENCE

    def decide(
        self, text: str, municipality: str, language: str, thresholds: Thresholds | None = None
    ) -> Decision:
        thresholds = thresholds or DEFAULT_THRESHOLDS
        # Started first, to run beside all the rest (a greeting's is not waited for).
        similarity_soon = self._sentence_similarity_soon(text, language)
        kind = small_talk(self.analyzer, text)
        if kind is not None and not asks_for_person(self.analyzer, text):
            return Decision("reply", (), kind, self.analyzer.detect_language(text, language))
        ranking = self.rank(text, municipality, language, similarity_soon)
        inside, detected = ranking.inside, ranking.detected
        inside = self._in_message_language(inside, detected)
        top = inside[:SUGGESTION_COUNT]
        content_words = sum(1 for w in ranking.message.get(detected, ((), []))[0] if not w.stop)
        elsewhere = self._elsewhere_only(ranking, municipality)
        other = ranking.other[0] if ranking.other else None
        sentences = [float(ranking.sentence[index]) for _, index, _, _ in inside]
        candidates = []
        for rank, (score, index, match, eligible) in enumerate(top):
            rival = inside[1][0] if rank == 0 and len(inside) > 1 else inside[0][0]
            margin = score - rival if len(inside) > 1 else MAX_MARGIN
            others = sentences[:rank] + sentences[rank + 1 :]
            sentence = sentences[rank]
            entry_language = self._entries[index].doc.language
            features = confidence_features(
                match,
                margin,
                entry_language != detected,
                content_words,
                elsewhere,
                (other - score) if other is not None else -MAX_MARGIN,
                sentence,
                sentence - max(others) if others else MAX_MARGIN,
            )
            candidates.append(
                Candidate(
                    self._entries[index].doc.key,
                    round(self._confidence(features), 4),
                    score,
                    match.matched,
                    features,
                    eligible=eligible,
                )
            )
        result = tuple(candidates)
        if asks_for_person(self.analyzer, text):
            return Decision("handoff", result, "person_requested", detected)
        if not result:
            return Decision("handoff", result, "empty", detected)
        confidence = result[0].confidence if result[0].eligible else 0.0
        if confidence >= thresholds.answer:
            return Decision("answer", result, "confident", detected)
        if elsewhere:
            return Decision("handoff", result, "other_municipality", detected)
        if confidence >= thresholds.suggest:
            return Decision("suggest", result, "unsure", detected)
        return Decision("handoff", result, "low_confidence", detected)
