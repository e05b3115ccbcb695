"""The languages the service speaks. Finnish and Swedish are first-class, English is served too."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES: tuple[str, ...] = ("fi", "sv", "en")
LANGUAGE_CHOICES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
DEFAULT_LANGUAGE = "fi"


def pick_language(requested: str | None, offered: list[str]) -> str:
    """The requested language if the municipality offers it, else its first one."""
    code = (requested or "").strip().lower()[:2]
    if code in offered:
        return code
    return offered[0] if offered else DEFAULT_LANGUAGE
