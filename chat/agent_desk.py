"""What an agent's socket reads and writes, as plain functions the consumer calls.

Each function checks the agent's right to what it touches (chat.access) and returns
protocol frames or raises `Refusal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chat import agent_protocol
from chat.access import Refusal, lock_own, lock_visible, municipality_ids, visible_conversations
from chat.contact_requests import open_requests, request_item
from chat.messages import append_message, messages_after
from chat.models import AgentProfile, Conversation, Message
from chat.queueing import queued
from chat.summaries import message_frames, summaries
from faqbot.models import Municipality
from faqbot.rendering import render_markdown


@dataclass(frozen=True)
class Agent:
    """The agent behind a socket, as read when it connected."""

    id: int
    municipality_ids: tuple[int, ...]


@dataclass(frozen=True)
class Snapshot:
    """What the agent's socket compares after an `agent.changed` event."""

    status: str
    assigned: frozenset[int]
    offer: int | None


def agent_for(user: AbstractBaseUser | AnonymousUser) -> Agent | None:
    if not user.is_authenticated:
        return None
    profile = AgentProfile.objects.filter(user_id=user.pk).first()
    if profile is None:
        return None
    return Agent(profile.pk, tuple(municipality_ids(profile.pk)))


def snapshot(agent_id: int) -> Snapshot:
    status = AgentProfile.objects.filter(pk=agent_id).values_list("status", flat=True).first()
    assigned = Conversation.objects.filter(
        assigned_agent_id=agent_id, state=Conversation.State.ASSIGNED
    ).values_list("pk", flat=True)
    offer = (
        Conversation.objects.filter(offered_to_id=agent_id, state=Conversation.State.QUEUED)
        .values_list("pk", flat=True)
        .first()
    )
    return Snapshot(status or AgentProfile.Status.OFFLINE, frozenset(assigned), offer)


def colleagues(agent: Agent) -> list[dict[str, Any]]:
    """The other agents who serve any of this agent's municipalities: whom to transfer to."""
    rows = (
        AgentProfile.objects.filter(municipalities__in=agent.municipality_ids)
        .exclude(pk=agent.id)
        .distinct()
        .prefetch_related("municipalities")
        .order_by("display_name", "pk")
    )
    return [
        {
            "id": row.pk,
            "display_name": row.display_name,
            # What matters for a transfer: online with a live socket.
            "status": row.status if row.disconnected_at is None else AgentProfile.Status.OFFLINE,
            "municipalities": [m.slug for m in row.municipalities.all()],
        }
        for row in rows
    ]


def queue_summaries(agent: Agent) -> list[dict[str, Any]]:
    return summaries(queued(list(agent.municipality_ids)))


def mine_summaries(agent_id: int) -> list[dict[str, Any]]:
    return summaries(
        Conversation.objects.filter(
            assigned_agent_id=agent_id, state=Conversation.State.ASSIGNED
        ).order_by("assigned_at", "pk")
    )


def contact_request_items(agent: Agent) -> list[dict[str, Any]]:
    return [request_item(r) for r in open_requests(list(agent.municipality_ids))]


def hello(agent: Agent) -> dict[str, Any]:
    profile = AgentProfile.objects.get(pk=agent.id)
    municipalities = list(
        Municipality.objects.filter(pk__in=agent.municipality_ids)
        .order_by("name")
        .values_list("slug", "name")
    )
    frame = agent_protocol.hello(
        agent_protocol.agent_info(profile, municipalities),
        queue_summaries(agent),
        mine_summaries(agent.id),
        contact_request_items(agent),
    )
    frame["agents"] = colleagues(agent)
    return frame


def summary_of(agent_id: int, conversation_id: int) -> dict[str, Any]:
    found = summaries(visible_conversations(agent_id).filter(pk=conversation_id))
    if not found:
        raise Refusal("not_found")
    return found[0]


