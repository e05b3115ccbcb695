"""The agent dashboard (issue 4) in real Chromium against a real daphne server.

Personas: a resident on Karvia's demo page, Anna (an agent of Karvia), Bertta (a user who
is not an agent). The hand-off runs in two browser contexts, as two people would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from chat.models import AgentProfile, ContactRequest, Conversation, Message
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PASSWORD = "kuntachat-test-Salasana-9"
ASK_FOR_A_PERSON = "haluan puhua ihmisen kanssa"
# Each would run script or load something if it were inserted as HTML anywhere.
XSS_PAYLOADS = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(2)</script>",
    "<svg onload=alert(3)><circle r=9></svg>",
    '"><iframe src="javascript:alert(4)"></iframe>',
    '<a href="javascript:alert(5)">klikkaa</a>',
    "<b onmouseover=alert(6)>lihava</b> {{7*7}} ${alert(7)}",
]
HTML_ELEMENTS = "img, script, svg, iframe, b, a[href^='javascript']"


# ---- People and pages ----------------------------------------------------------------------


@pytest.fixture
def anna(karvia, django_user_model) -> AgentProfile:
    """An agent of Karvia."""
    user = django_user_model.objects.create_user("anna", password=PASSWORD)
    profile = AgentProfile.objects.create(user=user, display_name="Anna")
    profile.municipalities.add(karvia)
    return profile


@pytest.fixture
def cecilia(karvia, pomarkku, django_user_model) -> AgentProfile:
    """An agent of Karvia and Pomarkku."""
    user = django_user_model.objects.create_user("cecilia", password=PASSWORD)
    profile = AgentProfile.objects.create(user=user, display_name="Cecilia")
    profile.municipalities.add(karvia, pomarkku)
    return profile


@pytest.fixture
def bertta(django_user_model):
    """A user who is not an agent."""
    return django_user_model.objects.create_user("bertta", password=PASSWORD)


@pytest.fixture
def new_page(browser) -> Iterator:
    """Pages in contexts of their own (separate cookies), e.g. the agent beside a resident."""
    contexts = []

    def make(locale: str = "fi-FI"):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/agent/login/?next=/agent/")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login").click()


def open_dashboard(page, base: str, username: str = "anna") -> None:
    """Log in, wait for the socket's hello, go online."""
    log_in(page, base, username)
    page.wait_for_url(f"{base}/agent/")
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "online")
    page.get_by_test_id("presence").select_option("online")
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-presence", "online")


def open_widget(page, base: str) -> None:
    page.goto(f"{base}/demo/karvia/")
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("panel")).to_be_visible()


def say(page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def ask_for_a_person(resident, base: str) -> None:
    open_widget(resident, base)
    say(resident, ASK_FOR_A_PERSON)
    # The bot's answer, then the system message that the resident is in the queue.
    expect(resident.locator('[data-testid="message"][data-sender="system"]')).to_have_count(1)


def queue_item(agent):
    return agent.get_by_test_id("queue-item").filter(has_text=ASK_FOR_A_PERSON)


def accept_first(agent):
    item = queue_item(agent)
    expect(item).to_have_count(1)
    item.get_by_test_id("accept").click()
    chat = agent.locator('[data-testid="chat"]:visible')
    expect(chat).to_have_count(1)
    return chat


def agent_says(chat, text: str, note: bool = False) -> None:
    box = chat.get_by_test_id("note-mode")
    box.set_checked(note)
    chat.get_by_test_id("composer").fill(text)
    chat.get_by_test_id("composer").press("Enter")


def no_dialogs(page) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


# ---- Who may see the dashboard -------------------------------------------------------------


def test_it_sends_a_visitor_without_a_session_to_the_login_page(page, live_server_url):
    page.goto(f"{live_server_url}/agent/")
    expect(page).to_have_url(re.compile(r"/agent/login/\?next=/agent/$"))
    expect(page.get_by_test_id("username")).to_be_focused()


def test_it_refuses_a_user_who_is_not_an_agent(new_page, live_server_url, bertta):
    page = new_page()
    log_in(page, live_server_url, "bertta")
    expect(page.get_by_test_id("not-an-agent")).to_be_visible()
    response = page.goto(f"{live_server_url}/agent/")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("not-an-agent")).to_contain_text("bertta")


