"""The FAQ editors' pages beside Django admin's own, in its look (FaqEntryAdmin.get_urls).

Each view checks the user's permission through the model admin (faqbot.permissions behind
it), parses its input with a form and calls the module that does the work.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from faqbot import import_preview
from faqbot import try_question as trials
from faqbot.answer_links import link_problems
from faqbot.entry_history import deleted_entries
from faqbot.faq_csv import write_csv
from faqbot.faq_io import FaqImportError, export_faq
from faqbot.forms import ImportForm, MarkdownPreviewForm, TryEditForm, TryQuestionForm
from faqbot.languages import LANGUAGE_CHOICES, LANGUAGE_CODES
from faqbot.permissions import scope_for
from faqbot.rendering import render_markdown
from faqbot.translation_groups import expected_languages, group_entries, translation_key

if TYPE_CHECKING:
    from faqbot.admin import FaqEntryAdmin


def _context(model_admin: FaqEntryAdmin, request: HttpRequest, title: str) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
    }


def _may_edit_something(model_admin: FaqEntryAdmin, request: HttpRequest) -> bool:
    return model_admin.has_add_permission(request) or model_admin.has_change_permission(request)


def entry_form_context(model_admin: FaqEntryAdmin, request: HttpRequest) -> dict[str, Any]:
    """What the change form's "try a question" panel offers."""
    municipalities = list(scope_for(request.user).trial_municipalities())
    return {
        "trial_municipalities": municipalities,
        "trial_languages": LANGUAGE_CHOICES,
    }


