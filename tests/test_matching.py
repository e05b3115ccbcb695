"""The matching core on a small FAQ: typos, translation, decision bands, scoping, hand-off.

The FAQ and the messages here are written for these tests; none come from the evaluation
sets, which must stay out of the product and its tests.
"""

from __future__ import annotations

import pytest

from faqbot import analysis
from faqbot.matching import FaqDoc, FaqIndex, Thresholds

DOCS = [
    FaqDoc(
        "karvia-library",
        "karvia",
        "fi",
        "Milloin Karvian kirjasto on auki?",
        ("kirjaston aukiolo", "kirjaston aukiolot"),
        "Kirjasto on auki ma–pe 10–18.",
    ),
    FaqDoc(
        "pomarkku-library",
        "pomarkku",
        "fi",
        "Milloin Pomarkun kirjasto on auki?",
        ("kirjaston aukiolo", "lehtilukusalin aukiolo"),
        "Pomarkun kirjasto on auki ti–to 12–19.",
    ),
    FaqDoc(
        "pomarkku-swimming",
        "pomarkku",
        "fi",
        "Milloin Pomarkun uimahalli on auki?",
        ("uimahallin aukiolo", "uimahallin lipun hinta"),
        "Uimahalli on auki ti–su.",
    ),
    FaqDoc(
        "karvia-service",
        "karvia",
        "fi",
        "Milloin Karvian asiakaspalvelu on auki?",
        ("asiakaspalvelun aukioloajat", "kunnantalon aukiolo"),
        "Asiakaspalvelu palvelee ma–to 9–15.",
    ),
    FaqDoc(
        "waste-bin",
        None,
        "fi",
        "Miten tilaan jäteastian tyhjennyksen?",
        ("jäteastian tyhjennys", "roska-astian tyhjennysväli"),
        "Tyhjennykset tilataan jätehuoltoyhtiöltä.",
    ),
    FaqDoc(
        "building-permit",
        None,
        "fi",
        "Miten haen rakennuslupaa?",
        ("rakennusluvan hakeminen", "tarvitaanko rakennuslupa"),
        "Rakennuslupaa haetaan Lupapiste-palvelussa.",
    ),
    FaqDoc(
        "daycare",
        None,
        "fi",
        "Miten haen päivähoitopaikkaa?",
        ("päiväkotipaikan hakeminen",),
        "Päivähoitoa haetaan neljä kuukautta ennen tarvetta.",
    ),
    FaqDoc(
        "snow",
        None,
        "fi",
        "Kuka hoitaa yksityistien lumityöt?",
        ("lumityöt", "aurauspyyntö"),
        "Yksityisteiden aurauksesta vastaa tiekunta.",
    ),
    FaqDoc(
        "waste-bin-sv",
        None,
        "sv",
        "Hur beställer jag tömning av soptunnan?",
        ("tömning av sopkärl",),
        "Tömningar beställs av avfallsbolaget.",
    ),
    FaqDoc(
        "daycare-en",
        None,
        "en",
        "How do I apply for a daycare place?",
        ("daycare application",),
        "Apply four months before you need the place.",
    ),
]
OWNERS = {doc.key: doc.municipality for doc in DOCS}
# Explicit thresholds, so that these tests do not move when the defaults are recalibrated.
BANDS = Thresholds(answer=0.6, suggest=0.3)


@pytest.fixture(scope="module")
def index(analyzer) -> FaqIndex:
    return FaqIndex(DOCS, analyzer=analyzer)


def keys(decision) -> list[str]:
    return [c.key for c in decision.candidates]


# -- finding the entry ----------------------------------------------------------------------


def test_it_gives_the_sentence_model_spoken_finnish_written_out(index, monkeypatch):
    encoder = index.analyzer.sentences
    embedded = []
    query_soon = encoder.query_soon

    def recording(text):
        embedded.append(text)
        return query_soon(text)

    monkeypatch.setattr(encoder, "query_soon", recording)
    decision = index.decide("onks pomarkun uimahalli auki", "pomarkku", "fi", BANDS)
    assert decision.best.key == "pomarkku-swimming"
    assert embedded == ["onko pomarkun uimahalli auki"]


