"""The values kept under what they were computed from (infra/fingerprint_cache.py): each worker keeps
the ones it used last, so a jury's ranking is not fetched from Redis and unpickled on every request
(#20), and that copy never outlives what it describes.

Who would be misled, and how: a jury member or civil servant who reads results computed before a
change (a score finalised, a decision recorded); the keys describe the data, so the worker's copy
of an old key is simply never asked for again. A worker whose copies grew without end would be
killed for its memory in the middle of someone's submission.
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.infra import fingerprint_cache


class CountingCache:
    """The shared cache (Redis in production), counting what is asked of it."""

    def __init__(self, real) -> None:
        self.real, self.gets = real, 0

    def get(self, key):
        self.gets += 1
        return self.real.get(key)

    def set(self, key, value, timeout=None):
        return self.real.set(key, value, timeout=timeout)

    def clear(self):
        return self.real.clear()


def _counting(app: Flask) -> CountingCache:
    counting = CountingCache(app.extensions["memo"])
    app.extensions["memo"] = counting
    return counting


def test_a_worker_serves_the_value_it_used_last_without_asking_the_shared_cache(app: Flask) -> None:
    computed: list[str] = []
    with app.test_request_context():
        shared = _counting(app)
        try:
            for _ in range(3):
                value = fingerprint_cache.remember("ranking|1|v1", lambda: computed.append("v1") or "<table>v1</table>")
                assert value == "<table>v1</table>"
            assert computed == ["v1"] and shared.gets == 1  # computed once, asked once, then the own copy
            # Another worker computed a value under a key this one never saw: it is asked for once.
            shared.real.set(f"{app.extensions['memo_release']}|ranking|1|v2", "<table>v2</table>")
            assert fingerprint_cache.remember("ranking|1|v2", lambda: "never computed here") == "<table>v2</table>"
            assert fingerprint_cache.remember("ranking|1|v2", lambda: "never computed here") == "<table>v2</table>"
            assert shared.gets == 2
        finally:
            app.extensions["memo"] = shared.real


def test_a_value_that_the_clock_outdated_is_computed_anew_even_from_the_own_copy(app: Flask) -> None:
    with app.test_request_context():
        assert fingerprint_cache.remember("figures|v1", lambda: "old") == "old"
        assert fingerprint_cache.remember("figures|v1", lambda: "new", fresh=lambda kept: kept != "old") == "new"
        assert fingerprint_cache.remember("figures|v1", lambda: "newer", fresh=lambda kept: kept != "old") == "new"


def test_the_copies_a_worker_keeps_are_bounded_and_forgotten_with_the_cache(app: Flask) -> None:
    with app.test_request_context():
        local = app.extensions["memo_local"]
        for number in range(fingerprint_cache.LOCAL_COPIES + 5):
            fingerprint_cache.remember(f"ranking|{number}|v1", lambda number=number: f"ranking {number}")
        assert len(local.values) == fingerprint_cache.LOCAL_COPIES
        assert not any(key.endswith("|ranking|0|v1") for key in local.values)  # the least recently used went
        fingerprint_cache.forget_all()
        assert not local.values
        assert fingerprint_cache.remember("ranking|0|v1", lambda: "computed again") == "computed again"


def test_a_workers_copy_lasts_minutes_at_most(app: Flask, monkeypatch) -> None:
    """Data changed behind the application's back (a restore, a fix in psql) draws no new version: the
    shared cache's expiry bounded how long the old value was shown, and the worker's copy keeps to it."""
    import time

    with app.test_request_context():
        assert fingerprint_cache.remember("choices|v1", lambda: "old") == "old"
        app.extensions["memo"].clear()  # the shared copy expired meanwhile
        later = time.monotonic() + fingerprint_cache.LOCAL_SECONDS + 1
        monkeypatch.setattr(fingerprint_cache.time, "monotonic", lambda: later)
        assert fingerprint_cache.remember("choices|v1", lambda: "new") == "new"
        # A value the shared cache keeps for a shorter time is not kept longer here either.
        assert fingerprint_cache.remember("short|v1", lambda: "a", seconds=10) == "a"
        monkeypatch.setattr(fingerprint_cache.time, "monotonic", lambda: later + 11)
        app.extensions["memo"].clear()
        assert fingerprint_cache.remember("short|v1", lambda: "b", seconds=10) == "b"
