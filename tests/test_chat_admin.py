"""Staff see in admin what the bot considered, why it handed over, and residents' feedback."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from chat.bot_reply import store_bot_reply
from chat.conversations import start_conversation
from chat.feedback import record_feedback
from chat.messages import append_message
from faqbot.matching import Candidate, Decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    User.objects.create_superuser("alice", "alice@example.fi", "pw-alice-123")
    client.login(username="alice", password="pw-alice-123")
    return client


def test_it_shows_candidates_hand_off_and_feedback(admin_client, faq, karvia, karvia_agent):
    conversation, _token = start_conversation(karvia, "fi")
    append_message(conversation.pk, "resident", "haluan ihmisen")
    decision = Decision("handoff", (Candidate("karvia-library", 0.4321),), "person_requested", "fi")
    reply = store_bot_reply(conversation, decision)
    assert record_feedback(conversation.pk, reply.seq, False) is not None

    page = admin_client.get(f"/admin/chat/conversation/{conversation.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "karvia-library" in html
    assert "0.4321" in html
    assert "asukas pyysi ihmistä" in html or "the resident asked for a person" in html

    listing = admin_client.get("/admin/chat/feedback/")
    assert listing.status_code == 200
    assert f"{conversation.pk}:{reply.seq}" in listing.content.decode()
    assert (
        admin_client.get("/admin/chat/conversation/?handoff_reason=person_requested").status_code
        == 200
    )
