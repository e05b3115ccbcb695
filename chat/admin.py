from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chat.models import (
    AgentProfile,
    ContactRequest,
    Conversation,
    ExceptionalDay,
    Feedback,
    Message,
    OfficeHours,
    Rating,
)
from faqbot.admin import MunicipalityAdmin
from faqbot.models import Municipality


class MessageInline(admin.TabularInline):
    model = Message
    fields = [
        "seq",
        "sender",
        "agent",
        "internal",
        "text",
        "faq_entry",
        "confidence",
        "candidates",
        "helpful",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("faq_entry", "feedback", "agent")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("resident found it helpful"), boolean=True)
    def helpful(self, message: Message) -> bool | None:
        feedback = getattr(message, "feedback", None)
        return feedback.helpful if feedback else None


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "municipality",
        "service_municipality",
        "language",
        "state",
        "assigned_agent",
        "handoff_reason",
        "last_seq",
        "created",
    ]
    list_filter = ["municipality", "service_municipality", "language", "state", "handoff_reason"]
    list_select_related = ["municipality", "service_municipality", "assigned_agent"]
    date_hierarchy = "created"
    readonly_fields = [
        "municipality",
        "service_municipality",
        "language",
        "state",
        "handoff_reason",
        "queued_at",
        "assigned_agent",
        "assigned_at",
        "first_agent_reply_at",
        "closed_at",
        "resident_seen_at",
        "contact_offered_at",
        "last_seq",
        "created",
        "updated",
    ]
    inlines = [MessageInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["message", "answered_by", "helpful", "updated"]
    list_filter = ["helpful", "message__conversation__municipality"]
    list_select_related = ["message__faq_entry"]
    readonly_fields = ["message", "helpful", "created", "updated"]

    @admin.display(description=_("answered by"))
    def answered_by(self, feedback: Feedback) -> str:
        entry = feedback.message.faq_entry
        return entry.key if entry else "–"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "served", "capacity", "status", "disconnected_at"]
    list_filter = ["status", "municipalities"]
    search_fields = ["display_name", "user__username"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["municipalities"]
    fields = ["user", "display_name", "municipalities", "capacity", "status", "disconnected_at"]
    readonly_fields = ["status", "disconnected_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentProfile]:
        return (
            super().get_queryset(request).select_related("user").prefetch_related("municipalities")
        )

    @admin.display(description=_("municipalities served"))
    def served(self, agent: AgentProfile) -> str:
        return ", ".join(m.name for m in agent.municipalities.all())


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    extra = 0


class ExceptionalDayInline(admin.TabularInline):
    model = ExceptionalDay
    extra = 0


# The municipality's page gains its customer service's hours: inlines of this app's models,
# added here so that faqbot does not depend on chat.
admin.site.unregister(Municipality)


@admin.register(Municipality)
class MunicipalityWithServiceAdmin(MunicipalityAdmin):
    inlines = [OfficeHoursInline, ExceptionalDayInline]


class HandledFilter(admin.SimpleListFilter):
    title = _("handled")
    parameter_name = "handled"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("no", _("Not yet")), ("yes", _("Handled"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(handled_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(handled_at__isnull=False)
        return queryset


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ["created", "municipality", "name", "email", "phone", "handled_at"]
    list_filter = [HandledFilter, "municipality", "language"]
    list_select_related = ["municipality"]
    search_fields = ["name", "email", "phone", "message"]
    date_hierarchy = "created"
    readonly_fields = [
        "municipality",
        "conversation",
        "language",
        "name",
        "email",
        "phone",
        "message",
        "created",
        "handled_at",
        "handled_by",
    ]
    actions = ["mark_handled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Mark the selected requests handled"))
    def mark_handled(self, request: HttpRequest, queryset: QuerySet) -> None:
        agent = AgentProfile.objects.filter(user_id=request.user.pk).first()
        queryset.filter(handled_at__isnull=True).update(handled_at=timezone.now(), handled_by=agent)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["conversation", "score", "agent", "created"]
    list_filter = ["score", "conversation__service_municipality"]
    list_select_related = ["conversation__municipality", "conversation__assigned_agent"]
    readonly_fields = ["conversation", "score", "comment", "created"]
    date_hierarchy = "created"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("agent"))
    def agent(self, rating: Rating) -> str:
        agent = rating.conversation.assigned_agent
        return agent.display_name if agent else "–"
