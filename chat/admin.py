from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chat.models import Conversation, Feedback, Message


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["seq", "sender", "text", "faq_entry", "confidence", "candidates", "helpful"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("faq_entry", "feedback")

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
        "language",
        "state",
        "handoff_reason",
        "last_seq",
        "created",
    ]
    list_filter = ["municipality", "language", "state", "handoff_reason"]
    list_select_related = ["municipality"]
    date_hierarchy = "created"
    readonly_fields = [
        "municipality",
        "language",
        "state",
        "handoff_reason",
        "queued_at",
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
