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
visitor sees is at most PAGE_CACHE_SECONDS old, plus the time one request takes to render the page
anew (meanwhile the others get the previous copy: no crowd renders a popular page at once). Off by
default on a developer's machine and in the tests, 5 seconds in production. With REDIS_URL the
entries live in Redis, shared by every server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_caching import Cache
from flask_login import current_user

from .redis_client import CACHE_REDIS_OPTIONS

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
# A copy is fresh for PAGE_CACHE_SECONDS and kept this many times as long: once stale, one request
# renders the page anew while the others are still given the stale copy (never a crowd rendering).
STALE_FACTOR = 6
REFRESH_CLAIM_SECONDS = 30  # a renderer that died frees the claim after this long

# What the view itself said about the response; the site-wide security headers are added to every
# response afresh, from the cache or not.
KEPT_HEADERS = ("Content-Type", "Content-Language", "ETag", "Last-Modified", "Cache-Control", "Vary",
                "Access-Control-Allow-Origin")


def install(app: Flask) -> None:
    seconds = int(app.config.get("PAGE_CACHE_SECONDS") or 0)
    if seconds <= 0:
        return
    if app.config.get("REDIS_URL"):
        app.extensions["page_cache_local"] = _LocalCopies()
        backend = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"],
                   "CACHE_KEY_PREFIX": app.config["REDIS_PREFIX"] + "page:", "CACHE_OPTIONS": dict(CACHE_REDIS_OPTIONS)}
    else:
        backend = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    cache.init_app(app, config={**backend, "CACHE_DEFAULT_TIMEOUT": seconds * STALE_FACTOR})
    app.before_request(_serve_from_cache)
    app.after_request(_keep_in_cache)


def _cacheable_request() -> bool:
    return (request.method == "GET" and request.endpoint in CACHEABLE_ENDPOINTS
            and not current_user.is_authenticated and "_flashes" not in session
            and "two_step_user" not in session)


def _key() -> str:
    return f"{get_locale()}|{request.full_path}"


def _serve_from_cache() -> Response | None:
    g.page_cache_key = g.page_cache_lock = None
    if not _cacheable_request():
        return None
    key = _key()
    copy = _local_copy(key)  # with Redis: this worker's own copy, fresh or not
    if copy is not None and _fresh(copy):
        return _from_entry(copy, "hit")
    if copy is not None and _marked_gone(key):
        _local().drop(key)  # another worker found the page gone or personal: never serve ours again
        copy = None
    if copy is not None and not _claim_refresh(key):
        return _from_entry(copy, "stale")  # another request renews it (see below); ours will do meanwhile
    entry = _get(key)
    if entry is not None and _fresh(entry):
        _release_claim()  # another server renewed it meanwhile
        return _from_entry(entry, "hit")
    if entry is not None and g.page_cache_lock is None and not _claim_refresh(key):
        # Someone else is rendering the new copy right now: meanwhile the previous one will do,
        # so a popular page never has a crowd of requests rendering it at once.
        return _from_entry(entry, "stale")
    g.page_cache_key = key  # this request renders the page; keep it if it may be kept
    return None


def _fresh(entry: dict[str, Any]) -> bool:
    return entry["fresh_until"] > time.time()


def _from_entry(entry: dict[str, Any], state: str) -> Response:
    response = Response(entry["body"], status=200, headers=entry["headers"])
    response.headers["X-Page-Cache"] = state
    return response.make_conditional(request)  # If-None-Match still earns a 304


def _claim_refresh(key: str) -> bool:
    lock = key + "|refreshing"
    try:
        claimed = bool(cache.add(lock, 1, timeout=REFRESH_CLAIM_SECONDS))
    except Exception as error:  # see _get
        log.warning("page cache not available: %s", error)
        return True
    if claimed:
        g.page_cache_lock = lock
    return claimed


def _release_claim() -> None:
    if g.page_cache_lock is not None:
        _delete(g.page_cache_lock)
        g.page_cache_lock = None


