"""The agent dashboard's pages: login, logout and the dashboard itself (issue 4).

The dashboard is one page; everything live comes over the agent socket (/ws/agent/,
docs/protocol.md). These views only check who is asking and hand the page its
configuration and its strings, translated into the agent's language by LocaleMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from chat.models import AgentProfile, Conversation
from faqbot.languages import LANGUAGE_CODES
from faqbot.models import FaqEntry, Municipality

LOGIN_URL = reverse_lazy("agent:login")


def agent_profile(user: AbstractBaseUser | AnonymousUser) -> AgentProfile | None:
    """The user's agent profile, or None: an agent is a user with a profile."""
    if not user.is_authenticated:
        return None
    try:
        return user.agent_profile  # type: ignore[union-attr]
    except (AttributeError, ObjectDoesNotExist):
        return None


class AgentLoginView(auth_views.LoginView):
    template_name = "chat/agent/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("agent:dashboard")


class AgentLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("agent:login")


def _forms(translate: Callable[[int], str]) -> list[str]:
    # fi, sv and en all have two forms (one, other); the page picks by n == 1. The ngettext
    # calls stay literal at the call sites so that makemessages finds them.
    return [translate(1), translate(2)]


def client_strings() -> dict[str, Any]:
    """Every string the dashboard's script shows, in the active language."""
    return {
        "connecting": gettext("Connecting…"),
        "connected": gettext("Connected"),
        "reconnecting": gettext("Connection lost. Reconnecting…"),
        "sessionEnded": gettext("Your session has ended."),
        "logInAgain": gettext("Log in again"),
        "notAnAgent": gettext("This account is not a customer-service agent."),
        "dismiss": gettext("Dismiss"),
        "cancel": gettext("Cancel"),
        "capacity": gettext("Chats: %(n)s / %(capacity)s"),
        "notifyOn": gettext("Desktop notifications are on."),
        "notifyBlocked": gettext(
            "Desktop notifications are blocked. You can allow them in the browser's site settings."
        ),
        "notifyUnsupported": gettext("This browser does not support desktop notifications."),
        "newChat": gettext("New chat waiting: %(municipality)s"),
        "newOffer": gettext("A chat is offered to you: %(municipality)s"),
        "givenToYou": gettext("A chat was transferred to you: %(title)s"),
        "offlineTitle": gettext("Going offline"),
        "offlineOpenChats": _forms(
            lambda n: ngettext(
                "You have %(n)s open chat. What should happen to it?",
                "You have %(n)s open chats. What should happen to them?",
                n,
            )
        ),
        "keepChats": gettext("Keep them for me"),
        "requeueChats": gettext("Return them to the queue"),
        "waitingCount": _forms(lambda n: ngettext("%(n)s waiting", "%(n)s waiting", n)),
        "waiting": gettext("Waiting %(time)s"),
        "noFirstMessage": gettext("(no message yet)"),
        "botGuesses": gettext("The bot's best guesses:"),
        "noGuesses": gettext("The bot had no guesses."),
        "accept": gettext("Accept"),
        "decline": gettext("Decline"),
        "takenBy": gettext("Taken by %(name)s"),
        "accepted": gettext("Chat %(title)s opened."),
        "chatTitle": gettext("%(municipality)s #%(id)s"),
        "assignedTo": gettext("with %(name)s"),
        "transfer": gettext("Transfer"),
        "closeChat": gettext("Close conversation"),
        "removeFromView": gettext("Remove from view"),
        "faqTitle": gettext("Canned answers from the FAQ"),
        "faqSearch": gettext("Search the FAQ"),
        "search": gettext("Search"),
        "searching": gettext("Searching…"),
        "faqFound": _forms(
            lambda n: ngettext(
                "%(n)s answer found for “%(query)s”.", "%(n)s answers found for “%(query)s”.", n
            )
        ),
        "insert": gettext("Insert into reply"),
        "reply": gettext("Reply to the resident"),
        "replyPlaceholder": gettext("Write a reply…"),
        "noteMode": gettext("Internal note (the resident does not see it)"),
        "noteLabel": gettext("Internal note"),
        "notePlaceholder": gettext("Write a note for customer service…"),
        "addNote": gettext("Add note"),
        "send": gettext("Send"),
        "composerHint": gettext("Enter sends, Shift+Enter starts a new line."),
        "charCount": gettext("%(n)s / %(max)s characters"),
        "unread": _forms(lambda n: ngettext("%(n)s new", "%(n)s new", n)),
        "bannerClosed": gettext("This conversation is closed."),
        "bannerAbandoned": gettext("The resident left before anyone answered."),
        "bannerRequeued": gettext("This conversation is back in the queue."),
        "bannerTransferred": gettext("This conversation is now with %(name)s."),
        "chatEnded": gettext("%(title)s: %(state)s"),
        "internalNoteTag": pgettext(
            "label on a message", "Internal note – not shown to the resident"
        ),
        "considered": gettext("Entries the bot considered:"),
        "offeredChoices": gettext("Offered as choices: %(list)s"),
        "newMessageIn": gettext("New message in %(title)s"),
        "sending": gettext("Sending…"),
        "notSent": gettext("Not sent"),
        "residentTyping": gettext("The resident is typing…"),
        "transferTitle": gettext("Transfer %(title)s"),
        "transferTo": gettext("Transfer to"),
        "transferToQueue": gettext("A municipality's queue"),
        "transferToAgent": gettext("Another online agent"),
        "transferMunicipality": gettext("Municipality"),
        "transferAgent": gettext("Agent"),
        "backToQueue": gettext("%(municipality)s (back to its queue)"),
        "noAgentsKnown": gettext("No other online agent is known to this page right now."),
        "transferConfirm": gettext("Transfer"),
        "closeTitle": gettext("Close %(title)s?"),
        "closeExplain": gettext(
            "The resident is told that the conversation has ended and is asked for a rating."
        ),
        "closeConfirm": gettext("Close conversation"),
        "email": gettext("Email"),
        "phone": gettext("Phone"),
        "received": gettext("Received"),
        "transcript": gettext("Transcript"),
        "newTab": gettext("(opens in a new tab)"),
        "markHandled": gettext("Mark handled"),
        "handled": gettext("Handled"),
        "openCount": _forms(lambda n: ngettext("%(n)s open", "%(n)s open", n)),
        "languages": {
            "fi": gettext("Finnish"),
            "sv": gettext("Swedish"),
            "en": gettext("English"),
        },
        "states": {
            "bot": pgettext("conversation state", "with the bot"),
            "queued": pgettext("conversation state", "in the queue"),
            "assigned": pgettext("conversation state", "with an agent"),
            "closed": pgettext("conversation state", "closed"),
            "abandoned": pgettext("conversation state", "abandoned"),
        },
        "senders": {
            "resident": gettext("Resident"),
            "bot": gettext("Bot"),
            "agent": gettext("Agent"),
            "system": gettext("System"),
        },
        "errors": {
            "already_taken": gettext("Another agent already took that chat."),
            "at_capacity": gettext(
                "You already have as many chats as you can take. Close one first."
            ),
            "not_found": gettext("That conversation is not available to you."),
            "conversation_closed": gettext("That conversation has already ended."),
            "not_assigned": gettext("That conversation is not assigned to you."),
            "invalid_frame": gettext("The server did not understand the request."),
            "rate_limited": gettext("Too many messages too quickly. Wait a moment."),
            "text_too_long": gettext("The message is too long."),
            "empty_text": gettext("The message is empty."),
            "offline": gettext("Not connected. Wait until the connection is back."),
            "other": gettext("Something went wrong. Try again."),
        },
    }