def test_it_weighs_everyday_words_the_faq_lacks_below_its_topic_words(index):
    # "tosi", "iso", "tarve", "saada" and "nopeasti" are not in the FAQ, so its own counts
    # would make each weigh as much as its rarest word; in Finnish at large they are common.
    text = "meillä on tosi iso tarve saada lapselle päiväkotipaikka nopeasti"
    best = index.decide(text, "karvia", "fi", BANDS).candidates[0]
    assert best.key == "daycare"
    message_cover = best.features[5]
    assert message_cover > 0.4  # 0.29 with the FAQ's counts alone


@pytest.mark.parametrize(
    ("text", "typo", "expected"),
    [
        ("milloin kirjsato on auki", "kirjsato", "karvia-library"),
        ("rakennusulvan hakeminen", "rakennusulvan", "building-permit"),
        ("jäteastain tyhjennys", "jateastain", "waste-bin"),
    ],
)
def test_it_repairs_typos_against_the_index(index, text, typo, expected):
    best = index.decide(text, "karvia", "fi", BANDS).best
    assert best is not None
    assert best.key == expected
    assert typo in best.matched  # the misspelt word itself counted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kirjastossa aukiolo", "karvia-library"),  # inflected
        ("milloin jateastia tyhjennetaan", "waste-bin"),  # no ä
        ("astian tyhjennys", "waste-bin"),  # a part of the compound
        ("onks kirjasto auki tänään", "karvia-library"),  # spoken
        ("rakennuslupa", "building-permit"),  # a keyword
    ],
)
def test_it_finds_the_entry_however_the_resident_writes(index, text, expected):
    assert index.decide(text, "karvia", "fi", BANDS).best.key == expected


@pytest.mark.parametrize(
    ("text", "page", "expected"),
    [
        ("library", "fi", "karvia-library"),  # English on a Finnish page, Finnish entry
        ("where can I borrow books, is the library open", "fi", "karvia-library"),
        ("tömning av soptunna", "sv", "waste-bin-sv"),  # Swedish entry, stemmed
        ("applying for daycare", "en", "daycare-en"),  # English entry, stemmed
    ],
)
def test_it_reaches_entries_across_languages(index, text, page, expected):
    decision = index.decide(text, "karvia", page, BANDS)
    assert decision.best.key == expected
    assert decision.language in ("fi", "sv", "en")


def test_it_reads_the_message_language_not_the_page(index):
    assert index.decide("where is the library", "karvia", "fi").language == "en"
    assert index.decide("var finns biblioteket", "karvia", "fi").language == "sv"


def test_it_answers_with_the_translation_editors_linked(analyzer):
    # Two Swedish versions of the library entry, alike word for word: only the editors'
    # link tells which one translates the Finnish entry, and a resident writing Swedish
    # gets that one.
    swedish = dict(
        municipality="karvia",
        language="sv",
        question="När är biblioteket i Karvia öppet?",
        alternatives=("bibliotekets öppettider",),
        answer="Biblioteket är öppet mån–fre 10–18.",
    )
    docs = [
        FaqDoc("library-sv-draft", **swedish),
        FaqDoc("library-sv", **swedish, group="library"),
        FaqDoc(
            "library",
            "karvia",
            "fi",
            "Milloin Karvian kirjasto on auki?",
            ("kirjaston aukiolo",),
            "Kirjasto on auki ma–pe 10–18.",
            group="library",
        ),
        *(doc for doc in DOCS if doc.municipality != "karvia"),
    ]
    index = FaqIndex(docs, analyzer=analyzer)
    assert index.decide("när är biblioteket öppet", "karvia", "sv", BANDS).best.key == "library-sv"
    # Linked or not, the Finnish message gets the Finnish entry.
    assert index.decide("milloin kirjasto on auki", "karvia", "sv", BANDS).best.key == "library"


