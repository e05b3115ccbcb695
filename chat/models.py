from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from faqbot.languages import LANGUAGE_CHOICES
from faqbot.models import FaqEntry, Municipality


def hash_token(token: str) -> str:
    # Only a hash is stored, so a copy of the database does not open anyone's conversation.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


class Conversation(models.Model):
    class State(models.TextChoices):
        BOT = "bot", _("with the bot")
        QUEUED = "queued", _("queued")
        ASSIGNED = "assigned", _("with an agent")
        CLOSED = "closed", _("closed")

    class HandoffReason(models.TextChoices):
        # The values are faqbot.matching's decision reasons.
        PERSON_REQUESTED = "person_requested", _("the resident asked for a person")
        LOW_CONFIDENCE = "low_confidence", _("the bot was not sure enough")
        EMPTY = "empty", _("the bot found nothing")
        OTHER_MUNICIPALITY = "other_municipality", _("about another municipality")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="conversations",
    )
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.BOT)
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    handoff_reason = models.CharField(
        _("handed over because"), max_length=20, choices=HandoffReason, blank=True
    )
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"{self.municipality.slug} #{self.pk}"

    @property
    def group_name(self) -> str:
        return f"conv.{self.pk}"


class Message(models.Model):
    class Sender(models.TextChoices):
        RESIDENT = "resident", _("resident")
        BOT = "bot", _("bot")
        AGENT = "agent", _("agent")
        SYSTEM = "system", _("system")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField(_("sequence number"))
    sender = models.CharField(_("sender"), max_length=10, choices=Sender)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    # NULL rather than "" so that the unique constraint below ignores messages without one.
    client_id = models.CharField(  # noqa: DJ001
        _("client message id"), max_length=64, null=True, blank=True
    )
    faq_entry = models.ForeignKey(
        FaqEntry,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    # What the bot considered for this reply, best first: [{"id": entry key, "confidence"}].
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    suggestions = models.JSONField(_("suggestions"), default=list, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["conversation", "seq"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="message_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.seq} {self.sender}"


class Feedback(models.Model):
    """A resident's verdict on one bot message; a later one replaces the earlier."""

    message = models.OneToOneField(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="feedback"
    )
    helpful = models.BooleanField(_("helpful"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.message} {'+' if self.helpful else '-'}"
