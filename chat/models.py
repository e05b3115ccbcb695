from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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
        ABANDONED = "abandoned", _("abandoned")

    class HandoffReason(models.TextChoices):
        # The values are faqbot.matching's decision reasons.
        PERSON_REQUESTED = "person_requested", _("the resident asked for a person")
        LOW_CONFIDENCE = "low_confidence", _("the bot was not sure enough")
        EMPTY = "empty", _("the bot found nothing")
        OTHER_MUNICIPALITY = "other_municipality", _("about another municipality")
        NOT_HELPFUL = "not_helpful", _("two answers in a row did not help")

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
    # The municipality whose customer service handles the conversation: the one it began
    # in, until an agent transfers it to another municipality's queue. `municipality` stays
    # where the widget is, so that the resident's token keeps opening it there.
    service_municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("served by"),
        on_delete=models.PROTECT,
        related_name="served_conversations",
    )
    # Kept from the first hand-off: a conversation coming back to the queue (a transfer, an
    # agent who left) is ordered by it, so it returns to the front.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    assigned_agent = models.ForeignKey(
        "AgentProfile",
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    first_agent_reply_at = models.DateTimeField(_("first agent reply at"), null=True, blank=True)
    # The last sign of life of a resident socket (connect, message, ping, disconnect).
    resident_seen_at = models.DateTimeField(_("resident last seen"), null=True, blank=True)
    # Automatic routing: the agent the conversation is offered to now, and who said no.
    offered_to = models.ForeignKey(
        "AgentProfile",
        verbose_name=_("offered to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offers",
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    declined_by = models.JSONField(_("declined by (agent ids)"), default=list, blank=True)
    # Set when a hand-off could not queue (closed, nobody online) and the resident was
    # offered the contact form instead.
    contact_offered_at = models.DateTimeField(_("contact form offered at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["service_municipality", "state", "queued_at"]),
            models.Index(fields=["assigned_agent", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.slug} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.service_municipality_id is None:
            self.service_municipality_id = self.municipality_id
        super().save(*args, **kwargs)

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
    # Whose client_id it is: "" for the resident, "agent:<id>" for an agent. Each writer
    # has its own space, so nobody's id can collide with, or fetch, anyone else's message.
    client_scope = models.CharField(max_length=30, blank=True, default="", editable=False)
    # An agent's internal note: never sent to the resident, never in their history.
    internal = models.BooleanField(_("internal note"), default=False)
    agent = models.ForeignKey(
        "AgentProfile",
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
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
    # The bot's polite reply to a greeting, thanks or goodbye: neither an answer nor a
    # hand-off, so the message before it is not an unanswered question.
    small_talk = models.BooleanField(_("small talk"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["conversation", "seq"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "client_scope", "client_id"],
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


class AgentProfile(models.Model):
    """A customer-service person: a user with the queues (municipalities) they serve."""

    class Status(models.TextChoices):
        ONLINE = "online", _("online")
        AWAY = "away", _("away")
        OFFLINE = "offline", _("offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="agent_profile",
    )
    display_name = models.CharField(
        _("display name"), max_length=60, help_text=_("Residents see this name.")
    )
    municipalities = models.ManyToManyField(
        Municipality,
        verbose_name=_("municipalities served"),
        related_name="agents",
        blank=True,
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many conversations the agent takes at once."),
    )
    status = models.CharField(_("status"), max_length=7, choices=Status, default=Status.OFFLINE)
    status_changed = models.DateTimeField(_("status changed"), auto_now_add=True)
    # Null while the agent has a live socket; when the last one goes, the time it went.
    # Their conversations wait for them for CHAT_AGENT_GRACE_S after it.
    disconnected_at = models.DateTimeField(_("disconnected at"), null=True, blank=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.display_name


class AgentConnection(models.Model):
    """One open agent socket, so that every process knows whether an agent is connected.

    The process that holds the socket refreshes `last_seen`; a row that goes stale (its
    process died without saying goodbye) is removed by the sweep (chat.sweeper).
    """

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.agent} {self.channel_name}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_hours(opens: datetime.time | None, closes: datetime.time | None) -> None:
    # 00:00 closes at midnight at the end of the day; any other closing time must come
    # after the opening time (a night across midnight is two rows).
    if opens is not None and closes is not None and closes != datetime.time(0) and closes <= opens:
        raise ValidationError(_("The closing time must be after the opening time."))


CLOSES_HELP = _("Europe/Helsinki time. 00:00 means midnight at the end of the day.")


class OfficeHours(models.Model):
    """When customer service answers, by weekday; several rows a day make a split day.

    A municipality with no rows at all has no office hours set and is always open (then
    only whether an agent is online decides).
    """

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="office_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=CLOSES_HELP)

    class Meta:
        ordering = ["municipality", "weekday", "opens"]
        verbose_name = _("office hours")
        verbose_name_plural = _("office hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        super().clean()
        validate_hours(self.opens, self.closes)


class ExceptionalDay(models.Model):
    """A date with other hours than its weekday's: a holiday (closed) or shorter hours."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="exceptional_days",
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True, help_text=CLOSES_HELP)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["municipality", "date"]
        verbose_name = _("exceptional day")
        verbose_name_plural = _("exceptional days")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "date"], name="exceptional_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.note}".strip()

    def clean(self) -> None:
        super().clean()
        if not self.closed:
            if self.opens is None or self.closes is None:
                raise ValidationError(_("Give the hours, or mark the day closed."))
            validate_hours(self.opens, self.closes)


class ContactRequest(models.Model):
    """A resident's request to be contacted, left when nobody could chat."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="contact_requests",
    )
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_requests",
    )
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    message = models.TextField(_("message"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        AgentProfile,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        indexes = [models.Index(fields=["municipality", "handled_at"])]

    def __str__(self) -> str:
        return f"{self.municipality.slug}: {self.name}"


class Rating(models.Model):
    """The resident's rating of the service, asked for after an agent closed the chat."""

    conversation = models.OneToOneField(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="rating",
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.score}"
