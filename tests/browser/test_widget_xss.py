"""HTML and script in what the widget shows — the resident's own messages, FAQ answers and
questions, the municipality's greeting and name, an agent's messages, and HTML that got past
the server's sanitiser — appear as text or as sanitised markup, and never run."""

from __future__ import annotations

import pytest
from playwright.sync_api import Expect

from chat.messages import append_message
from chat.models import Conversation
from faqbot.models import FaqEntry, Municipality
from tests.conftest import set_thresholds

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
# Our own expect, not the shared one: a fresh server's first answer waits for the FAQ
# matcher's warm-up, which on a busy two-core machine can take longer than the default 5 s.
expect = Expect()
expect.set_options(timeout=15_000)

PAYLOADS = [
    '<script>alert("script")</script>',
    '<img src=x onerror=alert("img")>',
    '<svg onload=alert("svg")><circle r="9"/></svg>',
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<a href=\"javascript:alert('href')\">linkki</a>",
    '<a href="https://example.fi" onclick="alert(\'onclick\')" style="color:red">ok</a>',
    '"><script>alert("attribute")</script>',
    '<details open ontoggle=alert("details")>',
    "<style>*{display:none!important}</style>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert("mxss")>',
    '<input autofocus onfocus=alert("focus")>',
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    "[markdown](javascript:alert('md'))",
    "[spaced]( javascript:alert('md2') )",
    "<object data=\"javascript:alert('object')\"></object>",
    "&lt;b&gt;entity&lt;/b&gt; &#60;script&#62;alert('entity')&#60;/script&#62;",
]
ALLOWED = "A P BR STRONG B EM I UL OL LI CODE PRE BLOCKQUOTE H3 H4 H5 H6 HR SPAN".split()

# Everything inside the widget's message bubbles, greeting and suggestions that could run
# or load: tags beyond the sanitiser's, event and style attributes, unsafe link schemes.
FIND_UNSAFE = """(allowed) => {
  const root = document.querySelector('kuntachat-widget').shadowRoot;
  const bad = [];
  for (const n of root.querySelectorAll('.kc-bubble *, .kc-sugg *, .kc-title *')) {
    if (!allowed.includes(n.tagName) && !n.closest('.kc-sugg')) bad.push(n.tagName);
    for (const a of n.attributes) {
      if (/^on|^style$|^src$/i.test(a.name)) bad.push(n.tagName + '@' + a.name);
    }
    if (n.tagName === 'A' && n.hasAttribute('href')
        && !/^(https?:|mailto:|tel:)/i.test(n.getAttribute('href'))) bad.push('href ' + n.href);
  }
  const dangerous = 'script, iframe, img, svg:not([aria-hidden]), object, embed, style';
  for (const n of root.querySelectorAll(dangerous))
    bad.push('in the shadow root: ' + n.outerHTML.slice(0, 80));
  return bad;
}"""


@pytest.fixture
def dialogs(page) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


def open_widget(page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("launcher").click()
    expect(page.get_by_test_id("panel")).to_be_visible()


def ask(page, text: str) -> None:
    page.get_by_test_id("composer").fill(text)
    page.get_by_test_id("composer").press("Enter")


def assert_safe(page, dialogs: list[str]) -> None:
    page.wait_for_timeout(300)  # an onerror or onload would have fired by now
    assert page.evaluate(FIND_UNSAFE, ALLOWED) == []
    assert dialogs == []


def test_the_residents_own_html_shows_as_text(page, live_server_url, dialogs):
    open_widget(page, f"{live_server_url}/demo/karvia/")
    # Four payloads a message: under the rate limit of ten messages in ten seconds.
    chunks = [" ".join(PAYLOADS[i : i + 4]) for i in range(0, len(PAYLOADS), 4)]
    for chunk in chunks:
        ask(page, chunk)
    resident = page.locator('[data-testid="message"][data-sender="resident"][data-seq]')
    expect(resident).to_have_count(len(chunks))
    assert [m.text_content() for m in resident.all()] == chunks
    assert resident.locator("*").count() == 0
    assert_safe(page, dialogs)


def test_faq_content_and_the_municipalitys_texts_render_safely(
    page, live_server_url, karvia, dialogs
):
    hostile = " ".join(PAYLOADS)
    set_thresholds(karvia, 1.0, 0.0)  # offer choices, so that the hostile question shows
    Municipality.objects.filter(pk=karvia.pk).update(
        name='Karvia <img src=x onerror=alert("name")>',
        greeting_fi=f"Hei! {hostile}",
    )
    FaqEntry.objects.create(
        key="xss",
        municipality=karvia,
        language="fi",
        category="Testi",
        question='Koirapuisto <script>alert("question")</script> aukioloajat?',
        alternatives=["koirapuisto aukioloajat"],
        answer=f"Koirapuisto on auki aina. {hostile}\n\n[Lisätietoja](https://example.fi/koira)",
    )
    open_widget(page, f"{live_server_url}/demo/karvia/")
    expect(page.get_by_test_id("greeting")).to_have_text(f"Hei! {hostile}")
    expect(page.locator("#kc-title")).to_contain_text('Karvia <img src=x onerror=alert("name")>')
    ask(page, "koirapuisto aukioloajat")
    suggestion = page.locator('[data-testid="suggestion"][data-entry="xss"]')
    expect(suggestion).to_have_text('Koirapuisto <script>alert("question")</script> aukioloajat?')
    suggestion.click()
    answer = page.locator('[data-testid="message"][data-sender="bot"]').last
    expect(answer).to_contain_text("Koirapuisto on auki aina.")
    expect(answer).to_contain_text('<script>alert("script")</script>')  # as text
    links = answer.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.fi/koira")
    expect(links).to_have_attribute("target", "_blank")
    expect(links).to_have_attribute("rel", "noopener noreferrer nofollow")
    assert_safe(page, dialogs)


def test_an_agents_html_renders_safely(page, live_server_url, karvia_agent, agent_socket, dialogs):
    agent = agent_socket(karvia_agent)
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    page.get_by_test_id("handoff").click()
    expect(page.get_by_test_id("queue")).to_contain_text("jonossa")
    summary = agent.next("queue", where=lambda f: f["conversations"])["conversations"][0]
    agent.send(type="accept", conversation=summary["id"])
    for number, payload in enumerate(PAYLOADS):
        agent.send(type="message", conversation=summary["id"], client_id=f"x{number}", text=payload)
    agent_messages = page.locator('[data-testid="message"][data-sender="agent"]')
    expect(agent_messages).to_have_count(len(PAYLOADS))
    expect(agent_messages.first).to_have_text('<script>alert("script")</script>')
    assert_safe(page, dialogs)


def test_the_widget_sanitises_html_that_got_past_the_server(page, live_server_url, dialogs):
    """Defence in depth: as if the server's sanitiser had a bug, stored HTML is hostile."""
    open_widget(page, f"{live_server_url}/demo/karvia/")
    ask(page, "milloin kirjasto on auki")
    expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(1)
    conversation = Conversation.objects.get()
    raw = (
        "".join(PAYLOADS)
        + '<p>Tavallinen <a href="https://example.fi" onclick="x()">linkki</a></p>'
    )
    append_message(conversation.pk, "bot", "hostile", html=raw)
    page.reload()  # the stored message comes with the history
    bot = page.locator('[data-testid="message"][data-sender="bot"]')
    expect(bot).to_have_count(2)
    expect(bot.last.locator("a[href='https://example.fi']")).to_have_attribute(
        "rel", "noopener noreferrer nofollow"
    )
    assert_safe(page, dialogs)
