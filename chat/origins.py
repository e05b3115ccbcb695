"""Which web pages may open a municipality's chat socket."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_allowed(origin: str | None, host: str | None, allowed_origins: list[str]) -> bool:
    """True for the municipality's configured origins and for the chat host's own pages.

    A request without an Origin header does not come from a web page (browsers always send
    one on websockets), so cross-site use is not at stake and it is let through.
    """
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    if origin in {o.rstrip("/").lower() for o in allowed_origins}:
        return True
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in {"http", "https"} and parts.netloc == host.lower()
