"""Values that are expensive to compute and cheap to recognise, kept under a key that says what
they were computed from.

The jury's results for a phase of 500 proposals × 9 members × 6 criteria read 27,000 scores and
take a tenth of a second or more to aggregate and render; they change only when someone scores,
declares, agrees or decides. The caller puts a fingerprint of everything the value depends on in
the key, so a changed input is a new key and nothing is ever served stale; old keys simply expire.
Every key also carries a digest of the code (the package and the templates), so a deploy never
serves what the previous release computed or rendered.

In Redis when REDIS_URL is set (shared by every server and worker), else in the process. Unlike
the page cache this is on everywhere, tests included: a key can only match what it describes. A
cache that does not answer never fails a page: the value is computed instead.

Each worker also keeps the values it used last, as they are (`LocalCopies`): a key names exactly
what its value was computed from, so a copy can never be stale, and the next request for the same
key skips the round trip and the unpickling. For the jury's ranking of 500 proposals that was a
317 kB string and a 221 kB snapshot fetched from Redis and unpickled on every request (about
1.5 ms of a 7.5 ms page, #20), and every result page of one proposal loaded the whole snapshot.
Kept values are shared between requests, so they are read-only: no caller may change one in place
(the results snapshot's lists and dicts, the dashboard's tables and the choices' lists included;
every reader builds new lists, e.g. `visible_rank`, `neighbours`, `choices.sorted`). A copy is
kept for minutes at most (LOCAL_SECONDS), as the shared cache's own expiry bounds a mistake.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app
from flask_caching import Cache

from .redis_client import CACHE_REDIS_OPTIONS

log = logging.getLogger(__name__)
T = TypeVar("T")
# A key that no longer describes the data is never asked for again: it only waits to expire. A
# ranking of 500 proposals is some 300 kB, so few are kept per process and not for long.
DEFAULT_SECONDS = 15 * 60
IN_PROCESS_ENTRIES = 64
# The copies each worker keeps beside Redis. The largest value is the results snapshot of 500
# proposals, 9 members and 6 criteria (about 1.8 MB in memory), so 16 copies stay within the 200 MB
# a worker may use (issue #20, part 4).
LOCAL_COPIES = 16
LOCAL_SECONDS = 300
PACKAGE = Path(__file__).parent.parent  # the whole package (this module moved into infra/: not only infra)


def install(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        backend = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"],
                   "CACHE_KEY_PREFIX": app.config["REDIS_PREFIX"] + "memo:", "CACHE_OPTIONS": dict(CACHE_REDIS_OPTIONS)}
    else:
        backend = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": IN_PROCESS_ENTRIES}
    cache = Cache()
    cache.init_app(app, config={**backend, "CACHE_DEFAULT_TIMEOUT": DEFAULT_SECONDS})
    app.extensions["memo"] = cache
    app.extensions["memo_local"] = LocalCopies(LOCAL_COPIES)
    app.extensions["memo_release"] = code_digest(PACKAGE, Path(app.root_path, app.template_folder or "templates"))


def code_digest(*folders: Path) -> str:
    """A digest of the Python code and templates this release runs."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted([*folder.rglob("*.py"), *folder.rglob("*.html")]):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class LocalCopies:
    """The values this process used last, by key, the least recently used dropped first, and none
    kept longer than LOCAL_SECONDS (nor than the shared cache keeps it): a key that, through a
    mistake, misses one of its inputs, or data changed behind the application's back (a restore, a
    fix in psql), is then wrong for minutes at most, as the shared cache's expiry already ensured."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.values: OrderedDict[str, tuple[object, float]] = OrderedDict()
        self.lock = threading.Lock()  # the development server and the tests' live server use threads

    def get(self, key: str) -> object | None:
        with self.lock:
            kept = self.values.get(key)
            if kept is None:
                return None
            if time.monotonic() >= kept[1]:
                del self.values[key]
                return None
            self.values.move_to_end(key)
            return kept[0]

    def put(self, key: str, value: object, seconds: float) -> None:
        with self.lock:
            self.values[key] = (value, time.monotonic() + min(seconds, LOCAL_SECONDS))
            self.values.move_to_end(key)
            while len(self.values) > self.size:
                self.values.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


def remember(key: str, compute: Callable[[], T], seconds: int = DEFAULT_SECONDS,
             fresh: Callable[[T], bool] | None = None) -> T:
    """The value kept under `key`, computed (and kept) when there is none, or when `fresh` says the
    kept one no longer holds (for values that also depend on the clock)."""
    cache: Cache = current_app.extensions["memo"]
    local: LocalCopies = current_app.extensions["memo_local"]
    key = f"{current_app.extensions['memo_release']}|{key}"
    value = local.get(key)
    if value is not None and (fresh is None or fresh(value)):  # type: ignore[arg-type]
        return value  # type: ignore[return-value]
    try:
        value = cache.get(key)
    except Exception as error:
        log.warning("fingerprint cache not available: %s", error)
        return compute()
    if value is not None and (fresh is None or fresh(value)):
        local.put(key, value, seconds)
        return value
    value = compute()
    local.put(key, value, seconds)
    try:
        cache.set(key, value, timeout=seconds)
    except Exception as error:
        log.warning("fingerprint cache not available: %s", error)
    return value


def remember_until(key: str, compute: Callable[[], T], now: dt.datetime,
                   next_change: Callable[[], dt.datetime | None]) -> T:
    """`remember` for a value that depends on the clock as well as on what its key names (a count of
    the open calls, of the past dialogues): computed at `now`, it holds until `next_change()` (asked
    when it is computed: the next moment the clock changes the value, None for never), and only for
    requests at or after `now` (a request of a moment earlier, on another worker, computes its own)."""

    def computed() -> tuple[T, dt.datetime, dt.datetime | None]:
        return compute(), now, next_change()

    def holds(kept: tuple[T, dt.datetime, dt.datetime | None]) -> bool:
        _value, computed_at, until = kept
        return computed_at <= now and (until is None or now < until)

    value, _at, _until = remember(key, computed, fresh=holds)
    return value


def forget_all() -> None:
    """For tests: a database emptied between tests starts its ids (and so its keys) again."""
    current_app.extensions["memo"].clear()
    current_app.extensions["memo_local"].clear()
