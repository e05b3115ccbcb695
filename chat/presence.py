"""Who is there: agents' sockets and chosen status, and residents' last signs of life.

An agent may have several sockets (tabs), in several processes. Each open socket is a row
(AgentConnection); `AgentProfile.disconnected_at` is null while any row exists and is set
when the last one goes, which starts the grace period of their conversations.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chat.access import Refusal, municipality_ids
from chat.events import agent_changed_on_commit, queue_changed_on_commit
from chat.lifecycle import Requeue, requeue_from_agent
from chat.models import AgentConnection, AgentProfile, Conversation
from chat.queueing import offer_next_on_commit, withdraw_offer

OPEN_CHATS = ("keep", "requeue")


def _availability_changed(agent_id: int) -> None:
    """Residents' `service.agents_online` and automatic routing depend on who is there."""
    for municipality_id in municipality_ids(agent_id):
        queue_changed_on_commit(municipality_id)
        offer_next_on_commit(municipality_id)


def _lock_agent(agent_id: int) -> None:
    # Connects and disconnects of one agent, in any process, take turns: otherwise a
    # disconnect could mark as gone an agent whose other tab connected at that moment.
    AgentProfile.objects.select_for_update().filter(pk=agent_id).first()


def agent_connected(agent_id: int, channel_name: str) -> None:
    with transaction.atomic():
        _lock_agent(agent_id)
        AgentConnection.objects.update_or_create(
            channel_name=channel_name, defaults={"agent_id": agent_id, "last_seen": timezone.now()}
        )
        came_back = AgentProfile.objects.filter(pk=agent_id, disconnected_at__isnull=False).update(
            disconnected_at=None
        )
        if came_back:
            _availability_changed(agent_id)


def _mark_disconnected_if_gone(agent_id: int, since: datetime) -> bool:
    """In a transaction holding the agent's lock."""
    if AgentConnection.objects.filter(agent_id=agent_id).exists():
        return False
    marked = AgentProfile.objects.filter(pk=agent_id, disconnected_at__isnull=True).update(
        disconnected_at=since
    )
    if marked:
        _availability_changed(agent_id)
        agent_changed_on_commit(agent_id)
    return bool(marked)


def agent_disconnected(agent_id: int, channel_name: str) -> None:
    with transaction.atomic():
        _lock_agent(agent_id)
        AgentConnection.objects.filter(channel_name=channel_name).delete()
        gone = _mark_disconnected_if_gone(agent_id, timezone.now())
    if gone:
        # After the agent's lock is released: offers lock conversations, which always come
        # before agents.
        _withdraw_offers(agent_id)


def touch_connections(channels: dict[str, int]) -> None:
    """The process holding these sockets (channel name -> agent id) says they are alive.
    A row dropped meanwhile as stale (the process stalled) is made again."""
    if not channels:
        return
    updated = AgentConnection.objects.filter(channel_name__in=list(channels)).update(
        last_seen=timezone.now()
    )
    if updated < len(channels):
        present = set(
            AgentConnection.objects.filter(channel_name__in=list(channels)).values_list(
                "channel_name", flat=True
            )
        )
        for channel_name, agent_id in channels.items():
            if channel_name not in present:
                agent_connected(agent_id, channel_name)


def drop_stale_connections(stale_before: datetime) -> list[int]:
    """Rows of sockets whose process stopped refreshing them (it died): the agent counts as
    disconnected from their last refresh. Returns the agents who are now disconnected."""
    stale = (
        AgentConnection.objects.filter(last_seen__lt=stale_before)
        .values("agent_id")
        .annotate(last=Max("last_seen"))
    )
    gone = []
    for row in stale:
        with transaction.atomic():
            _lock_agent(row["agent_id"])
            AgentConnection.objects.filter(
                agent_id=row["agent_id"], last_seen__lt=stale_before
            ).delete()
            if _mark_disconnected_if_gone(row["agent_id"], row["last"]):
                gone.append(row["agent_id"])
    for agent_id in gone:
        _withdraw_offers(agent_id)
    return gone


def _withdraw_offers(agent_id: int) -> None:
    for conversation_id in Conversation.objects.filter(
        state=Conversation.State.QUEUED, offered_to_id=agent_id
    ).values_list("pk", flat=True):
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update()
                .filter(pk=conversation_id, offered_to_id=agent_id)
                .first()
            )
            if conversation is not None:
                withdraw_offer(conversation, declined=False)
                conversation.save(update_fields=["offered_to", "offered_at", "updated"])
                queue_changed_on_commit(conversation.service_municipality_id)


def set_presence(agent_id: int, status: str, open_chats: str = "keep") -> list[int]:
    """The agent's chosen status. Going away or offline with `open_chats` "requeue" gives
    their conversations back to the front of the queue; with "keep" they stay theirs.
    Returns the requeued conversations."""
    if status not in AgentProfile.Status.values or open_chats not in OPEN_CHATS:
        raise Refusal("invalid_frame")
    with transaction.atomic():
        changed = (
            AgentProfile.objects.filter(pk=agent_id)
            .exclude(status=status)
            .update(status=status, status_changed=timezone.now())
        )
        if changed:
            agent_changed_on_commit(agent_id)
            _availability_changed(agent_id)
    requeued = []
    if status != AgentProfile.Status.ONLINE:
        _withdraw_offers(agent_id)
        if open_chats == "requeue":
            for conversation_id in Conversation.objects.filter(
                assigned_agent_id=agent_id, state=Conversation.State.ASSIGNED
            ).values_list("pk", flat=True):
                if requeue_from_agent(conversation_id, agent_id, Requeue.AGENT_LEFT):
                    requeued.append(conversation_id)
    return requeued


def resident_seen(conversation_id: int) -> None:
    # update(): no model save, no `updated` bump, no lock: a sign of life is not a change.
    Conversation.objects.filter(pk=conversation_id).update(resident_seen_at=timezone.now())


def residents_seen(conversation_ids: set[int]) -> None:
    """Residents with an open socket in this process are there."""
    if conversation_ids:
        Conversation.objects.filter(pk__in=conversation_ids).update(resident_seen_at=timezone.now())
