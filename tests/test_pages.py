"""The landing page, the demo pages and the widget loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

DEMO_FAQ = Path(__file__).resolve().parents[1] / "faqbot" / "demo" / "demo_faq.json"
SIX = ["Kankaanpää", "Honkajoki", "Jämijärvi", "Karvia", "Pomarkku", "Siikainen"]


@pytest.fixture
def demo(db):
    call_command("import_faq", DEMO_FAQ)


def test_it_lists_the_six_demo_municipalities(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in SIX:
        assert name in page
    for slug in ["kankaanpaa", "honkajoki", "jamijarvi", "karvia", "pomarkku", "siikainen"]:
        assert f"/demo/{slug}/" in page


def test_it_embeds_the_widget_with_one_script_tag(client, demo):
    page = client.get("/demo/karvia/").content.decode()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert len(scripts) == 1
    assert 'src="http://testserver/widget.js"' in scripts[0]
    assert 'data-municipality="karvia"' in scripts[0]
    assert " async" in scripts[0]
    assert '<html lang="fi"' in page


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_it_serves_the_demo_page_in_other_languages(client, demo, lang):
    page = client.get(f"/demo/karvia/?lang={lang}").content.decode()
    assert f'<html lang="{lang}"' in page


def test_it_answers_404_for_an_unknown_municipality(client, demo):
    assert client.get("/demo/atlantis/").status_code == 404


def test_it_serves_the_widget_loader(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"data-municipality" in response.content or b"municipality" in response.content


def test_it_refuses_to_post_to_the_loader(client):
    assert client.post("/widget.js").status_code == 405
