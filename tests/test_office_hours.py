"""Office hours by weekday, with exceptional days, in Helsinki time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from chat.models import ExceptionalDay, OfficeHours
from chat.office_hours import HELSINKI, is_open

pytestmark = pytest.mark.django_db

# 2026-06-01 is a Monday, in summer time (UTC+3); 2026-12-07 a Monday in winter (UTC+2).
MONDAY = dt.date(2026, 6, 1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HELSINKI)


def hours(municipality, weekday: int, opens: str, closes: str) -> OfficeHours:
    return OfficeHours.objects.create(
        municipality=municipality,
        weekday=weekday,
        opens=dt.time.fromisoformat(opens),
        closes=dt.time.fromisoformat(closes),
    )


def test_it_is_always_open_without_hours(karvia):
    assert is_open(karvia.pk, at(MONDAY, 3))


def test_it_is_open_within_the_weekdays_hours_only(karvia):
    hours(karvia, 0, "08:00", "16:00")
    assert not is_open(karvia.pk, at(MONDAY, 7, 59))
    assert is_open(karvia.pk, at(MONDAY, 8))
    assert is_open(karvia.pk, at(MONDAY, 15, 59))
    assert not is_open(karvia.pk, at(MONDAY, 16))
    # Tuesday has no hours: closed.
    assert not is_open(karvia.pk, at(MONDAY + dt.timedelta(days=1), 10))


def test_it_reads_the_hours_in_helsinki_time_whatever_the_zone_asked_in(karvia):
    hours(karvia, 0, "08:00", "16:00")
    summer = dt.datetime(2026, 6, 1, 5, 30, tzinfo=dt.UTC)  # 08:30 in Helsinki
    winter = dt.datetime(2026, 12, 7, 5, 30, tzinfo=dt.UTC)  # 07:30 in Helsinki
    assert is_open(karvia.pk, summer)
    assert not is_open(karvia.pk, winter)


def test_midnight_closes_at_the_end_of_the_day(karvia):
    hours(karvia, 0, "00:00", "00:00")
    assert is_open(karvia.pk, at(MONDAY, 0))
    assert is_open(karvia.pk, at(MONDAY, 23, 59))
    assert not is_open(karvia.pk, at(MONDAY + dt.timedelta(days=1), 0))


def test_a_split_day_is_two_rows(karvia):
    hours(karvia, 0, "08:00", "11:00")
    hours(karvia, 0, "12:00", "16:00")
    assert is_open(karvia.pk, at(MONDAY, 10))
    assert not is_open(karvia.pk, at(MONDAY, 11, 30))
    assert is_open(karvia.pk, at(MONDAY, 12))


def test_an_exceptional_day_closes_or_shortens_the_day(karvia, pomarkku):
    hours(karvia, 0, "08:00", "16:00")
    hours(karvia, 1, "08:00", "16:00")
    ExceptionalDay.objects.create(municipality=karvia, date=MONDAY, note="Helluntai")
    tuesday = MONDAY + dt.timedelta(days=1)
    ExceptionalDay.objects.create(
        municipality=karvia, date=tuesday, closed=False, opens=dt.time(9), closes=dt.time(12)
    )
    assert not is_open(karvia.pk, at(MONDAY, 10))
    assert is_open(karvia.pk, at(tuesday, 9))
    assert not is_open(karvia.pk, at(tuesday, 13))
    # Another municipality's exceptions are its own.
    assert is_open(pomarkku.pk, at(MONDAY, 10))


def test_an_exceptional_day_can_open_a_day_that_is_usually_closed(karvia):
    hours(karvia, 0, "08:00", "16:00")
    sunday = MONDAY - dt.timedelta(days=1)
    ExceptionalDay.objects.create(
        municipality=karvia, date=sunday, closed=False, opens=dt.time(10), closes=dt.time(14)
    )
    assert is_open(karvia.pk, at(sunday, 11))


def test_it_refuses_hours_that_close_before_they_open(karvia):
    with pytest.raises(ValidationError):
        OfficeHours(
            municipality=karvia, weekday=0, opens=dt.time(16), closes=dt.time(8)
        ).full_clean()
    with pytest.raises(ValidationError):
        ExceptionalDay(municipality=karvia, date=MONDAY, closed=False).full_clean()
    OfficeHours(municipality=karvia, weekday=0, opens=dt.time(8), closes=dt.time(0)).full_clean()
