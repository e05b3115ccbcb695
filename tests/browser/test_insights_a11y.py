"""The insights pages under axe-core in Chromium, served by a real daphne process."""

# The shared fixtures are imported by name, and test arguments take the same names.
# ruff: noqa: F811
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.insights_fixtures import PERIOD, STAFF_PASSWORD, essi, history  # noqa: F401

# No django_db mark: live_server_url asks for the transactional database itself, after
# the conftest lets sync database calls run beside Playwright's event loop.
pytestmark = pytest.mark.browser


def log_in(page, base: str) -> None:
    page.goto(f"{base}/admin/login/?next=/insights/")
    page.fill("#id_username", "essi")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/insights/")


@pytest.mark.parametrize(
    "path",
    ["/insights/", "/insights/unanswered/", "/insights/unanswered/hidden/"],
)
def test_it_has_no_axe_violations(page, live_server_url, essi, history, axe, path):
    log_in(page, live_server_url)
    page.goto(f"{live_server_url}{path}?{urlencode(PERIOD)}")
    # The numbers behind the charts are part of the page too: open them.
    for summary in page.locator("details > summary").all():
        summary.click()
    violations = axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_it_draws_the_charts_without_script(page, live_server_url, essi, history):
    page.context.set_extra_http_headers({})
    log_in(page, live_server_url)
    page.goto(f"{live_server_url}/insights/?{urlencode(PERIOD)}")
    charts = page.locator("svg.insights-chart")
    assert charts.count() == 4
    for i in range(4):
        name = charts.nth(i).get_attribute("aria-labelledby")
        assert name and all(page.locator(f"#{part}").count() == 1 for part in name.split())
    assert page.locator("svg.insights-chart rect").count() > 0
    page.screenshot(path="test-artifacts/insights-analytics.png", full_page=True)
