"""Every change of a conversation's state, in one place.

    bot ──hand-off──> queued ──accept──> assigned ──close──> closed
     │ (closed hours,   │  ^                │  │
     │  nobody online:  │  └──transfer to a municipality, agent gone (grace)
     │  stays bot, the  │                   └──transfer to an agent──> assigned
     │  contact form    └──resident gone──> abandoned
     │  is offered)

Each transition locks the conversation's row (then, where it needs one, the agent's: always
in that order, so that two transactions never wait for each other), checks that it still
applies, stores the new state and a system message in the resident's language, and sends
its events after the commit. Functions that an agent calls raise `Refusal` with the
protocol's error code when the agent may not do it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from chat.access import (
    ENDED_STATES,
    Refusal,
    lock,
    lock_own,
    lock_visible,
    municipality_ids,
    serves,
)
from chat.events import agent_changed_on_commit, queue_changed_on_commit
from chat.messages import append_message
from chat.models import AgentProfile, Conversation, Message
from chat.queueing import (
    available_agents,
    load_of,
    offer_next_on_commit,
    service_status,
    withdraw_offer,
)
from faqbot.models import Municipality
from faqbot.rendering import render_markdown


class Handoff(enum.StrEnum):
    QUEUED = "queued"
    UNCHANGED = "unchanged"  # not with the bot (already queued, with an agent, ended)
    CLOSED_HOURS = "closed_hours"  # outside office hours: contact form offered
    NO_AGENTS = "no_agents"  # nobody online: contact form offered


class Requeue(enum.StrEnum):
    AGENT_DISCONNECTED = "agent_disconnected"  # the grace period ran out
    AGENT_LEFT = "agent_left"  # the agent went away or offline and gave their chats back


def _announce(conversation: Conversation, text: Callable[[], str]) -> Message:
    """Store a system message in the conversation's language."""
    with override(conversation.language):
        words = text()
    message, _created = append_message(
        conversation.pk, Message.Sender.SYSTEM, words, html=render_markdown(words)
    )
    return message


def _save(conversation: Conversation, *fields: str) -> None:
    # Never last_seq: append_message owns it, and this instance's copy may be stale.
    conversation.save(update_fields=[*fields, "updated"])


# -- bot -> queued ----------------------------------------------------------------------------


def request_handoff(conversation_id: int, reason: str) -> Handoff:
    """Move the conversation from the bot to the queue and tell the resident so.

    Outside office hours, or with no available agent of the municipality, the conversation
    stays with the bot: the resident is told and offered the contact form instead.
    Idempotent: a conversation already queued, with an agent or ended stays as it is, and
    nothing is stored.
    """
    with transaction.atomic():
        # The row lock orders this against other processes handing off or assigning the
        # same conversation, so it is queued, and announced, once.
        conversation = lock(conversation_id)
        if conversation.state != Conversation.State.BOT:
            return Handoff.UNCHANGED
        status = service_status(conversation.service_municipality_id)
        if not status.available:
            conversation.contact_offered_at = timezone.now()
            _save(conversation, "contact_offered_at")
            if not status.open:
                _announce(
                    conversation,
                    lambda: _(
                        "Customer service is closed right now. Leave a contact request and "
                        "we will get back to you."
                    ),
                )
                return Handoff.CLOSED_HOURS
            _announce(
                conversation,
                lambda: _(
                    "No one from customer service is available right now. Leave a contact "
                    "request and we will get back to you."
                ),
            )
            return Handoff.NO_AGENTS
        conversation.state = Conversation.State.QUEUED
        conversation.handoff_reason = reason if reason in Conversation.HandoffReason.values else ""
        conversation.queued_at = conversation.queued_at or timezone.now()
        _save(conversation, "state", "handoff_reason", "queued_at")
        _announce(
            conversation,
            lambda: _(
                "You are now in the queue for customer service. "
                "A person will answer you here as soon as possible."
            ),
        )
        queue_changed_on_commit(conversation.service_municipality_id)
        offer_next_on_commit(conversation.service_municipality_id)
    return Handoff.QUEUED


