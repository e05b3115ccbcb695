"""Links in Markdown answers, checked for form before an editor's answer reaches residents.

Every link must be a web address (http or https with a host name that could exist), an
e-mail address (mailto:) or a phone number (tel:). The sanitiser (faqbot.rendering) would
drop anything else silently, so a relative path, a forgotten "https://" or a typo in the
host would otherwise reach residents as a dead or missing link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from markdown_it import MarkdownIt

# A parser that keeps every link as written: markdown-it's own check would turn a link it
# dislikes (javascript:, data:) into plain text, and we want to name it instead.
_parser = MarkdownIt("commonmark")
_parser.validateLink = lambda url: True
_parser.normalizeLink = lambda url: url

# Host names: dot-separated labels of letters (any script), digits and hyphens, ending in a
# top-level domain of letters (or an IDN's xn-- form). IP addresses and single-label hosts
# such as "localhost" are not places a resident should be sent.
_LABEL = r"(?!-)[^\W_](?:[^\W_]|-){0,62}(?<!-)"
_HOST_RE = re.compile(rf"^(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{2,59}})$", re.I)
_EMAIL_RE = re.compile(r"^[^@\s/?#]+@([^@\s/?#]+)$")
_PHONE_RE = re.compile(r"^\+?[0-9()\-. ]{5,30}$")


@dataclass(frozen=True)
class LinkProblem:
    link: str
    reason: str

    def message(self) -> str:
        return gettext("Check the link “%(link)s”: %(reason)s") % {
            "link": self.link,
            "reason": self.reason,
        }


def links(markdown: str) -> list[str]:
    """Every link destination in the Markdown, as written, in order."""
    found = []
    for token in _parser.parse(markdown or ""):
        for child in token.children or ():
            if child.type == "link_open":
                found.append(str(child.attrs.get("href", "")))
    return found


def plausible_host(host: str) -> bool:
    return len(host) <= 253 and bool(_HOST_RE.match(host))


def link_problem(link: str) -> LinkProblem | None:
    """What is wrong with one link, or None when it is fine."""
    scheme, _, rest = link.partition(":")
    scheme = scheme.lower() if rest or link.endswith(":") else ""
    if scheme in ("http", "https"):
        try:
            parts = urlsplit(link)
            host = parts.hostname or ""
            parts.port  # noqa: B018  (raises on a port that is not a number)
        except ValueError:
            return LinkProblem(link, gettext("it is not a web address."))
        if not rest.startswith("//") or not host:
            return LinkProblem(
                link, gettext("a web address needs a host, like https://www.karvia.fi/.")
            )
        if parts.username or parts.password:
            return LinkProblem(
                link, gettext("a web address may not carry a user name or password.")
            )
        if not plausible_host(host):
            return LinkProblem(
                link, gettext("“%(host)s” is not a host name on the web.") % {"host": host}
            )
        return None
    if scheme == "mailto":
        address = rest.split("?", 1)[0]
        match = _EMAIL_RE.match(address)
        if not match or not plausible_host(match.group(1)):
            return LinkProblem(link, gettext("write an e-mail address after mailto:."))
        return None
    if scheme == "tel":
        if not _PHONE_RE.match(rest) or sum(c.isdigit() for c in rest) < 5:
            return LinkProblem(
                link, gettext("write a phone number after tel:, like tel:+358441234567.")
            )
        return None
    return LinkProblem(
        link, gettext("start it with https://, or mailto: for e-mail or tel: for a phone number.")
    )


def link_problems(markdown: str) -> list[LinkProblem]:
    return [problem for link in links(markdown) if (problem := link_problem(link))]


def validate_answer_links(value: str) -> None:
    """A model field validator: names every bad link of the answer."""
    problems = link_problems(value)
    if problems:
        raise ValidationError([problem.message() for problem in problems], code="bad_link")
