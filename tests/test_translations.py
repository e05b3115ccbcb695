"""Finnish and Swedish are first-class: every server-side string is translated."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.utils.translation import gettext, override

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_it_has_no_untranslated_or_fuzzy_strings(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fi", "Valitettavasti"), ("sv", "Tyvärr"), ("en", "Sorry")],
)
def test_it_speaks_each_language(language, expected):
    with override(language):
        text = gettext(
            "Sorry, I did not find a reliable answer to that. "
            "A person from customer service can help you."
        )
    assert text.startswith(expected)