def test_it_tells_a_wrong_password_in_the_agents_language(new_page, live_server_url, anna):
    page = new_page(locale="sv-FI")
    page.goto(f"{live_server_url}/agent/login/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_test_id("login")).to_have_text("Logga in")
    page.get_by_test_id("username").fill("anna")
    page.get_by_test_id("password").fill("wrong")
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/agent/login/"))


# ---- The hand-off --------------------------------------------------------------------------


def test_a_resident_and_an_agent_chat_from_hand_off_to_close(new_page, live_server_url, anna):
    agent, resident = new_page(), new_page()
    agent_dialogs = no_dialogs(agent)
    open_dashboard(agent, live_server_url)
    ask_for_a_person(resident, live_server_url)

    # The queue shows who waits, where, in which language, and what they first said.
    item = queue_item(agent)
    expect(item).to_contain_text("Karvia")
    expect(item.get_by_test_id("first-message")).to_have_text(ASK_FOR_A_PERSON)
    chat = accept_first(agent)
    expect(queue_item(agent)).to_have_count(0)

    # The whole transcript: the resident's words, the bot's part and the queue notice.
    transcript = chat.get_by_test_id("transcript")
    expect(transcript.locator('[data-sender="resident"]').first).to_have_text(ASK_FOR_A_PERSON)
    expect(transcript.locator('[data-sender="bot"]')).not_to_have_count(0)
    expect(transcript.locator('[data-sender="system"]')).not_to_have_count(0)
    expect(chat.get_by_test_id("composer")).to_be_focused()

    # Both ways.
    agent_says(chat, "Hei, olen Anna Karvian asiakaspalvelusta. Miten voin auttaa?")
    to_resident = resident.locator('[data-testid="message"][data-sender="agent"]')
    expect(to_resident).to_have_count(1)
    expect(to_resident).to_contain_text("olen Anna Karvian asiakaspalvelusta")
    # Typing shows both ways (the resident's in the dashboard, the agent's in the widget).
    resident.get_by_test_id("composer").fill("Milloin")
    expect(chat.get_by_test_id("resident-typing")).not_to_be_empty()
    # Typed for over two seconds, as a person would: the page sends a typing frame at most
    # every 2 s, and the server drops any within a second of the last one.
    chat.get_by_test_id("composer").press_sequentially("Hetkinen, tarkistan", delay=150)
    expect(resident.get_by_test_id("typing")).to_be_visible()
    chat.get_by_test_id("composer").fill("")
    say(resident, "Milloin jäteasema on auki lauantaina?")
    expect(chat.get_by_test_id("resident-typing")).to_be_empty()
    expect(transcript.locator('[data-sender="resident"]').last).to_have_text(
        "Milloin jäteasema on auki lauantaina?"
    )

    # An internal note: labelled and set apart for the agent, never sent to the resident.
    agent_says(chat, "Sisäinen: tarkista jäteaseman kesäajat", note=True)
    note = transcript.get_by_test_id("note")
    expect(note).to_have_count(1)
    expect(note).to_have_text("Sisäinen: tarkista jäteaseman kesäajat")
    expect(note).not_to_have_attribute("data-pending", "true")
    expect(transcript.locator(".kc-internal .kc-note-tag")).to_be_visible()
    agent_says(chat, "Jäteasema on auki lauantaisin klo 10–14.")
    expect(to_resident).to_have_count(2)
    # The note was stored before this last reply, so had it leaked it would be here by now.
    expect(resident.get_by_test_id("log")).not_to_contain_text("tarkista jäteaseman")

    agent.screenshot(path=str(ARTIFACTS / "agent-dashboard-chat.png"))

    # Close: confirmed in a dialog; the chat stays to be read, and the resident is told.
    chat.get_by_test_id("close-chat").click()
    agent.get_by_test_id("close-dialog").get_by_test_id("close-confirm").click()
    expect(chat).to_have_attribute("data-state", "closed")
    expect(chat.get_by_test_id("composer")).to_be_disabled()
    expect(chat.get_by_test_id("dismiss-chat")).to_be_focused()
    conversation = Conversation.objects.get()
    assert conversation.state == Conversation.State.CLOSED
    assert conversation.assigned_agent_id == anna.pk
    expect(resident.locator('[data-testid="message"][data-sender="system"]')).not_to_have_count(1)
    # What was stored: one copy of each message, the note marked internal and by Anna.
    notes = Message.objects.filter(conversation=conversation, internal=True)
    assert [(m.text, m.agent_id) for m in notes] == [
        ("Sisäinen: tarkista jäteaseman kesäajat", anna.pk)
    ]
    assert Message.objects.filter(conversation=conversation, sender="agent").count() == 3
    assert agent_dialogs == []


def test_a_chat_goes_to_a_colleague_and_on_to_another_municipalitys_queue(
    new_page, live_server_url, anna, cecilia, pomarkku
):
    agent, colleague, resident = new_page(), new_page(), new_page()
    open_dashboard(agent, live_server_url)
    open_dashboard(colleague, live_server_url, "cecilia")
    ask_for_a_person(resident, live_server_url)
    expect(colleague.get_by_test_id("dashboard")).to_have_attribute("data-alerts", "1")
    chat = accept_first(agent)

    # To a colleague: chosen in a dialog among the online agents of the municipality.
    chat.get_by_test_id("transfer").click()
    dialog = agent.get_by_test_id("transfer-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("transfer-to-agent").check()
    dialog.get_by_test_id("transfer-agent").select_option(label="Cecilia")
    dialog.get_by_test_id("transfer-confirm").click()
    expect(dialog).to_have_count(0)
    expect(chat.get_by_test_id("chat-banner")).to_contain_text("Cecilia")
    expect(chat.get_by_test_id("composer")).to_be_disabled()
    expect(chat.get_by_test_id("transfer")).to_be_hidden()

    # The colleague is alerted and gets the whole transcript without asking.
    theirs = colleague.get_by_test_id("chat")
    expect(theirs).to_have_count(1)
    expect(colleague.get_by_test_id("dashboard")).to_have_attribute("data-alerts", "2")
    transcript = theirs.get_by_test_id("transcript")
    expect(transcript.locator('[data-sender="resident"]').first).to_have_text(ASK_FOR_A_PERSON)
    agent_says(theirs, "Hei, tässä Cecilia.")
    expect(resident.locator('[data-testid="message"][data-sender="agent"]')).to_contain_text(
        "tässä Cecilia"
    )

    # On to Pomarkku's queue: out of Cecilia's hands, into the queue she also serves, and
    # not into Anna's, who serves only Karvia.
    theirs.get_by_test_id("transfer").click()
    dialog = colleague.get_by_test_id("transfer-dialog")
    dialog.get_by_test_id("transfer-municipality").select_option("pomarkku")
    dialog.get_by_test_id("transfer-confirm").click()
    expect(theirs.get_by_test_id("chat-banner")).to_be_visible()
    expect(theirs.get_by_test_id("composer")).to_be_disabled()
    waiting = colleague.get_by_test_id("queue-item").filter(has_text=ASK_FOR_A_PERSON)
    expect(waiting).to_contain_text("Pomarkku")
    expect(agent.get_by_test_id("queue-item")).to_have_count(0)
    conversation = Conversation.objects.get()
    assert conversation.state == Conversation.State.QUEUED
    assert conversation.service_municipality_id == pomarkku.pk


def test_the_agent_sees_what_the_bot_guessed_and_considered(
    new_page, live_server_url, anna, karvia_always_unsure
):
    agent, resident = new_page(), new_page()
    open_dashboard(agent, live_server_url)
    open_widget(resident, live_server_url)
    say(resident, "lajittelu ohje jäte kirjasto")
    expect(resident.get_by_test_id("suggestion")).not_to_have_count(0)
    say(resident, ASK_FOR_A_PERSON)

    # In the queue: the bot's best guesses, with their confidence.
    item = agent.get_by_test_id("queue-item")
    guesses = item.get_by_test_id("bot-guess")
    expect(guesses.filter(has_text="Miten lajittelen jätteet?")).to_have_count(1)
    expect(guesses.first).to_contain_text("%")
    item.get_by_test_id("accept").click()

    # In the transcript: every entry the bot considered for each reply (the suggestions,
    # then the hand-off: its reading of the request for a person is there too).
    chat = agent.get_by_test_id("chat")
    considered = chat.get_by_test_id("candidate")
    expect(considered.filter(has_text="Miten lajittelen jätteet?")).not_to_have_count(0)
    expect(considered.filter(has_text="(waste)").first).to_be_visible()

    # Shift+Enter is a new line; Enter sends.
    composer = chat.get_by_test_id("composer")
    composer.press_sequentially("Rivi yksi")
    composer.press("Shift+Enter")
    composer.press_sequentially("rivi kaksi")
    composer.press("Enter")
    expect(resident.locator('[data-sender="agent"]')).to_contain_text("rivi kaksi")
    assert Message.objects.get(sender="agent").text == "Rivi yksi\nrivi kaksi"


def test_going_offline_with_open_chats_asks_what_to_do_with_them(new_page, live_server_url, anna):
    agent, resident = new_page(), new_page()
    open_dashboard(agent, live_server_url)
    ask_for_a_person(resident, live_server_url)
    chat = accept_first(agent)
    presence = agent.get_by_test_id("presence")

    presence.select_option("offline")
    dialog = agent.get_by_test_id("offline-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("cancel").click()  # nothing changes
    expect(presence).to_have_value("online")
    expect(presence).to_be_focused()
    expect(chat.get_by_test_id("composer")).to_be_enabled()

    presence.select_option("offline")
    agent.get_by_test_id("offline-dialog").get_by_test_id("requeue-chats").click()
    expect(agent.get_by_test_id("dashboard")).to_have_attribute("data-presence", "offline")
    expect(chat).to_have_attribute("data-state", "queued")
    expect(chat.get_by_test_id("composer")).to_be_disabled()
    conversation = Conversation.objects.get()
    assert conversation.state == Conversation.State.QUEUED
    assert conversation.assigned_agent_id is None


def test_automatic_offers_are_declined_or_accepted_and_chats_open_side_by_side_in_tabs(
    new_page, live_server_url, anna, karvia
):
    karvia.routing_mode = "auto"
    karvia.save(update_fields=["routing_mode"])
    agent, first, second = new_page(), new_page(), new_page()
    open_dashboard(agent, live_server_url)

    ask_for_a_person(first, live_server_url)
    offer = agent.get_by_test_id("offer")
    expect(offer).to_have_count(1)
    expect(offer).to_contain_text(ASK_FOR_A_PERSON)
    expect(agent).to_have_title(re.compile(r"^\(1\) Kuntachat"))
    offer.get_by_test_id("decline-offer").click()
    expect(offer).to_have_count(0)
    # Declined by every agent, it still waits in the queue, where it can be picked.
    first_chat = accept_first(agent)

    ask_for_a_person(second, live_server_url)
    expect(offer).to_have_count(1)
    offer.get_by_test_id("accept-offer").click()
    expect(offer).to_have_count(0)
    tabs = agent.get_by_role("tab")
    expect(tabs).to_have_count(2)
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    second_chat = agent.locator('[data-testid="chat"]:visible')
    agent_says(second_chat, "Toinen keskustelu")
    expect(second.locator('[data-sender="agent"]')).to_contain_text("Toinen keskustelu")
    expect(first.locator('[data-sender="agent"]')).to_have_count(0)

    # A message in the other tab is counted there and announced, without taking focus.
    say(first, "Oletteko siellä?")
    expect(tabs.nth(0).get_by_test_id("unread")).to_be_visible()
    expect(agent.get_by_test_id("announcer")).to_contain_text("Karvia")
    expect(second_chat.get_by_test_id("composer")).to_be_focused()
    # Arrow keys move between tabs (the ARIA tabs pattern).
    tabs.nth(1).focus()
    agent.keyboard.press("ArrowLeft")
    expect(tabs.nth(0)).to_be_focused()
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(first_chat).to_be_visible()
    expect(tabs.nth(0).get_by_test_id("unread")).to_have_count(0)


def test_it_shows_html_and_script_from_a_resident_as_text(new_page, live_server_url, anna):
    agent, resident = new_page(), new_page()
    agent_dialogs, resident_dialogs = no_dialogs(agent), no_dialogs(resident)
    open_dashboard(agent, live_server_url)
    ask_for_a_person(resident, live_server_url)
    for payload in XSS_PAYLOADS:
        say(resident, payload)
    sent = resident.locator('[data-testid="message"][data-sender="resident"][data-seq]')
    expect(sent).to_have_count(1 + len(XSS_PAYLOADS))

    chat = accept_first(agent)
    from_resident = chat.locator('[data-testid="message"][data-sender="resident"]')
    expect(from_resident).to_have_count(1 + len(XSS_PAYLOADS))
    texts = from_resident.all_text_contents()
    assert texts[1:] == XSS_PAYLOADS
    assert chat.get_by_test_id("transcript").locator(HTML_ELEMENTS).count() == 0
    assert agent.locator(f"#kc-app :is({HTML_ELEMENTS})").count() == 0
    # Give an onerror or onload every chance to fire.
    agent.wait_for_timeout(500)
    assert agent_dialogs == [] and resident_dialogs == []


def test_it_shows_html_in_the_queue_as_text(new_page, live_server_url, anna):
    agent, resident = new_page(), new_page()
    dialogs = no_dialogs(agent)
    open_dashboard(agent, live_server_url)
    open_widget(resident, live_server_url)
    payload = XSS_PAYLOADS[0] + " " + ASK_FOR_A_PERSON
    say(resident, payload)
    item = agent.get_by_test_id("queue-item")
    expect(item.get_by_test_id("first-message")).to_have_text(payload)
    assert item.locator(HTML_ELEMENTS).count() == 0
    agent.wait_for_timeout(300)
    assert dialogs == []


def test_a_new_queued_chat_shows_in_the_title_and_is_announced(new_page, live_server_url, anna):
    agent, resident = new_page(), new_page()
    open_dashboard(agent, live_server_url)
    expect(agent).to_have_title(re.compile(r"^Kuntachat"))
    ask_for_a_person(resident, live_server_url)
    expect(agent).to_have_title(re.compile(r"^\(1\) Kuntachat"))
    expect(agent.get_by_test_id("dashboard")).to_have_attribute("data-alerts", "1")
    expect(agent.get_by_test_id("announcer")).to_contain_text("Karvia")
    # Notifications are asked for from the button only, never on load.
    expect(agent.get_by_test_id("enable-notifications")).to_be_visible()
    agent.context.grant_permissions(["notifications"], origin=live_server_url)
    agent.get_by_test_id("enable-notifications").click()
    expect(agent.get_by_test_id("enable-notifications")).to_be_hidden()
    expect(agent.get_by_test_id("notification-state")).not_to_be_empty()
    agent.screenshot(path=str(ARTIFACTS / "agent-dashboard-queue.png"))
    accept_first(agent)
    expect(agent).to_have_title(re.compile(r"^Kuntachat"))


def test_contact_requests_are_listed_with_their_transcript_and_marked_handled(
    new_page, live_server_url, anna, karvia, pomarkku
):
    conversation = Conversation.objects.create(
        municipality=karvia, language="fi", token_hash="x" * 64, state="bot"
    )
    Message.objects.create(conversation=conversation, seq=1, sender="resident", text="<b>apua</b>")
    conversation.last_seq = 1
    conversation.save(update_fields=["last_seq"])
    request = ContactRequest.objects.create(
        municipality=karvia,
        conversation=conversation,
        language="fi",
        name="Maija <i>Meikäläinen</i>",
        email="maija@example.fi",
        message="Soittakaa minulle rakennusluvasta.",
    )
    elsewhere = Conversation.objects.create(
        municipality=pomarkku, language="fi", token_hash="y" * 64
    )
    agent = new_page()
    open_dashboard(agent, live_server_url)
    row = agent.get_by_test_id("contact-request")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Maija <i>Meikäläinen</i>")
    expect(row).to_contain_text("Soittakaa minulle rakennusluvasta.")

    with agent.context.expect_page() as opened:
        row.get_by_test_id("transcript-link").click()
    transcript = opened.value
    expect(transcript.get_by_test_id("transcript")).to_contain_text("<b>apua</b>")
    assert transcript.get_by_test_id("transcript").locator("b").count() == 0
    # Another municipality's conversation, or a guessed id, is not there at all.
    for other in (elsewhere.pk, elsewhere.pk + 1000):
        response = transcript.goto(f"{live_server_url}/agent/conversations/{other}/")
        assert response is not None and response.status == 404
    transcript.close()

    row.get_by_test_id("mark-handled").click()
    expect(row.get_by_test_id("mark-handled")).to_have_count(0)
    request.refresh_from_db()
    assert request.handled_at is not None and request.handled_by_id == anna.pk


# ---- Accessibility -------------------------------------------------------------------------


def test_axe_finds_no_violations_in_the_dashboard(new_page, live_server_url, anna, axe):
    agent, resident = new_page(), new_page()
    login = new_page()
    login.goto(f"{live_server_url}/agent/login/")
    assert axe(login) == []
    open_dashboard(agent, live_server_url)
    assert axe(agent) == [], "empty dashboard"
    ask_for_a_person(resident, live_server_url)
    expect(queue_item(agent)).to_have_count(1)
    assert axe(agent) == [], "a chat waiting"
    chat = accept_first(agent)
    agent_says(chat, "Hei!")
    agent_says(chat, "Muistiinpano", note=True)
    expect(chat.get_by_test_id("note")).to_have_count(1)
    chat.get_by_test_id("faq-query").fill("kirjasto")
    chat.get_by_test_id("faq-search").click()
    expect(chat.get_by_test_id("faq-result")).not_to_have_count(0)
    assert axe(agent) == [], "a chat open, with a note and FAQ answers"
    # A canned answer goes into the composer, to be edited and sent as the agent's own.
    chat.get_by_test_id("note-mode").uncheck()  # note mode stays on until switched off
    chat.get_by_test_id("faq-result").first.get_by_test_id("faq-insert").click()
    expect(chat.get_by_test_id("composer")).to_have_value(re.compile("ma–pe 10–18"))
    expect(chat.get_by_test_id("composer")).to_be_focused()
    chat.get_by_test_id("composer").press("Enter")
    expect(resident.locator('[data-sender="agent"]').last).to_contain_text("ma–pe 10–18")
    chat.get_by_test_id("transfer").click()
    expect(agent.get_by_test_id("transfer-dialog")).to_be_visible()
    assert axe(agent) == [], "the transfer dialog"
    agent.keyboard.press("Escape")
    expect(chat.get_by_test_id("transfer")).to_be_focused()


# ---- Losing the connection -----------------------------------------------------------------


def test_it_reconnects_and_resyncs_without_losing_or_doubling(new_page, restartable_server, anna):
    # restartable_server: tests/browser/conftest.py
    base = restartable_server.url
    agent, resident = new_page(), new_page()
    open_dashboard(agent, base)
    ask_for_a_person(resident, base)
    chat = accept_first(agent)
    agent_says(chat, "Ensimmäinen vastaus")
    expect(resident.locator('[data-testid="message"][data-sender="agent"]')).to_have_count(1)

    # Accepted: out of the queue at once, without waiting for the next `queue` frame.
    expect(queue_item(agent)).to_have_count(0)
    restartable_server.kill()  # as a crash: no close frames, nothing flushed
    expect(agent.get_by_test_id("connection")).to_have_attribute("data-state", "reconnecting")
    agent.screenshot(path=str(ARTIFACTS / "agent-dashboard-reconnecting.png"))
    # Written while the server is down: pending, then sent once the socket is back.
    agent_says(chat, "Kirjoitettu katkon aikana")
    expect(chat.locator('[data-pending="true"]')).to_have_count(1)
    restartable_server.start()

    expect(agent.get_by_test_id("connection")).to_have_attribute(
        "data-state", "online", timeout=40_000
    )
    expect(chat.locator('[data-pending="true"]')).to_have_count(0)
    expect(resident.locator('[data-testid="message"][data-sender="agent"]')).to_have_count(
        2, timeout=40_000
    )
    say(resident, "Kiitos, sain molemmat")
    transcript = chat.get_by_test_id("transcript")
    expect(transcript.locator('[data-sender="resident"]').last).to_have_text(
        "Kiitos, sain molemmat"
    )
    seqs = [int(s) for s in transcript.locator("[data-seq]").evaluate_all(
        "nodes => nodes.map((n) => n.dataset.seq)"
    )]  # fmt: skip
    assert seqs == sorted(set(seqs)), "every stored message once, in order"
    assert seqs == list(range(1, len(seqs) + 1))
    assert Message.objects.filter(text="Kirjoitettu katkon aikana").count() == 1


# ---- The pages' database work --------------------------------------------------------------


def test_the_dashboard_page_costs_the_same_queries_however_many_municipalities(
    client, anna, karvia, pomarkku, django_assert_num_queries
):
    anna.municipalities.add(pomarkku)
    client.force_login(anna.user)
    with django_assert_num_queries(4):  # session, user, agent profile, municipalities
        response = client.get("/agent/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    # Every municipality is a transfer target, in the page's language.
    assert response.context["client_config"]["municipalities"] == [
        {"slug": "karvia", "name": "Karvia"},
        {"slug": "pomarkku", "name": "Pomarkku"},
    ]


def test_a_transcript_costs_the_same_queries_however_long(
    client, anna, karvia, django_assert_num_queries
):
    conversation = Conversation.objects.create(
        municipality=karvia, language="fi", token_hash="z" * 64
    )
    for seq in range(1, 21):
        Message.objects.create(
            conversation=conversation,
            seq=seq,
            sender="agent" if seq % 2 else "bot",
            agent=anna if seq % 2 else None,
            internal=seq % 4 == 1,
            text=f"viesti {seq}",
            candidates=[{"id": "karvia-library", "confidence": 0.5}] if seq % 2 == 0 else [],
        )
    client.force_login(anna.user)
    # session, user, agent profile, conversation, messages with their agents, FAQ questions
    with django_assert_num_queries(6):
        response = client.get(f"/agent/conversations/{conversation.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="note"') == 5