# -- small talk -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("moi", "greeting"),
        ("hyvää huomenta!", "greeting"),
        ("kiitti tosi paljon", "thanks"),
        ("kiitos avusta, hyvää viikonloppua", "goodbye"),
        ("selvä", "acknowledgement"),
        ("hejsan", "greeting"),
        ("tusen tack för hjälpen", "thanks"),
        ("hello there", "greeting"),
        ("thank you so much", "thanks"),
        ("okay, goodbye", "goodbye"),
    ],
)
def test_it_replies_to_small_talk(index, text, kind):
    decision = index.decide(text, "karvia", "fi", BANDS)
    assert (decision.outcome, decision.reason) == ("reply", kind)
    assert decision.candidates == ()


@pytest.mark.parametrize(
    "text",
    [
        "kiitos, milloin kirjasto on auki?",
        "hei, miten haen rakennuslupaa",
        "thanks, and how do I apply for daycare",
        "hej, hur beställer jag tömning av soptunnan",
    ],
)
def test_it_answers_a_question_that_comes_with_a_greeting(index, text):
    assert index.decide(text, "karvia", "fi", BANDS).outcome != "reply"


def test_it_takes_thanks_with_a_request_for_a_person_as_that_request(index):
    decision = index.decide("asiakaspalvelija kiitos", "karvia", "fi", BANDS)
    assert (decision.outcome, decision.reason) == ("handoff", "person_requested")


# -- the decision bands -----------------------------------------------------------------------


def test_it_answers_the_exact_question(index):
    decision = index.decide("Miten haen rakennuslupaa?", "karvia", "fi", BANDS)
    assert (decision.outcome, decision.reason) == ("answer", "confident")
    assert decision.best.key == "building-permit"
    assert decision.best.confidence >= BANDS.answer


@pytest.mark.parametrize(
    "text",
    [
        "paljonko kello on nyt tokiossa",
        "mikä on kuun etäisyys maasta",
        "asdfgh",
        # Only the stop word "kuka" matches an entry ("Kuka hoitaa ... lumityöt?").
        "kuka voitti jääkiekon maailmanmestaruuden",
    ],
)
def test_it_hands_off_an_unrelated_message(index, text):
    decision = index.decide(text, "karvia", "fi", BANDS)
    assert decision.outcome == "handoff"
    assert decision.reason in ("low_confidence", "empty")


def test_it_places_each_confidence_in_its_band(index):
    decision = index.decide("miten haen lupaa", "karvia", "fi", BANDS)
    confidence = decision.best.confidence
    assert 0.0 < confidence <= 1.0

    def outcome(answer: float, suggest: float) -> str:
        return index.decide("miten haen lupaa", "karvia", "fi", Thresholds(answer, suggest))

    assert outcome(confidence, 0.0).outcome == "answer"
    unsure = outcome(confidence + 1e-6, confidence)
    assert (unsure.outcome, unsure.reason) == ("suggest", "unsure")
    low = outcome(1.1, confidence + 1e-6)
    assert (low.outcome, low.reason) == ("handoff", "low_confidence")


def test_it_suggests_up_to_three_candidates_best_first(index):
    never_answer = Thresholds(answer=1.1, suggest=0.0)
    decision = index.decide("miten haen rakennuslupaa", "karvia", "fi", never_answer)
    assert decision.outcome == "suggest"
    assert decision.best.key == "building-permit"
    assert 1 <= len(decision.candidates) <= 3
    assert len(set(keys(decision))) == len(decision.candidates)
    assert all(0.0 <= c.confidence <= 1.0 for c in decision.candidates)


def test_it_hands_off_when_nothing_matches(index):
    decision = index.decide("zzzz qqqq", "karvia", "fi", BANDS)
    assert decision.outcome == "handoff"
    assert decision.best is None or decision.best.confidence < BANDS.suggest


