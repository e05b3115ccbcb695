"""Service analytics against figures worked out by hand from tests/insights_fixtures.py.

Karvia, 2–4 March: c1–c6, c8, c9 count (c7 has no message): 8 conversations. The bot
answered c1, c2 and c8 (3, 37.5 %); c3–c6 were handed off (4, 50 %). Queue waits 120 s
and 600 s: median 360 s, 90th percentile 120 + 0.9 × 480 = 552 s. First responses 60 s
and 120 s: median 90 s. c5 abandoned; one contact request; ratings 5 and 3.
Pomarkku: c10, c11: 2 conversations, c11 answered, c10 handed off: wait 300 s, first
response 60 s, rated 4. All together: 10 conversations, 4 answered, 5 handed off; waits
120, 300, 600 s: median 300 s, 90th percentile 300 + 0.8 × 300 = 540 s; first responses
60, 60, 120 s: median 60 s; ratings 3, 4, 5: average 4.0.
"""

# The shared fixtures are imported by name, and test arguments take the same names.
# ruff: noqa: F811
from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection

from insights import analytics
from insights.filters import Selection
from tests.insights_fixtures import PERIOD, essi, history, olli_user, sami  # noqa: F401

pytestmark = pytest.mark.django_db

S = datetime.timedelta(seconds=1)


def selection(*municipalities, chosen=None) -> Selection:
    return Selection(
        tuple(municipalities), datetime.date(2026, 3, 2), datetime.date(2026, 3, 4), chosen
    )


def test_it_counts_each_municipalitys_conversations_and_hand_offs(history, karvia, pomarkku):
    summary = analytics.summary(selection(karvia, pomarkku))
    (k_name, k), (p_name, p) = summary.rows
    assert (k_name, p_name) == (karvia, pomarkku)
    assert (k.conversations, k.bot_answered, k.handed_off, k.queued) == (8, 3, 4, 3)
    assert k.bot_answered_share == pytest.approx(0.375)
    assert k.handoff_rate == pytest.approx(0.5)
    assert (k.abandoned, k.contact_requests) == (1, 1)
    assert (p.conversations, p.bot_answered, p.handed_off, p.abandoned) == (2, 1, 1, 0)


def test_it_computes_queue_wait_and_first_response_percentiles(history, karvia, pomarkku):
    summary = analytics.summary(selection(karvia, pomarkku))
    (_k, k), (_p, p) = summary.rows
    assert (k.wait_median, k.wait_p90, k.response_median) == (360 * S, 552 * S, 90 * S)
    assert (p.wait_median, p.wait_p90, p.response_median) == (300 * S, 300 * S, 60 * S)
    total = summary.total
    assert (total.wait_median, total.wait_p90, total.response_median) == (
        300 * S,
        540 * S,
        60 * S,
    )


def test_it_adds_up_all_municipalities_together(history, karvia, pomarkku):
    total = analytics.summary(selection(karvia, pomarkku)).total
    assert (total.conversations, total.bot_answered, total.handed_off) == (10, 4, 5)
    assert (total.abandoned, total.contact_requests) == (1, 1)
    assert total.ratings == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert total.rating_average == pytest.approx(4.0)


def test_it_gives_ratings_per_municipality(history, karvia, pomarkku):
    (_k, k), (_p, p) = analytics.summary(selection(karvia, pomarkku)).rows
    assert k.ratings == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert k.rating_average == pytest.approx(4.0)
    assert p.ratings == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}


def test_it_leaves_out_other_days_and_conversations_with_nothing_written(history, karvia):
    # c12 (5 March) is outside the period; c7 has no message.
    summary = analytics.summary(selection(karvia, chosen=karvia))
    assert summary.total.conversations == 8
    assert summary.rows[0][1] is summary.total


def test_it_counts_conversations_and_bot_answers_per_helsinki_day(history, karvia, pomarkku):
    days = analytics.daily(selection(karvia, pomarkku))
    assert [(d.day.day, d.conversations, d.bot_answered, d.handed_off) for d in days] == [
        (2, 6, 2, 4),
        (3, 4, 2, 1),
        (4, 0, 0, 0),
    ]
    assert days[0].bot_answered_share == pytest.approx(2 / 6)
    assert days[2].bot_answered_share is None


