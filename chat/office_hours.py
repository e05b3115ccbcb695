"""Is a municipality's customer service open? Weekly hours with exceptional days.

Times are Europe/Helsinki wall-clock times, whatever the server's zone: that is what the
municipalities publish. A closing time of 00:00 means midnight at the end of the day, so
00:00–00:00 is the whole day. A municipality with no weekly hours at all has not set any
and is treated as always open; then only whether an agent is online decides.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from chat.models import ExceptionalDay, OfficeHours

HELSINKI = ZoneInfo("Europe/Helsinki")
MIDNIGHT = dt.time(0, 0)


def within(moment: dt.time, opens: dt.time, closes: dt.time) -> bool:
    """opens <= moment < closes, where closing at 00:00 means the end of the day."""
    if moment < opens:
        return False
    return closes == MIDNIGHT or moment < closes


def is_open(municipality_id: int, at: dt.datetime) -> bool:
    local = at.astimezone(HELSINKI)
    moment = local.time().replace(tzinfo=None)
    exception = ExceptionalDay.objects.filter(
        municipality_id=municipality_id, date=local.date()
    ).first()
    if exception is not None:
        if exception.closed or exception.opens is None or exception.closes is None:
            return False
        return within(moment, exception.opens, exception.closes)
    hours = list(
        OfficeHours.objects.filter(municipality_id=municipality_id).values_list(
            "weekday", "opens", "closes"
        )
    )
    if not hours:
        return True
    return any(
        within(moment, opens, closes)
        for weekday, opens, closes in hours
        if weekday == local.weekday()
    )