def client_config(request: HttpRequest) -> dict[str, Any]:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    if language not in LANGUAGE_CODES:
        language = settings.LANGUAGE_CODE
    municipalities = Municipality.objects.order_by("name").only("slug", "name", "name_sv")
    return {
        "lang": language,
        "wsPath": "/ws/agent/",
        # Agents paste FAQ answers, so their limit may be above the residents'.
        "maxChars": getattr(
            settings, "CHAT_MAX_AGENT_MESSAGE_CHARS", settings.CHAT_MAX_MESSAGE_CHARS
        ),
        "loginUrl": reverse("agent:login"),
        # A placeholder id the script replaces; see contactRow in dashboard.js.
        "transcriptUrl": reverse("agent:transcript", args=[0]),
        # Transfers may go to any municipality's queue, not only those this agent serves.
        "municipalities": [
            {"slug": m.slug, "name": m.display_name(language)} for m in municipalities
        ],
    }


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "chat/agent/not_an_agent.html", status=403)


@require_GET
@never_cache
@login_required(login_url=LOGIN_URL)
def dashboard(request: HttpRequest) -> HttpResponse:
    profile = agent_profile(request.user)
    if profile is None:
        return _forbidden(request)
    return render(
        request,
        "chat/agent/dashboard.html",
        {
            "profile": profile,
            "client_strings": client_strings(),
            "client_config": client_config(request),
        },
    )


@require_GET
@never_cache
@login_required(login_url=LOGIN_URL)
def transcript(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A conversation's whole transcript, for a contact request: only within the agent's
    municipalities; any other id, real or guessed, is the same 404."""
    profile = agent_profile(request.user)
    if profile is None:
        return _forbidden(request)
    served = profile.municipalities.all()
    conversation = (
        Conversation.objects.select_related("municipality")
        .filter(Q(municipality__in=served) | Q(service_municipality__in=served), pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404
    messages = list(conversation.messages.select_related("agent").order_by("seq"))
    keys = {c.get("id") for m in messages for c in m.candidates or [] if isinstance(c, dict)}
    questions = dict(
        FaqEntry.objects.filter(key__in=[k for k in keys if k]).values_list("key", "question")
    )
    rows = [
        {
            "message": m,
            "internal": bool(getattr(m, "internal", False)),
            "candidates": [
                {
                    "id": c.get("id"),
                    "question": questions.get(c.get("id"), ""),
                    "confidence": c.get("confidence"),
                }
                for c in m.candidates or []
                if isinstance(c, dict)
            ],
        }
        for m in messages
    ]
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return render(
        request,
        "chat/agent/transcript.html",
        {
            "conversation": conversation,
            "municipality_name": conversation.municipality.display_name(language),
            "rows": rows,
        },
    )
