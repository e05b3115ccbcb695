"""The customer-service queue: order, positions, estimated waits, capacity and routing.

A queued conversation waits in the queue of its `service_municipality`, ordered by
`queued_at` (the first hand-off's time, kept when a conversation comes back), so longest
waiting is first and a returning conversation goes to the front. An agent is *available*
when their status is online and they have a live socket (`disconnected_at` is null); their
*load* is the number of conversations assigned to them, which may not exceed `capacity`.

Routing per municipality: `pick` (agents accept from the queue) or `auto` (`offer_next`
offers the longest-waiting conversation to the least busy available agent; a decline or a
timeout moves it on to the next agent). In `auto` mode agents may still accept from the
queue, e.g. a conversation every available agent has declined.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from chat import office_hours
from chat.events import agent_changed_on_commit, queue_changed_on_commit
from chat.models import AgentProfile, Conversation
from faqbot.models import Municipality

# How many recent waits the estimate looks at, and how far back.
RECENT_WAITS = 20
RECENT_WAITS_WINDOW = timedelta(days=7)
# One pass of offers looks at this many conversations at most; the next event or sweep
# continues.
OFFERS_PER_PASS = 50


@dataclass(frozen=True)
class ServiceStatus:
    open: bool  # within office hours
    agents_online: bool  # an available agent serves the municipality

    @property
    def available(self) -> bool:
        return self.open and self.agents_online

    def as_frame(self) -> dict[str, bool]:
        return {"open": self.open, "agents_online": self.agents_online}


def available_agents(municipality_id: int) -> QuerySet[AgentProfile]:
    """Agents serving the municipality who are online with a live socket."""
    return AgentProfile.objects.filter(
        status=AgentProfile.Status.ONLINE,
        disconnected_at__isnull=True,
        municipalities=municipality_id,
    )


def with_load(agents: QuerySet[AgentProfile]) -> QuerySet[AgentProfile]:
    assigned = Q(conversations__state=Conversation.State.ASSIGNED)
    return agents.annotate(load=Count("conversations", filter=assigned, distinct=True))


def load_of(agent_id: int) -> int:
    return Conversation.objects.filter(
        assigned_agent_id=agent_id, state=Conversation.State.ASSIGNED
    ).count()


def service_status(municipality_id: int, now: datetime | None = None) -> ServiceStatus:
    return ServiceStatus(
        open=office_hours.is_open(municipality_id, now or timezone.now()),
        agents_online=available_agents(municipality_id).exists(),
    )


def queued(municipality_ids: list[int]) -> QuerySet[Conversation]:
    """The queue of these municipalities, longest waiting first."""
    return Conversation.objects.filter(
        state=Conversation.State.QUEUED, service_municipality_id__in=municipality_ids
    ).order_by("queued_at", "pk")


def position(conversation: Conversation) -> int:
    """1 for the front of the queue."""
    ahead = Conversation.objects.filter(
        Q(queued_at__lt=conversation.queued_at)
        | Q(queued_at=conversation.queued_at, pk__lt=conversation.pk),
        state=Conversation.State.QUEUED,
        service_municipality_id=conversation.service_municipality_id,
    )
    return ahead.count() + 1


def typical_wait_s(municipality_id: int, now: datetime | None = None) -> float | None:
    """The median of the municipality's recent actual waits (queued until assigned)."""
    now = now or timezone.now()
    waits = (
        Conversation.objects.filter(
            service_municipality_id=municipality_id,
            assigned_at__gte=now - RECENT_WAITS_WINDOW,
            queued_at__isnull=False,
        )
        .order_by("-assigned_at")
        .values_list("queued_at", "assigned_at")[:RECENT_WAITS]
    )
    seconds = [max(0.0, (assigned - queued).total_seconds()) for queued, assigned in waits]
    return statistics.median(seconds) if seconds else None


def estimated_wait_s(municipality_id: int, place: int, now: datetime | None = None) -> int:
    """How long the resident at `place` in the queue will probably wait, in seconds.

    From the municipality's recent actual waits and the number of agents with room:
    - `typical`: the median of the last 20 waits (hand-off to an agent's accept) in the
      past 7 days, or CHAT_DEFAULT_WAIT_S with none;
    - `free`: the available agents serving the municipality with load under capacity,
      counted as at least 1 (someone will come back or log in);
    - the first `free` residents in the queue wait about one `typical` wait, the next
      `free` two, and so on: typical × ceil(place / free), rounded up to whole 10 s so
      that the number does not flicker.
    """
    typical = typical_wait_s(municipality_id, now)
    if typical is None:
        typical = float(settings.CHAT_DEFAULT_WAIT_S)
    free = with_load(available_agents(municipality_id)).filter(load__lt=F("capacity")).count()
    estimate = typical * math.ceil(max(1, place) / max(1, free))
    return int(math.ceil(estimate / 10) * 10)


