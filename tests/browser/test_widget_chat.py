"""A resident chats through the widget on a demo page, in real Chromium: the bot, choices,
feedback, the character limit, languages, and the live-agent states driven by an agent on
the real agent socket."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Expect

from chat.models import ContactRequest, Conversation, Feedback, Rating

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
# Our own expect, not the shared one: a fresh server's first answer waits for the FAQ
# matcher's warm-up, which on a busy two-core machine can take longer than the default 5 s.
expect = Expect()
expect.set_options(timeout=15_000)

MESSAGES = '[data-testid="message"][data-seq]'


def open_widget(page, url: str):
    page.goto(url)
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("panel")).to_be_visible()
    expect(page.get_by_test_id("greeting")).not_to_be_empty()
    return page


def ask(page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def bot_messages(page):
    return page.locator('[data-testid="message"][data-sender="bot"]')


def test_it_greets_and_answers_from_the_faq(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    expect(page.get_by_test_id("greeting")).to_contain_text("Hei! Olen Karvian chat.")
    ask(page, "milloin kirjasto on auki")
    expect(bot_messages(page)).to_have_count(1)
    expect(bot_messages(page).locator("strong")).to_have_text("ma–pe 10–18")
    resident = page.locator('[data-testid="message"][data-sender="resident"]')
    expect(resident).to_have_text(re.compile("milloin kirjasto on auki"))


def test_it_greets_in_the_page_language(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/?lang=sv")
    expect(page.get_by_test_id("greeting")).to_contain_text("Hej! Jag är Karvias chatt.")
    expect(page.get_by_test_id("send")).to_have_text("Skicka")


def test_it_lets_the_resident_choose_a_suggestion(page, live_server_url, karvia_always_unsure):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "lajittelu ohje jäte kirjasto")
    suggestion = page.locator('[data-testid="suggestion"][data-entry="waste"]')
    suggestion.focus()
    page.keyboard.press("Enter")
    expect(bot_messages(page).last).to_contain_text("Lajittele bio-")
    expect(bot_messages(page).last.locator("a")).to_have_attribute("target", "_blank")
    expect(bot_messages(page).last.locator("a")).to_have_attribute("rel", re.compile("noopener"))
    # The question became the resident's message; the offer is spent, and the keyboard
    # focus stays on the button that was pressed.
    expect(page.locator(MESSAGES).nth(2)).to_have_text("Miten lajittelen jätteet?")
    expect(suggestion).to_have_attribute("aria-disabled", "true")
    assert suggestion.evaluate("b => b.getRootNode().activeElement === b")


def test_it_records_whether_an_answer_helped(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    feedback = page.get_by_test_id("feedback")
    expect(feedback).to_have_count(1)
    expect(feedback).to_contain_text("Oliko vastauksesta apua?")
    feedback.get_by_role("button", name="Kyllä").click()
    # Pressed only once the server acknowledged it.
    expect(feedback.get_by_role("button", name="Kyllä")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("feedback-thanks")).to_have_text("Kiitos palautteesta!")
    assert Feedback.objects.get().helpful is True
    feedback.get_by_role("button", name="Ei").click()
    expect(feedback.get_by_role("button", name="Ei")).to_have_attribute("aria-pressed", "true")
    expect(feedback.get_by_role("button", name="Kyllä")).to_have_attribute("aria-pressed", "false")
    assert Feedback.objects.get().helpful is False
    page.reload()
    expect(page.get_by_test_id("feedback").get_by_role("button", name="Ei")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_it_says_you_are_welcome_to_thanks_and_keeps_the_resident_with_the_bot(
    page, live_server_url
):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    expect(page.get_by_test_id("feedback")).to_have_count(1)
    ask(page, "kiitos!")
    expect(bot_messages(page)).to_have_count(2)
    expect(bot_messages(page).last).to_contain_text("Ole hyvä!")
    # Not an answer to rate, and no queue: the status line stays empty.
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("feedback")).to_have_count(1)
    expect(page.locator('[data-testid="message"][data-sender="system"]')).to_have_count(0)
    assert Conversation.objects.get().state == "bot"


def test_it_keeps_the_conversation_over_a_reload_and_navigation(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    messages = page.locator(MESSAGES)
    expect(messages).to_have_count(2)
    page.reload()
    # Open before the reload, open after it (in this tab), with the whole conversation.
    expect(page.get_by_test_id("panel")).to_be_visible()
    expect(messages).to_have_count(2)
    # A link on the page: another page of the same site.
    page.get_by_role("link", name="Karvia", exact=True).click()
    page.wait_for_load_state()
    expect(messages).to_have_count(2)
    ask(page, "miten lajittelen jätteet")
    expect(messages).to_have_count(4)
    assert [m.get_attribute("data-seq") for m in messages.all()] == ["1", "2", "3", "4"]
    # Another tab of the same site has the conversation, closed until asked.
    other = page.context.new_page()
    other.goto(f"{live_server_url}/demo/karvia/")
    expect(other.get_by_test_id("panel")).to_be_hidden()
    other.get_by_test_id("launcher").click()
    expect(other.locator(MESSAGES)).to_have_count(4)


def test_it_switches_language_within_the_conversation(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    expect(page.locator(MESSAGES)).to_have_count(2)
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("greeting")).to_have_text("Hello! This is Karvia's chat.")
    expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("send")).to_have_text("Send")
    expect(page.get_by_test_id("close")).to_have_attribute("aria-label", "Close chat")
    expect(page.get_by_role("log")).to_have_attribute("aria-label", "Conversation")
    expect(page.get_by_test_id("feedback")).to_contain_text("Was this answer helpful?")
    expect(page.get_by_test_id("privacy-link")).to_have_attribute(
        "href", f"{live_server_url}/privacy/karvia/?lang=en"
    )
    # The same conversation, nothing repeated.
    expect(page.locator(MESSAGES)).to_have_count(2)


def test_it_shows_the_character_limit(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    counter = page.get_by_test_id("counter")
    expect(counter).to_have_text("0 / 2000 merkkiä")
    composer = page.get_by_test_id("composer")
    composer.fill("ä" * 2000)
    expect(counter).to_have_text("2000 / 2000 merkkiä")
    expect(page.get_by_test_id("send")).to_be_enabled()
    composer.fill("ä" * 2001)
    expect(counter).to_have_text("2001 / 2000 merkkiä")
    expect(composer).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("send")).to_be_disabled()
    composer.press("Enter")
    expect(page.locator('[data-testid="message"][data-sender="resident"]')).to_have_count(0)


def test_it_queues_for_a_person_and_brings_the_agent(
    page, live_server_url, karvia_agent, agent_socket
):
    agent = agent_socket(karvia_agent)
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    expect(bot_messages(page)).to_have_count(1)
    page.get_by_test_id("handoff").click()
    queue = page.get_by_test_id("queue")
    expect(queue).to_contain_text("Olet jonossa sijalla 1.")
    expect(queue).to_contain_text(re.compile(r"Arvioitu odotusaika noin \d+ min\."))
    expect(page.get_by_test_id("handoff")).to_be_hidden()
    # The button went away under the resident's own press; the composer has the focus.
    assert page.get_by_test_id("composer").evaluate("c => c.getRootNode().activeElement === c")

    summary = agent.next("queue", where=lambda f: f["conversations"])["conversations"][0]
    agent.send(type="accept", conversation=summary["id"])
    expect(queue).to_have_text("Asiakaspalvelija: Aino")

    agent.send(type="typing", conversation=summary["id"])
    expect(page.get_by_test_id("typing")).to_have_text("Aino kirjoittaa…")
    agent.send(
        type="message", conversation=summary["id"], client_id="a1", text="Hei, **Aino** täällä."
    )
    reply = page.locator('[data-testid="message"][data-sender="agent"]')
    expect(reply).to_have_text("Hei, Aino täällä.")
    expect(reply.locator("strong")).to_have_text("Aino")
    expect(page.get_by_test_id("typing")).to_be_hidden()

    # While the resident types, the agent hears of it: at most once in two seconds.
    agent.frames(quiet_s=0.3)
    composer = page.get_by_test_id("composer")
    started = time.monotonic()
    for letter in "Kiitos, kysyisin vielä":
        composer.press_sequentially(letter)
        page.wait_for_timeout(100)
    typed_s = time.monotonic() - started
    typing = [f for f in agent.frames(quiet_s=0.5) if f["type"] == "typing"]
    assert 1 <= len(typing) <= typed_s / 2 + 1, (len(typing), typed_s)
    composer.press("Enter")
    agent.next("message", where=lambda f: f["sender"] == "resident")

    agent.send(type="close", conversation=summary["id"])
    rating = page.get_by_test_id("rating-form")
    expect(rating).to_be_visible()
    expect(queue).to_have_text("Keskustelu on päättynyt.")
    expect(page.get_by_test_id("new-conversation")).to_be_visible()
    rating.get_by_role("button", name="Lähetä arvio").click()
    expect(rating.get_by_role("alert")).to_have_text("Valitse arvosana 1–5.")
    rating.get_by_text("4 / 5").click()
    # Choosing a star (a visually hidden radio) must not scroll the panel's header away.
    expect(page.get_by_test_id("close")).to_be_in_viewport()
    rating.get_by_label("Kommentti (vapaaehtoinen)").fill("Nopea apu")
    rating.get_by_role("button", name="Lähetä arvio").click()
    expect(page.get_by_test_id("rating-done")).to_have_text("Kiitos arviostasi!")
    expect(page.get_by_test_id("rating-done")).to_be_focused()
    stored = Rating.objects.get()
    assert (stored.score, stored.comment) == (4, "Nopea apu")

    # A closed conversation takes no more messages; a new one can start.
    page.get_by_test_id("new-conversation").click()
    expect(page.locator(MESSAGES)).to_have_count(0)
    expect(page.get_by_test_id("rating-done")).to_have_count(0)
    ask(page, "milloin kirjasto on auki")
    expect(bot_messages(page)).to_have_count(1)


def test_it_offers_the_contact_form_when_nobody_can_answer(page, live_server_url):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    expect(bot_messages(page)).to_have_count(1)
    page.get_by_test_id("handoff").click()
    form = page.get_by_test_id("contact-form")
    expect(form).to_be_visible()
    # The message field starts with what the resident asked.
    expect(form.get_by_label("Asiasi (pakollinen)")).to_have_value("milloin kirjasto on auki")
    form.get_by_label("Asiasi (pakollinen)").fill("")
    form.get_by_role("button", name="Lähetä yhteydenottopyyntö").click()
    expect(form.get_by_label("Nimi (pakollinen)")).to_be_focused()
    expect(form.get_by_label("Nimi (pakollinen)")).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("Kirjoita nimesi.")
    expect(form).to_contain_text("Anna sähköposti tai puhelinnumero.")
    expect(form).to_contain_text("Kirjoita asiasi.")
    form.get_by_label("Nimi (pakollinen)").fill("Maija Meikäläinen")
    form.get_by_label("Sähköposti").fill("maija@")
    form.get_by_label("Asiasi (pakollinen)").fill("Kirjaston aukioloajat juhannuksena?")
    form.get_by_role("button", name="Lähetä yhteydenottopyyntö").click()
    expect(form).to_contain_text("Tarkista sähköpostiosoite.")
    expect(form.get_by_label("Sähköposti")).to_be_focused()
    form.get_by_label("Sähköposti").fill("maija@example.fi")
    form.get_by_label("Puhelinnumero").fill("040 123 4567")
    form.get_by_role("button", name="Lähetä yhteydenottopyyntö").click()
    done = page.get_by_test_id("contact-done")
    expect(done).to_contain_text("Yhteydenottopyyntösi on vastaanotettu")
    expect(done).to_be_focused()
    request = ContactRequest.objects.get()
    assert (request.name, request.email, request.phone) == (
        "Maija Meikäläinen",
        "maija@example.fi",
        "040 123 4567",
    )
    assert request.message == "Kirjaston aukioloajat juhannuksena?"
    page.reload()
    expect(page.get_by_test_id("contact-done")).to_be_visible()
    expect(page.get_by_test_id("contact-form")).to_have_count(0)
