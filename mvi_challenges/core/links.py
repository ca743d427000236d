"""Absolute links: always on the site's public address (PUBLIC_URL), never on the request's Host.

A mail queued during a request must not take its links from that request: `Host: attacker.example`
on a password-reset request would otherwise mail the victim a reset link to the attacker's site
(an account takeover). Mails, feeds, open data and iCalendar files build their links here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def _public_adapter() -> MapAdapter:
    """The URL map bound to PUBLIC_URL, kept per app while the setting stays the same: an API page
    builds some 80 links, and binding the map anew for each was a good part of its cost."""
    setting = str(current_app.config["PUBLIC_URL"])
    known = current_app.extensions.get("mvi_public_url_adapter")
    if known is not None and known[0] == setting:
        return known[1]
    base = urlsplit(setting)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    current_app.extensions["mvi_public_url_adapter"] = (setting, adapter)
    return adapter


def public_url(endpoint: str, **values: Any) -> str:
    """The full URL of `endpoint` on PUBLIC_URL (scheme, host, port and path prefix from it)."""
    anchor = values.pop("_anchor", None)
    url = _public_adapter().build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


_PLAIN_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # core.slugs.slugify's words: nothing to quote in a URL
_STAND_IN = "zz0slug0zz"


def public_slug_url(endpoint: str, slug: str, name: str = "slug") -> str:
    """`public_url(endpoint, **{name: slug})`, for the many links of a list: the address is built
    once per endpoint (with a stand-in for the slug) and each plain slug put into it."""
    if not _PLAIN_SLUG.fullmatch(slug):
        return public_url(endpoint, **{name: slug})
    setting = str(current_app.config["PUBLIC_URL"])
    templates: dict[tuple[str, str, str], str] = current_app.extensions.setdefault("mvi_public_slug_urls", {})
    template = templates.get((setting, endpoint, name))
    if template is None:
        template = templates[(setting, endpoint, name)] = public_url(endpoint, **{name: _STAND_IN})
    return template.replace(_STAND_IN, slug)


def public_host(public_url_setting: str) -> str:
    """The host name of PUBLIC_URL (without the port)."""
    return urlsplit(public_url_setting).hostname or ""
