"""Recognising a request for a person, in Finnish, Swedish or English.

A request is recognised from the words' lemmas (Finnish) or stems (Swedish, English):
a word for a person together with a verb of talking or wanting, or a short message that is
little more than such a word ("asiakaspalvelija kiitos"), a complaint about the bot, or a
request to be called. These are words of the languages, not of any FAQ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from faqbot.analysis import Analyzer, Word
from faqbot.folding import fold


@dataclass(frozen=True)
class Lexicon:
    person: frozenset[str]  # a person, enough with a verb of wanting or alone
    someone: frozenset[str]  # someone or a service, enough only with a verb of talking
    contact: frozenset[str]
    want: frozenset[str]
    bot: frozenset[str]
    negative: frozenset[str]
    call: frozenset[str]
    me: frozenset[str]


def _words(text: str) -> frozenset[str]:
    return frozenset(fold(w) for w in text.split())


FINNISH = Lexicon(
    person=_words(
        "ihminen henkilö asiakaspalvelija virkailija ihmistyöntekijä palveluneuvoja neuvoja "
        "ihmiskontakti päivystäjä soittopyyntö takaisinsoitto"
    ),
    someone=_words("joku kukaan työntekijä asiakaspalvelu henkilökunta kunta toimisto tyyppi"),
    contact=_words(
        "puhua jutella keskustella soittaa yhdistää chatata tavoittaa yhteys yhteydenotto "
        "kontakti puhelin"
    ),
    want=_words("haluta pyytää tarvita voida saada antaa päästä"),
    bot=_words("botti robotti chatbot kone automaatti tekoäly"),
    negative=_words("ei turha huono tyhmä hyödytön surkea"),
    call=_words("soittaa"),
    me=_words("minä minulle meille takaisin minut"),
)
SWEDISH = Lexicon(
    person=_words(
        "människa handläggare kundtjänstpersonal rådgivare tjänsteman medarbetare återuppringning"
    ),
    someone=_words("någon person kundtjänst personal kommun"),
    contact=_words("prata tala ringa koppla kontakta chatta kontakt telefon"),
    want=_words("vill vilja kan kunna få behöva be"),
    bot=_words("bot robot chatbot maskin chattbot"),
    negative=_words("inte ej värdelös dålig dum"),
    call=_words("ringa ring"),
    me=_words("mig oss tillbaka"),
)
ENGLISH = Lexicon(
    person=_words("human person agent representative operator advisor adviser callback"),
    someone=_words("someone somebody staff employee officer"),
    contact=_words("talk speak chat connect contact transfer reach phone"),
    want=_words("want need can could may would like let please"),
    bot=_words("bot robot chatbot machine ai automated"),
    negative=_words("not no don't useless stupid dumb n't"),
    call=_words("call ring phone"),
    me=_words("me us back"),
)
SHORT_MESSAGE_WORDS = 3


def _stemmed(analyzer: Analyzer, lexicon: Lexicon, language: str) -> Lexicon:
    """The lexicon with each word's stem added, as stemmed messages show them."""
    return Lexicon(
        **{name: analyzer.with_stems(words, language) for name, words in vars(lexicon).items()}
    )


def _matches(words: Sequence[Word], lexicon: Lexicon) -> bool:
    present = {w.main for w in words} | {w.surface for w in words}
    content = [w for w in words if not w.stop]

    def has(group: frozenset[str]) -> bool:
        return not present.isdisjoint(group)

    talk, want = has(lexicon.contact), has(lexicon.want)
    if has(lexicon.person) and (talk or want or len(content) <= SHORT_MESSAGE_WORDS):
        return True
    if has(lexicon.someone) and talk:
        return True
    if has(lexicon.bot) and (has(lexicon.negative) or (want and talk)):
        return True
    return has(lexicon.call) and has(lexicon.me)


def asks_for_person(analyzer: Analyzer, text: str) -> bool:
    """True when the message asks for a person, whatever else it is about."""
    if _matches(analyzer.words(text, "fi"), FINNISH):
        return True
    for language, lexicon in (("sv", SWEDISH), ("en", ENGLISH)):
        if _matches(analyzer.words(text, language), _stemmed(analyzer, lexicon, language)):
            return True
    return False
