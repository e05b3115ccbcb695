from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from faqbot.models import FaqEntry, Municipality
from faqbot.rendering import render_markdown


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


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = [
        "question",
        "municipality_or_shared",
        "language",
        "category",
        "published",
        "updated",
    ]
    list_filter = [SharedFilter, "municipality", "language", "category", "published"]
    list_editable = ["published"]
    list_select_related = ["municipality"]
    search_fields = ["key", "question", "alternatives", "answer"]
    readonly_fields = ["answer_preview", "created", "updated"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["key", "municipality", "language", "category"]}),
        (_("Content"), {"fields": ["question", "alternatives", "answer", "answer_preview"]}),
        (None, {"fields": ["published", "created", "updated"]}),
    ]

    @admin.display(description=_("municipality"), ordering="municipality__name")
    def municipality_or_shared(self, entry: FaqEntry) -> str:
        return entry.municipality.name if entry.municipality else str(_("Shared by all"))

    @admin.display(description=_("answer as residents see it"))
    def answer_preview(self, entry: FaqEntry) -> SafeString:
        # The rendered answer has passed nh3, so it is safe to mark as such here.
        return format_html("<div>{}</div>", SafeString(render_markdown(entry.answer or "")))

    @admin.action(description=_("Publish the selected entries"))
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        for entry in queryset:
            entry.published = True
            entry.save(update_fields=["published", "updated"])

    @admin.action(description=_("Unpublish the selected entries"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        for entry in queryset:
            entry.published = False
            entry.save(update_fields=["published", "updated"])
