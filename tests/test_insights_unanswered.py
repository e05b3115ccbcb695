"""The unanswered-questions loop: which messages, grouped how, a new entry from a group
and the re-scoring after it, and hiding a group as not for the FAQ."""

# The shared fixtures are imported by name, and test arguments take the same names.
# ruff: noqa: F811
from __future__ import annotations

import datetime

import pytest
from django.db import connection

from faqbot.models import FaqEntry
from insights import grouping, unanswered
from insights.filters import Selection
from insights.models import DismissedGroup, NormalisedMessage, Rescore
from tests.insights_fixtures import PERIOD, essi, history  # noqa: F401

pytestmark = pytest.mark.django_db


def selection(*municipalities) -> Selection:
    return Selection(
        tuple(municipalities), datetime.date(2026, 3, 2), datetime.date(2026, 3, 4), None
    )


def listed(*municipalities) -> unanswered.Listing:
    """The groups with their messages, as a page shows them."""
    shown = selection(*municipalities)
    listing = unanswered.group_unanswered(shown)
    unanswered.attach_messages(listing.groups, shown)
    return listing


# -- grouping (no database) -------------------------------------------------------------------


def test_it_groups_similar_texts_and_keeps_different_ones_apart():
    result = grouping.group_texts(
        {
            "hakea rakennuslupa": 3,
            "hakemus rakennuslupa": 1,
            "rakennuslupa": 1,
            "auki uimahalli": 2,
            "auki kirjasto": 1,
        }
    )
    assert [(g.count, sorted(g.texts)) for g in result.groups] == [
        (5, ["hakea rakennuslupa", "hakemus rakennuslupa", "rakennuslupa"]),
        (2, ["auki uimahalli"]),
        (1, ["auki kirjasto"]),
    ]
    assert result.groups[0].representative == "hakea rakennuslupa"


def test_it_orders_groups_by_size_then_text():
    result = grouping.group_texts({"koiravero": 1, "venepaikka": 4, "kalastuslupa": 1})
    assert [g.representative for g in result.groups] == ["venepaikka", "kalastuslupa", "koiravero"]


def test_it_represents_a_group_by_its_most_frequent_phrasing():
    counts = {"hakea rakennuslupa": 1, "rakennuslupa": 2, "rakennuslupa tarvita": 1}
    group = grouping.group_texts(counts).groups[0]
    assert (group.representative, group.count) == ("rakennuslupa", 4)


def test_it_assigns_texts_beyond_the_pairwise_limit_to_the_nearest_group():
    counts = {"hakea rakennuslupa": 5, "auki kirjasto": 4, "hakemus rakennuslupa": 1, "koira": 1}
    result = grouping.group_texts(counts, pairwise_limit=2, tail_limit=1)
    assert [(g.representative, g.count) for g in result.groups] == [
        ("hakea rakennuslupa", 6),
        ("auki kirjasto", 4),
    ]
    # Beyond both limits: counted, not grouped.
    assert (result.ungrouped_texts, result.ungrouped_messages) == (1, 1)


# -- which messages ---------------------------------------------------------------------------


def test_it_finds_handed_off_unchosen_and_unhelpful_messages(history, karvia, pomarkku):
    found = {m.text: m.kinds for m in unanswered.unanswered_messages(selection(karvia, pomarkku))}
    assert found == {
        "Milloin kirjasto aukeaa?": {unanswered.NOT_HELPFUL},
        "Miten haen rakennuslupaa?": {unanswered.HANDED_OFF},  # Pomarkku's c10
        "Rakennusluvan hakeminen": {unanswered.HANDED_OFF},
        "Mistä saa kalastusluvan?": {unanswered.HANDED_OFF},
        "Rakennusluvan hakemus": {unanswered.HANDED_OFF},
        "Onko kirjastossa tulostinta?": {unanswered.SUGGESTED},
    } | {"Miten haen rakennuslupaa?": {unanswered.HANDED_OFF}}
    # c3's message and c10's have the same text: both are there.
    assert len(unanswered.unanswered_messages(selection(karvia, pomarkku))) == 7


