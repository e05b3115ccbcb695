"""Frames of the resident websocket protocol, defined once (see docs/protocol.md)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from chat.models import Conversation
from faqbot.models import Municipality

MAX_CLIENT_ID_CHARS = 64
# NUL cannot be stored in PostgreSQL text and other control characters only confuse
# readers; tab and newline stay.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A client that keeps sending frames we refuse is broken or hostile; after this many the
# socket is closed rather than answered forever.
MAX_REFUSED_FRAMES = 50

ERROR_DETAILS = {
    "unknown_municipality": "No municipality has this address.",
    "origin_not_allowed": "This website may not embed this municipality's chat.",
    "conversation_not_found": "The conversation could not be resumed; a new one was started.",
    "conversation_closed": "This conversation has ended.",
    "binary_not_supported": "Send JSON text frames.",
    "frame_too_large": "The frame is too large.",
    "malformed_json": "The frame is not valid JSON.",
    "malformed_frame": "A frame must be a JSON object with a string 'type'.",
    "unknown_type": "Unknown frame type.",
    "invalid_client_id": "client_id must be a non-empty string of at most 64 characters.",
    "invalid_text": "text must be a string.",
    "empty_text": "The message is empty.",
    "text_too_long": "The message is longer than the limit.",
    "unknown_entry": "No entry with this id can be shown in this chat.",
    "invalid_entry": "entry must be a non-empty string.",
    "invalid_feedback": "feedback needs an integer seq and a boolean helpful.",
    "unknown_message": "seq names no bot message of this conversation.",
    "rate_limited": "Too many frames; slow down.",
    "too_many_bad_frames": "Too many refused frames; the connection is closed.",
    "invalid_contact": "A contact request needs a name, a message and an email or a phone.",
    "invalid_rating": "rating needs an integer score from 1 to 5 and an optional comment.",
    "rating_not_allowed": "Only a conversation an agent closed can be rated, once.",
    # The agent socket's own:
    "login_required": "Log in first.",
    "not_an_agent": "This user is not a customer-service agent.",
    "invalid_frame": "A field of the frame is missing or has the wrong type.",
    "not_found": "No such conversation, agent, municipality or request for you.",
    "already_taken": "Another agent has already taken this conversation.",
    "at_capacity": "The agent already has as many conversations as their capacity.",
    "not_assigned": "This conversation is not assigned to you.",
    "not_queued": "This conversation is not in the queue.",
    "no_offer": "This conversation is not offered to you.",
    "agent_unavailable": "That agent is not online.",
    "no_agent_available": "Nobody can take conversations there now (closed or no one online).",
}


@dataclass(frozen=True)
class FrameError:
    code: str


@dataclass(frozen=True)
class ResidentMessage:
    client_id: str
    text: str


@dataclass(frozen=True)
class Choice:
    entry: str
    client_id: str | None


@dataclass(frozen=True)
class FeedbackFrame:
    seq: int
    helpful: bool


@dataclass(frozen=True)
class ContactFrame:
    name: str
    email: str
    phone: str
    message: str


@dataclass(frozen=True)
class RatingFrame:
    score: int
    comment: str


MAX_NAME_CHARS = 200
MAX_CONTACT_MESSAGE_CHARS = 4000
MAX_COMMENT_CHARS = 2000
# Digits with the usual separators and an optional leading +; 5 to 20 digits.
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")


def error(code: str, client_id: object = None) -> dict[str, Any]:
    """An error frame; it names the client_id of the frame it refuses, when there was one."""
    frame: dict[str, Any] = {"type": "error", "code": code, "detail": ERROR_DETAILS[code]}
    if isinstance(client_id, str) and 0 < len(client_id) <= MAX_CLIENT_ID_CHARS:
        frame["client_id"] = client_id
    return frame


def welcome(
    conversation: Conversation,
    token: str,
    municipality: Municipality,
    messages: list[dict[str, Any]],
    status: dict[str, Any],
) -> dict[str, Any]:
    """`status` is a `state` frame: its fields (position, agent, service...) come along."""
    language = conversation.language
    return {
        "type": "welcome",
        "conversation": token,
        **{key: value for key, value in status.items() if key != "type"},
        "language": language,
        "municipality": {
            "slug": municipality.slug,
            "name": municipality.display_name(language),
            "languages": municipality.languages,
            "theme_color": municipality.theme_color,
            "greeting": municipality.greeting(language),
        },
        "limits": {"max_chars": settings.CHAT_MAX_MESSAGE_CHARS},
        "messages": messages,
    }


def state(
    value: str,
    *,
    position: int | None = None,
    estimated_wait_s: int | None = None,
    agent: str | None = None,
    service: dict[str, bool] | None = None,
    rating_requested: bool = False,
    contact_form: bool = False,
) -> dict[str, Any]:
    """Sent when the conversation's state, queue position or agent changes."""
    return {
        "type": "state",
        "state": value,
        "position": position,
        "estimated_wait_s": estimated_wait_s,
        "agent": {"display_name": agent} if agent else None,
        "service": service or {"open": True, "agents_online": False},
        "rating_requested": rating_requested,
        "contact_form": contact_form,
    }