def _pending_offer(agent_id: int) -> bool:
    return Conversation.objects.filter(
        state=Conversation.State.QUEUED, offered_to_id=agent_id
    ).exists()


def _least_busy_agent(conversation: Conversation) -> AgentProfile | None:
    """The available agent with the fewest chats (then the longest since their last one)
    who has room, no offer pending and has not declined this conversation."""
    pending = Conversation.objects.filter(
        state=Conversation.State.QUEUED, offered_to__isnull=False
    ).values("offered_to")
    candidates = (
        with_load(available_agents(conversation.service_municipality_id))
        .exclude(pk__in=[int(a) for a in conversation.declined_by if isinstance(a, int)])
        .exclude(pk__in=pending)
        .filter(load__lt=F("capacity"))
        .annotate(last_assigned=Max("conversations__assigned_at"))
        .order_by("load", F("last_assigned").asc(nulls_first=True), "pk")
    )
    for candidate in candidates[:5]:
        # Lock the agent, then look again: another process may have offered or assigned
        # them something since the query above.
        agent = AgentProfile.objects.select_for_update().get(pk=candidate.pk)
        if not _pending_offer(agent.pk) and load_of(agent.pk) < agent.capacity:
            return agent
    return None


def offer_next(municipality_id: int) -> list[int]:
    """Automatic routing: offer unoffered queued conversations, longest waiting first.

    Each offer is its own transaction, locking the conversation and then the agent (the
    order every transition uses), so concurrent passes from several processes cannot offer
    one conversation twice nor give one agent two offers. Returns the offered ids.
    """
    mode = Municipality.objects.filter(pk=municipality_id).values_list("routing_mode", flat=True)
    if mode.first() != Municipality.RoutingMode.AUTO:
        return []
    offered: list[int] = []
    ids = list(
        queued([municipality_id]).filter(offered_to__isnull=True).values_list("pk", flat=True)
    )[:OFFERS_PER_PASS]
    for conversation_id in ids:
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=conversation_id, state=Conversation.State.QUEUED, offered_to__isnull=True
                )
                .first()
            )
            if conversation is None:
                continue
            agent = _least_busy_agent(conversation)
            if agent is None:
                continue
            conversation.offered_to = agent
            conversation.offered_at = timezone.now()
            conversation.save(update_fields=["offered_to", "offered_at", "updated"])
            agent_changed_on_commit(agent.pk)
            queue_changed_on_commit(municipality_id)
        offered.append(conversation_id)
    return offered


def offer_next_on_commit(municipality_id: int) -> None:
    """Route after the current transaction, in transactions of its own, so that the row
    locks are always taken in the same order (conversation, then agent)."""
    transaction.on_commit(lambda: offer_next(municipality_id), robust=True)


def withdraw_offer(conversation: Conversation, *, declined: bool) -> int | None:
    """Take back the offer on a locked conversation; returns the agent it was offered to."""
    agent_id = conversation.offered_to_id
    if agent_id is None:
        return None
    if declined and agent_id not in conversation.declined_by:
        conversation.declined_by = [*conversation.declined_by, agent_id]
    conversation.offered_to = None
    conversation.offered_at = None
    agent_changed_on_commit(agent_id)
    return agent_id


def expire_offers(now: datetime) -> list[int]:
    """Offers unanswered for CHAT_OFFER_TIMEOUT_S, or made to an agent who is no longer
    available, count as declined; the conversation moves on to the next agent."""
    deadline = now - timedelta(seconds=settings.CHAT_OFFER_TIMEOUT_S)
    stale = Conversation.objects.filter(state=Conversation.State.QUEUED).filter(
        Q(offered_at__lt=deadline)
        | Q(offered_to__status__in=[AgentProfile.Status.AWAY, AgentProfile.Status.OFFLINE])
        | Q(offered_to__disconnected_at__isnull=False)
    )
    expired = []
    for conversation_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update()
                .filter(pk=conversation_id, state=Conversation.State.QUEUED)
                .first()
            )
            if conversation is None or conversation.offered_to_id is None:
                continue
            withdraw_offer(conversation, declined=True)
            conversation.save(update_fields=["offered_to", "offered_at", "declined_by", "updated"])
            queue_changed_on_commit(conversation.service_municipality_id)
            offer_next_on_commit(conversation.service_municipality_id)
        expired.append(conversation_id)
    return expired
