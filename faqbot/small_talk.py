"""Recognising small talk: greetings, thanks, goodbyes and acknowledgements.

"kiitos", "hej!", "ok thanks, bye" are not questions. Matching them against the FAQ finds
nothing, and handing them to a person would queue a resident who has just said thank you;
the bot replies politely instead (chat.bot_reply). A message is small talk only when it
holds nothing but such words and the language's stop words: "kiitos, milloin kirjasto on
auki" is a question. Words are compared as the analyser reads them (Finnish lemmas, Swedish
and English stems), like faqbot.intent; they are words of the languages, not of any FAQ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from faqbot.analysis import Analyzer, Word
from faqbot.folding import fold, words

Kind = Literal["greeting", "thanks", "goodbye", "acknowledgement"]
# When a message is several of these ("thanks, bye"), the reply answers the last that a
# conversation reaches.
PRIORITY: tuple[Kind, ...] = ("goodbye", "thanks", "greeting", "acknowledgement")
MAX_WORDS = 8


def _words(text: str) -> frozenset[str]:
    return frozenset(fold(w) for w in text.split())


# Per language: the words of each kind, and the words that may go with them ("for the
# help", "so much", "a nice day") without making the message a question.
LEXICONS: dict[str, dict[str, frozenset[str]]] = {
    "fi": {
        "greeting": _words("hei moi moikka moro terve tervehdys huomenta päivää iltaa hello"),
        "thanks": _words("kiitos kiitti kiitoksia kiittää"),
        "goodbye": _words("näkemiin kuulemiin heippa heihei päivänjatko viikonloppu"),
        "acknowledgement": _words(
            "ok okei okay selvä jees joo kyllä ymmärtää hieno loistava mahtava super"
        ),
        "filler": _words(
            "hyvä paljon tosi kovasti oikein apu avu vastaus tieto neuvo ystävällinen "
            "päivä ilta huomen jatko mukava kaikki homma asia nyt vaan vain"
        ),
    },
    "sv": {
        "greeting": _words("hej hejsan tjena hallå morgon"),
        "thanks": _words("tack tacka tackar"),
        "goodbye": _words("adjö hejdå ses"),
        "acknowledgement": _words("ok okej bra toppen perfekt utmärkt förstår förstå"),
        "filler": _words("god dag kväll tusen så mycket hjälp hjälpen svar svaret ha det"),
    },
    "en": {
        "greeting": _words("hi hello hey morning afternoon evening"),
        "thanks": _words("thanks thank thx cheers appreciate appreciated"),
        "goodbye": _words("bye goodbye later"),
        "acknowledgement": _words(
            "ok okay great perfect fine cool awesome understood understand noted got"
        ),
        "filler": _words("good day nice lot much help helpful answer info information see"),
    },
}


def _lexicon(analyzer: Analyzer, language: str) -> dict[str, frozenset[str]]:
    lexicon = LEXICONS[language]
    if language == "fi":
        return lexicon
    return {kind: analyzer.with_stems(forms, language) for kind, forms in lexicon.items()}


def _kind(analysed: Sequence[Word], lexicon: dict[str, frozenset[str]]) -> Kind | None:
    if not analysed:
        return None
    found: set[Kind] = set()
    for word in analysed:
        forms = {word.main, word.surface}
        kinds = [kind for kind in PRIORITY if not forms.isdisjoint(lexicon[kind])]
        if kinds:
            found.update(kinds)
        elif not (word.stop or not forms.isdisjoint(lexicon["filler"])):
            return None  # a word of something else: a question, however polite
    return next((kind for kind in PRIORITY if kind in found), None)


def small_talk(analyzer: Analyzer, text: str) -> Kind | None:
    """What kind of small talk the message is, in any of the three languages, or None."""
    if len(words(text)) > MAX_WORDS:
        return None  # a story, not a "thank you": not worth analysing three times
    for language in LEXICONS:
        kind = _kind(analyzer.words(text, language), _lexicon(analyzer, language))
        if kind is not None:
            return kind
    return None
