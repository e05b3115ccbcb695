"""Forms of the FAQ editors' pages beside the admin's own (trying questions, importing)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from faqbot.import_preview import MAX_UPLOAD_BYTES
from faqbot.languages import LANGUAGE_CHOICES
from faqbot.models import FaqEntry, Municipality, entry_key, validate_string_list


def _message_field() -> forms.CharField:
    return forms.CharField(
        label=_("Message"),
        max_length=settings.CHAT_MAX_MESSAGE_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Write it as a resident would, typos and all."),
    )


class TryQuestionForm(forms.Form):
    text = _message_field()
    municipality = forms.ModelChoiceField(
        label=_("Municipality's chat"), queryset=Municipality.objects.none(), empty_label=None
    )
    language = forms.ChoiceField(label=_("Page language"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities


class TryEditForm(forms.Form):
    """The change form's values (its own field names) and the question to try them with.

    Only what the matcher reads is taken; the entry need not be valid otherwise (an
    unfinished answer can still be tried).
    """

    try_text = _message_field()
    try_municipality = forms.ModelChoiceField(
        label=_("Municipality's chat"), queryset=Municipality.objects.none(), empty_label=None
    )
    try_language = forms.ChoiceField(label=_("Page language"), choices=LANGUAGE_CHOICES)
    key = forms.CharField(required=False, max_length=120, validators=[entry_key])
    municipality = forms.ModelChoiceField(queryset=Municipality.objects.all(), required=False)
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES)
    question = forms.CharField(max_length=500)
    alternatives = forms.JSONField(required=False)
    answer = forms.CharField(required=False)
    published = forms.BooleanField(required=False)

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["try_municipality"].queryset = municipalities

    def clean_alternatives(self) -> list[str]:
        value = self.cleaned_data.get("alternatives") or []
        validate_string_list(value)
        return value


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "JSON in the export's format, or CSV with the columns id, municipality, language, "
            "category, question, alternatives, answer, published (and group)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB."),
                params={"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload


class MarkdownPreviewForm(forms.Form):
    # The import's limit for answers (faqbot.faq_io).
    text = forms.CharField(required=False, max_length=20000, strip=False)


class FaqEntryAdminForm(forms.ModelForm):
    class Meta:
        model = FaqEntry
        fields = [
            "key", "municipality", "language", "category", "question", "alternatives",
            "answer", "translation_group", "published",
        ]  # fmt: skip

    def clean_translation_group(self) -> uuid.UUID:
        # Left out (a form posted by a script, an old bookmark): the entry keeps its group,
        # and a new entry gets one of its own.
        return self.cleaned_data.get("translation_group") or self.instance.translation_group
