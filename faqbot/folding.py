"""Folding text to the form residents type on any keyboard: lower case, no diacritics."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """'Jäteastia' → 'jateastia': many residents type a for ä and o for ö."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The words of a message, lower-cased, with hyphenated compounds kept whole."""
    return [w.replace("’", "'") for w in WORD_RE.findall(text.lower())]


def back_vowel(word: str) -> bool:
    """Finnish vowel harmony: endings take a/o/u after back vowels, ä/ö/y otherwise."""
    for ch in reversed(word):
        if ch in "aou":
            return True
        if ch in "äöy":
            return False
    return False
