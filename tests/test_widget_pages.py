"""The pages the widget links to (privacy and accessibility statement templates) and the
loader's headers; the widget itself is tested in Chromium (tests/browser/test_widget_*)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

HEADINGS = {
    "privacy": {
        "fi": "Chatin tietosuojaseloste",
        "sv": "Dataskyddsbeskrivning för chatten",
        "en": "Privacy statement of the chat",
    },
    "accessibility": {
        "fi": "Chatin saavutettavuusseloste",
        "sv": "Tillgänglighetsutlåtande för chatten",
        "en": "Accessibility statement of the chat",
    },
}


@pytest.mark.parametrize("page", ["privacy", "accessibility"])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_it_serves_the_statement_templates_in_three_languages(client, karvia, page, lang):
    response = client.get(f"/{page}/karvia/?lang={lang}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{HEADINGS[page][lang]}</h1>" in html
    assert "Karvia" in html
    # Links to the other languages, not to this one.
    others = set(re.findall(r'hreflang="(\w\w)"', html))
    assert others == {"fi", "sv", "en"} - {lang}


def test_the_statements_fall_back_to_the_municipalitys_first_language(client, pomarkku):
    html = client.get("/privacy/pomarkku/?lang=en").content.decode()
    assert '<html lang="fi">' in html
    assert "<h1>Chatin tietosuojaseloste</h1>" in html
    swedish = client.get("/accessibility/pomarkku/?lang=sv").content.decode()
    assert "Påmark" in swedish  # the Swedish name in Swedish


def test_the_accessibility_statement_says_what_was_tested(client, karvia):
    html = client.get("/accessibility/karvia/?lang=en").content.decode()
    for claim in ["axe-core 4.12", "Chromium", "320 px", "400 %", "4.5:1", "Not tested"]:
        assert claim in html


def test_the_statements_answer_404_for_an_unknown_municipality(client, karvia):
    assert client.get("/privacy/atlantis/").status_code == 404
    assert client.get("/accessibility/atlantis/").status_code == 404


def test_the_names_in_the_statements_are_escaped(client, karvia):
    karvia.name = "<script>alert(1)</script>"
    karvia.save()
    html = client.get("/privacy/karvia/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_the_loader_may_be_embedded_anywhere_and_is_cached_briefly(client):
    response = client.get("/widget.js")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=300"
    assert b"Kuntachat" in response.content
