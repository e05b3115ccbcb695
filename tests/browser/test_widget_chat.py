"""A resident chats with the bot through the widget on a demo page, in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def open_widget(page, url: str):
    page.goto(url)
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("panel")).to_be_visible()
    return page


def ask(page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def test_it_greets_and_answers_from_the_faq(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    expect(page.get_by_test_id("greeting")).to_contain_text("Hei! Olen Karvian chat.")
    ask(page, "milloin kirjasto on auki")
    bot = page.locator('[data-testid="message"][data-sender="bot"]')
    expect(bot).to_have_count(1)
    expect(bot.locator("strong")).to_have_text("ma–pe 10–18")
    resident = page.locator('[data-testid="message"][data-sender="resident"]')
    expect(resident).to_have_text(re.compile("milloin kirjasto on auki"))


def test_it_greets_in_the_page_language(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/?lang=sv")
    expect(page.get_by_test_id("greeting")).to_contain_text("Hej! Jag är Karvias chatt.")


def test_it_keeps_the_conversation_over_a_reload(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    messages = page.locator('[data-testid="message"][data-seq]')
    expect(messages).to_have_count(2)
    page.reload()
    page.get_by_test_id("launcher").click()
    expect(messages).to_have_count(2)
    ask(page, "miten lajittelen jätteet")
    expect(messages).to_have_count(4)
    seqs = [m.get_attribute("data-seq") for m in messages.all()]
    assert seqs == ["1", "2", "3", "4"]


def test_it_lets_the_resident_choose_a_suggestion(page, live_server_url, karvia_always_unsure):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "lajittelu ohje jäte kirjasto")
    suggestion = page.locator('[data-testid="suggestion"][data-entry="waste"]')
    suggestion.click()
    bot = page.locator('[data-testid="message"][data-sender="bot"]')
    expect(bot.last).to_contain_text("Lajittele bio-")
    expect(bot.last.locator("a")).to_have_attribute("target", "_blank")


def test_it_shows_script_in_a_message_as_text(page, live_server_url):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_widget(page, f"{live_server_url}/demo/karvia/")
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    ask(page, payload)
    resident = page.locator('[data-testid="message"][data-sender="resident"][data-seq]')
    expect(resident).to_contain_text(payload)
    expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(1)
    assert resident.locator("img, script").count() == 0
    assert dialogs == []
