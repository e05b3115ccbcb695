from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.fields.related import ForeignKey
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from faqbot import admin_views
from faqbot.entry_history import last_version
from faqbot.forms import FaqEntryAdminForm
from faqbot.languages import LANGUAGE_CHOICES
from faqbot.models import EditorProfile, FaqEntry, Municipality
from faqbot.permissions import scope_for
from faqbot.rendering import render_markdown
from faqbot.translation_groups import (
    attach_group_languages,
    group_entries,
    link,
    link_problem,
    missing_languages,
    unlink,
)

LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "languages", "theme_color"]
    search_fields = ["name", "name_sv", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["slug", "name", "name_sv", "languages", "theme_color"]}),
        (_("Widget"), {"fields": ["allowed_origins"]}),
        (_("Greeting"), {"fields": ["greeting_fi", "greeting_sv", "greeting_en"]}),
        (_("Bot"), {"fields": ["answer_threshold", "suggest_threshold"]}),
        (_("Customer service"), {"fields": ["routing_mode"]}),
    ]


@admin.register(EditorProfile)
class EditorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "edited"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    filter_horizontal = ["municipalities"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super().get_queryset(request).select_related("user").prefetch_related("municipalities")
        )

    @admin.display(description=_("municipalities edited"))
    def edited(self, profile: EditorProfile) -> str:
        return ", ".join(m.name for m in profile.municipalities.all())