def test_it_leaves_out_chosen_suggestions_answers_and_other_periods(history, karvia):
    texts = {m.text for m in unanswered.unanswered_messages(selection(karvia))}
    assert "biojäte" not in texts  # c8 chose a suggestion
    assert "Milloin kirjasto on auki?" not in texts  # answered, found helpful
    assert "kirjasto auki" not in texts  # c12, 5 March


def test_it_leaves_out_requests_for_a_person(history, karvia):
    c = history.conversation(
        "c13", karvia, datetime.datetime.fromisoformat("2026-03-03T14:00+02:00")
    )
    history.say("c13-q", c, "resident", "Haluan puhua ihmiselle", c.created)
    history.say("c13-bot", c, "bot", "Of course.", c.created)
    texts = {m.text for m in unanswered.unanswered_messages(selection(karvia))}
    assert "Haluan puhua ihmiselle" not in texts
    assert NormalisedMessage.objects.get(message=history.messages["c13-q"]).asks_for_person


def test_it_normalises_each_message_once(history, karvia, django_assert_num_queries):
    unanswered.unanswered_messages(selection(karvia))
    stored = NormalisedMessage.objects.count()
    assert stored == 6  # Karvia's six, the person request included
    unanswered.unanswered_messages(selection(karvia))
    assert NormalisedMessage.objects.count() == stored


def test_it_groups_per_municipality_most_frequent_first(history, karvia, pomarkku):
    listing = listed(karvia, pomarkku)
    summary = [
        (g.municipality_id, g.count, sorted(m.text for m in g.messages)) for g in listing.groups
    ]
    assert summary[0] == (
        karvia.pk,
        3,
        ["Miten haen rakennuslupaa?", "Rakennusluvan hakeminen", "Rakennusluvan hakemus"],
    )
    assert (pomarkku.pk, 1, ["Miten haen rakennuslupaa?"]) in summary
    assert [count for _m, count, _t in summary] == sorted(
        (c for _m, c, _t in summary), reverse=True
    )
    assert listing.messages == 7
    assert listing.groups[0].kinds == {unanswered.HANDED_OFF: 3}


def test_it_lists_groups_on_the_page_in_a_fixed_number_of_queries(
    client, essi, history, django_assert_num_queries
):
    client.force_login(essi)
    client.get("/insights/unanswered/", PERIOD)  # normalises the messages once
    # Session, user, municipalities (the selection, the form's choices); messages not yet
    # normalised (none left), the counts per normalised text, the shown groups' messages;
    # dismissed groups; re-scoring results; and the transaction's statements (a savepoint
    # and its release here, and JIT off on PostgreSQL).
    expected = 12 if connection.vendor == "postgresql" else 11
    with django_assert_num_queries(expected):
        response = client.get("/insights/unanswered/", PERIOD)
    page = response.content.decode()
    assert response.status_code == 200
    # Karvia's building permits (3), then one each, newest first.
    assert page.count('data-testid="group"') == 5
    assert page.index("Rakennusluvan") < page.index("kalastusluvan")


# -- a new entry from a group, and re-scoring -------------------------------------------------


def group_params(history, karvia, *names) -> dict[str, str]:
    ids = ",".join(str(history.messages[n].pk) for n in names)
    return {**PERIOD, "group_municipality": karvia.slug, "language": "fi", "messages": ids}


def test_it_opens_the_entry_editor_pre_filled_from_a_group(client, essi, history, karvia):
    client.force_login(essi)
    params = group_params(history, karvia, "c4-q", "c3-q", "c6-q")
    response = client.get("/insights/unanswered/new-entry/", params)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["question"].value() == "Rakennusluvan hakeminen"
    assert form["municipality"].value() == karvia.pk
    assert form["language"].value() == "fi"
    assert form["key"].value() == "karvia-rakennusluvan-hakeminen"
    page = response.content.decode()
    # The alternatives as a JSON list in the editor, not a JSON string.
    assert "[&quot;Miten haen rakennuslupaa?&quot;, &quot;Rakennusluvan hakemus&quot;]" in page


