"""The agent's websocket (/ws/agent/). It parses frames, checks them and calls the chat
modules: chat.lifecycle for transitions, chat.agent_desk for reading and writing, chat.presence
for who is there. See docs/protocol.md for every frame.

The socket follows conversations (its `conv.<id>` groups): those assigned to the agent and
those it opened. For each it remembers the last seq it sent, so that a signal from the
channel layer becomes exactly the messages stored since, read from the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chat import agent_desk, agent_protocol, contact_requests, lifecycle, presence, protocol
from chat.access import Refusal
from chat.agent_desk import Agent, Snapshot
from chat.events import agent_group, conversation_group, queue_group, send_typing
from chat.faq_search import search_faq
from chat.origins import origin_allowed
from chat.protocol import FrameError
from chat.ratelimit import SlidingWindow
from chat.sweeper import sweep, sweeper

log = logging.getLogger(__name__)

CLOSE_LOGIN_REQUIRED = 4401
CLOSE_REFUSED = 4403
CLOSE_FLOOD = 4429
# A socket follows at most this many conversations; the oldest opened ones (not the agent's
# own) are dropped first. The dashboard opens them again when needed.
MAX_FOLLOWED = 100

db = database_sync_to_async


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class AgentConsumer(AsyncWebsocketConsumer):
    agent: Agent | None = None

    async def connect(self) -> None:
        self.following: dict[int, int] = {}  # conversation id -> last seq sent
        self.states: dict[int, tuple[str, int | None]] = {}  # last state frame per conversation
        self.flush_lock = asyncio.Lock()
        self.frame_limit = SlidingWindow(
            settings.CHAT_AGENT_FRAME_LIMIT, settings.CHAT_RATE_LIMIT_WINDOW_S
        )
        self.typing_in: dict[int, SlidingWindow] = {}
        self.typing_out: dict[int, SlidingWindow] = {}
        self.refused_frames = 0
        self.refreshes: dict[str, asyncio.Task[None]] = {}
        self.seen = Snapshot(status="", assigned=frozenset(), offer=None)
        self.agents_sent: list[dict[str, Any]] = []
        await self.accept()

        # The session cookie authenticates, so only the chat host's own pages (and trusted
        # origins) may open this socket: no other site can use an agent's cookie.
        origin = _header(self.scope, b"origin")
        host = _header(self.scope, b"host")
        if not origin_allowed(origin, host, settings.CSRF_TRUSTED_ORIGINS):
            await self.refuse("origin_not_allowed", CLOSE_REFUSED)
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse("login_required", CLOSE_LOGIN_REQUIRED)
            return
        agent = await db(agent_desk.agent_for)(user)
        if agent is None:
            await self.refuse("not_an_agent", CLOSE_REFUSED)
            return
        self.agent = agent
        await self.channel_layer.group_add(agent_group(agent.id), self.channel_name)
        for municipality_id in agent.municipality_ids:
            await self.channel_layer.group_add(queue_group(municipality_id), self.channel_name)
        await db(presence.agent_connected)(agent.id, self.channel_name)
        sweeper.attach(self, agent=(self.channel_name, agent.id))
        # Sweep now rather than in a few seconds: the first agent in after a quiet spell
        # should not see residents who left long ago, nor miss offers due to them.
        await db(sweep)()

        hello = await db(agent_desk.hello)(agent)
        self.agents_sent = hello["agents"]
        await self.send_json(hello)
        for summary in hello["mine"]:
            await self.follow(summary["id"], summary["last_seq"], summary)
        self.seen = Snapshot(hello["agent"]["status"], frozenset(self.following), None)
        await self.refresh_self()

    async def disconnect(self, code: int) -> None:
        for task in self.refreshes.values():
            task.cancel()
        if self.agent is None:
            return
        agent, self.agent = self.agent, None
        sweeper.detach(self)
        await self.channel_layer.group_discard(agent_group(agent.id), self.channel_name)
        for municipality_id in agent.municipality_ids:
            await self.channel_layer.group_discard(queue_group(municipality_id), self.channel_name)
        for conversation_id in list(self.following):
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )
        await db(presence.agent_disconnected)(agent.id, self.channel_name)

    # -- frames from the agent ----------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.agent is None:
            return
        if not self.frame_limit.allow():
            await self.refuse_frame("rate_limited")
            return
        frame = protocol.decode_frame(text_data)
        if isinstance(frame, FrameError):
            await self.refuse_frame(frame.code)
            return
        handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "presence": self.on_presence,
            "accept": self.on_accept,
            "decline": self.on_decline,
            "open": self.on_open,
            "message": self.on_message,
            "note": self.on_note,
            "transfer": self.on_transfer,
            "close": self.on_close,
            "typing": self.on_typing,
            "faq_search": self.on_faq_search,
            "contact_handled": self.on_contact_handled,
            "ping": self.on_ping,
        }
        handler = handlers.get(frame["type"])
        if handler is None:
            await self.refuse_frame("unknown_type", frame)
            return
        try:
            await handler(frame)
        except Refusal as refusal:
            await self.send_error(refusal.code, frame)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def on_presence(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_presence(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        await db(presence.set_presence)(self.agent.id, parsed.status, parsed.open_chats)
        self.seen = Snapshot(parsed.status, self.seen.assigned, self.seen.offer)
        await self.send_json(agent_protocol.presence(parsed.status))

    async def on_accept(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_target(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        await db(lifecycle.accept)(self.agent.id, parsed.conversation)
        self.seen = Snapshot(
            self.seen.status,
            self.seen.assigned | {parsed.conversation},
            None if self.seen.offer == parsed.conversation else self.seen.offer,
        )
        await self.open_conversation(parsed.conversation, 0)

    async def on_decline(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_target(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        await db(lifecycle.decline)(self.agent.id, parsed.conversation)
        if self.seen.offer == parsed.conversation:
            self.seen = Snapshot(self.seen.status, self.seen.assigned, None)
        await self.send_json(agent_protocol.offer_cancelled(parsed.conversation))

    async def on_open(self, frame: dict[str, Any]) -> None:
        parsed = agent_protocol.parse_open(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        await self.open_conversation(parsed.conversation, parsed.after)

    async def on_message(self, frame: dict[str, Any]) -> None:
        await self.store(frame, agent_desk.say)

    async def on_note(self, frame: dict[str, Any]) -> None:
        await self.store(frame, agent_desk.note)

    async def store(self, frame: dict[str, Any], write: Callable[..., Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_say(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        message, created = await db(write)(
            self.agent.id, parsed.conversation, parsed.client_id, parsed.text
        )
        sent = self.following.get(parsed.conversation)
        if sent is None:
            # Not followed here (a note without opening): the stored message is the ack.
            await self.send_json(await db(agent_desk.stored_frame)(self.agent.id, message))
        elif not created and message.seq <= sent:
            # A resend of something already stored and sent: ack it again, store nothing.
            await self.send_json(await db(agent_desk.stored_frame)(self.agent.id, message))
        else:
            await self.flush(parsed.conversation)

    async def on_transfer(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_transfer(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        if parsed.municipality is not None:
            await db(lifecycle.transfer_to_municipality)(
                self.agent.id, parsed.conversation, parsed.municipality
            )
        else:
            assert parsed.agent is not None
            await db(lifecycle.transfer_to_agent)(self.agent.id, parsed.conversation, parsed.agent)
        self.seen = Snapshot(
            self.seen.status, self.seen.assigned - {parsed.conversation}, self.seen.offer
        )
        await self.flush(parsed.conversation)

    async def on_close(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_target(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        await db(lifecycle.close)(self.agent.id, parsed.conversation)
        await self.flush(parsed.conversation)

    async def on_typing(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_target(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        limit = self.typing_in.setdefault(
            parsed.conversation, SlidingWindow(1, settings.CHAT_TYPING_INTERVAL_S)
        )
        # Over one a second is dropped without a word: typing is a hint, not a message.
        if limit.allow() and await db(agent_desk.typing_allowed)(
            self.agent.id, parsed.conversation
        ):
            await send_typing(parsed.conversation, "agent")

    async def on_faq_search(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_faq_search(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        municipality = await db(agent_desk.municipality_for_search)(self.agent, parsed.municipality)
        results = await search_faq(parsed.query, municipality, parsed.language)
        await self.send_json(agent_protocol.faq_results(parsed.query, results))

    async def on_contact_handled(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        parsed = agent_protocol.parse_contact_handled(frame)
        if isinstance(parsed, FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        await db(contact_requests.mark_handled)(self.agent.id, parsed.request)
        await self.refresh("contacts")

    # -- following conversations --------------------------------------------------------------

    async def open_conversation(self, conversation_id: int, after: int) -> None:
        """Send the `conversation` frame (messages after `after`) and follow it from there."""
        assert self.agent is not None
        # Join the group before reading, so that nothing stored in between is missed; the
        # flush lock keeps a signal arriving meanwhile from sending the same messages.
        await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)
        async with self.flush_lock:
            try:
                frame, last = await db(agent_desk.transcript)(self.agent.id, conversation_id, after)
            except Refusal:
                if conversation_id not in self.following:
                    await self.channel_layer.group_discard(
                        conversation_group(conversation_id), self.channel_name
                    )
                raise
            await self.send_json(frame)
            summary = frame["conversation"]
            await self._remember(conversation_id, last, summary)
        # A transcript longer than one page: the rest as ordinary message frames.
        await self.flush(conversation_id)

    async def follow(self, conversation_id: int, last_seq: int, summary: dict[str, Any]) -> None:
        await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)
        await self._remember(conversation_id, last_seq, summary)

    async def _remember(self, conversation_id: int, last: int, summary: dict[str, Any]) -> None:
        self.following[conversation_id] = last
        assigned = summary.get("assigned_to")
        self.states[conversation_id] = (summary["state"], assigned["id"] if assigned else None)
        if len(self.following) > MAX_FOLLOWED:
            for old in list(self.following):
                if old not in self.seen.assigned and old != conversation_id:
                    await self.unfollow(old)
                    break

    async def unfollow(self, conversation_id: int) -> None:
        self.following.pop(conversation_id, None)
        self.states.pop(conversation_id, None)
        await self.channel_layer.group_discard(
            conversation_group(conversation_id), self.channel_name
        )

    async def flush(self, conversation_id: int) -> None:
        """Send what was stored in a followed conversation since the last seq sent, then its
        state if that changed."""
        assert self.agent is not None
        async with self.flush_lock:
            while conversation_id in self.following:
                after = self.following[conversation_id]
                change = await db(agent_desk.delta)(self.agent.id, conversation_id, after)
                for message in change.messages:
                    await self.send_json(message)
                self.following[conversation_id] = change.last_seq
                assigned_id = change.assigned_to["id"] if change.assigned_to else None
                if self.states.get(conversation_id) != (change.state, assigned_id):
                    self.states[conversation_id] = (change.state, assigned_id)
                    await self.send_json(
                        agent_protocol.state(conversation_id, change.state, change.assigned_to)
                    )
                if not change.visible:
                    await self.unfollow(conversation_id)
                    break
                if len(change.messages) < 500:
                    break

    # -- events from the channel layer --------------------------------------------------------

    async def conversation_updated(self, event: dict[str, Any]) -> None:
        if event["conversation"] in self.following:
            await self.flush(event["conversation"])

    async def chat_typing(self, event: dict[str, Any]) -> None:
        conversation_id = event["conversation"]
        if event["who"] != "resident" or conversation_id not in self.following:
            return
        limit = self.typing_out.setdefault(
            conversation_id, SlidingWindow(1, settings.CHAT_TYPING_INTERVAL_S)
        )
        if limit.allow():
            await self.send_json(agent_protocol.typing(conversation_id))

    async def queue_changed(self, event: dict[str, Any]) -> None:
        await self.refresh_soon("queue")

    async def contacts_changed(self, event: dict[str, Any]) -> None:
        await self.refresh_soon("contacts")

    async def agent_changed(self, event: dict[str, Any]) -> None:
        await self.refresh_self()

    async def refresh_soon(self, what: str) -> None:
        """Coalesce a burst of changes into one frame, CHAT_QUEUE_REFRESH_DELAY_S later."""
        task = self.refreshes.get(what)
        if task is not None and not task.done():
            return

        async def later() -> None:
            await asyncio.sleep(settings.CHAT_QUEUE_REFRESH_DELAY_S)
            self.refreshes.pop(what, None)
            try:
                await self.refresh(what)
            except Exception:
                log.exception("refreshing an agent's %s failed", what)

        self.refreshes[what] = asyncio.get_running_loop().create_task(later())

    async def refresh(self, what: str) -> None:
        if self.agent is None:
            return
        if what == "contacts":
            items = await db(agent_desk.contact_request_items)(self.agent)
            await self.send_json(agent_protocol.contact_requests(items))
            return
        queue = await db(agent_desk.queue_summaries)(self.agent)
        await self.send_json(agent_protocol.queue(queue))
        colleagues = await db(agent_desk.colleagues)(self.agent)
        if colleagues != self.agents_sent:
            self.agents_sent = colleagues
            await self.send_json({"type": "agents", "agents": colleagues})

    async def refresh_self(self) -> None:
        """After `agent.changed`: presence set elsewhere, conversations given to or taken
        from this agent, offers made or withdrawn."""
        if self.agent is None:
            return
        now = await db(agent_desk.snapshot)(self.agent.id)
        before, self.seen = self.seen, now
        if now.status != before.status:
            await self.send_json(agent_protocol.presence(now.status))
        for conversation_id in sorted(now.assigned - set(self.following)):
            try:
                await self.open_conversation(conversation_id, 0)
            except Refusal:
                continue
        for conversation_id in sorted(before.assigned - now.assigned):
            await self.flush(conversation_id)
        if before.offer is not None and before.offer != now.offer:
            await self.send_json(agent_protocol.offer_cancelled(before.offer))
        if now.offer is not None and now.offer != before.offer:
            try:
                summary = await db(agent_desk.summary_of)(self.agent.id, now.offer)
            except Refusal:
                return
            await self.send_json(agent_protocol.offer(summary))

    # -- sending ------------------------------------------------------------------------------

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, ensure_ascii=False))

    async def send_error(self, code: str, frame: dict[str, Any] | None = None) -> None:
        error = protocol.error(code, (frame or {}).get("client_id"))
        conversation = (frame or {}).get("conversation")
        if isinstance(conversation, int) and not isinstance(conversation, bool):
            # Which conversation the refused frame named, so the page can release its button.
            error["conversation"] = conversation
        await self.send_json(error)

    async def refuse_frame(self, code: str, frame: dict[str, Any] | None = None) -> None:
        self.refused_frames += 1
        if self.refused_frames > protocol.MAX_REFUSED_FRAMES:
            await self.refuse("too_many_bad_frames", CLOSE_FLOOD)
            return
        await self.send_error(code, frame)

    async def refuse(self, code: str, close_code: int) -> None:
        await self.send_error(code)
        await self.close(code=close_code)
        await self.disconnect(close_code)
