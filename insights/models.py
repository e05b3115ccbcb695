"""What the insights pages keep: normalised texts, dismissed groups and re-scoring results.

Nothing here is needed to chat: the tables only remember work (the analyzer's pass over a
message, an admin's verdict on a group, the bot's second look at a message) so that the
pages need not redo it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chat.models import Message
from faqbot.languages import LANGUAGE_CHOICES
from faqbot.models import FaqEntry, Municipality


class NormalisedMessage(models.Model):
    """A resident message as the bot reads it: its language and content words' lemmas.

    Kept because the analyzer (spaCy and Voikko) takes up to a millisecond a message, too
    long to repeat for a year of messages on every page view. Filled on first use by the
    unanswered-questions page, or ahead of time by `manage.py normalise_messages`.
    """

    message = models.OneToOneField(
        Message, primary_key=True, on_delete=models.CASCADE, related_name="normalised"
    )
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    # The content words' folded lemmas, sorted and space-separated: the same words in
    # another order or inflection give the same text.
    text = models.TextField(_("normalised text"), blank=True)
    # A request for a person ("haluan puhua ihmiselle") is no question for the FAQ.
    asks_for_person = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("normalised message")
        verbose_name_plural = _("normalised messages")

    def __str__(self) -> str:
        return self.text


class UnansweredMessage(models.Model):
    """A resident message the bot could not answer, recorded as it happens.

    Kept up to date by insights.unanswered_log as the bot replies, the resident picks a
    suggestion and gives feedback, so that the unanswered list reads a period with one
    index range scan. Finding them from the messages themselves means joining every bot
    reply of the period with its neighbours: 1.5 s for a year of six municipalities.
    `unanswered_log.rebuild` derives the same rows from the messages, for data written
    before this table or by other means.
    """

    message = models.OneToOneField(
        Message, primary_key=True, on_delete=models.CASCADE, related_name="unanswered"
    )
    # The conversation's municipality and start: the page's period and municipality are
    # the conversation's, as on the analytics page.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    started = models.DateTimeField(_("conversation started"))
    handed_off = models.BooleanField(_("handed off"), default=False)
    suggested = models.BooleanField(_("suggestions not chosen"), default=False)
    not_helpful = models.BooleanField(_("marked not helpful"), default=False)

    class Meta:
        verbose_name = _("unanswered message")
        verbose_name_plural = _("unanswered messages")
        indexes = [
            models.Index(fields=["municipality", "started"], name="insights_unanswered_period")
        ]

    def __str__(self) -> str:
        return str(self.message_id)


class DismissedGroup(models.Model):
    """A group of unanswered questions an admin marked as not for the FAQ.

    Keyed by the normalised text of the group's representative message: a later group
    whose representative is as similar to it as the grouping's cutoff stays hidden too, so
    the same small talk does not come back next month.
    """

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    normalised_text = models.TextField(_("normalised text"))
    example = models.TextField(_("example message"))
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dismissed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("dismissed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("dismissed group")
        verbose_name_plural = _("dismissed groups")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "language", "normalised_text"],
                name="dismissed_group_unique",
            )
        ]

    def __str__(self) -> str:
        return self.example


class Rescore(models.Model):
    """What the bot would do with an unanswered message now, with the FAQ of `revision`."""

    class Outcome(models.TextChoices):
        ANSWER = "answer", _("answers")
        SUGGEST = "suggest", _("suggests")
        HANDOFF = "handoff", _("hands off")
        REPLY = "reply", _("replies to small talk")

    message = models.OneToOneField(
        Message, primary_key=True, on_delete=models.CASCADE, related_name="rescore"
    )
    outcome = models.CharField(_("outcome"), max_length=7, choices=Outcome)
    faq_entry = models.ForeignKey(
        FaqEntry,
        verbose_name=_("entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    revision = models.PositiveBigIntegerField(_("FAQ revision"))
    checked = models.DateTimeField(_("checked"), auto_now=True)

    class Meta:
        verbose_name = _("re-scored message")
        verbose_name_plural = _("re-scored messages")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.outcome}"
