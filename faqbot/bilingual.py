"""Word translations into Finnish from Debian's FreeDict dictionaries.

Most FAQ content is Finnish; a resident who writes in English or Swedish should still find
it. dict-freedict-eng-fin and dict-freedict-swe-fin are dictd files: an index of
"headword TAB base64-offset TAB base64-length" lines and a gzip-compressed body.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
from pathlib import Path

log = logging.getLogger(__name__)

DICTD_DIR = Path("/usr/share/dictd")
FILES = {"en": "freedict-eng-fin", "sv": "freedict-swe-fin"}
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
SENSE_RE = re.compile(r"^\d+\.\s+(.*)$")
TRAILING_NUMBER_RE = re.compile(r"\s+\d+\.$")
MAX_SENSES = 3
MAX_TRANSLATIONS = 8


def _b64(value: str) -> int:
    number = 0
    for ch in value:
        number = number * 64 + B64.index(ch)
    return number


def parse_translations(body: str) -> list[str]:
    """Finnish words of a dictd entry: the first line after the headword, or numbered senses.

    Each sense is followed by an English gloss line, which is skipped.
    """
    lines = [line.strip() for line in body.splitlines()[1:] if line.strip()]
    senses: list[str] = []
    if lines and not SENSE_RE.match(lines[0]):
        senses.append(lines[0])
    senses += [m.group(1) for line in lines if (m := SENSE_RE.match(line))]
    words: list[str] = []
    for sense in senses[:MAX_SENSES]:
        sense = TRAILING_NUMBER_RE.sub("", sense)
        for item in re.split(r"[,;]", sense):
            item = item.strip().lower()
            if item and not item.endswith("-") and item not in words:
                words.append(item)
    return words[:MAX_TRANSLATIONS]


class Dictionary:
    """Headword → Finnish translations, read lazily from one dictd dictionary."""

    def __init__(self, name: str, directory: Path = DICTD_DIR) -> None:
        self.index_path = directory / f"{name}.index"
        self.body_path = directory / f"{name}.dict.dz"
        self._offsets: dict[str, list[tuple[int, int]]] | None = None
        self._body: bytes | None = None
        self._cache: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.index_path.exists() and self.body_path.exists()

    def _load(self) -> None:
        offsets: dict[str, list[tuple[int, int]]] = {}
        for line in self.index_path.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) == 3 and not fields[0].startswith("00database"):
                offsets.setdefault(fields[0].lower(), []).append((_b64(fields[1]), _b64(fields[2])))
        with gzip.open(self.body_path, "rb") as handle:
            self._body = handle.read()
        self._offsets = offsets

    def headwords(self) -> list[str]:
        """In the dictionary's order: which of a stem's headwords come first decides which
        translations are kept, and a set's order changes from process to process."""
        self._ensure_loaded()
        return list(self._offsets or ())

    def _ensure_loaded(self) -> None:
        if self._offsets is None:
            with self._lock:
                if self._offsets is None:
                    if not self.available:
                        log.warning("dictionary %s is not installed", self.index_path)
                        self._offsets, self._body = {}, b""
                    else:
                        self._load()

    def translate(self, word: str) -> list[str]:
        self._ensure_loaded()
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        assert self._offsets is not None and self._body is not None
        translations: list[str] = []
        for offset, length in self._offsets.get(word, []):
            body = self._body[offset : offset + length].decode("utf-8", errors="replace")
            for item in parse_translations(body):
                if item not in translations:
                    translations.append(item)
        self._cache[word] = translations[:MAX_TRANSLATIONS]
        return self._cache[word]