def feedback_ack(seq: int, helpful: bool) -> dict[str, Any]:
    return {"type": "feedback", "seq": seq, "helpful": helpful}


def typing(who: str) -> dict[str, Any]:
    return {"type": "typing", "who": who}


def contact_request_ack() -> dict[str, Any]:
    return {"type": "contact_request", "status": "received"}


def rating_ack(score: int) -> dict[str, Any]:
    return {"type": "rating", "score": score}


def valid_client_id(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_CLIENT_ID_CHARS


def parse_resident_message(frame: dict[str, Any]) -> ResidentMessage | FrameError:
    client_id = frame.get("client_id")
    if not valid_client_id(client_id):
        return FrameError("invalid_client_id")
    text = frame.get("text")
    if not isinstance(text, str):
        return FrameError("invalid_text")
    text = CONTROL_CHARS.sub("", text).strip()
    if not text:
        return FrameError("empty_text")
    if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        return FrameError("text_too_long")
    return ResidentMessage(client_id=client_id, text=text)


def parse_choice(frame: dict[str, Any]) -> Choice | FrameError:
    entry = frame.get("entry")
    if not isinstance(entry, str) or not entry.strip() or len(entry) > 120:
        return FrameError("invalid_entry")
    client_id = frame.get("client_id")
    if client_id is not None and not valid_client_id(client_id):
        return FrameError("invalid_client_id")
    return Choice(entry=entry, client_id=client_id)


def parse_feedback(frame: dict[str, Any]) -> FeedbackFrame | FrameError:
    seq, helpful = frame.get("seq"), frame.get("helpful")
    # bool is an int in Python, and JSON's true must not pass for message 1.
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2**31:
        return FrameError("invalid_feedback")
    if not isinstance(helpful, bool):
        return FrameError("invalid_feedback")
    return FeedbackFrame(seq=seq, helpful=helpful)


def _clean(value: object, limit: int) -> str | None:
    """A string field without control characters and outer space; None if not a string
    or too long."""
    if not isinstance(value, str):
        return None
    value = CONTROL_CHARS.sub("", value).strip()
    return value if len(value) <= limit else None


def _optional(frame: dict[str, Any], key: str) -> object:
    value = frame.get(key)
    return "" if value is None else value


def parse_contact_request(frame: dict[str, Any]) -> ContactFrame | FrameError:
    invalid = FrameError("invalid_contact")
    name = _clean(frame.get("name"), MAX_NAME_CHARS)
    message = _clean(frame.get("message"), MAX_CONTACT_MESSAGE_CHARS)
    email = _clean(_optional(frame, "email"), 254)
    phone = _clean(_optional(frame, "phone"), 30)
    if not name or not message or email is None or phone is None:
        return invalid
    if not email and not phone:
        return invalid
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return invalid
    if phone and not (PHONE_RE.match(phone) and 5 <= sum(c.isdigit() for c in phone) <= 20):
        return invalid
    return ContactFrame(name=name, email=email, phone=phone, message=message)


def parse_rating(frame: dict[str, Any]) -> RatingFrame | FrameError:
    score = frame.get("score")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        return FrameError("invalid_rating")
    comment = _clean(_optional(frame, "comment"), MAX_COMMENT_CHARS)
    if comment is None:
        return FrameError("invalid_rating")
    return RatingFrame(score=score, comment=comment)


def decode_frame(text_data: str | None) -> dict[str, Any] | FrameError:
    """A client's frame as a JSON object with a string "type", or why it is refused.

    Both sockets, resident and agent, take frames in this one shape.
    """
    if text_data is None:
        return FrameError("binary_not_supported")
    if len(text_data.encode()) > settings.CHAT_MAX_FRAME_BYTES:
        return FrameError("frame_too_large")
    try:
        frame = json.loads(text_data)
    except ValueError:
        return FrameError("malformed_json")
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return FrameError("malformed_frame")
    return frame
