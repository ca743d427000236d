"""Absolute links: always on the site's public address (PUBLIC_URL), never on the request's Host.

A mail queued during a request must not take its links from that request: `Host: attacker.example`
on a password-reset request would otherwise mail the victim a reset link to the attacker's site
(an account takeover). Mails, feeds, open data and iCalendar files build their links here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask.globals import _cv_request
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


# --- the links of a page --------------------------------------------------------------------

KEPT_LINKS_LIMIT = 20_000  # a few MB at most; forgotten all at once when full (links of 10,000 calls)
# Values longer than a slug and a few filters are not kept: a visitor's long search text, carried in a
# list's page links, would otherwise fill the cache with large entries (an attacker, 20,000 of them).
KEPT_VALUES_LENGTH = 120


def kept_url_for(endpoint: str, **values: Any) -> str:
    """Templates' `url_for`: the same relative link, built once per process and path prefix.

    Every page builds the same thirty links of its frame (menu, footer, style sheets) and a list
    builds one per row: 6 µs each through Flask and werkzeug, 1.5 µs from here. Only what cannot
    vary is kept: an absolute endpoint name, plain text or whole numbers as values (in the order
    given: werkzeug writes query arguments in that order), no `_external`/`_anchor`/`_scheme`/
    `_method`, and an app without url_defaults callbacks (none here; they could add values per
    request). Anything else, and any link built outside a request, goes to Flask's url_for.
    """
    # The request context itself rather than the `request`/`current_app` proxies: each proxy
    # look-up cost as much as the dictionary look-up this is about.
    context = _cv_request.get(None)
    if context is None or endpoint.startswith(".") or context.app.url_default_functions:
        return url_for(endpoint, **values)
    length = 0
    for name, value in values.items():
        kind = type(value)
        if (kind is not str and kind is not int) or name.startswith("_"):
            return url_for(endpoint, **values)
        length += len(value) if kind is str else 0
    if length > KEPT_VALUES_LENGTH:  # typed text (a search in the page links): built, never kept
        return url_for(endpoint, **values)
    key = (context.request.script_root, endpoint, *values.items())
    extensions = context.app.extensions
    kept: dict[tuple[Any, ...], str] | None = extensions.get("mvi_kept_links")
    if kept is None or len(kept) >= KEPT_LINKS_LIMIT:
        kept = extensions["mvi_kept_links"] = {}
    url = kept.get(key)
    if url is None:
        url = kept[key] = url_for(endpoint, **values)
    return url
