from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from chat.models import Conversation, Message


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["seq", "sender", "text", "faq_entry", "confidence", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["pk", "municipality", "language", "state", "last_seq", "created"]
    list_filter = ["municipality", "language", "state"]
    list_select_related = ["municipality"]
    date_hierarchy = "created"
    readonly_fields = ["municipality", "language", "state", "last_seq", "created", "updated"]
    inlines = [MessageInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