def _keep_in_cache(response: Response) -> Response:
    key, lock = g.get("page_cache_key"), g.get("page_cache_lock")
    if key is None:
        return response
    # A CSRF token printed on the page (g.csrf_token, also when the session held one already), a
    # changed session or a cookie: personal, never shared.
    storable = (response.status_code == 200 and not response.direct_passthrough and "csrf_token" not in g
                and not session.modified and not response.headers.getlist("Set-Cookie"))
    if storable:
        seconds = int(current_app.config["PAGE_CACHE_SECONDS"])
        headers = [(name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers]
        _set(key, {"body": response.get_data(), "headers": headers, "fresh_until": time.time() + seconds},
             timeout=seconds * STALE_FACTOR)
        response.headers["X-Page-Cache"] = "miss"
    elif lock is not None:
        _delete(key)  # the page is gone or has become personal: its old copy must not be served again,
        _mark_gone(key)  # by any worker (each may hold a copy of its own)
    if lock is not None:
        _delete(lock)
    return response


def _get(key: str) -> dict[str, Any] | None:
    try:
        entry = cache.get(key)
    except Exception as error:  # a cache that does not answer must never fail a page
        log.warning("page cache not available: %s", error)
        return None
    if entry is not None:
        _keep_locally(key, entry)
    return entry


def _set(key: str, entry: dict[str, Any], timeout: int) -> None:
    _keep_locally(key, entry)
    try:
        cache.set(key, entry, timeout=timeout)
    except Exception as error:  # see _get
        log.warning("page cache not available: %s", error)


def _delete(key: str) -> None:
    if (local := _local()) is not None:
        local.drop(key)
    try:
        cache.delete(key)
    except Exception as error:  # see _get
        log.warning("page cache not available: %s", error)


def _mark_gone(key: str) -> None:
    if _local() is not None:
        _set_small(key + "|gone", int(current_app.config["PAGE_CACHE_SECONDS"]) * STALE_FACTOR)


def _marked_gone(key: str) -> bool:
    try:
        return bool(cache.get(key + "|gone"))
    except Exception as error:  # see _get
        log.warning("page cache not available: %s", error)
        return False


def _set_small(key: str, timeout: int) -> None:
    try:
        cache.set(key, 1, timeout=timeout)
    except Exception as error:  # see _get
        log.warning("page cache not available: %s", error)


# With Redis, each worker also keeps its own copy of what it fetched or stored. An entry never
# changes, so while fresh it is exactly what Redis holds, and a popular page (an OCDS package is
# over a megabyte) is not fetched over the network for every visitor. Once stale, the worker first
# claims the renewal: if another request holds it, the worker's own stale copy is served meanwhile
# (as the shared one would be), unless a renewal found the page gone or personal; if not, Redis is
# asked for a copy another server may have renewed. Bounded in bytes: any URL can be asked for.
LOCAL_BYTES = 32 * 1024 * 1024
LOCAL_LARGEST = 4 * 1024 * 1024


class _LocalCopies:
    def __init__(self) -> None:
        self.entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)  # the least recently used go first
            return entry

    def keep(self, key: str, entry: dict[str, Any]) -> None:
        if len(entry["body"]) > LOCAL_LARGEST:
            return
        with self.lock:
            self._remove(key)
            self.entries[key] = entry
            self.size += len(entry["body"])
            while self.size > LOCAL_BYTES:
                self._remove(next(iter(self.entries)))

    def drop(self, key: str) -> None:
        with self.lock:
            self._remove(key)

    def _remove(self, key: str) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.size -= len(entry["body"])


def _local() -> _LocalCopies | None:
    """This app's own copies; None without Redis (the cache itself is in this process then)."""
    return current_app.extensions.get("page_cache_local")


def _local_copy(key: str) -> dict[str, Any] | None:
    local = _local()
    entry = local.get(key) if local is not None else None
    if entry is None:
        return None
    seconds = int(current_app.config["PAGE_CACHE_SECONDS"])
    if entry["fresh_until"] + seconds * (STALE_FACTOR - 1) < time.time():
        local.drop(key)  # as old as the shared copy may get: never served again
        return None
    return entry


def _keep_locally(key: str, entry: dict[str, Any]) -> None:
    local = _local()
    if local is not None:
        local.keep(key, entry)
