"""A new FAQ entry from a group of unanswered questions, in the admin's own entry editor.

The admin's add view takes initial values from GET parameters, but a JSONField such as
`alternatives` would receive the parameter's text and encode it once more (a JSON string,
not a list), so the editor is served here instead: the registered FaqEntry admin, with its
fields, permissions and history, extended only to know its initial values and where to go
after saving. Saving re-scores the group's messages (insights.rescoring) and returns to
the unanswered list, which then shows what the bot now answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chat.models import Message
from faqbot.models import FaqEntry, Municipality
from insights import rescoring
from insights.models import Rescore

MAX_ALTERNATIVES = 20
MAX_QUESTION = 500  # FaqEntry.question's length


def suggested_key(municipality: Municipality, text: str) -> str:
    """A free entry id from the municipality and the question's first words."""
    base = f"{municipality.slug}-{slugify(text)}"[:60].strip("-") or municipality.slug
    taken = set(FaqEntry.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def initial_values(
    municipality: Municipality, language: str, messages_: Sequence[Message]
) -> dict[str, Any]:
    """The entry's initial fields: the first message as the question, the rest as
    alternatives (each phrasing once)."""
    texts: list[str] = []
    seen: set[str] = set()
    for message in messages_:
        text = " ".join(message.text.split())[:MAX_QUESTION]
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            texts.append(text)
    question = texts[0] if texts else ""
    return {
        "key": suggested_key(municipality, question),
        "municipality": municipality.pk,
        "language": language,
        "question": question,
        "alternatives": texts[1 : MAX_ALTERNATIVES + 1],
    }


def add_entry(
    request: HttpRequest,
    initial: dict[str, Any],
    message_ids: Sequence[int],
    form_url: str,
    back_url: str,
) -> HttpResponse:
    """The registered entry admin's add view, with these initial values; after saving,
    the messages are re-scored and the user returns to `back_url`."""
    registered = admin.site._registry[FaqEntry]

    class PrefilledEntryAdmin(type(registered)):  # type: ignore[misc]
        def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
            return {**super().get_changeform_initial_data(request), **initial}

        def response_add(
            self, request: HttpRequest, obj: Model, post_url_continue: str | None = None
        ) -> HttpResponse:
            results = rescoring.rescore(message_ids)
            answered = sum(1 for r in results if r.outcome == Rescore.Outcome.ANSWER)
            messages.success(
                request,
                ngettext(
                    "The entry “%(entry)s” was saved. The bot now answers %(answered)s of "
                    "%(count)s message of the group.",
                    "The entry “%(entry)s” was saved. The bot now answers %(answered)s of "
                    "%(count)s messages of the group.",
                    len(results),
                )
                % {"entry": obj, "answered": answered, "count": len(results)},
            )
            return HttpResponseRedirect(back_url)

    editor = PrefilledEntryAdmin(FaqEntry, admin.site)
    request.current_app = admin.site.name
    response = editor.add_view(request, form_url=form_url)
    if hasattr(response, "context_data"):
        response.context_data["title"] = _("New FAQ entry from unanswered questions")
    return response
