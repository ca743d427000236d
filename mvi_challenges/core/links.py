"""Absolute links: always on the site's public address (PUBLIC_URL), never on the request's Host.

A mail queued during a request must not take its links from that request: `Host: attacker.example`
on a password-reset request would otherwise mail the victim a reset link to the attacker's site
(an account takeover). Mails, feeds, open data and iCalendar files build their links here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """The full URL of `endpoint` on PUBLIC_URL (scheme, host, port and path prefix from it)."""
    base = urlsplit(str(current_app.config["PUBLIC_URL"]))
    anchor = values.pop("_anchor", None)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def public_host(public_url_setting: str) -> str:
    """The host name of PUBLIC_URL (without the port)."""
    return urlsplit(public_url_setting).hostname or ""
