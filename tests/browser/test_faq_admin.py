"""The FAQ editors' pages (issue 6) in real Chromium against a real daphne server: trying
a question, the import preview, the live answer preview and the translations side by side,
each checked with axe-core.

Personas: Kaisa edits Karvia's entries, Alice is a superuser (tests/faq_editors.py).
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from faqbot.models import FaqEntry
from tests.browser.conftest import ARTIFACTS
from tests.faq_editors import editor, superuser

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

LIST = "/admin/faqbot/faqentry/"


def log_in(page, base: str, user) -> None:
    """The user's session in the browser, as if they had logged in."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def no_violations(axe, page, state: str) -> None:
    violations = axe(page)
    assert violations == [], f"{state}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in violations
    )


@pytest.fixture
def kaisa(karvia):
    return editor("kaisa", ["karvia"])


def test_it_tries_a_question_and_passes_axe(page, live_server_url, kaisa, karvia, axe):
    log_in(page, live_server_url, kaisa)
    page.goto(f"{live_server_url}{LIST}try/")
    no_violations(axe, page, "the empty form")
    page.get_by_label(re.compile("Viesti|Message")).fill("milloin kirjasto on auki")
    page.get_by_role("button", name=re.compile("Kokeile|Try")).click()
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "answer")
    expect(page.get_by_test_id("candidate").first).to_have_attribute("data-key", "karvia-library")
    expect(page.get_by_test_id("candidate").first).to_contain_text("kirjasto")
    no_violations(axe, page, "with a result")
    page.screenshot(path=str(ARTIFACTS / "faq-try-question.png"), full_page=True)


def test_it_previews_an_import_and_passes_axe(page, live_server_url, faq, tmp_path, axe):
    log_in(page, live_server_url, superuser())
    broken = {
        "entries": [
            {"id": "new", "municipality": "karvia", "language": "fi", "question": "Q?",
             "answer": "A."},
            {"id": "bad", "municipality": "atlantis", "language": "de", "question": "Q?",
             "answer": "A."},
        ]
    }  # fmt: skip
    path = tmp_path / "faq.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    page.goto(f"{live_server_url}{LIST}import/")
    no_violations(axe, page, "the upload form")
    page.get_by_label(re.compile("Tiedosto|File")).set_input_files(str(path))
    page.locator("input[type=submit]").click()
    expect(page.get_by_test_id("error")).to_have_count(2)
    expect(page.locator("input[name=digest]")).to_have_count(0)
    no_violations(axe, page, "a preview with errors")

    fixed = {"entries": [broken["entries"][0]]}
    path.write_text(json.dumps(fixed), encoding="utf-8")
    page.goto(f"{live_server_url}{LIST}import/")
    page.get_by_label(re.compile("Tiedosto|File")).set_input_files(str(path))
    page.locator("input[type=submit]").click()
    expect(page.get_by_test_id("created")).to_have_count(1)
    no_violations(axe, page, "a preview to apply")
    page.screenshot(path=str(ARTIFACTS / "faq-import-preview.png"), full_page=True)
    page.locator("form[action$='/import/apply/'] input[type=submit]").click()
    page.wait_for_url(f"{live_server_url}{LIST}")
    assert FaqEntry.objects.filter(key="new").exists()


def test_it_previews_the_answer_live_and_tries_an_edit_in_place(
    page, live_server_url, faq, kaisa, axe
):
    log_in(page, live_server_url, kaisa)
    entry = faq["karvia-library"]
    page.goto(f"{live_server_url}{LIST}{entry.pk}/change/")
    answer = page.locator("#id_answer")
    answer.fill("**Uudet** ajat. [Kartta](www.karvia.fi)")
    preview = page.locator("#faq-answer-preview")
    expect(preview.locator("strong")).to_have_text("Uudet")
    expect(page.locator("#faq-link-problems li")).to_contain_text("www.karvia.fi")
    answer.fill("<img src=x onerror=alert(1)> [Kartta](https://www.karvia.fi/)")
    expect(preview.locator("a")).to_have_attribute("href", "https://www.karvia.fi/")
    expect(preview.locator("img")).to_have_count(0)
    expect(page.locator("#faq-link-problems li")).to_have_count(0)

    page.locator("#id_question").fill("Milloin uimahalli on auki?")
    page.locator("#id_try_text").fill("milloin uimahalli on auki")
    page.locator("#id_try_text").press("Enter")  # tries, does not save
    result = page.get_by_test_id("before-after")
    expect(result).to_be_visible()
    expect(result.locator("#faq-trial-after + p + p, #faq-trial-after ~ table")).not_to_have_count(
        0
    )
    assert page.url.endswith(f"{LIST}{entry.pk}/change/")
    entry.refresh_from_db()
    assert entry.question == "Milloin Karvian kirjasto on auki?"
    no_violations(axe, page, "the change form with a preview and a trial")
    page.screenshot(path=str(ARTIFACTS / "faq-entry-form.png"), full_page=True)


def test_it_shows_translations_side_by_side_and_passes_axe(page, live_server_url, faq, axe):
    FaqEntry.objects.filter(key="waste-sv").update(translation_group=faq["waste"].translation_group)
    log_in(page, live_server_url, superuser())
    page.goto(f"{live_server_url}{LIST}{faq['waste'].pk}/translations/")
    expect(page.get_by_test_id("column")).to_have_count(3)
    expect(page.locator('[data-language="sv"]')).to_contain_text("Hur sorterar jag avfall?")
    no_violations(axe, page, "translations side by side")
    page.goto(f"{live_server_url}{LIST}")
    no_violations(axe, page, "the list")
    page.screenshot(path=str(ARTIFACTS / "faq-list.png"), full_page=True)
