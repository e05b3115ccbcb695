"""Shared fixtures: the municipalities, FAQ entries and people the tests talk about.

Karvia and Pomarkku are the two municipalities; each has its own entries and both see the
shared ones. Charlie-style isolation: nothing of Pomarkku may ever show in Karvia's chat.
"""

from __future__ import annotations

import os

import pytest

from faqbot import live_index
from faqbot.analysis import Analyzer
from faqbot.models import FaqEntry, Municipality

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, what: str) -> None:
    """Skip locally when a service is missing; in CI a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The process's one Analyzer: loading spaCy takes a second, so every test shares it."""
    return live_index.analyzer()


@pytest.fixture(autouse=True)
def _fresh_faq_index():
    # Tests roll back FAQ revisions, so a number can come back with other content.
    live_index.reset_cache()
    yield
    live_index.reset_cache()


@pytest.fixture
def karvia(db) -> Municipality:
    return Municipality.objects.create(
        slug="karvia",
        name="Karvia",
        languages=["fi", "sv", "en"],
        allowed_origins=["https://www.karvia.fi"],
        greeting_fi="Hei! Olen Karvian chat.",
        greeting_sv="Hej! Jag är Karvias chatt.",
        greeting_en="Hello! This is Karvia's chat.",
    )


@pytest.fixture
def pomarkku(db) -> Municipality:
    return Municipality.objects.create(
        slug="pomarkku",
        name="Pomarkku",
        name_sv="Påmark",
        languages=["fi", "sv"],
        allowed_origins=["https://www.pomarkku.fi"],
    )


@pytest.fixture
def faq(karvia: Municipality, pomarkku: Municipality) -> dict[str, FaqEntry]:
    def entry(key: str, municipality: Municipality | None, language: str, **fields) -> FaqEntry:
        return FaqEntry.objects.create(
            key=key, municipality=municipality, language=language, **fields
        )

    return {
        "karvia-library": entry(
            "karvia-library",
            karvia,
            "fi",
            category="Kirjasto",
            question="Milloin Karvian kirjasto on auki?",
            alternatives=["kirjaston aukioloajat"],
            answer="Kirjasto on auki **ma–pe 10–18**.",
        ),
        "pomarkku-library": entry(
            "pomarkku-library",
            pomarkku,
            "fi",
            category="Kirjasto",
            question="Milloin Pomarkun kirjasto on auki?",
            alternatives=["kirjaston aukioloajat"],
            answer="Pomarkun kirjasto on auki ti–to 12–19.",
        ),
        "waste": entry(
            "waste",
            None,
            "fi",
            category="Jätehuolto",
            question="Miten lajittelen jätteet?",
            alternatives=["biojätteen lajittelu"],
            answer="Lajittele bio-, kartonki-, lasi-, metalli- ja sekajäte. "
            "[Ohjeet](https://example.fi/jate)",
        ),
        "waste-sv": entry(
            "waste-sv",
            None,
            "sv",
            category="Avfall",
            question="Hur sorterar jag avfall?",
            alternatives=["sortering av bioavfall"],
            answer="Sortera bio-, kartong-, glas-, metall- och blandavfall.",
        ),
    }


def set_thresholds(
    municipality: Municipality, answer: float | None, suggest: float | None
) -> Municipality:
    """Set a municipality's bot thresholds as admin would (validated); None = the default."""
    municipality.answer_threshold = answer
    municipality.suggest_threshold = suggest
    municipality.full_clean()
    municipality.save()
    return municipality


@pytest.fixture
def karvia_always_unsure(karvia: Municipality) -> Municipality:
    """Karvia's bot answers nothing by itself, but suggests whatever it finds."""
    return set_thresholds(karvia, 1.0, 0.0)
