from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from faqbot.answer_links import validate_answer_links
from faqbot.languages import LANGUAGE_CHOICES, LANGUAGE_CODES
from faqbot.thresholds import effective_thresholds, suggest_above_answer

if TYPE_CHECKING:
    from faqbot.matching import Thresholds

ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f5f8b."))
entry_key = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$",
    _("Letters, digits, dots, dashes and underscores only."),
)


def validate_languages(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(code not in LANGUAGE_CODES for code in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(_("Choose one or more of: fi, sv, en."))


def validate_origins(value: object) -> None:
    if not isinstance(value, list) or any(
        not isinstance(origin, str) or not ORIGIN_RE.match(origin) for origin in value
    ):
        raise ValidationError(
            _("List origins like https://www.karvia.fi, with no path or trailing slash.")
        )


def validate_string_list(value: object) -> None:
    if not isinstance(value, list) or any(not isinstance(item, str) for item in value):
        raise ValidationError(_("Give a list of texts."))


def default_languages() -> list[str]:
    return list(LANGUAGE_CODES)


def threshold_field(verbose_name: str, help_text: str) -> models.FloatField:
    return models.FloatField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=help_text,
    )


class Municipality(models.Model):
    class RoutingMode(models.TextChoices):
        PICK = "pick", _("agents pick from the queue")
        AUTO = "auto", _("offered to the least busy agent")

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name (Finnish)"), max_length=100)
    name_sv = models.CharField(_("name (Swedish)"), max_length=100, blank=True)
    languages = models.JSONField(
        _("languages"), default=default_languages, validators=[validate_languages]
    )
    allowed_origins = models.JSONField(
        _("allowed widget origins"),
        default=list,
        blank=True,
        validators=[validate_origins],
        help_text=_("The websites that may embed the chat, e.g. https://www.karvia.fi"),
    )
    theme_color = models.CharField(
        _("theme colour"), max_length=7, default="#1f5f8b", validators=[hex_colour]
    )
    greeting_fi = models.TextField(_("greeting (Finnish)"), blank=True)
    greeting_sv = models.TextField(_("greeting (Swedish)"), blank=True)
    greeting_en = models.TextField(_("greeting (English)"), blank=True)
    answer_threshold = threshold_field(
        _("answer threshold"),
        _(
            "The bot answers by itself from this confidence (0–1) up. "
            "Empty = the calibrated default."
        ),
    )
    suggest_threshold = threshold_field(
        _("suggestion threshold"),
        _(
            "Below the answer threshold, the bot offers choices from this confidence (0–1) "
            "up and hands over to a person below it. Empty = the calibrated default."
        ),
    )
    routing_mode = models.CharField(
        _("routing"),
        max_length=4,
        choices=RoutingMode,
        default=RoutingMode.PICK,
        help_text=_(
            "How queued conversations reach customer service: agents pick them, or the "
            "longest-waiting one is offered to the least busy online agent."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if suggest_above_answer(self.answer_threshold, self.suggest_threshold):
            # Name the field the admin set: the other may be an empty default.
            field = (
                "suggest_threshold" if self.suggest_threshold is not None else "answer_threshold"
            )
            raise ValidationError(
                {
                    field: _(
                        "The suggestion threshold may not be above the answer threshold "
                        "(an empty one is the calibrated default)."
                    )
                }
            )

    def thresholds(self) -> Thresholds:
        return effective_thresholds(self.answer_threshold, self.suggest_threshold)

    def display_name(self, language: str) -> str:
        return self.name_sv if language == "sv" and self.name_sv else self.name

    def greeting(self, language: str) -> str:
        return getattr(self, f"greeting_{language}", "") or ""


class FaqEntry(models.Model):
    key = models.CharField(
        _("id"),
        max_length=120,
        unique=True,
        validators=[entry_key],
        help_text=_("A stable id, used by import and export."),
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="faq_entries",
        help_text=_("Leave empty for an entry shared by all municipalities."),
    )
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    category = models.CharField(_("category"), max_length=100, blank=True)
    question = models.CharField(_("question"), max_length=500)
    alternatives = models.JSONField(
        _("alternative phrasings"), default=list, blank=True, validators=[validate_string_list]
    )
    answer = models.TextField(
        _("answer (Markdown)"),
        validators=[validate_answer_links],
        help_text=_(
            "Markdown: **bold**, *italics*, lists, and links like [text](https://www.karvia.fi)."
        ),
    )
    published = models.BooleanField(_("published"), default=True)
    # Entries with the same group are translations of one another (one entry per language,
    # one municipality or all shared). A group id rather than links between entries, so
    # that deleting one translation never separates the others.
    translation_group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    # Every save and delete writes a historical row with who and when (django-simple-history;
    # the user comes from its middleware or the admin). 'updated' changes on every save and
    # would only add noise to the differences shown.
    history = HistoricalRecords(
        excluded_fields=["updated"],
        verbose_name=_("FAQ entry version"),
        verbose_name_plural=_("FAQ entry versions"),
    )

    class Meta:
        ordering = ["municipality__name", "language", "category", "question"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        indexes = [models.Index(fields=["published", "language"])]
        permissions = [
            ("edit_shared_entries", _("Can edit entries shared by all municipalities")),
        ]

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        super().clean()
        # Non-field errors: the same check runs for forms that show only some fields.
        others = FaqEntry.objects.filter(translation_group=self.translation_group).exclude(
            pk=self.pk
        )
        same_language = others.filter(language=self.language).first()
        if same_language is not None:
            raise ValidationError(
                _(
                    "Its translations already have an entry in this language: "
                    "%(key)s. Choose another language."
                ),
                params={"key": same_language.key},
            )
        if others.exclude(municipality_id=self.municipality_id).exists():
            raise ValidationError(
                _(
                    "Translations of one another belong to the same municipality, or are "
                    "all shared; this entry's translations belong elsewhere."
                )
            )


class EditorProfile(models.Model):
    """A person who edits FAQ content, and the municipalities whose entries they edit.

    Entries shared by all municipalities need the permission faqbot.edit_shared_entries
    besides; superusers edit everything (faqbot.permissions).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="faq_editor",
    )
    municipalities = models.ManyToManyField(
        Municipality,
        verbose_name=_("municipalities edited"),
        related_name="editors",
        blank=True,
    )

    class Meta:
        verbose_name = _("FAQ editor")
        verbose_name_plural = _("FAQ editors")

    def __str__(self) -> str:
        return str(self.user)


class FaqRevision(models.Model):
    """One row whose counter grows on every FAQ change.

    Each server process compares it with the revision its matching index was built from,
    so an edit in admin or an import reaches every process by the next message.
    """

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"FAQ revision {self.value}"

    @classmethod
    def current(cls) -> int:
        row = cls.objects.filter(pk=1).values_list("value", flat=True).first()
        return row or 0

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(value=F("value") + 1):
            cls.objects.get_or_create(pk=1, defaults={"value": 1})


class SentenceVector(models.Model):
    """A phrasing's or answer's sentence embedding (faqbot.sentences), computed once.

    Embedding takes milliseconds a text; kept here, the vectors serve every server process
    and every later index build, which then only embed what is new.
    """

    # sha256 of the model and the text (faqbot.sentences.key)
    key = models.CharField(max_length=64, primary_key=True)
    vector = models.BinaryField()  # float32, little-endian
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sentence vector")
        verbose_name_plural = _("sentence vectors")

    def __str__(self) -> str:
        return self.key
