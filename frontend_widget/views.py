"""The widget's loader, the demo pages of the six municipalities' websites, and the
templates of the chat's privacy and accessibility statements."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from faqbot.languages import pick_language
from faqbot.models import Municipality


@lru_cache(maxsize=1)
def _loader_source() -> bytes:
    path = finders.find("kuntachat/widget.js")
    if path is None:
        raise Http404("widget.js is missing")
    with open(path, "rb") as handle:
        return handle.read()


@require_GET
def widget_loader(request: HttpRequest) -> HttpResponse:
    """The one script a municipality embeds, at a stable address outside /static/."""
    response = HttpResponse(_loader_source(), content_type="text/javascript; charset=utf-8")
    # Short caching: the loader is tiny and a fix must reach every site quickly.
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    municipalities = Municipality.objects.order_by("name")
    return render(request, "frontend_widget/index.html", {"municipalities": municipalities})


@require_GET
def demo_page(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, slug=slug)
    language = pick_language(request.GET.get("lang"), municipality.languages)
    return render(
        request,
        "frontend_widget/demo_page.html",
        {
            "municipality": municipality,
            "name": municipality.display_name(language),
            "page_language": language,
            "languages": municipality.languages,
        },
    )


def _statement(request: HttpRequest, slug: str, template: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, slug=slug)
    language = pick_language(request.GET.get("lang"), municipality.languages)
    return render(
        request,
        template,
        {
            "name": municipality.display_name(language),
            "lang": language,
            "languages": municipality.languages,
        },
    )


@require_GET
def privacy_statement(request: HttpRequest, slug: str) -> HttpResponse:
    """The default privacy statement the widget links to (a template to fill in)."""
    return _statement(request, slug, "frontend_widget/privacy.html")


@require_GET
def accessibility_statement(request: HttpRequest, slug: str) -> HttpResponse:
    """The accessibility statement (saavutettavuusseloste) template, fi/sv/en."""
    return _statement(request, slug, "frontend_widget/accessibility.html")
