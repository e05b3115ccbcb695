"""Shared fixtures: the municipalities, FAQ entries and people the tests talk about.

Karvia and Pomarkku are the two municipalities; each has its own entries and both see the
shared ones. Charlie-style isolation: nothing of Pomarkku may ever show in Karvia's chat.

People: a resident (a socket, tests/sockets.py), Aino (an agent of Karvia), Pekka (an agent
of Pomarkku) and Olli (a user who is not an agent).
"""

from __future__ import annotations

import os

import pytest

from chat.models import AgentProfile
from faqbot import live_index
from faqbot.analysis import Analyzer
from faqbot.models import FaqEntry, Municipality

AGENT_PASSWORD = "kuntachat-test-Salasana-7"

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


def make_agent(
    username: str,
    municipalities: list[Municipality],
    *,
    display_name: str = "",
    status: str = AgentProfile.Status.ONLINE,
    capacity: int = 3,
) -> AgentProfile:
    """An agent, online and (as far as the database knows) connected: available at once."""
    from django.contrib.auth.models import User

    user = User.objects.create_user(username, password=AGENT_PASSWORD)
    agent = AgentProfile.objects.create(
        user=user,
        display_name=display_name or username.capitalize(),
        status=status,
        capacity=capacity,
    )
    agent.municipalities.set(municipalities)
    return agent


@pytest.fixture
def karvia_agent(karvia: Municipality) -> AgentProfile:
    """Aino, an agent of Karvia."""
    return make_agent("aino", [karvia])


@pytest.fixture
def pomarkku_agent(pomarkku: Municipality) -> AgentProfile:
    """Pekka, an agent of Pomarkku."""
    return make_agent("pekka", [pomarkku])


@pytest.fixture
def outsider(db):
    """Olli, a user who is not an agent."""
    from django.contrib.auth.models import User

    return User.objects.create_user("olli", password=AGENT_PASSWORD)