# -- queued -> assigned -----------------------------------------------------------------------


def accept(agent_id: int, conversation_id: int) -> Conversation:
    """The agent takes a queued conversation (from the queue, or an offer made to them).

    Race-safe: the conversation's row lock makes concurrent accepts wait for each other,
    and the one that comes second finds it assigned (`already_taken`). The agent's row lock
    does the same for two accepts by one agent, so capacity holds.
    """
    with transaction.atomic():
        conversation = lock_visible(agent_id, conversation_id)
        if conversation.state in ENDED_STATES:
            raise Refusal("conversation_closed")
        if conversation.state == Conversation.State.ASSIGNED:
            if conversation.assigned_agent_id == agent_id:
                return conversation  # a resend of an accept that went through
            raise Refusal("already_taken")
        if conversation.state != Conversation.State.QUEUED:
            raise Refusal("not_queued")
        agent = AgentProfile.objects.select_for_update().get(pk=agent_id)
        if load_of(agent_id) >= agent.capacity:
            raise Refusal("at_capacity")
        # An offer to someone else is void now; withdrawing it tells them.
        withdraw_offer(conversation, declined=False)
        conversation.state = Conversation.State.ASSIGNED
        conversation.assigned_agent = agent
        conversation.assigned_at = timezone.now()
        _save(conversation, "state", "assigned_agent", "assigned_at", "offered_to", "offered_at")
        name = agent.display_name
        _announce(
            conversation,
            lambda: (
                _("%(name)s from customer service has joined the conversation.") % {"name": name}
            ),
        )
        agent_changed_on_commit(agent_id)
        queue_changed_on_commit(conversation.service_municipality_id)
    return conversation


def decline(agent_id: int, conversation_id: int) -> None:
    """The agent says no to an offer; the conversation is offered to the next agent."""
    with transaction.atomic():
        conversation = lock_visible(agent_id, conversation_id)
        if conversation.state != Conversation.State.QUEUED or conversation.offered_to_id != (
            agent_id
        ):
            raise Refusal("no_offer")
        withdraw_offer(conversation, declined=True)
        _save(conversation, "offered_to", "offered_at", "declined_by")
        queue_changed_on_commit(conversation.service_municipality_id)
        offer_next_on_commit(conversation.service_municipality_id)


# -- assigned -> queued / assigned ------------------------------------------------------------


def _back_to_queue(conversation: Conversation) -> None:
    """Queued again, with the original queued_at: the front of the queue."""
    conversation.state = Conversation.State.QUEUED
    conversation.assigned_agent = None
    conversation.assigned_at = None
    conversation.declined_by = []
    withdraw_offer(conversation, declined=False)
    _save(
        conversation,
        "state",
        "service_municipality",
        "assigned_agent",
        "assigned_at",
        "declined_by",
        "offered_to",
        "offered_at",
    )


def transfer_to_municipality(agent_id: int, conversation_id: int, slug: str) -> Conversation:
    """The agent hands the conversation to another municipality's queue (or back to their
    own). Refused with `no_agent_available` when nobody there could take it now."""
    with transaction.atomic():
        conversation = lock_own(agent_id, conversation_id)
        target = Municipality.objects.filter(slug=slug).first()
        if target is None:
            raise Refusal("not_found")
        if not service_status(target.pk).available:
            raise Refusal("no_agent_available")
        previous = conversation.service_municipality_id
        conversation.service_municipality = target
        _back_to_queue(conversation)
        name = target.display_name(conversation.language)
        _announce(
            conversation,
            lambda: (
                _(
                    "Your conversation was transferred to the customer service of "
                    "%(municipality)s. A person there will answer you as soon as possible."
                )
                % {"municipality": name}
            ),
        )
        agent_changed_on_commit(agent_id)
        queue_changed_on_commit(previous)
        if target.pk != previous:
            queue_changed_on_commit(target.pk)
        offer_next_on_commit(target.pk)
    return conversation


