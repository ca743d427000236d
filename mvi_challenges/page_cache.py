"""Public pages as anonymous visitors see them, kept for a few seconds (PAGE_CACHE_SECONDS).

On the last day of a popular call hundreds of people open the same call page, list and dashboard
at once; rendering each copy again costs a worker 10–100 ms of Python for identical HTML. A page is
served from the cache only when nothing about it is personal:

- a GET of one of the public, read-only endpoints below, by someone not logged in, with no flash
  message waiting and no login step under way;
- keyed by language and the full URL (path and query);
- stored only when the response is a 200 that touched no session (a page with a CSRF token
  starts a session, so pages with forms are never stored).

Deadlines are not affected: they are enforced when a proposal arrives, never from a page. What a
visitor sees may be PAGE_CACHE_SECONDS old. Off by default on a developer's machine and in the
tests, 5 seconds in production. With REDIS_URL the entries live in Redis, shared by every server.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, request, session
from flask_babel import get_locale
from flask_caching import Cache
from flask_login import current_user

log = logging.getLogger(__name__)
cache = Cache()

CACHEABLE_ENDPOINTS = frozenset({
    "public.home", "public.categories", "public.category",
    "calls.call_list", "calls.call_detail", "calls.mvi_paragraph",
    "dialogues.dialogue_list", "dialogues.detail",
    "monitoring.dashboard", "monitoring.register", "monitoring.record_detail", "monitoring.contract_detail",
    "feeds.calls_feed", "api.call_list", "api.call_detail", "api.decision_list", "api.dialogue_list",
    "api.dialogue_detail", "api.register_list", "api.contract_list", "api.figures", "api.catalogue",
    "api.ocds_releases",
})
# What the view itself said about the response; the site-wide security headers are added to every
# response afresh, from the cache or not.
KEPT_HEADERS = ("Content-Type", "Content-Language", "ETag", "Last-Modified", "Cache-Control", "Vary",
                "Access-Control-Allow-Origin")


def install(app: Flask) -> None:
    seconds = int(app.config.get("PAGE_CACHE_SECONDS") or 0)
    if seconds <= 0:
        return
    if app.config.get("REDIS_URL"):
        backend = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"],
                   "CACHE_KEY_PREFIX": app.config["REDIS_PREFIX"] + "page:"}
    else:
        backend = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    cache.init_app(app, config={**backend, "CACHE_DEFAULT_TIMEOUT": seconds})
    app.before_request(_serve_from_cache)
    app.after_request(_keep_in_cache)


def _cacheable_request() -> bool:
    return (request.method == "GET" and request.endpoint in CACHEABLE_ENDPOINTS
            and not current_user.is_authenticated and "_flashes" not in session
            and "two_step_user" not in session)


def _key() -> str:
    return f"{get_locale()}|{request.full_path}"


def _serve_from_cache() -> Response | None:
    g.page_cache_key = None
    if not _cacheable_request():
        return None
    key = _key()
    entry = _get(key)
    if entry is None:
        g.page_cache_key = key  # a miss: keep what this request renders, if it may be kept
        return None
    response = Response(entry["body"], status=200, headers=entry["headers"])
    response.headers["X-Page-Cache"] = "hit"
    return response.make_conditional(request)  # If-None-Match still earns a 304


def _keep_in_cache(response: Response) -> Response:
    key = g.get("page_cache_key")
    if key is None or response.status_code != 200 or response.direct_passthrough:
        return response
    if session.modified or response.headers.getlist("Set-Cookie"):
        return response  # something personal happened (a CSRF token, a cookie): never share it
    headers = [(name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers]
    _set(key, {"body": response.get_data(), "headers": headers})
    response.headers["X-Page-Cache"] = "miss"
    return response


def _get(key: str) -> dict[str, Any] | None:
    try:
        return cache.get(key)
    except Exception as error:  # a cache that does not answer must never fail a page
        log.warning("page cache not available: %s", error)
        return None


def _set(key: str, entry: dict[str, Any]) -> None:
    try:
        cache.set(key, entry)
    except Exception as error:  # see _get
        log.warning("page cache not available: %s", error)
