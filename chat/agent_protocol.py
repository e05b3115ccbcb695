"""Frames of the agent websocket protocol, defined once (see docs/protocol.md).

Error frames are the resident socket's (chat.protocol.error): one table of codes for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from chat.models import AgentProfile
from chat.protocol import CONTROL_CHARS, FrameError, valid_client_id
from faqbot.languages import LANGUAGE_CODES

STATUSES = tuple(AgentProfile.Status.values)
OPEN_CHATS = ("keep", "requeue")


@dataclass(frozen=True)
class Target:
    """A frame that names one conversation (accept, decline, close, typing)."""

    conversation: int


@dataclass(frozen=True)
class Open:
    conversation: int
    after: int


@dataclass(frozen=True)
class Presence:
    status: str
    open_chats: str


@dataclass(frozen=True)
class Say:
    """An agent's `message` or `note`."""

    conversation: int
    client_id: str
    text: str


@dataclass(frozen=True)
class Transfer:
    conversation: int
    municipality: str | None
    agent: int | None


@dataclass(frozen=True)
class FaqSearch:
    query: str
    municipality: str
    language: str | None


@dataclass(frozen=True)
class ContactHandled:
    request: int


def _id(value: object) -> int | None:
    # JSON true must not pass for id 1.
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def parse_target(frame: dict[str, Any]) -> Target | FrameError:
    conversation = _id(frame.get("conversation"))
    return FrameError("invalid_frame") if conversation is None else Target(conversation)


def parse_open(frame: dict[str, Any]) -> Open | FrameError:
    conversation = _id(frame.get("conversation"))
    after = frame.get("after", 0)
    if conversation is None or not isinstance(after, int) or isinstance(after, bool) or after < 0:
        return FrameError("invalid_frame")
    return Open(conversation, after)


def parse_presence(frame: dict[str, Any]) -> Presence | FrameError:
    status, open_chats = frame.get("status"), frame.get("open_chats", "keep")
    if status not in STATUSES or open_chats not in OPEN_CHATS:
        return FrameError("invalid_frame")
    return Presence(status, open_chats)


def parse_say(frame: dict[str, Any]) -> Say | FrameError:
    conversation = _id(frame.get("conversation"))
    if conversation is None:
        return FrameError("invalid_frame")
    client_id = frame.get("client_id")
    if not valid_client_id(client_id):
        return FrameError("invalid_client_id")
    text = frame.get("text")
    if not isinstance(text, str):
        return FrameError("invalid_text")
    text = CONTROL_CHARS.sub("", text).strip()
    if not text:
        return FrameError("empty_text")
    if len(text) > settings.CHAT_MAX_AGENT_MESSAGE_CHARS:
        return FrameError("text_too_long")
    return Say(conversation, client_id, text)


def parse_transfer(frame: dict[str, Any]) -> Transfer | FrameError:
    conversation = _id(frame.get("conversation"))
    municipality, agent = frame.get("municipality"), frame.get("agent")
    if conversation is None:
        return FrameError("invalid_frame")
    if isinstance(municipality, str) and municipality and agent is None:
        return Transfer(conversation, municipality[:100], None)
    if municipality is None and _id(agent) is not None:
        return Transfer(conversation, None, _id(agent))
    return FrameError("invalid_frame")


def parse_faq_search(frame: dict[str, Any]) -> FaqSearch | FrameError:
    query, municipality = frame.get("query"), frame.get("municipality")
    language = frame.get("language")
    if not isinstance(query, str) or not isinstance(municipality, str):
        return FrameError("invalid_frame")
    if language is not None and language not in LANGUAGE_CODES:
        return FrameError("invalid_frame")
    return FaqSearch(query, municipality[:100], language)


def parse_contact_handled(frame: dict[str, Any]) -> ContactHandled | FrameError:
    request = _id(frame.get("request"))
    return FrameError("invalid_frame") if request is None else ContactHandled(request)


# -- server -> agent --------------------------------------------------------------------------


def agent_info(agent: AgentProfile, municipalities: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": agent.pk,
        "display_name": agent.display_name,
        "status": agent.status,
        "capacity": agent.capacity,
        "municipalities": [{"slug": slug, "name": name} for slug, name in municipalities],
    }


def hello(
    agent: dict[str, Any],
    queue: list[dict[str, Any]],
    mine: list[dict[str, Any]],
    contact_requests: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "type": "hello",
        "agent": agent,
        "queue": queue,
        "mine": mine,
        "contact_requests": contact_requests,
    }


def queue(conversations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "queue", "conversations": conversations}


def conversation(summary: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "conversation", "conversation": summary, "messages": messages}


def state(conversation_id: int, value: str, assigned_to: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "type": "state",
        "conversation": conversation_id,
        "state": value,
        "assigned_to": assigned_to,
    }


def typing(conversation_id: int) -> dict[str, Any]:
    return {"type": "typing", "conversation": conversation_id, "who": "resident"}


def offer(summary: dict[str, Any]) -> dict[str, Any]:
    return {"type": "offer", "conversation": summary}


def offer_cancelled(conversation_id: int) -> dict[str, Any]:
    return {"type": "offer_cancelled", "conversation": conversation_id}


def contact_requests(requests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "contact_requests", "requests": requests}


def faq_results(query: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "faq_results", "query": query, "results": results}


def presence(status: str) -> dict[str, Any]:
    return {"type": "presence", "status": status}