def transcript(agent_id: int, conversation_id: int, after: int) -> tuple[dict[str, Any], int]:
    """The `conversation` frame (its summary and the messages after `after`, internal notes
    included) and the last seq in it."""
    summary = summary_of(agent_id, conversation_id)
    messages = messages_after(conversation_id, after, internal=True)
    last = messages[-1].seq if messages else after
    return agent_protocol.conversation(
        summary, message_frames(conversation_id, messages, agent_id)
    ), last


@dataclass(frozen=True)
class Delta:
    """What changed in a followed conversation since the socket's last seq."""

    visible: bool
    messages: list[dict[str, Any]]
    last_seq: int
    state: str
    assigned_to: dict[str, Any] | None


def delta(agent_id: int, conversation_id: int, after: int) -> Delta:
    conversation = (
        visible_conversations(agent_id)
        .filter(pk=conversation_id)
        .select_related("assigned_agent")
        .first()
    )
    if conversation is None:
        # Transferred away to a municipality the agent does not serve: no more of it.
        state = (
            Conversation.objects.filter(pk=conversation_id).values_list("state", flat=True).first()
        )
        return Delta(False, [], after, state or Conversation.State.CLOSED, None)
    messages = messages_after(conversation_id, after, internal=True)
    agent = conversation.assigned_agent
    assigned_to = (
        {"id": agent.pk, "display_name": agent.display_name}
        if agent is not None and conversation.state == Conversation.State.ASSIGNED
        else None
    )
    return Delta(
        True,
        message_frames(conversation_id, messages, agent_id),
        messages[-1].seq if messages else after,
        conversation.state,
        assigned_to,
    )


def say(agent_id: int, conversation_id: int, client_id: str, text: str) -> tuple[Message, bool]:
    """An agent's message to the resident: only in a conversation assigned to them. Stored
    once per client_id; the first one marks the conversation's first agent reply."""
    with transaction.atomic():
        conversation = lock_own(agent_id, conversation_id)
        message, created = append_message(
            conversation_id,
            Message.Sender.AGENT,
            text,
            client_id=client_id,
            client_scope=f"agent:{agent_id}",
            html=render_markdown(text),
            agent_id=agent_id,
        )
        if created and conversation.first_agent_reply_at is None:
            Conversation.objects.filter(pk=conversation_id).update(
                first_agent_reply_at=timezone.now()
            )
    return message, created


def note(agent_id: int, conversation_id: int, client_id: str, text: str) -> tuple[Message, bool]:
    """An internal note, in any conversation the agent may see (also a closed one, e.g.
    about the call-back of a contact request). Residents never see notes."""
    with transaction.atomic():
        lock_visible(agent_id, conversation_id)
        return append_message(
            conversation_id,
            Message.Sender.AGENT,
            text,
            client_id=client_id,
            client_scope=f"agent:{agent_id}",
            html=render_markdown(text),
            agent_id=agent_id,
            internal=True,
        )


def stored_frame(agent_id: int, message: Message) -> dict[str, Any]:
    message = Message.objects.select_related("agent").get(pk=message.pk)
    return message_frames(message.conversation_id, [message], agent_id)[0]


def typing_allowed(agent_id: int, conversation_id: int) -> bool:
    """Agents type only into their own conversations."""
    return Conversation.objects.filter(
        pk=conversation_id, assigned_agent_id=agent_id, state=Conversation.State.ASSIGNED
    ).exists()


def municipality_for_search(agent: Agent, slug: str) -> Municipality:
    """FAQ search within a municipality the agent serves, or one whose conversation is
    assigned to them."""
    found = (
        Municipality.objects.filter(slug=slug)
        .filter(
            Q(pk__in=agent.municipality_ids)
            | Q(
                served_conversations__assigned_agent_id=agent.id,
                served_conversations__state=Conversation.State.ASSIGNED,
            )
        )
        .distinct()
        .first()
    )
    if found is None:
        raise Refusal("not_found")
    return found
