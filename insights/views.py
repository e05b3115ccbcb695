"""The insights pages: thin views that check who asks and call the modules named for
what they do (analytics, unanswered, rescoring, dismissal, entry_editor)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat.models import Message
from faqbot.languages import LANGUAGE_CODES
from faqbot.models import Municipality
from insights import analytics as analytics_queries
from insights import csv_export, dismissal, entry_editor, reports, rescoring, unanswered
from insights.access import visible_municipalities
from insights.filters import SelectionForm
from insights.models import DismissedGroup, Rescore

GROUPS_PER_PAGE = 25
MAX_GROUP_MESSAGES = 200  # ids a form carries for re-scoring or a new entry


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def _form(request: HttpRequest) -> SelectionForm:
    return SelectionForm(request.GET, visible_municipalities(request.user))


@staff_member_required
@require_GET
def analytics(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    context = _context(request, _("Service analytics"), form=form)
    if not form.is_valid():
        return render(request, "insights/analytics.html", context, status=400)
    selection = form.selection()
    context.update(selection=selection, **reports.analytics_page(selection))
    return render(request, "insights/analytics.html", context)


@staff_member_required
@require_GET
def analytics_csv(request: HttpRequest, name: str) -> HttpResponse:
    if name not in reports.CSV_TABLES:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    selection = form.selection()
    return csv_export.csv_response(reports.csv_table(name, selection), selection)


@staff_member_required
@require_GET
def unanswered_list(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    context = _context(request, _("Unanswered questions"), form=form)
    if not form.is_valid():
        return render(request, "insights/unanswered.html", context, status=400)
    selection = form.selection()
    with analytics_queries.reading():
        listing = unanswered.group_unanswered(selection)
        page = Paginator(listing.groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        unanswered.attach_messages(shown, selection)
    unanswered.attach_rescores(shown)
    names = {m.pk: m for m in selection.municipalities}
    for group in page.object_list:
        group.municipality = names.get(group.municipality_id)
    context.update(
        selection=selection,
        listing=listing,
        page=page,
    )
    return render(request, "insights/unanswered.html", context)


def _back(request: HttpRequest, data: QueryDict) -> str:
    """The unanswered list with the selection the form came from (validated, so that no
    foreign address slips into a redirect)."""
    form = SelectionForm(data, visible_municipalities(request.user))
    url = reverse("insights:unanswered")
    return f"{url}?{form.selection().query()}" if form.is_valid() else url


def _group(request: HttpRequest, data: QueryDict) -> tuple[Municipality, str, list[Message]]:
    """The group a form names: its municipality (visible to the user), language and
    messages (resident messages of that municipality, in the order given)."""
    municipality = get_object_or_404(
        visible_municipalities(request.user), slug=data.get("group_municipality", "")
    )
    language = data.get("language", "")
    if language not in LANGUAGE_CODES:
        raise Http404
    try:
        ids = [int(i) for i in data.get("messages", "").split(",") if i][:MAX_GROUP_MESSAGES]
    except ValueError as error:
        raise Http404 from error
    found = Message.objects.filter(
        pk__in=ids, sender=Message.Sender.RESIDENT, conversation__municipality=municipality
    ).in_bulk()
    group = [found[i] for i in ids if i in found]
    if not group:
        raise Http404
    return municipality, language, group


@staff_member_required
@require_http_methods(["GET", "POST"])
def new_entry(request: HttpRequest) -> HttpResponse:
    # The group comes in the URL, also when the editor's form is posted back to it: the
    # posted fields are the entry's own.
    municipality, language, group = _group(request, request.GET)
    initial = entry_editor.initial_values(municipality, language, group)
    return entry_editor.add_entry(
        request,
        initial,
        [m.pk for m in group],
        form_url=request.get_full_path(),
        back_url=_back(request, request.GET),
    )


@staff_member_required
@require_POST
def rescore(request: HttpRequest) -> HttpResponse:
    _municipality, _language, group = _group(request, request.POST)
    results = rescoring.rescore(m.pk for m in group)
    answered = sum(1 for r in results if r.outcome == Rescore.Outcome.ANSWER)
    messages.success(
        request,
        ngettext(
            "Checked again with the current FAQ: the bot now answers %(answered)s of "
            "%(count)s message.",
            "Checked again with the current FAQ: the bot now answers %(answered)s of "
            "%(count)s messages.",
            len(results),
        )
        % {"answered": answered, "count": len(results)},
    )
    return HttpResponseRedirect(_back(request, request.POST))


@staff_member_required
@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    municipality, _language, group = _group(request, request.POST)
    dismissed = dismissal.dismiss(request.user, municipality, group[0].pk)
    if dismissed is None:
        raise Http404
    messages.success(
        request,
        _("“%(text)s” and questions like it are now hidden as not for the FAQ.")
        % {"text": dismissed.example},
    )
    return HttpResponseRedirect(_back(request, request.POST))


@staff_member_required
@require_http_methods(["GET", "POST"])
def dismissed_list(request: HttpRequest) -> HttpResponse:
    visible = visible_municipalities(request.user)
    if request.method == "POST":
        dismissed = get_object_or_404(
            DismissedGroup, pk=request.POST.get("dismissed"), municipality__in=visible
        )
        dismissal.restore(dismissed)
        messages.success(
            request,
            _("“%(text)s” is shown among the unanswered questions again.")
            % {"text": dismissed.example},
        )
        return HttpResponseRedirect(reverse("insights:dismissed"))
    rows = DismissedGroup.objects.filter(municipality__in=visible).select_related(
        "municipality", "dismissed_by"
    )
    return render(
        request,
        "insights/dismissed.html",
        _context(request, _("Hidden as not for the FAQ"), dismissed=rows),
    )
