"""What agents see of conversations: summaries for the queue, and transcript frames.

Each list is built in a fixed number of queries, however many conversations or messages it
holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.utils import timezone

from chat.models import Conversation, Message
from faqbot.models import FaqEntry, Municipality


def _municipality(municipality: Municipality) -> dict[str, str]:
    return {"slug": municipality.slug, "name": municipality.name}


def _questions(keys: Iterable[str]) -> dict[str, str]:
    keys = set(keys)
    if not keys:
        return {}
    return dict(FaqEntry.objects.filter(key__in=keys).values_list("key", "question"))


def with_summary_fields(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    first_message = (
        Message.objects.filter(
            conversation=OuterRef("pk"), sender=Message.Sender.RESIDENT, internal=False
        )
        .order_by("seq")
        .values("text")[:1]
    )
    # What the bot considered last time it spoke with candidates: its best guesses.
    guesses = (
        Message.objects.filter(conversation=OuterRef("pk"), sender=Message.Sender.BOT)
        .exclude(candidates=[])
        .order_by("-seq")
        .values("candidates")[:1]
    )
    return conversations.select_related(
        "municipality", "service_municipality", "assigned_agent"
    ).annotate(
        first_message=Subquery(first_message),
        guesses=Subquery(guesses, output_field=JSONField()),
    )


def summaries(conversations: QuerySet[Conversation]) -> list[dict[str, Any]]:
    rows = list(with_summary_fields(conversations))
    questions = _questions(
        c["id"] for row in rows for c in (row.guesses or []) if isinstance(c, dict) and "id" in c
    )
    now = timezone.now()
    return [summary(row, questions, now) for row in rows]


def summary(conversation: Conversation, questions: dict[str, str], now: Any) -> dict[str, Any]:
    """One conversation as the agent protocol's summary (docs/protocol.md)."""
    waited = None
    if conversation.queued_at is not None:
        until = conversation.assigned_at if conversation.assigned_at else now
        if conversation.state in (Conversation.State.QUEUED, Conversation.State.ASSIGNED):
            waited = max(0, int((until - conversation.queued_at).total_seconds()))
    agent = conversation.assigned_agent
    return {
        "id": conversation.pk,
        "municipality": _municipality(conversation.service_municipality),
        "started_in": _municipality(conversation.municipality),
        "language": conversation.language,
        "state": conversation.state,
        "handoff_reason": conversation.handoff_reason,
        "queued_at": conversation.queued_at.isoformat() if conversation.queued_at else None,
        "waited_s": waited,
        "first_message": getattr(conversation, "first_message", None) or "",
        "bot_guesses": [
            {
                "id": c["id"],
                "question": questions.get(c["id"], ""),
                "confidence": c.get("confidence"),
            }
            for c in (getattr(conversation, "guesses", None) or [])[:3]
            if isinstance(c, dict) and "id" in c
        ],
        "assigned_to": (
            {"id": agent.pk, "display_name": agent.display_name}
            if agent is not None and conversation.state == Conversation.State.ASSIGNED
            else None
        ),
        "offered_to": conversation.offered_to_id,
        "last_seq": conversation.last_seq,
    }


def message_frames(
    conversation_id: int, messages: list[Message], viewer_id: int
) -> list[dict[str, Any]]:
    """The agent socket's `message` frames, with the questions of the entries the bot
    considered. `client_id` only on the viewer's own messages and the resident's."""
    questions = _questions(
        c["id"] for m in messages for c in m.candidates if isinstance(c, dict) and "id" in c
    )
    frames = []
    for message in messages:
        own = message.sender == Message.Sender.RESIDENT or message.agent_id == viewer_id
        frames.append(
            {
                "type": "message",
                "conversation": conversation_id,
                "seq": message.seq,
                "sender": message.sender,
                "text": message.text,
                "html": "" if message.sender == Message.Sender.RESIDENT else message.html,
                "internal": message.internal,
                "agent": (
                    {"id": message.agent.pk, "display_name": message.agent.display_name}
                    if message.agent is not None
                    else None
                ),
                "client_id": message.client_id if own else None,
                "candidates": [
                    {
                        "id": c["id"],
                        "question": questions.get(c["id"], ""),
                        "confidence": c.get("confidence"),
                    }
                    for c in message.candidates
                    if isinstance(c, dict) and "id" in c
                ],
                "suggestions": message.suggestions,
                "created": message.created.isoformat(),
            }
        )
    return frames
