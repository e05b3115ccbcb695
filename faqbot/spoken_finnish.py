"""Spoken and chat Finnish mapped to standard forms that Voikko knows.

These are rules of the language, not of any FAQ: the pronouns and particles of everyday
speech, and the endings that speech shortens ("kirjastos" for "kirjastossa"). Each rule
yields candidates; the analyser keeps the first one Voikko recognises.
"""

from __future__ import annotations

from collections.abc import Iterator

from faqbot.folding import back_vowel

# Closed-class words of spoken Finnish: pronouns, question words, particles, common verbs.
SPOKEN_WORDS = {
    "mä": "minä", "mää": "minä", "mie": "minä", "sä": "sinä", "sää": "sinä", "sie": "sinä",
    "mun": "minun", "sun": "sinun", "mulle": "minulle", "sulle": "sinulle", "mulla": "minulla",
    "sulla": "sinulla", "multa": "minulta", "sulta": "sinulta", "mut": "minut",
    "meiän": "meidän", "teiän": "teidän", "meil": "meillä", "teil": "teillä",
    "tää": "tämä", "toi": "tuo", "noi": "nuo", "nää": "nämä", "tän": "tämän", "ton": "tuon",
    "täs": "tässä", "tääl": "täällä", "siel": "siellä",
    "oon": "olen", "oot": "olet", "oo": "ole", "ollaa": "ollaan",
    "mis": "missä", "mist": "mistä", "mihi": "mihin", "miks": "miksi",
    "millanen": "millainen", "minkälainen": "millainen",
    "kaa": "kanssa", "kans": "kanssa", "ees": "edes", "vaa": "vaan", "niinku": "niin",
    "et": "että", "jotai": "jotain", "jonku": "jonkun", "jollai": "jollain",
    "sit": "sitten", "sitte": "sitten", "tänää": "tänään", "huomen": "huomenna",
    "tarttee": "tarvitsee", "tartten": "tarvitsen", "pitäis": "pitäisi", "voisko": "voisiko",
    "vois": "voisi", "sais": "saisi", "olis": "olisi", "tulis": "tulisi", "menis": "menisi",
    "saisko": "saisiko", "olisko": "olisiko", "kannattais": "kannattaisi",
    "haluisin": "haluaisin", "haluun": "haluan", "tuu": "tule",
    "meen": "menen", "mee": "mene", "kato": "katso", "kattoo": "katsoa",
}  # fmt: skip


def _harmonise(word: str, back: str, front: str) -> str:
    return back if back_vowel(word) else front


def spoken_candidates(word: str) -> Iterator[str]:
    """Standard-Finnish guesses for a word Voikko does not know, likeliest first."""
    if word in SPOKEN_WORDS:
        yield SPOKEN_WORDS[word]
    a = _harmonise(word, "a", "ä")
    o = _harmonise(word, "o", "ö")
    # Question clitic: onks → onko, voiks → voiko.
    if word.endswith("ks") and len(word) > 3:
        yield word[:-1] + o
        yield word[:-2] + "ko" if back_vowel(word) else word[:-2] + "kö"
    # Past participle: hakenu → hakenut.
    if word.endswith(("nu", "ny", "lu", "ly", "ru", "ry", "su", "sy")):
        yield word + "t"
    # Shortened local cases: kirjastos → kirjastossa, kunnal → kunnalla, kirjastost → -sta.
    if word.endswith("st"):
        yield word + a
    if word.endswith("lt"):
        yield word + a
    if word.endswith("s") and len(word) > 3:
        yield word + "s" + a
        yield word + a
    if word.endswith("l") and len(word) > 3:
        yield word + "l" + a
        yield word + a
    # Long final vowel: dropped n (ollenkaa → ollenkaan, uimahallii → uimahalliin) or a
    # partitive (lääkärii → lääkäriä).
    if len(word) > 3 and word[-1] == word[-2] and word[-1] in "aeiouyäö":
        yield word + "n"
        yield word[:-1] + a
    # Dropped final n: ollenkaa, kauhee → kauhea.
    if word.endswith(("ee", "ää", "aa")):
        yield word[:-1] + a
    # Contracted verbs: aukee → aukeaa.
    if word.endswith("ee"):
        yield word[:-1] + a + a


# Each restored vowel doubles the guesses; four keep a word's worst case near 15 look-ups.
MAX_RESTORED_VOWELS = 4


def restored_diacritics(word: str) -> Iterator[str]:
    """'jateastian' → 'jäteastian': variants with a→ä and o→ö, fewest changes first."""
    if "ä" in word or "ö" in word:
        return  # the writer has the letters; they are not missing here
    positions = [i for i, ch in enumerate(word) if ch in "ao"][:MAX_RESTORED_VOWELS]
    if not positions:
        return
    variants = []
    for mask in range(1, 1 << len(positions)):
        chars = list(word)
        for bit, i in enumerate(positions):
            if mask >> bit & 1:
                chars[i] = "ä" if chars[i] == "a" else "ö"
        variants.append((bin(mask).count("1"), "".join(chars)))
    for _, variant in sorted(variants):
        yield variant