def test_it_buckets_queue_waits(history, karvia, pomarkku):
    assert analytics.wait_histogram(selection(karvia, pomarkku)) == [
        (0, 60, 0),
        (60, 120, 0),
        (120, 300, 1),
        (300, 600, 1),
        (600, 1200, 1),
        (1200, None, 0),
    ]


def test_it_ranks_entries_by_use_with_residents_verdicts(history, karvia, pomarkku):
    uses = analytics.entry_uses(selection(karvia, pomarkku))
    assert [(u.key, u.uses, u.helpful, u.not_helpful) for u in analytics.most_used(uses)] == [
        ("karvia-library", 2, 1, 1),
        ("pomarkku-library", 1, 0, 0),
        ("waste", 1, 0, 0),
    ]
    worst = analytics.least_helpful(uses)
    assert [(u.key, u.helpful, u.not_helpful) for u in worst] == [("karvia-library", 1, 1)]


def test_it_matches_percentile_cont_in_the_sqlite_fallback():
    values = [120 * S, 600 * S, 300 * S]
    assert analytics.percentile(values, 0.5) == 300 * S
    assert analytics.percentile(values, 0.9) == 540 * S
    assert analytics.percentile([], 0.5) is None


def test_it_shows_the_page_in_a_fixed_number_of_queries(
    client, essi, history, django_assert_num_queries
):
    client.force_login(essi)
    # Session, user, municipalities (the selection, the form's choices); savepoint and
    # release; the counts per municipality and day; percentiles (per municipality and all
    # together on PostgreSQL, which also switches JIT off; one query on SQLite); contact
    # requests; ratings; waits; entries. However many conversations there are.
    expected = 14 if connection.vendor == "postgresql" else 12
    with django_assert_num_queries(expected):
        response = client.get("/insights/", PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Karvia" in page and "Pomarkku" in page
    assert page.count('class="insights-chart"') == 4
    assert 'role="img"' in page and "<title id=" in page and "<desc id=" in page


def test_it_refuses_a_period_that_ends_before_it_starts(client, essi, history):
    client.force_login(essi)
    response = client.get("/insights/", {"start": "2026-03-04", "end": "2026-03-02"})
    assert response.status_code == 400


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_downloads_the_summary_as_csv(client, essi, history):
    client.force_login(essi)
    rows = read_csv(client.get("/insights/analytics/summary.csv", {**PERIOD, "lang": "en"}))
    assert rows[1][:11] == ["Karvia", "8", "3", "37.5", "4", "50.0", "360.0", "552.0", "90.0",
                            "1", "1"]  # fmt: skip
    assert rows[3][0] not in ("Karvia", "Pomarkku")  # all together
    assert rows[3][1:4] == ["10", "4", "40.0"]


def test_it_downloads_each_charts_numbers_as_csv(client, essi, history):
    client.force_login(essi)
    daily = read_csv(client.get("/insights/analytics/daily.csv", PERIOD))
    assert daily[1:] == [
        ["2026-03-02", "6", "2", "33.3"],
        ["2026-03-03", "4", "2", "50.0"],
        ["2026-03-04", "0", "0", ""],
    ]
    waits = read_csv(client.get("/insights/analytics/waits.csv", PERIOD))
    assert [row[1:] for row in waits[1:]] == [
        ["0", "60", "0"],
        ["60", "120", "0"],
        ["120", "300", "1"],
        ["300", "600", "1"],
        ["600", "1200", "1"],
        ["1200", "", "0"],
    ]
    ratings = read_csv(client.get("/insights/analytics/ratings.csv", PERIOD))
    assert ratings[1:] == [["1", "0"], ["2", "0"], ["3", "1"], ["4", "1"], ["5", "1"]]
    entries = read_csv(client.get("/insights/analytics/entries.csv", PERIOD))
    assert entries[1] == ["karvia-library", "Milloin Karvian kirjasto on auki?", "2", "1", "1"]
    assert client.get("/insights/analytics/nothing.csv", PERIOD).status_code == 404


def test_it_downloads_one_municipalitys_csv(client, essi, history):
    client.force_login(essi)
    response = client.get("/insights/analytics/summary.csv", {**PERIOD, "municipality": "pomarkku"})
    rows = read_csv(response)
    assert [row[0] for row in rows[1:]] == ["Pomarkku"]
    assert "summary-pomarkku-2026-03-02-2026-03-04.csv" in response["Content-Disposition"]
