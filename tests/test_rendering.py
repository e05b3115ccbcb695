from __future__ import annotations

from html.parser import HTMLParser

import pytest

from faqbot.rendering import render_markdown


def test_it_renders_markdown():
    html = render_markdown("**Auki** ma–pe\n\n- kirjasto\n- uimahalli")
    assert "<strong>Auki</strong>" in html
    assert "<li>kirjasto</li>" in html


def test_it_opens_links_safely_in_a_new_tab():
    html = render_markdown("[Karvia](https://www.karvia.fi)")
    assert 'href="https://www.karvia.fi"' in html
    assert 'target="_blank"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


class ElementCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = ElementCollector()
    collector.feed(html)
    return collector.elements


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '[x](https://ok.fi "t" onclick="alert(1)")',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_it_never_lets_script_through(payload):
    for tag, attrs in elements(render_markdown(payload)):
        assert tag in {"p", "a", "strong", "em", "br"}
        assert not any(name.startswith("on") for name in attrs)
        href = attrs.get("href") or ""
        assert href == "" or href.startswith(("https:", "http:"))