def test_it_shows_messages_the_bot_answers_after_an_entry_is_created(client, essi, history, karvia):
    client.force_login(essi)
    params = group_params(history, karvia, "c3-q", "c4-q", "c6-q")
    before = Rescore.objects.count()
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(
        f"/insights/unanswered/new-entry/?{query}",
        {
            "key": "karvia-rakennuslupa",
            "municipality": karvia.pk,
            "language": "fi",
            "category": "Rakentaminen",
            "question": "Miten haen rakennuslupaa?",
            "alternatives": '["rakennusluvan hakeminen", "rakennusluvan hakemus"]',
            "answer": "Hae rakennuslupaa Lupapisteestä.",
            "published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith("/insights/unanswered/?start=2026-03-02")
    entry = FaqEntry.objects.get(key="karvia-rakennuslupa")
    assert before == 0
    results = {r.message_id: r for r in Rescore.objects.all()}
    assert results[history.messages["c3-q"].pk].outcome == Rescore.Outcome.ANSWER
    assert results[history.messages["c3-q"].pk].faq_entry == entry
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="now-answered"' in page
    assert 'data-testid="message-now-answered"' in page and "Miten haen rakennuslupaa?" in page


def test_it_checks_a_group_again_with_the_current_faq(client, essi, history, karvia, faq):
    client.force_login(essi)
    params = group_params(history, karvia, "c9-q")
    response = client.post("/insights/unanswered/rescore/", params)
    assert response.status_code == 302
    result = Rescore.objects.get(message=history.messages["c9-q"])
    assert result.outcome in {"answer", "suggest", "handoff"}
    assert result.revision > 0


# -- not for the FAQ --------------------------------------------------------------------------


def test_it_hides_a_group_marked_not_for_the_faq_and_shows_it_again(client, essi, history, karvia):
    client.force_login(essi)
    client.get("/insights/unanswered/", PERIOD)
    response = client.post("/insights/unanswered/dismiss/", group_params(history, karvia, "c5-q"))
    assert response.status_code == 302
    dismissed = DismissedGroup.objects.get()
    assert (dismissed.normalised_text, dismissed.example) == (
        "kalastuslupa saada",
        "Mistä saa kalastusluvan?",
    )
    page = client.get("/insights/unanswered/", PERIOD).content.decode()
    assert "“Mistä saa kalastusluvan?”</h2>" not in page
    listing = listed(karvia)
    assert listing.hidden == 1
    # A similar later question stays hidden too.
    c = history.conversation(
        "c14", karvia, datetime.datetime.fromisoformat("2026-03-04T10:00+02:00")
    )
    history.say("c14-q", c, "resident", "kalastusluvan saa mistä", c.created)
    history.say("c14-bot", c, "bot", "Sorry", c.created)
    assert all("kalastus" not in g.representative.text for g in listed(karvia).groups)
    hidden_page = client.get("/insights/unanswered/hidden/").content.decode()
    assert "Mistä saa kalastusluvan?" in hidden_page
    client.post("/insights/unanswered/hidden/", {"dismissed": dismissed.pk})
    assert not DismissedGroup.objects.exists()
    groups = listed(karvia).groups
    assert [g.count for g in groups if "kalastus" in g.representative.text] == [2]


def test_it_normalises_ahead_of_time_with_a_command(history, karvia):
    from django.core.management import call_command

    with freeze_today():
        call_command("normalise_messages", "--days", "400")
    assert NormalisedMessage.objects.count() == 7  # every unanswered question of the fixture


def freeze_today():
    from unittest import mock

    return mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 3, 10))
