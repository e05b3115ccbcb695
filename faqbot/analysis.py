"""From a message to the words the matcher compares: lemmas, compound parts and stems.

Finnish goes through spaCy and Voikko (faqbot.finnish); Swedish and English through the
Snowball stemmers. Every term is folded (lower case, no diacritics), so that "jateastia"
and "jäteastia" meet. A message in English or Swedish is also translated word by word into
Finnish, where most FAQ content is.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fi.stop_words import STOP_WORDS as FI_STOP_WORDS
from spacy.lang.sv.stop_words import STOP_WORDS as SV_STOP_WORDS

from faqbot.bilingual import FILES, Dictionary
from faqbot.finnish import FinnishMorphology
from faqbot.folding import WORD_RE, fold, words
from faqbot.sentences import default_encoder

STOP_WORDS = {
    "fi": frozenset(fold(w) for w in FI_STOP_WORDS),
    # spaCy's Swedish list lacks the commonest verb form of all.
    "sv": frozenset(fold(w) for w in SV_STOP_WORDS | {"är"}),
    "en": frozenset(fold(w) for w in EN_STOP_WORDS),
}
# Finnish stop words are told by the lemma as written: folded, "täksi" (for this) would
# make "taksi" (a taxi) one, and "älä" the noun "ala".
FINNISH_STOP_WORDS = frozenset(w.lower() for w in FI_STOP_WORDS)
STEMMER_NAMES = {"sv": "swedish", "en": "english"}
MIN_COMPOUND_PART = 3
# A part found by splitting a word for matching (not translating) needs a longer tail:
# "tömning" is not töm+ning.
MIN_STEMMED_PART_TAIL = 5
# Swedish definite and plural endings, longest first: the stemmer keeps some of them.
SWEDISH_ENDINGS = ("arna", "erna", "orna", "en", "et", "na", "n", "t")
MAX_TRANSLATED_TERMS = 10


@dataclass(frozen=True)
class Word:
    """One word of a text, with every term that may match it."""

    surface: str  # folded
    main: str  # the lemma or stem
    core: frozenset[str]  # the word itself: its lemma, other possible lemmas, or stem
    parts: frozenset[str]  # compound parts: a match on these alone is a partial match
    stop: bool
    known: bool
    translated: bool = False
    lemma: str = ""  # unfolded, for word vectors (Finnish only)
    # How rare the word is in the language at large, 0.2..1 (Finnish only; faqbot.finnish).
    rarity: float = 1.0
    # Words of similar meaning from the index's vocabulary, with their similarity (0..1);
    # filled in by the matcher.
    similar: tuple[tuple[str, float], ...] = ()
    similar_terms: frozenset[str] = frozenset()

    @property
    def terms(self) -> frozenset[str]:
        return self.core | self.parts


class Analyzer:
    """The language tools of one process. Build it once: loading spaCy takes a second."""

    def __init__(self) -> None:
        self.finnish = FinnishMorphology()
        self._stemmers = {lang: Stemmer.Stemmer(name) for lang, name in STEMMER_NAMES.items()}
        self._stem_lock = threading.Lock()
        self.dictionaries = {lang: Dictionary(name) for lang, name in FILES.items()}
        self.sentences = default_encoder()
        self._stem_index: dict[str, dict[str, list[str]]] = {}
        self._index_lock = threading.Lock()

    # -- analysis --------------------------------------------------------------------------

    def words(self, text: str, language: str) -> tuple[Word, ...]:
        """A message's words (kept for a few messages: see MESSAGE_CACHE)."""
        return _message_words(self, text, language)

    def faq_words(self, text: str, language: str) -> tuple[Word, ...]:
        """An FAQ text's words (kept for as many texts as a large FAQ has: FAQ_TEXT_CACHE)."""
        return _faq_words(self, text, language)

    def _finnish_words(self, text: str) -> tuple[Word, ...]:
        result = []
        for surface, lemma in self.finnish.lemmas(text):
            if not any(ch.isalnum() for ch in surface):
                continue
            analysed = self.finnish.word(surface, lemma)
            core = {analysed.lemma, *analysed.alternatives, fold(surface)}
            result.append(
                Word(
                    surface=fold(surface),
                    main=analysed.lemma,
                    core=frozenset(core),
                    parts=frozenset(analysed.parts) - core,
                    lemma=analysed.raw,
                    stop=_finnish_stop(analysed.raw, surface),
                    known=analysed.known,
                    rarity=self.finnish.rarity(analysed.raw.lower(), surface.lower()),
                )
            )
        return tuple(result)

    def stem(self, word: str, language: str) -> str:
        with self._stem_lock:
            return fold(self._stemmers[language].stemWord(word))

    # -- translation into Finnish ----------------------------------------------------------

    def _headwords_by_stem(self, language: str) -> dict[str, list[str]]:
        index = self._stem_index.get(language)
        if index is None:
            with self._index_lock:
                index = self._stem_index.get(language)
                if index is None:
                    index = {}
                    for headword in self.dictionaries[language].headwords():
                        if headword.isalpha():
                            index.setdefault(self.stem(headword, language), []).append(headword)
                    self._stem_index[language] = index
        return index

    def _lookup(self, word: str, language: str) -> list[str]:
        """Dictionary headwords with the word's stem, or, for a Swedish definite or plural
        form the stemmer leaves whole ("avfallet", "soptunnan"), without its ending."""
        by_stem = self._headwords_by_stem(language)
        found = by_stem.get(self.stem(word, language), [])
        if found or language != "sv":
            return found
        for ending in SWEDISH_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_COMPOUND_PART:
                found = by_stem.get(self.stem(word[: -len(ending)], language), [])
                if found:
                    return found
        return []

    def _compound(
        self, word: str, language: str, min_tail: int = MIN_COMPOUND_PART
    ) -> tuple[list[str], list[str]] | None:
        """The headwords of a compound's head and tail: hyres+bostad, återvinnings+station.
        The shortest head that works leaves the longest tail: kommunal+skatten, not
        kommunals+katten."""
        if len(word) < 2 * MIN_COMPOUND_PART:
            return None
        for cut in range(MIN_COMPOUND_PART, len(word) - min_tail + 1):
            head, tail = word[:cut], word[cut:]
            tail_words = self._lookup(tail, language)
            if not tail_words:
                continue
            head_words = self._lookup(head, language) or (
                self._lookup(head[:-1], language) if head.endswith("s") else []
            )
            if head_words:
                return head_words, tail_words
        return None

    def _headwords(self, word: str, language: str) -> list[str]:
        """Dictionary headwords for an inflected word, or for the parts of a compound."""
        found = self._lookup(word, language)
        if found:
            return found
        compound = self._compound(word, language)
        return compound[0] + compound[1] if compound else []

    def stemmed_forms(self, word: str, language: str) -> tuple[frozenset[str], frozenset[str]]:
        """A Swedish or English word's stems beyond its own, and its compound parts' stems.

        "avfallet" is also "avfall"; "matavfallet" has the parts "mat" and "avfall", so
        that it meets "bioavfall" halfway, as Finnish compounds do through Voikko.
        """
        if not word.isalpha():
            return frozenset(), frozenset()
        found = self._lookup(word, language)
        if found:
            return frozenset(self.stem(h, language) for h in found), frozenset()
        compound = self._compound(word, language, min_tail=MIN_STEMMED_PART_TAIL)
        if compound is None:
            return frozenset(), frozenset()
        return frozenset(), frozenset(
            self.stem(h, language) for h in (compound[0][0], compound[1][0])
        )

    def with_stems(self, words: frozenset[str], language: str) -> frozenset[str]:
        """A word list with each word's stem added, as stemmed messages show the words
        (the lexicons of faqbot.intent and faqbot.small_talk)."""
        return _cached_with_stems(self, words, language)

    def translate_to_finnish(self, text: str, language: str) -> tuple[Word, ...]:
        """Each content word of an English or Swedish message as the Finnish terms it may
        mean."""
        return _message_translation(self, text, language)

    def faq_translation(self, text: str, language: str) -> tuple[Word, ...]:
        """translate_to_finnish for an FAQ text."""
        return _faq_translation(self, text, language)

    def _translate_word(self, word: str, language: str) -> tuple[frozenset[str], frozenset[str]]:
        """The Finnish lemmas a word may mean, and their compound parts (ruoanjäte: ruoka,
        jäte), which let a translation meet the FAQ's other compounds (biojäte)."""
        dictionary = self.dictionaries[language]
        headwords = self._headwords(word, language)
        # The word itself first: its first senses are the likeliest.
        headwords.sort(key=lambda h: h != word)
        translations: list[str] = []
        for headword in headwords:
            translations += [t for t in dictionary.translate(headword) if t not in translations]
        terms: list[str] = []
        parts: dict[str, list[str]] = {}
        # Dictionary translations are base forms already; Voikko alone (no spaCy pass)
        # confirms each word and gives its lemma.
        for translation in translations:
            for token in words(translation):
                analysed = self.finnish.word(token, token)
                main = analysed.lemma
                if not _finnish_stop(analysed.raw, token) and main not in terms:
                    terms.append(main)
                    parts[main] = list(analysed.parts)
        kept = terms[:MAX_TRANSLATED_TERMS]
        return frozenset(kept), frozenset(p for t in kept for p in parts[t]) - frozenset(kept)

    def for_sentence_model(self, text: str, page_language: str) -> str:
        """The message as the sentence model reads it best: a Finnish message with its
        spoken forms and missing ä/ö written as standard Finnish ("onks kirjasto auki" →
        "onko kirjasto auki"). The model was trained on written text; colloquial and
        dotless words it reads less well."""

        def standard(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            return self.finnish.word(lower, lower).standard or word

        written = WORD_RE.sub(standard, text)
        # Most messages need nothing; only those that changed are worth the language's
        # detection, before the embedding can start.
        if written == text or self.detect_language(text, page_language) != "fi":
            return text
        return written

    # -- language of a message -------------------------------------------------------------

    def detect_language(self, text: str, page_language: str) -> str:
        """The language a message is written in: the one that recognises most of its words.

        Ties go to the page's language, so short or mixed messages keep it.
        """
        tokens = words(text)
        if not tokens:
            return page_language
        scores = dict.fromkeys(("fi", "sv", "en"), 0.0)
        for token in tokens:
            folded = fold(token)
            for language in ("sv", "en"):
                if folded in STOP_WORDS[language]:
                    scores[language] += 1.0
                elif self._headwords_by_stem(language).get(self.stem(token, language)):
                    scores[language] += 0.6
            if token.isalpha() and self.finnish.word(token, token).known:
                scores["fi"] += 1.0 if folded not in STOP_WORDS["fi"] else 1.2
        best = max(scores.values())
        if scores.get(page_language, 0) >= best:
            return page_language
        return max(scores, key=lambda lang: scores[lang])


def _finnish_stop(lemma: str, surface: str) -> bool:
    return lemma.lower() in FINNISH_STOP_WORDS or surface.lower() in FINNISH_STOP_WORDS


def _text_words(analyzer: Analyzer, text: str, language: str) -> tuple[Word, ...]:
    if language == "fi":
        return analyzer._finnish_words(text)
    return _stemmed_words(analyzer, text, language)


# A message is read several times in one decision (small talk, a request for a person, the
# matcher), seldom again. Every message's words kept (up to 50,000 messages, as once)
# would all be walked by each full garbage collection of a long-running process: one took
# 51 ms after 4,000 messages, and would have taken most of a second at the cap.
MESSAGE_CACHE = 256
# The FAQ's texts are kept, for a large FAQ's every phrasing and answer, so that an index
# rebuilt after an edit analyses only what changed. They are frozen out of the collector's
# way with the index (faqbot.live_index).
FAQ_TEXT_CACHE = 50_000
_message_words = lru_cache(maxsize=MESSAGE_CACHE)(_text_words)
_faq_words = lru_cache(maxsize=FAQ_TEXT_CACHE)(_text_words)


def _stemmed_words(analyzer: Analyzer, text: str, language: str) -> tuple[Word, ...]:
    result = []
    for token in words(text):
        folded = fold(token)
        stem = analyzer.stem(token, language)
        stop = folded in STOP_WORDS[language]
        more, parts = (
            (frozenset(), frozenset()) if stop else analyzer.stemmed_forms(token, language)
        )
        core = frozenset({stem}) | more
        result.append(
            Word(
                surface=folded,
                main=stem,
                core=core,
                parts=parts - core,
                stop=stop,
                known=True,
            )
        )
    return tuple(result)


def _translation(analyzer: Analyzer, text: str, language: str) -> tuple[Word, ...]:
    result = []
    for token in words(text):
        folded = fold(token)
        if folded in STOP_WORDS[language] or not token.isalpha():
            continue
        if analyzer.finnish.word(token, token).proper:
            # A place or a person ("Karvia") is not translated: its letters would only find
            # a dictionary's kar+via. Which municipality's entries apply is the chat's
            # scope; the name itself would outweigh the translated words.
            continue
        terms, parts = _cached_word_translation(analyzer, token, language)
        if terms:
            result.append(
                Word(folded, folded, terms, parts, stop=False, known=True, translated=True)
            )
    return tuple(result)


_message_translation = lru_cache(maxsize=MESSAGE_CACHE)(_translation)
_faq_translation = lru_cache(maxsize=FAQ_TEXT_CACHE)(_translation)


@lru_cache(maxsize=256)
def _cached_with_stems(analyzer: Analyzer, words: frozenset[str], language: str) -> frozenset[str]:
    return words | {analyzer.stem(w, language) for w in words}


@lru_cache(maxsize=50_000)
def _cached_word_translation(
    analyzer: Analyzer, word: str, language: str
) -> tuple[frozenset[str], frozenset[str]]:
    return analyzer._translate_word(word, language)