def transfer_to_agent(agent_id: int, conversation_id: int, target_id: int) -> Conversation:
    """The agent hands the conversation to a colleague who serves its municipality, is
    online and has room."""
    with transaction.atomic():
        conversation = lock_own(agent_id, conversation_id)
        if target_id == agent_id:
            raise Refusal("invalid_frame")
        target = AgentProfile.objects.select_for_update().filter(pk=target_id).first()
        if target is None or not serves(target_id, conversation.service_municipality_id):
            raise Refusal("not_found")
        if not available_agents(conversation.service_municipality_id).filter(pk=target_id):
            raise Refusal("agent_unavailable")
        if load_of(target_id) >= target.capacity:
            raise Refusal("at_capacity")
        conversation.assigned_agent = target
        conversation.assigned_at = timezone.now()
        _save(conversation, "assigned_agent", "assigned_at")
        name = target.display_name
        _announce(
            conversation,
            lambda: (
                _("%(name)s from customer service continues the conversation.") % {"name": name}
            ),
        )
        agent_changed_on_commit(agent_id)
        agent_changed_on_commit(target_id)
    return conversation


def requeue_from_agent(conversation_id: int, agent_id: int, why: Requeue) -> bool:
    """An agent's conversation goes back to the front of the queue: their grace period ran
    out, or they left and gave it back. Nothing happens if it has meanwhile moved on (not
    theirs, or ended). Returns whether it was requeued."""
    with transaction.atomic():
        conversation = lock(conversation_id)
        if (
            conversation.state != Conversation.State.ASSIGNED
            or conversation.assigned_agent_id != agent_id
        ):
            return False
        _back_to_queue(conversation)
        if why == Requeue.AGENT_DISCONNECTED:
            _announce(
                conversation,
                lambda: _(
                    "The customer service agent's connection was lost. You are back at the "
                    "front of the queue."
                ),
            )
        else:
            _announce(
                conversation,
                lambda: _(
                    "The customer service agent had to leave. You are back at the front of "
                    "the queue."
                ),
            )
        agent_changed_on_commit(agent_id)
        queue_changed_on_commit(conversation.service_municipality_id)
        offer_next_on_commit(conversation.service_municipality_id)
    return True


# -- assigned -> closed, queued -> abandoned --------------------------------------------------


def close(agent_id: int, conversation_id: int) -> Conversation:
    """The agent ends the conversation; the resident is asked for a rating."""
    with transaction.atomic():
        conversation = lock_own(agent_id, conversation_id)
        conversation.state = Conversation.State.CLOSED
        conversation.closed_at = timezone.now()
        _save(conversation, "state", "closed_at")
        _announce(
            conversation,
            lambda: _(
                "The conversation has ended. Thank you for contacting us! "
                "How did we do? You can rate the service from 1 to 5."
            ),
        )
        agent_changed_on_commit(agent_id)
        # The agent has room again.
        for municipality_id in municipality_ids(agent_id):
            offer_next_on_commit(municipality_id)
    return conversation


def abandon(conversation_id: int, seen_before: datetime) -> bool:
    """A queued resident not seen since `seen_before` has left: the conversation ends.
    Returns whether it was abandoned (not if the resident came back meanwhile)."""
    with transaction.atomic():
        conversation = lock(conversation_id)
        last_seen = conversation.resident_seen_at or conversation.queued_at
        if conversation.state != Conversation.State.QUEUED or (
            last_seen is not None and last_seen >= seen_before
        ):
            return False
        conversation.state = Conversation.State.ABANDONED
        conversation.closed_at = timezone.now()
        withdraw_offer(conversation, declined=False)
        _save(conversation, "state", "closed_at", "offered_to", "offered_at")
        _announce(
            conversation,
            lambda: _(
                "The conversation ended because we did not hear from you for a while. "
                "You can start a new conversation at any time."
            ),
        )
        queue_changed_on_commit(conversation.service_municipality_id)
    return True