# -- municipality scoping -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Milloin Pomarkun kirjasto on auki?",
        "pomarkun kirjaston aukiolo",
        "uimahallin aukiolo",
        "kirjasto",
        "uimahalli",
    ],
)
def test_it_never_offers_another_municipalitys_entry(index, text):
    for thresholds in (BANDS, Thresholds(answer=1.1, suggest=0.0), Thresholds(0.0, 0.0)):
        decision = index.decide(text, "karvia", "fi", thresholds)
        assert all(OWNERS[key] in (None, "karvia") for key in keys(decision))


def test_it_offers_shared_entries_to_every_municipality(index):
    for municipality in ("karvia", "pomarkku", "siikainen"):
        decision = index.decide("miten haen rakennuslupaa", municipality, "fi", BANDS)
        assert decision.outcome == "answer"
        assert decision.best.key == "building-permit"


def test_it_offers_a_municipality_without_entries_only_the_shared_ones(index):
    assert "honkajoki" not in OWNERS.values()
    for text in ("kirjasto", "uimahallin aukiolo", "miten haen rakennuslupaa"):
        decision = index.decide(text, "honkajoki", "fi", Thresholds(0.0, 0.0))
        assert all(OWNERS[key] is None for key in keys(decision))
    decision = index.decide("miten haen rakennuslupaa", "honkajoki", "fi", BANDS)
    assert decision.best.key == "building-permit"


def test_it_answers_each_municipality_from_its_own_entry(index):
    for municipality in ("karvia", "pomarkku"):
        decision = index.decide("kirjaston aukiolo", municipality, "fi", BANDS)
        assert decision.best.key == f"{municipality}-library"


def test_it_hands_off_a_service_only_another_municipality_has(index):
    decision = index.decide("uimahallin aukiolo", "karvia", "fi", BANDS)
    assert (decision.outcome, decision.reason) == ("handoff", "other_municipality")


def test_it_hands_off_a_question_about_another_named_municipalitys_service(index):
    # Karvia has a library entry of its own, but the resident asks about Pomarkku's.
    decision = index.decide("pomarkun kirjaston aukioloajat", "karvia", "fi", BANDS)
    assert (decision.outcome, decision.reason) == ("handoff", "other_municipality")
    decision = index.decide("kirjaston aukioloajat", "karvia", "fi", BANDS)
    assert (decision.outcome, decision.best.key) == ("answer", "karvia-library")


def test_it_keeps_the_faqs_analyses_but_only_a_few_messages(analyzer):
    built = analysis._faq_words.cache_info()
    index = FaqIndex(DOCS, analyzer=analyzer)
    rebuilt = analysis._faq_words.cache_info()
    # A second build of the same FAQ reads every text from the cache.
    assert FaqIndex(DOCS, analyzer=analyzer)
    assert analysis._faq_words.cache_info().currsize == rebuilt.currsize
    assert analysis._faq_words.cache_info().hits - rebuilt.hits >= len(DOCS)
    assert rebuilt.currsize >= built.currsize
    for number in range(analysis.MESSAGE_CACHE + 50):
        index.decide(f"kirjaston aukiolo {number}", "karvia", "fi", BANDS)
    # Messages are not kept with the FAQ's texts, and only the latest few are kept at all.
    assert analysis._faq_words.cache_info().currsize == rebuilt.currsize
    assert analysis._message_words.cache_info().currsize <= analysis.MESSAGE_CACHE


def test_it_keeps_a_question_that_only_another_municipalitys_version_of_its_entry_words(index):
    # Only Pomarkku's library entry names the reading room, but Karvia has a library entry
    # asking the same, its name aside: the reading room is no other municipality's service.
    decision = index.decide("lehtilukusalin aukiolo", "karvia", "fi", BANDS)
    assert decision.reason != "other_municipality"
    assert decision.best.key == "karvia-library"


