"""How the insights pages write durations, shares and missing values."""

from __future__ import annotations

import datetime

from django import template

from insights.reports import duration_text, percent_text

register = template.Library()


@register.filter
def duration(value: datetime.timedelta | None) -> str:
    return duration_text(value)


@register.filter
def percent(value: float | None) -> str:
    return percent_text(value)


@register.filter
def dash(value: object) -> object:
    """A dash for a missing value, so an empty cell is not mistaken for zero."""
    return "–" if value is None or value == "" else value
