"""The resident's websocket. It parses frames, checks them and calls the chat modules."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chat import protocol
from chat.access import ENDED_STATES, Refusal
from chat.bot_reply import answer_chosen_entry, reply_to_resident
from chat.contact_requests import create_contact_request
from chat.conversations import resume_conversation, start_conversation
from chat.events import conversation_group, send_typing, waiting_group
from chat.feedback import record_feedback, unhelpful_twice_in_a_row
from chat.lifecycle import request_handoff
from chat.messages import append_message, message_frame, messages_after
from chat.models import Conversation, Message
from chat.origins import origin_allowed
from chat.presence import resident_seen
from chat.ratelimit import SlidingWindow
from chat.ratings import rate
from chat.resident_status import ResidentStatus, resident_status, state_frame
from chat.sweeper import sweeper
from faqbot.languages import pick_language
from faqbot.models import Municipality

log = logging.getLogger(__name__)

CLOSE_REFUSED = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_FLOOD = 4429


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _messages_and_status(conversation_id: int, after: int) -> tuple[list[Message], ResidentStatus]:
    """The messages after `after` and what the resident sees of the state, in one trip.

    The state first: a transition commits its system message with it, so the messages read
    next include it, and a state frame never overtakes the message that explains it.
    """
    status = resident_status(conversation_id)
    return messages_after(conversation_id, after), status


def _status_and_frame(conversation_id: int) -> tuple[ResidentStatus, dict[str, Any]]:
    status = resident_status(conversation_id)
    return status, state_frame(status)


MESSAGES_PAGE = 500  # messages_after's default limit

# The states in which a resident waits for, or talks with, a person: their socket then
# helps run the queue's periodic duties (chat.sweeper) and hears of queue changes.
WITH_PEOPLE = (Conversation.State.QUEUED, Conversation.State.ASSIGNED)


class ResidentConsumer(AsyncWebsocketConsumer):
    conversation: Conversation | None = None
    last_sent = 0
    status: ResidentStatus | None = None
    waiting_in: int | None = None  # the municipality whose waiting group this socket is in

    async def connect(self) -> None:
        self.flush_lock = asyncio.Lock()
        self.message_limit = SlidingWindow(
            settings.CHAT_RATE_LIMIT_MESSAGES, settings.CHAT_RATE_LIMIT_WINDOW_S
        )
        self.frame_limit = SlidingWindow(
            settings.CHAT_RATE_LIMIT_MESSAGES * 5, settings.CHAT_RATE_LIMIT_WINDOW_S
        )
        self.typing_in = SlidingWindow(1, settings.CHAT_TYPING_INTERVAL_S)
        self.typing_out = SlidingWindow(1, settings.CHAT_TYPING_INTERVAL_S)
        self.refused_frames = 0
        await self.accept()

        slug = self.scope["url_route"]["kwargs"]["municipality"]
        municipality = await database_sync_to_async(Municipality.objects.filter(slug=slug).first)()
        if municipality is None:
            await self.refuse("unknown_municipality", CLOSE_NOT_FOUND)
            return
        origin = _header(self.scope, b"origin")
        if not origin_allowed(origin, _header(self.scope, b"host"), municipality.allowed_origins):
            await self.refuse("origin_not_allowed", CLOSE_REFUSED)
            return

        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        language = pick_language(query.get("lang", [""])[0], municipality.languages)
        token = query.get("token", [""])[0]
        try:
            after = max(0, int(query.get("after", ["0"])[0]))
        except ValueError:
            after = 0

        conversation = None
        if token:
            conversation = await database_sync_to_async(resume_conversation)(
                municipality, token, language
            )
            if conversation is None:
                await self.send_error("conversation_not_found")
        if conversation is None:
            conversation, token = await database_sync_to_async(start_conversation)(
                municipality, language
            )
            after = 0
        self.conversation = conversation
        self.last_sent = after
        await self.channel_layer.group_add(conversation_group(conversation.pk), self.channel_name)
        await database_sync_to_async(resident_seen)(conversation.pk)
        history = await database_sync_to_async(messages_after)(conversation.pk, after)
        if history:
            self.last_sent = history[-1].seq
        self.status, status_frame = await database_sync_to_async(_status_and_frame)(conversation.pk)
        conversation.state = self.status.state
        await self.send_json(
            protocol.welcome(
                conversation,
                token,
                municipality,
                [message_frame(m) for m in history],
                status_frame,
            )
        )
        await self.follow_queue()
        # History longer than one page is sent as ordinary frames straight after.
        await self.flush()

    async def disconnect(self, code: int) -> None:
        if self.conversation is not None:
            conversation_id = self.conversation.pk
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )
            await self.leave_queue()
            # Leaving is the last sign of life: abandonment counts from here.
            await database_sync_to_async(resident_seen)(conversation_id)
        sweeper.detach(self)

    async def follow_queue(self) -> None:
        """Be in the waiting group of the queue the conversation is in, and help sweep while
        with people; leave both otherwise."""
        status = self.status
        if status is None:
            return
        queue = (
            status.service_municipality_id if status.state == Conversation.State.QUEUED else None
        )
        if queue != self.waiting_in:
            await self.leave_queue()
            if queue is not None:
                await self.channel_layer.group_add(waiting_group(queue), self.channel_name)
                self.waiting_in = queue
        if status.state in WITH_PEOPLE and self.conversation is not None:
            sweeper.attach(self, conversation=self.conversation.pk)
        else:
            sweeper.detach(self)

    async def leave_queue(self) -> None:
        if self.waiting_in is not None:
            await self.channel_layer.group_discard(
                waiting_group(self.waiting_in), self.channel_name
            )
            self.waiting_in = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.conversation is None:
            return
        if not self.frame_limit.allow():
            await self.refuse_frame("rate_limited")
            return
        frame = protocol.decode_frame(text_data)
        if isinstance(frame, protocol.FrameError):
            await self.refuse_frame(frame.code)
            return
        handler = {
            "message": self.on_message,
            "choose": self.on_choose,
            "feedback": self.on_feedback,
            "ping": self.on_ping,
            "handoff": self.on_handoff,
            "typing": self.on_typing,
            "contact_request": self.on_contact_request,
            "rating": self.on_rating,
        }.get(frame["type"])
        if handler is None:
            await self.refuse_frame("unknown_type")
            return
        try:
            await handler(frame)
        except Refusal as refusal:
            await self.send_error(refusal.code, frame.get("client_id"))

    async def on_ping(self, frame: dict[str, Any]) -> None:
        assert self.conversation is not None
        await database_sync_to_async(resident_seen)(self.conversation.pk)
        await self.send_json({"type": "pong"})

    async def on_handoff(self, frame: dict[str, Any]) -> None:
        """The "talk to a person" button."""
        assert self.conversation is not None
        if self.conversation.state in ENDED_STATES:
            await self.send_error("conversation_closed")
            return
        await database_sync_to_async(request_handoff)(self.conversation.pk, "person_requested")
        await self.flush()

    async def on_typing(self, frame: dict[str, Any]) -> None:
        assert self.conversation is not None
        # Only people read typing indicators, and over one a second is dropped silently.
        if self.conversation.state in WITH_PEOPLE and self.typing_in.allow():
            await send_typing(self.conversation.pk, "resident")

    async def on_contact_request(self, frame: dict[str, Any]) -> None:
        assert self.conversation is not None
        parsed = protocol.parse_contact_request(frame)
        if isinstance(parsed, protocol.FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        if not self.message_limit.allow():
            await self.refuse_frame("rate_limited", frame)
            return
        stored = await database_sync_to_async(create_contact_request)(self.conversation.pk, parsed)
        if stored is None:
            await self.refuse_frame("rate_limited", frame)
            return
        await self.send_json(protocol.contact_request_ack())
        await self.flush()

    async def on_rating(self, frame: dict[str, Any]) -> None:
        assert self.conversation is not None
        parsed = protocol.parse_rating(frame)
        if isinstance(parsed, protocol.FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        await database_sync_to_async(rate)(self.conversation.pk, parsed.score, parsed.comment)
        await self.send_json(protocol.rating_ack(parsed.score))
        await self.flush()

    async def on_message(self, frame: dict[str, Any]) -> None:
        assert self.conversation is not None
        parsed = protocol.parse_resident_message(frame)
        if isinstance(parsed, protocol.FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        if self.conversation.state in ENDED_STATES:
            await self.send_error("conversation_closed", parsed.client_id)
            return
        if not self.message_limit.allow():
            await self.refuse_frame("rate_limited", frame)
            return
        message, created = await database_sync_to_async(append_message)(
            self.conversation.pk,
            Message.Sender.RESIDENT,
            parsed.text,
            client_id=parsed.client_id,
        )
        if not created:
            # A resend of something already stored: ack it again, store nothing.
            if message.seq <= self.last_sent:
                await self.send_json(message_frame(message))
            await self.flush()
            return
        await self.flush()
        if self.conversation.state == Conversation.State.BOT:
            await reply_to_resident(self.conversation, parsed.text)
            await self.flush()

    async def on_choose(self, frame: dict[str, Any]) -> None:
        assert self.conversation is not None
        parsed = protocol.parse_choice(frame)
        if isinstance(parsed, protocol.FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        if self.conversation.state in ENDED_STATES:
            await self.send_error("conversation_closed", parsed.client_id)
            return
        if not self.message_limit.allow():
            await self.refuse_frame("rate_limited", frame)
            return
        answered = await database_sync_to_async(answer_chosen_entry)(
            self.conversation, parsed.entry, parsed.client_id
        )
        if answered is None:
            await self.refuse_frame("unknown_entry", frame)
            return
        await self.flush()

    async def on_feedback(self, frame: dict[str, Any]) -> None:
        assert self.conversation is not None
        parsed = protocol.parse_feedback(frame)
        if isinstance(parsed, protocol.FrameError):
            await self.refuse_frame(parsed.code, frame)
            return
        stored = await database_sync_to_async(record_feedback)(
            self.conversation.pk, parsed.seq, parsed.helpful
        )
        if stored is None:
            await self.refuse_frame("unknown_message", frame)
            return
        await self.send_json(protocol.feedback_ack(parsed.seq, parsed.helpful))
        if not parsed.helpful and self.conversation.state == Conversation.State.BOT:
            # The bot failed twice in a row: a person should take over.
            if await database_sync_to_async(unhelpful_twice_in_a_row)(self.conversation.pk):
                await database_sync_to_async(request_handoff)(self.conversation.pk, "not_helpful")
                await self.flush()

    async def conversation_updated(self, event: dict[str, Any]) -> None:
        await self.flush()

    async def queue_changed(self, event: dict[str, Any]) -> None:
        # Someone ahead was taken or left: the position may have moved.
        await self.flush()

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event["who"] == "agent" and self.typing_out.allow():
            await self.send_json(protocol.typing("agent"))

    async def flush(self) -> None:
        """Send every stored message after the last one this socket has sent, once.

        Then a `state` frame if the state, the queue position or the agent changed: every
        transition stores a system message in the same transaction, so every socket of the
        conversation comes here and learns of it; queue moves come as `queue.changed`.
        """
        if self.conversation is None:
            return
        async with self.flush_lock:
            while True:
                batch, status = await database_sync_to_async(_messages_and_status)(
                    self.conversation.pk, self.last_sent
                )
                for message in batch:
                    await self.send_json(message_frame(message))
                    self.last_sent = message.seq
                # A short page is the end; a full one may have more behind it.
                if len(batch) < MESSAGES_PAGE:
                    break
            if status != self.status:
                self.status = status
                self.conversation.state = status.state
                frame = await database_sync_to_async(state_frame)(status)
                await self.send_json(frame)
                await self.follow_queue()

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, ensure_ascii=False))

    async def send_error(self, code: str, client_id: object = None) -> None:
        await self.send_json(protocol.error(code, client_id))

    async def refuse_frame(self, code: str, frame: dict[str, Any] | None = None) -> None:
        self.refused_frames += 1
        if self.refused_frames > protocol.MAX_REFUSED_FRAMES:
            await self.refuse("too_many_bad_frames", CLOSE_FLOOD)
            return
        await self.send_error(code, (frame or {}).get("client_id"))

    async def refuse(self, code: str, close_code: int) -> None:
        await self.send_error(code)
        await self.close(code=close_code)
        if self.conversation is not None:
            await self.channel_layer.group_discard(
                conversation_group(self.conversation.pk), self.channel_name
            )
            await self.leave_queue()
            sweeper.detach(self)
            self.conversation = None
