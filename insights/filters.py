"""The choice every insights page starts from: which municipalities, which days."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from faqbot.models import Municipality

# Days are Helsinki days, whatever the server's clock says: a municipality's Monday.
LOCAL = ZoneInfo(settings.TIME_ZONE)
DEFAULT_DAYS = 30
MAX_DAYS = 400  # a year and a bit: enough to compare a year with itself, no more


@dataclass(frozen=True)
class Selection:
    """The municipalities and the half-open period [start, end) a page is about."""

    municipalities: tuple[Municipality, ...]
    first_day: datetime.date
    last_day: datetime.date
    chosen: Municipality | None  # None: all the visible municipalities together

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.first_day, datetime.time(0), LOCAL)

    @property
    def end(self) -> datetime.datetime:
        next_day = self.last_day + datetime.timedelta(days=1)
        return datetime.datetime.combine(next_day, datetime.time(0), LOCAL)

    @property
    def municipality_ids(self) -> list[int]:
        return [m.pk for m in self.municipalities]

    def days(self) -> list[datetime.date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + datetime.timedelta(days=i) for i in range(count)]

    def query(self) -> str:
        """The selection as URL parameters, for links that keep it."""
        from urllib.parse import urlencode

        params = {"start": self.first_day.isoformat(), "end": self.last_day.isoformat()}
        if self.chosen is not None:
            params["municipality"] = self.chosen.slug
        return urlencode(params)


class SelectionForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All municipalities"),
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: object, municipalities: QuerySet[Municipality]) -> None:
        today = timezone.localdate(timezone=LOCAL)
        defaults = {
            "start": (today - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "end": today.isoformat(),
        }
        merged = {**defaults, **{k: v for k, v in dict(data.items()).items() if v}}  # type: ignore[attr-defined]
        super().__init__(merged)
        self.fields["municipality"].queryset = municipalities

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period must not end before it starts."))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        return cleaned

    def selection(self) -> Selection:
        """The valid selection (call after is_valid())."""
        chosen = self.cleaned_data.get("municipality")
        visible = tuple(self.fields["municipality"].queryset)
        municipalities = (chosen,) if chosen else visible
        return Selection(
            municipalities, self.cleaned_data["start"], self.cleaned_data["end"], chosen
        )