@require_GET
def try_question(request: HttpRequest, model_admin: FaqEntryAdmin) -> HttpResponse:
    """A message, a municipality and a language in; what the bot would do, explained, out."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    municipalities = scope_for(request.user).trial_municipalities()
    form = TryQuestionForm(request.GET or None, municipalities=municipalities)
    trial = None
    if form.is_bound and form.is_valid():
        trial = trials.try_question(
            form.cleaned_data["text"],
            form.cleaned_data["municipality"],
            form.cleaned_data["language"],
        )
    context = {
        **_context(model_admin, request, gettext("Try a question")),
        "form": form,
        "trial": trial,
    }
    return TemplateResponse(request, "admin/faqbot/faqentry/try_question.html", context)


@require_POST
def try_edit(
    request: HttpRequest, model_admin: FaqEntryAdmin, object_id: str | None = None
) -> HttpResponse:
    """The change form's unsaved values tried against a message: before and after.

    The change form posts here as it is (its own fields and the panel's try_ fields); the
    page's script asks for the fragment alone and shows it in the form.
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    entry = None
    if object_id is not None:
        entry = model_admin.get_object(request, object_id)
        if entry is None or not model_admin.has_view_permission(request, entry):
            raise Http404
    form = TryEditForm(request.POST, municipalities=scope_for(request.user).trial_municipalities())
    result = None
    if form.is_valid():
        data = form.cleaned_data
        result = trials.try_edit(
            data["try_text"],
            data["try_municipality"],
            data["try_language"],
            trials.edited_doc(data),
            entry.key if entry else None,
        )
    fragment = request.GET.get("fragment") == "1"
    context = {
        **_context(model_admin, request, gettext("Before and after your edit")),
        "form": form,
        "result": result,
        "entry": entry,
    }
    template = (
        "admin/faqbot/faqentry/try_edit_result.html"
        if fragment
        else ("admin/faqbot/faqentry/try_edit.html")
    )
    return TemplateResponse(request, template, context, status=200 if result else 400)


@require_POST
def preview_markdown(request: HttpRequest, model_admin: FaqEntryAdmin) -> JsonResponse:
    """The answer as residents would see it (sanitised), and its links' problems."""
    if not _may_edit_something(model_admin, request):
        raise PermissionDenied
    form = MarkdownPreviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": gettext("The text is too long to preview.")}, status=400)
    text = form.cleaned_data["text"]
    return JsonResponse(
        {
            "html": render_markdown(text),
            "problems": [problem.message() for problem in link_problems(text)],
        }
    )


def _preview_response(
    model_admin: FaqEntryAdmin,
    request: HttpRequest,
    upload: import_preview.Upload,
    plan: Any,
    status: int = 200,
) -> HttpResponse:
    context = {
        **_context(model_admin, request, gettext("Import preview")),
        "upload": upload,
        "plan": plan,
    }
    return TemplateResponse(
        request, "admin/faqbot/faqentry/import_preview.html", context, status=status
    )


def import_upload(request: HttpRequest, model_admin: FaqEntryAdmin) -> HttpResponse:
    """Upload a file; the answer is its preview. Nothing is written here."""
    if not _may_edit_something(model_admin, request):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        upload = import_preview.read_upload(file.name, file.read())
        plan = import_preview.preview(upload, request.user)
        import_preview.remember(request.session, upload)
        return _preview_response(model_admin, request, upload, plan)
    context = {**_context(model_admin, request, gettext("Import FAQ entries")), "form": form}
    return TemplateResponse(request, "admin/faqbot/faqentry/import_form.html", context)


@require_POST
def import_apply(request: HttpRequest, model_admin: FaqEntryAdmin) -> HttpResponse:
    """Write the previewed file, all or nothing, after validating it again."""
    if not _may_edit_something(model_admin, request):
        raise PermissionDenied
    upload = import_preview.recall(request.session, request.POST.get("digest", ""))
    if upload is None:
        messages.error(
            request,
            gettext("That preview is no longer available. Upload the file again."),
        )
        return redirect("admin:faqbot_faqentry_import")
    try:
        report = import_preview.apply(upload, request.user)
    except FaqImportError:
        # Something changed since the preview: show what is wrong now; nothing was written.
        plan = import_preview.preview(upload, request.user)
        return _preview_response(model_admin, request, upload, plan, status=409)
    import_preview.forget(request.session)
    messages.success(
        request,
        ngettext(
            "Imported: %(created)d entry created, %(updated)d changed, %(unchanged)d left alone.",
            "Imported: %(created)d entries created, %(updated)d changed, %(unchanged)d left alone.",
            report.created,
        )
        % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    )
    return redirect("admin:faqbot_faqentry_changelist")


@require_GET
def export(request: HttpRequest, model_admin: FaqEntryAdmin, kind: str) -> HttpResponse:
    """The entries the list shows (its filters apply), as JSON or CSV."""
    if kind not in ("json", "csv"):
        raise Http404
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    changelist = model_admin.get_changelist_instance(request)
    scope = scope_for(request.user)
    municipalities = (
        None if scope.everything else scope.editable_municipalities()
    )  # editors: their own municipalities' settings, which they can import back unchanged
    data = export_faq(changelist.queryset, municipalities)
    stamp = timezone.localdate().isoformat()
    if kind == "csv":
        # A byte-order mark, so that Excel reads the file as UTF-8 (ä, ö, å).
        response = HttpResponse("\ufeff" + write_csv(data), content_type="text/csv; charset=utf-8")
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kuntachat-faq-{stamp}.{kind}"'
    return response


@require_GET
def translations(request: HttpRequest, model_admin: FaqEntryAdmin, object_id: str) -> HttpResponse:
    """The entry and its translations side by side, a column a language."""
    entry = model_admin.get_object(request, object_id)
    if entry is None or not model_admin.has_view_permission(request, entry):
        raise Http404
    members = group_entries(entry)
    by_language = {e.language: e for e in members}
    languages = [code for code in LANGUAGE_CODES if code in by_language] + [
        code for code in expected_languages(entry) if code not in by_language
    ]
    names = dict(LANGUAGE_CHOICES)
    columns = [
        {
            "language": code,
            "name": names[code],
            "entry": by_language.get(code),
            "answer_html": render_markdown(by_language[code].answer) if code in by_language else "",
            "can_change": code in by_language
            and model_admin.has_change_permission(request, by_language[code]),
            "new_key": translation_key(entry.key, code),
        }
        for code in languages
    ]
    context = {
        **_context(model_admin, request, gettext("Translations of “%(entry)s”") % {"entry": entry}),
        "entry": entry,
        "columns": columns,
        "can_add": model_admin.has_add_permission(request)
        and scope_for(request.user).can_edit(entry.municipality_id),
    }
    return TemplateResponse(request, "admin/faqbot/faqentry/translations.html", context)


@require_GET
def deleted(request: HttpRequest, model_admin: FaqEntryAdmin) -> HttpResponse:
    """Entries deleted and still gone, with links to their history, to restore them."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    context = {
        **_context(model_admin, request, gettext("Deleted entries")),
        "rows": deleted_entries(scope_for(request.user)),
    }
    return TemplateResponse(request, "admin/faqbot/faqentry/deleted.html", context)
