"""The periodic duties of the queue, and who runs them.

Duties (`sweep`): drop the rows of agent sockets whose process died; give the conversations
of agents disconnected longer than CHAT_AGENT_GRACE_S back to the front of the queue;
expire unanswered offers and make new ones (automatic routing); abandon conversations whose
queued resident has not been seen for CHAT_ABANDON_AFTER_S.

Who runs them: every server process, while it holds an agent socket or the socket of a
resident who is queued or with an agent (the people who care), runs one light task that
sweeps every CHAT_SWEEP_INTERVAL_S and refreshes its agent sockets' rows. There is no
separate worker or cron to deploy and keep alive: a process that serves the queue sweeps
it. Several processes may sweep at the same moment; that is safe because every duty is a
transition in chat.lifecycle or chat.queueing that locks the row and checks again that it
still applies, so a second sweeper finds nothing left to do. The cost is a few indexed
queries per process per interval. Events (a decline, a close, an agent connecting) route
at once, without waiting for the sweep.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat import lifecycle, presence, queueing
from chat.models import AgentProfile, Conversation
from faqbot.models import Municipality

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    disconnected: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    expired_offers: list[int] = field(default_factory=list)
    offered: list[int] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)


def requeue_after_grace(now: datetime) -> list[int]:
    deadline = now - timedelta(seconds=settings.CHAT_AGENT_GRACE_S)
    overdue = Conversation.objects.filter(
        state=Conversation.State.ASSIGNED, assigned_agent__disconnected_at__lt=deadline
    ).values_list("pk", "assigned_agent_id")
    return [
        conversation_id
        for conversation_id, agent_id in overdue
        if lifecycle.requeue_from_agent(
            conversation_id, agent_id, lifecycle.Requeue.AGENT_DISCONNECTED
        )
    ]


def abandon_gone_residents(now: datetime) -> list[int]:
    seen_before = now - timedelta(seconds=settings.CHAT_ABANDON_AFTER_S)
    gone = (
        Conversation.objects.filter(state=Conversation.State.QUEUED)
        .annotate(last_seen=Coalesce(F("resident_seen_at"), F("queued_at")))
        .filter(last_seen__lt=seen_before)
        .values_list("pk", flat=True)
    )
    return [pk for pk in gone if lifecycle.abandon(pk, seen_before)]


def route_waiting(now: datetime) -> list[int]:
    """Offer what waits unoffered in automatic-routing municipalities."""
    municipalities = (
        Municipality.objects.filter(
            routing_mode=Municipality.RoutingMode.AUTO,
            served_conversations__state=Conversation.State.QUEUED,
            served_conversations__offered_to__isnull=True,
        )
        .filter(Q(agents__status=AgentProfile.Status.ONLINE))
        .values_list("pk", flat=True)
        .distinct()
    )
    offered: list[int] = []
    for municipality_id in municipalities:
        offered += queueing.offer_next(municipality_id)
    return offered


def sweep(now: datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    report.disconnected = presence.drop_stale_connections(
        now - timedelta(seconds=settings.CHAT_AGENT_STALE_S)
    )
    report.requeued = requeue_after_grace(now)
    report.expired_offers = queueing.expire_offers(now)
    report.abandoned = abandon_gone_residents(now)
    report.offered = route_waiting(now)
    return report


class ProcessSweeper:
    """One sweeping task per process (per event loop), running while anyone needs it.

    Each round it also refreshes the signs of life of the sockets this process holds: its
    agent sockets' rows, and `resident_seen_at` of the conversations whose resident has a
    socket here. An open socket is a resident who is there, whatever the client's pings.
    """

    def __init__(self) -> None:
        self.agent_channels: dict[object, tuple[str, int]] = {}
        self.residents: dict[object, int] = {}
        self.users: set[object] = set()
        self.task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def attach(
        self,
        user: object,
        *,
        agent: tuple[str, int] | None = None,
        conversation: int | None = None,
    ) -> None:
        """`agent`: (channel name, agent id) of an agent socket; `conversation`: the
        conversation of a resident socket."""
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            # A new event loop (tests start one per test): the old task died with its loop.
            self.users.clear()
            self.agent_channels.clear()
            self.residents.clear()
            self.task = None
            self.loop = loop
        self.users.add(user)
        if agent is not None:
            self.agent_channels[user] = agent
        if conversation is not None:
            self.residents[user] = conversation
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._run(), name="kuntachat-sweeper")

    def detach(self, user: object) -> None:
        self.users.discard(user)
        self.agent_channels.pop(user, None)
        self.residents.pop(user, None)
        if not self.users and self.task is not None:
            self.task.cancel()
            self.task = None

    def _signs_of_life(self) -> None:
        presence.touch_connections(dict(self.agent_channels.values()))
        presence.residents_seen(set(self.residents.values()))

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(settings.CHAT_SWEEP_INTERVAL_S)
            try:
                await database_sync_to_async(self._signs_of_life)()
                await database_sync_to_async(sweep)()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The next round tries again; one failure must not stop the duties.
                log.exception("sweeping the queue failed")


sweeper = ProcessSweeper()