class SharedFilter(admin.SimpleListFilter):
    title = _("scope")
    parameter_name = "scope"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("shared", _("Shared by all")), ("own", _("One municipality's"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "shared":
            return queryset.filter(municipality__isnull=True)
        if self.value() == "own":
            return queryset.filter(municipality__isnull=False)
        return queryset


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("translation missing")
    parameter_name = "missing"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return LANGUAGE_CHOICES

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in LANGUAGE_NAMES:
            return queryset
        translated = FaqEntry.objects.filter(
            translation_group=OuterRef("translation_group"), language=self.value()
        )
        return queryset.filter(~Exists(translated))


class FaqEntryChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # One query for the whole page's translation groups, not one a row.
        attach_group_languages(self.result_list)


@admin.register(FaqEntry)
class FaqEntryAdmin(SimpleHistoryAdmin):
    """FAQ entries, narrowed to what the user edits (faqbot.permissions).

    Every refusal is enforced at the object level as well as in the forms: the list and the
    object views see only visible entries, changes and deletions only editable ones, and the
    municipality field offers only editable municipalities.
    """

    list_display = [
        "question",
        "municipality_or_shared",
        "language",
        "category",
        "translations_missing",
        "published",
        "updated",
    ]
    list_filter = [
        SharedFilter,
        ("municipality", admin.RelatedOnlyFieldListFilter),
        "language",
        MissingTranslationFilter,
        "category",
        "published",
    ]
    form = FaqEntryAdminForm
    list_editable = ["published"]
    list_select_related = ["municipality"]
    search_fields = ["key", "question", "alternatives", "answer"]
    readonly_fields = ["answer_preview", "translations", "created", "updated"]
    actions = ["publish", "unpublish", "link_translations", "unlink_translations"]
    fieldsets = [
        (None, {"fields": ["key", "municipality", "language", "category"]}),
        (_("Content"), {"fields": ["question", "alternatives", "answer", "answer_preview"]}),
        (_("Translations"), {"fields": ["translations", "translation_group"]}),
        (None, {"fields": ["published", "created", "updated"]}),
    ]
    change_form_template = "admin/faqbot/faqentry/change_form.html"
    change_list_template = "admin/faqbot/faqentry/change_list.html"
    object_history_template = "admin/faqbot/faqentry/object_history.html"
    object_history_list_template = "admin/faqbot/faqentry/object_history_list.html"
    object_history_form_template = "admin/faqbot/faqentry/object_history_form.html"

    # -- who sees and edits what ------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_for(request.user).visible_entries(super().get_queryset(request))

    def has_view_permission(self, request: HttpRequest, obj: FaqEntry | None = None) -> bool:
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or scope_for(request.user).can_view(obj.municipality_id))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and scope_for(request.user).edits_anything

    def has_change_permission(self, request: HttpRequest, obj: FaqEntry | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or scope_for(request.user).can_edit_entry(obj))

    def has_delete_permission(self, request: HttpRequest, obj: FaqEntry | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or scope_for(request.user).can_edit_entry(obj))

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "municipality":
            scope = scope_for(request.user)
            kwargs["queryset"] = scope.editable_municipalities()
            kwargs["required"] = not scope.shared
            kwargs["empty_label"] = gettext("Shared by all municipalities")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "translation_group":
            # Set by "add a translation" links and kept as it is; linking and unlinking
            # existing entries are actions of the list.
            kwargs["widget"] = forms.HiddenInput
            kwargs["required"] = False
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: FaqEntry | None = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the group's id says nothing to a reader.
            return [
                (name, {**options, "fields": [f for f in options["fields"]
                                              if f != "translation_group"]})
                for name, options in fieldsets
            ]  # fmt: skip
        return fieldsets

    def _check_editable(self, request: HttpRequest, obj: FaqEntry) -> None:
        """Refuse a save that starts or ends outside the user's municipalities."""
        scope = scope_for(request.user)
        before = None
        if obj.pk is not None:
            before = FaqEntry.objects.filter(pk=obj.pk).values_list("municipality_id").first()
        if (before is not None and not scope.can_edit(before[0])) or not scope.can_edit(
            obj.municipality_id
        ):
            raise PermissionDenied

    def save_model(self, request: HttpRequest, obj: FaqEntry, form: Any, change: bool) -> None:
        self._check_editable(request, obj)
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: FaqEntry) -> None:
        self._check_editable(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        scope = scope_for(request.user)
        if queryset.exclude(pk__in=scope.editable_entries(queryset).values("pk")).exists():
            raise PermissionDenied
        # One by one, so that each deletion leaves its row in the history.
        for entry in queryset:
            entry._history_user = request.user
            entry.delete()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return FaqEntryChangeList

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        formset = super().get_changelist_formset(request, **kwargs)
        scope = scope_for(request.user)

        class RowForm(formset.form):  # type: ignore[name-defined,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                # The admin's inline checkboxes have no label of their own (axe: label).
                self.fields["published"].widget.attrs["aria-label"] = gettext(
                    "Published: %(question)s"
                ) % {"question": self.instance.question}
                # A disabled field keeps its value whatever is posted.
                if self.instance.pk and not scope.can_edit_entry(self.instance):
                    self.fields["published"].disabled = True

        formset.form = RowForm
        return formset

    # -- the list's columns and the form's read-only fields ----------------------------------

    @admin.display(description=_("municipality"), ordering="municipality__name")
    def municipality_or_shared(self, entry: FaqEntry) -> str:
        return entry.municipality.name if entry.municipality else str(_("Shared by all"))

    @admin.display(description=_("missing translations"))
    def translations_missing(self, entry: FaqEntry) -> SafeString | str:
        missing = missing_languages(entry)
        if not missing:
            return "–"
        url = reverse("admin:faqbot_faqentry_translations", args=[entry.pk])
        names = ", ".join(str(LANGUAGE_NAMES[code]) for code in missing)
        return format_html('<a href="{}">{}</a>', url, names)

    @admin.display(description=_("answer as residents see it"))
    def answer_preview(self, entry: FaqEntry) -> SafeString:
        # The rendered answer has passed nh3, so it is safe to mark as such here. The live
        # preview (faqbot/entry_form.js) replaces the content as the editor types.
        return format_html(
            '<div id="faq-answer-preview" class="faq-answer-preview">{}</div>',
            SafeString(render_markdown(entry.answer or "")),
        )

    @admin.display(description=_("translations"))
    def translations(self, entry: FaqEntry) -> SafeString | str:
        if entry.pk is None:
            return gettext("Save the entry first; then you can add its translations.")
        others = [e for e in group_entries(entry) if e.pk != entry.pk]
        listed = format_html_join(
            ", ",
            '<a href="{}" lang="{}">{}: {}</a>',
            (
                (
                    reverse("admin:faqbot_faqentry_change", args=[e.pk]),
                    e.language,
                    LANGUAGE_NAMES[e.language],
                    e.question,
                )
                for e in others
            ),
        )
        side_by_side = reverse("admin:faqbot_faqentry_translations", args=[entry.pk])
        return format_html(
            '{} <a href="{}">{}</a>',
            listed if others else gettext("None yet."),
            side_by_side,
            gettext("Open the translations side by side"),
        )

    # -- actions ----------------------------------------------------------------------------

    def _editable(self, request: HttpRequest, queryset: QuerySet) -> tuple[list[FaqEntry], int]:
        entries = list(scope_for(request.user).editable_entries(queryset))
        return entries, queryset.count() - len(entries)

    def _report_skipped(self, request: HttpRequest, skipped: int) -> None:
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d entry was left alone: you may not edit it.",
                    "%(count)d entries were left alone: you may not edit them.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def _set_published(self, request: HttpRequest, queryset: QuerySet, value: bool) -> None:
        entries, skipped = self._editable(request, queryset)
        for entry in entries:
            entry.published = value
            entry._history_user = request.user
            entry.save(update_fields=["published", "updated"])
        self._report_skipped(request, skipped)

    @admin.action(description=_("Publish the selected entries"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_published(request, queryset, True)

    @admin.action(description=_("Unpublish the selected entries"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_published(request, queryset, False)

    @admin.action(
        description=_("Link the selected entries as translations of one another"),
        permissions=["change"],
    )
    def link_translations(self, request: HttpRequest, queryset: QuerySet) -> None:
        entries, skipped = self._editable(request, queryset)
        if skipped:
            self._report_skipped(request, skipped)
            return
        problem = link_problem(entries)
        if problem:
            self.message_user(request, problem, messages.ERROR)
            return
        link(entries)
        self.message_user(
            request,
            gettext("Linked %(count)d entries as translations.") % {"count": len(entries)},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Unlink the selected entries from their translations"),
        permissions=["change"],
    )
    def unlink_translations(self, request: HttpRequest, queryset: QuerySet) -> None:
        entries, skipped = self._editable(request, queryset)
        count = unlink(entries)
        self._report_skipped(request, skipped)
        self.message_user(
            request,
            ngettext(
                "%(count)d entry unlinked from its translations.",
                "%(count)d entries unlinked from their translations.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    # -- history (django-simple-history) ----------------------------------------------------

    def history_view_title(self, request: HttpRequest, obj: FaqEntry) -> str:
        return gettext("History: %(entry)s") % {"entry": obj}

    def history_form_view_title(self, request: HttpRequest, obj: FaqEntry) -> str:
        return gettext("Restore an earlier version: %(entry)s") % {"entry": obj}

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        # Another municipality's entry is missing, as in the rest of the admin, rather than
        # forbidden (which would tell that it exists). A deleted entry's history is shown to
        # those who could see it when it was deleted.
        if self.get_object(request, object_id) is None:
            last = last_version(object_id)
            if last is None or not scope_for(request.user).can_view(last.municipality_id):
                raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        # The library checks the old version; the entry as it is now must be the user's too,
        # or restoring would carry another municipality's entry into theirs. A deleted entry
        # is restored by those who may add entries to its municipality.
        scope = scope_for(request.user)
        current = self.get_object(request, object_id)
        if current is None:
            last = last_version(object_id)
            if last is None or last.history_type != "-" or not scope.can_view(last.municipality_id):
                raise PermissionDenied
            may_restore = self.has_add_permission(request) and scope.can_edit(last.municipality_id)
        else:
            if not self.has_view_permission(request, current):
                raise PermissionDenied
            may_restore = self.has_change_permission(request, current)
        if request.method == "POST" and not may_restore:
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.has_change_permission(request, obj)

    # -- the editors' pages beside the admin's own ------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        def view(function: Any) -> Any:
            return self.admin_site.admin_view(partial(function, model_admin=self))

        own = [
            path("try/", view(admin_views.try_question), name="faqbot_faqentry_try"),
            path("deleted/", view(admin_views.deleted), name="faqbot_faqentry_deleted"),
            path("try-edit/", view(admin_views.try_edit), name="faqbot_faqentry_try_edit"),
            path(
                "<path:object_id>/try-edit/",
                view(admin_views.try_edit),
                name="faqbot_faqentry_try_edit",
            ),
            path(
                "preview-markdown/",
                view(admin_views.preview_markdown),
                name="faqbot_faqentry_preview_markdown",
            ),
            path("import/", view(admin_views.import_upload), name="faqbot_faqentry_import"),
            path(
                "import/apply/",
                view(admin_views.import_apply),
                name="faqbot_faqentry_import_apply",
            ),
            path(
                "export/<str:kind>/",
                view(admin_views.export),
                name="faqbot_faqentry_export",
            ),
            path(
                "<path:object_id>/translations/",
                view(admin_views.translations),
                name="faqbot_faqentry_translations",
            ),
        ]
        return own + super().get_urls()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        context = {**(extra_context or {}), **admin_views.entry_form_context(self, request)}
        return super().changeform_view(request, object_id, form_url, context)
