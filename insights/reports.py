"""The analytics page's content: figures as tables, the same tables as charts and CSV.

Each chart is drawn from a Table, and the CSV download of that chart is the same Table,
so what one sees, hears (the table beside the chart) and downloads are the same numbers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from insights import analytics, charts
from insights.filters import Selection

CSV_TABLES = ("summary", "daily", "waits", "ratings", "entries")


@dataclass
class Table:
    name: str  # the CSV's file name, without .csv
    caption: str
    headers: list[str]
    rows: list[list[Any]]  # raw values: numbers, dates, None; formatted by the template


def duration_text(value: datetime.timedelta | None) -> str:
    if value is None:
        return "–"
    total = round(value.total_seconds())
    minutes, seconds = divmod(total, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": seconds}
    return _("%(s)s s") % {"s": seconds}


def percent_text(value: float | None) -> str:
    return "–" if value is None else f"{number_format(value * 100, 1)} %"


def _bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(m)s min or more") % {"m": low // 60}
    if low == 0:
        return _("under %(m)s min") % {"m": high // 60}
    return _("%(low)s–%(high)s min") % {"low": low // 60, "high": high // 60}


def summary_table(summary: analytics.Summary) -> Table:
    headers = [
        _("Municipality"),
        _("Conversations"),
        _("Answered by the bot"),
        _("Answered by the bot (%)"),
        _("Handed off"),
        _("Hand-off rate (%)"),
        _("Queue wait, median (s)"),
        _("Queue wait, 90th percentile (s)"),
        _("First agent response, median (s)"),
        _("Abandoned in queue"),
        _("Contact requests"),
        _("Ratings"),
        _("Average rating"),
    ] + [_("Rated %(score)s") % {"score": s} for s in analytics.SCORES]

    def row(name: str, f: analytics.Figures) -> list[Any]:
        return [
            name,
            f.conversations,
            f.bot_answered,
            _round(f.bot_answered_share, 100),
            f.handed_off,
            _round(f.handoff_rate, 100),
            _round(analytics.seconds(f.wait_median)),
            _round(analytics.seconds(f.wait_p90)),
            _round(analytics.seconds(f.response_median)),
            f.abandoned,
            f.contact_requests,
            f.rating_count,
            _round(f.rating_average, 1, 2),
        ] + [f.ratings[s] for s in analytics.SCORES]

    rows = [row(m.name, f) for m, f in summary.rows]
    if len(summary.rows) > 1:
        rows.append(row(_("All together"), summary.total))
    return Table("summary", _("Summary"), headers, rows)


def _round(value: float | None, scale: float = 1, digits: int = 1) -> float | None:
    return None if value is None else round(value * scale, digits)


def daily_table(days: list[analytics.Day]) -> Table:
    return Table(
        "daily",
        _("Conversations per day"),
        [_("Day"), _("Conversations"), _("Answered by the bot"), _("Answered by the bot (%)")],
        [[d.day, d.conversations, d.bot_answered, _round(d.bot_answered_share, 100)] for d in days],
    )


def waits_table(histogram: list[tuple[int, int | None, int]]) -> Table:
    return Table(
        "waits",
        _("Queue waits"),
        [_("Wait"), _("From (s)"), _("Under (s)"), _("Conversations")],
        [[_bucket_label(low, high), low, high, n] for low, high, n in histogram],
    )


def ratings_table(total: analytics.Figures) -> Table:
    return Table(
        "ratings",
        _("Ratings"),
        [_("Rating"), _("Ratings given")],
        [[score, n] for score, n in analytics.ratings(total)],
    )


def entries_table(uses: list[analytics.EntryUse]) -> Table:
    return Table(
        "entries",
        _("Most used entries"),
        [_("Entry id"), _("Question"), _("Answers"), _("Helpful"), _("Not helpful")],
        [[u.key, u.question, u.uses, u.helpful, u.not_helpful] for u in uses],
    )


def _day_label(day: datetime.date) -> str:
    return date_format(day, "j.n.")


def daily_charts(days: list[analytics.Day]) -> tuple[Any, Any]:
    total = sum(d.conversations for d in days)
    busiest = max(days, key=lambda d: d.conversations, default=None)
    conversations_desc = ngettext(
        "%(total)s conversation in %(days)s days.",
        "%(total)s conversations in %(days)s days.",
        total,
    ) % {"total": number_format(total, force_grouping=True), "days": len(days)}
    if busiest is not None and busiest.conversations:
        conversations_desc += " " + _("The busiest day was %(day)s with %(n)s.") % {
            "day": date_format(busiest.day, "SHORT_DATE_FORMAT"),
            "n": busiest.conversations,
        }
    conversations_chart = charts.bar_chart(
        _("Conversations per day"),
        conversations_desc,
        [charts.Point(_day_label(d.day), d.conversations, str(d.conversations)) for d in days],
    )
    shares = [d.bot_answered_share for d in days if d.bot_answered_share is not None]
    if shares:
        share_desc = _(
            "The share of conversations the bot answered without hand-off, per day: "
            "from %(low)s to %(high)s."
        ) % {"low": percent_text(min(shares)), "high": percent_text(max(shares))}
    else:
        share_desc = _("No conversations in the period.")
    share_chart = charts.line_chart(
        _("Answered by the bot, per day"),
        share_desc,
        [
            charts.Point(
                _day_label(d.day), d.bot_answered_share, percent_text(d.bot_answered_share)
            )
            for d in days
        ],
        top=1.0,
        axis_text=lambda v: f"{round(v * 100)} %",
    )
    return conversations_chart, share_chart


def waits_chart(table: Table) -> Any:
    total = sum(row[3] for row in table.rows)
    if total:
        parts = "; ".join(f"{row[0]}: {row[3]}" for row in table.rows)
        desc = _("Queue waits of %(n)s conversations: %(parts)s.") % {"n": total, "parts": parts}
    else:
        desc = _("Nobody was queued in the period.")
    return charts.bar_chart(
        _("Queue waits"), desc, [charts.Point(row[0], row[3], str(row[3])) for row in table.rows]
    )


def ratings_chart(table: Table, total: analytics.Figures) -> Any:
    if total.rating_count:
        desc = _("%(n)s ratings, on average %(avg)s out of 5: %(parts)s.") % {
            "n": total.rating_count,
            "avg": number_format(total.rating_average or 0, 1),
            "parts": "; ".join(f"{row[0]}: {row[1]}" for row in table.rows),
        }
    else:
        desc = _("No ratings in the period.")
    return charts.bar_chart(
        _("Ratings"), desc, [charts.Point(str(row[0]), row[1], str(row[1])) for row in table.rows]
    )


def analytics_page(selection: Selection) -> dict[str, Any]:
    with analytics.reading():
        summary, days = analytics.summary_and_daily(selection)
        waits = waits_table(analytics.wait_histogram(selection))
        uses = analytics.entry_uses(selection)
    ratings = ratings_table(summary.total)
    conversations_chart, share_chart = daily_charts(days)
    return {
        "summary": summary,
        "summary_table": summary_table(summary),
        "daily_table": daily_table(days),
        "waits_table": waits,
        "ratings_table": ratings,
        "conversations_chart": conversations_chart,
        "share_chart": share_chart,
        "waits_chart": waits_chart(waits),
        "ratings_chart": ratings_chart(ratings, summary.total),
        "entries": analytics.most_used(uses),
        "least_helpful": analytics.least_helpful(uses),
    }


def csv_table(name: str, selection: Selection) -> Table:
    """One table for download, computed alone (not the whole page)."""
    with analytics.reading():
        return _csv_table(name, selection)


def _csv_table(name: str, selection: Selection) -> Table:
    if name == "summary":
        return summary_table(analytics.summary(selection))
    if name == "daily":
        return daily_table(analytics.daily(selection))
    if name == "waits":
        return waits_table(analytics.wait_histogram(selection))
    if name == "ratings":
        return ratings_table(analytics.summary(selection).total)
    if name == "entries":
        return entries_table(analytics.entry_uses(selection))
    raise KeyError(name)