def test_it_knows_a_version_of_an_entry_worded_otherwise(analyzer):
    docs = [
        FaqDoc(
            "siikainen-appointment",
            "siikainen",
            "fi",
            "Miten varaan ajan terveysasemalle?",
            ("ajanvaraus terveysasemalle",),
            "Soita terveysasemalle arkisin 8–10.",
        ),
        FaqDoc(
            "honkajoki-appointment",
            "honkajoki",
            "fi",
            "Miten varaan ajan terveyskeskukseen?",
            ("verikokeen ajanvaraus",),
            "Varaa aika terveyskeskuksesta arkisin.",
        ),
        FaqDoc(
            "honkajoki-swimming",
            "honkajoki",
            "fi",
            "Milloin uimahalli on auki?",
            ("uimahallin aukiolo",),
            "Uimahalli on auki ti–su.",
        ),
    ]
    index = FaqIndex(docs, analyzer=analyzer)
    # Not the same words, but the same question (sentence vectors): Siikainen has it.
    decision = index.decide("verikokeen ajanvaraus", "siikainen", "fi", BANDS)
    assert decision.reason != "other_municipality"
    assert decision.best.key == "siikainen-appointment"
    # A swimming hall it has not.
    decision = index.decide("uimahallin aukiolo", "siikainen", "fi", BANDS)
    assert (decision.outcome, decision.reason) == ("handoff", "other_municipality")


# -- requests for a person ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "page"),
    [
        # Finnish: polite, short, angry, spoken, call-back
        ("voisinko jutella asiakaspalvelijan kanssa", "fi"),
        ("saanko puhelun virkailijalta", "fi"),
        ("ihminen tänne heti", "fi"),
        ("tää botti on ihan turha, anna mulle oikea ihminen!!", "fi"),
        ("soittakaa minulle takaisin", "fi"),
        # Swedish
        ("Kan jag få prata med en handläggare, tack?", "sv"),
        ("Den här boten är värdelös, jag vill prata med en människa!", "sv"),
        # English
        ("Could I please speak to a real person?", "en"),
        ("this stupid bot is useless, get me a human now", "en"),
        ("please call me back", "en"),
        # In another language than the page
        ("I want to talk to a human", "fi"),
    ],
)
def test_it_hands_off_a_request_for_a_person(index, text, page):
    decision = index.decide(text, "karvia", page, BANDS)
    assert (decision.outcome, decision.reason) == ("handoff", "person_requested")


@pytest.mark.parametrize(
    ("text", "page", "topic"),
    [
        ("saisinko jutella virkailijan kanssa rakennusluvasta", "fi", "building-permit"),
        ("jag vill tala med någon om mitt bygglov", "sv", "building-permit"),
        ("I need to talk to someone about my building permit", "en", "building-permit"),
    ],
)
def test_it_hands_off_a_request_for_a_person_even_with_a_topic(index, text, page, topic):
    decision = index.decide(text, "karvia", page, Thresholds(0.0, 0.0))
    # The topic matches an entry, and would be answered at any threshold, but the resident
    # asked for a person.
    assert topic in keys(decision)
    assert (decision.outcome, decision.reason) == ("handoff", "person_requested")


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("asiakaspalvelun aukioloajat", "fi"),
        ("milloin asiakaspalvelu on auki", "fi"),
        ("kuka hoitaa lumityöt", "fi"),
        ("miten haen rakennuslupaa", "fi"),
        ("what are the opening hours of customer service", "en"),
        ("hur beställer jag tömning", "sv"),
    ],
)
def test_it_does_not_take_a_question_for_a_request_for_a_person(index, text, page):
    assert index.decide(text, "karvia", page, BANDS).reason != "person_requested"


def test_it_hands_off_an_empty_message(index):
    decision = index.decide("?!", "karvia", "fi", BANDS)
    assert decision.outcome == "handoff"
