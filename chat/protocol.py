"""Frames of the resident websocket protocol, defined once (see docs/protocol.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings

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
) -> dict[str, Any]:
    language = conversation.language
    return {
        "type": "welcome",
        "conversation": token,
        "state": conversation.state,
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


def state(value: str) -> dict[str, Any]:
    """Sent when the conversation's state changes while the socket is open."""
    return {"type": "state", "state": value}


def feedback_ack(seq: int, helpful: bool) -> dict[str, Any]:
    return {"type": "feedback", "seq": seq, "helpful": helpful}


def _valid_client_id(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_CLIENT_ID_CHARS


def parse_resident_message(frame: dict[str, Any]) -> ResidentMessage | FrameError:
    client_id = frame.get("client_id")
    if not _valid_client_id(client_id):
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
    if client_id is not None and not _valid_client_id(client_id):
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
