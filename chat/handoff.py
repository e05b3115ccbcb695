"""Handing a conversation from the bot to people. The transition itself lives with every
other one in chat.lifecycle; this name stays for the bot's callers."""

from __future__ import annotations

from chat.lifecycle import Handoff, request_handoff

__all__ = ["Handoff", "request_handoff"]
