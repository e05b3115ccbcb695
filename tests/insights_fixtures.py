"""A small, hand-countable service history for the insights tests (issue 6).

Fixed Helsinki timestamps, 2–4 March 2026; the expected figures are worked out in
tests/test_insights_analytics.py. People: Aino (Karvia's agent), Pekka (Pomarkku's), and
three staff users: Essi, a superuser; Sami, staff; Olli, not staff.

    Karvia, 2 March
      c1  bot answers (library), resident: helpful
      c2  bot answers (library), resident: not helpful
      c3  handed off, queued 10:00, assigned 10:02, first reply 10:03, closed, rated 5
      c4  handed off, queued 11:00, assigned 11:10, first reply 11:12, closed, rated 3
      c5  handed off, queued 12:00, abandoned
      c6  handed off at closed hours: contact form offered, contact request left
      c7  opened, nothing written (not counted)
    Karvia, 3 March
      c8  suggestions, the resident chooses one (waste): answered
      c9  suggestions, none chosen
    Pomarkku, 3 March
      c10 handed off, queued 9:00, assigned 9:05, first reply 9:06, closed, rated 4
      c11 bot answers (Pomarkku's library)
    Karvia, 5 March (outside the period)
      c12 bot answers (library)
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from chat.models import AgentProfile, ContactRequest, Conversation, Feedback, Message, Rating
from faqbot.models import FaqEntry, Municipality
from insights import unanswered_log

HELSINKI = ZoneInfo("Europe/Helsinki")
PERIOD = {"start": "2026-03-02", "end": "2026-03-04"}
STAFF_PASSWORD = "kuntachat-test-Salasana-7"

HANDOFF_TEXT = "Sorry, I did not find a reliable answer to that."


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=HELSINKI)


class History:
    """Builds conversations with messages at fixed times."""

    def __init__(self, agents: dict[str, AgentProfile]) -> None:
        self.agents = agents
        self.conversations: dict[str, Conversation] = {}
        self.messages: dict[str, Message] = {}

    def conversation(
        self,
        name: str,
        municipality: Municipality,
        start: datetime.datetime,
        **fields: object,
    ) -> Conversation:
        conversation = Conversation.objects.create(
            municipality=municipality, language="fi", token_hash=f"hash-{name}", **fields
        )
        Conversation.objects.filter(pk=conversation.pk).update(created=start)
        self.conversations[name] = conversation
        return conversation

    def say(
        self,
        name: str,
        conversation: Conversation,
        sender: str,
        text: str,
        when: datetime.datetime,
        **fields: object,
    ) -> Message:
        seq = conversation.last_seq + 1
        message = Message.objects.create(
            conversation=conversation, seq=seq, sender=sender, text=text, **fields
        )
        Message.objects.filter(pk=message.pk).update(created=when)
        conversation.last_seq = seq
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=seq)
        self.messages[name] = message
        if sender == "bot":
            # As chat.bot_reply records each reply.
            unanswered_log.record_reply(message)
        return message

    def handed_off(
        self,
        name: str,
        municipality: Municipality,
        question: str,
        start: datetime.datetime,
        **fields: object,
    ) -> Conversation:
        c = self.conversation(name, municipality, start, handoff_reason="low_confidence", **fields)
        self.say(f"{name}-q", c, "resident", question, start)
        self.say(f"{name}-bot", c, "bot", HANDOFF_TEXT, start, confidence=0.1)
        return c

    def answered(
        self,
        name: str,
        municipality: Municipality,
        question: str,
        entry: FaqEntry,
        start: datetime.datetime,
        helpful: bool | None = None,
    ) -> Conversation:
        c = self.conversation(name, municipality, start)
        self.say(f"{name}-q", c, "resident", question, start)
        answer = self.say(
            f"{name}-bot", c, "bot", entry.answer, start, faq_entry=entry, confidence=0.9
        )
        if helpful is not None:
            unanswered_log.record_feedback(Feedback.objects.create(message=answer, helpful=helpful))
        return c


@pytest.fixture
def history(faq, karvia, pomarkku, karvia_agent, pomarkku_agent) -> History:
    h = History({"karvia": karvia_agent, "pomarkku": pomarkku_agent})
    library, waste = faq["karvia-library"], faq["waste"]
    h.answered("c1", karvia, "Milloin kirjasto on auki?", library, at(2, 9), helpful=True)
    h.answered("c2", karvia, "Milloin kirjasto aukeaa?", library, at(2, 9, 30), helpful=False)
    h.handed_off(
        "c3",
        karvia,
        "Miten haen rakennuslupaa?",
        at(2, 10),
        state=Conversation.State.CLOSED,
        queued_at=at(2, 10),
        assigned_at=at(2, 10, 2),
        first_agent_reply_at=at(2, 10, 3),
        closed_at=at(2, 10, 20),
        assigned_agent=karvia_agent,
    )
    h.handed_off(
        "c4",
        karvia,
        "Rakennusluvan hakeminen",
        at(2, 11),
        state=Conversation.State.CLOSED,
        queued_at=at(2, 11),
        assigned_at=at(2, 11, 10),
        first_agent_reply_at=at(2, 11, 12),
        closed_at=at(2, 11, 30),
        assigned_agent=karvia_agent,
    )
    h.handed_off(
        "c5",
        karvia,
        "Mistä saa kalastusluvan?",
        at(2, 12),
        state=Conversation.State.ABANDONED,
        queued_at=at(2, 12),
        closed_at=at(2, 12, 10),
    )
    c6 = h.handed_off(
        "c6", karvia, "Rakennusluvan hakemus", at(2, 20), contact_offered_at=at(2, 20)
    )
    request = ContactRequest.objects.create(
        municipality=karvia, conversation=c6, language="fi", name="Resident", message="Soita"
    )
    ContactRequest.objects.filter(pk=request.pk).update(created=at(2, 20, 5))
    h.conversation("c7", karvia, at(2, 21))
    c8 = h.conversation("c8", karvia, at(3, 9))
    h.say("c8-q", c8, "resident", "biojäte", at(3, 9))
    suggestions = [{"id": waste.key, "question": waste.question}]
    h.say("c8-bot", c8, "bot", "Did you mean?", at(3, 9), suggestions=suggestions)
    h.say("c8-choice", c8, "resident", waste.question, at(3, 9, 1))
    h.say("c8-answer", c8, "bot", waste.answer, at(3, 9, 1), faq_entry=waste, confidence=1.0)
    c9 = h.conversation("c9", karvia, at(3, 10))
    h.say("c9-q", c9, "resident", "Onko kirjastossa tulostinta?", at(3, 10))
    h.say("c9-bot", c9, "bot", "Did you mean?", at(3, 10), suggestions=suggestions)
    h.say("c9-next", c9, "resident", "ei kumpikaan", at(3, 10, 1))
    h.handed_off(
        "c10",
        pomarkku,
        "Miten haen rakennuslupaa?",
        at(3, 9),
        state=Conversation.State.CLOSED,
        queued_at=at(3, 9),
        assigned_at=at(3, 9, 5),
        first_agent_reply_at=at(3, 9, 6),
        closed_at=at(3, 9, 30),
        assigned_agent=pomarkku_agent,
    )
    h.answered("c11", pomarkku, "Pomarkun kirjasto auki?", faq["pomarkku-library"], at(3, 12))
    h.answered("c12", karvia, "kirjasto auki", library, at(5, 9))
    for name, score in (("c3", 5), ("c4", 3), ("c10", 4)):
        Rating.objects.create(conversation=h.conversations[name], score=score)
    return h


def make_staff(username: str, *, superuser: bool = False, staff: bool = True):
    from django.contrib.auth.models import User

    return User.objects.create_user(
        username, password=STAFF_PASSWORD, is_staff=staff, is_superuser=superuser
    )


@pytest.fixture
def essi(db):
    """Essi, a superuser."""
    return make_staff("essi", superuser=True)


@pytest.fixture
def sami(db):
    """Sami, staff without municipal limits."""
    return make_staff("sami")


@pytest.fixture
def olli_user(db):
    """Olli, logged in but not staff."""
    return make_staff("olli-user", staff=False)


@pytest.fixture
def admin_client(client, essi):
    client.force_login(essi)
    return client
