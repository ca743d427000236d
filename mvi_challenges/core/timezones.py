"""One home for time: stored in UTC, entered and shown in Europe/Amsterdam."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")

# How far back a trusted proxy's `X-Request-Start` stamp may put a request's arrival time (the
# queue before a busy worker). Deadlines are judged by that arrival time, so a request may still be
# handled in time this long after a deadline; the opening of proposals waits for it.
REQUEST_START_TRUST = dt.timedelta(seconds=60)


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped by the change to summer time (e.g. 02:30 on the last
    Sunday of March)."""


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_to_utc(naive_local: dt.datetime) -> dt.datetime:
    """Interpret a wall-clock time in Amsterdam and return it in UTC.

    In the autumn hour that occurs twice we take the first (summer time) occurrence, so a
    deadline is never later than the user could have meant.
    """
    if naive_local.tzinfo is not None:
        return naive_local.astimezone(dt.UTC)
    aware = naive_local.replace(tzinfo=LOCAL_TZ, fold=0)
    as_utc = aware.astimezone(dt.UTC)
    if as_utc.astimezone(LOCAL_TZ).replace(tzinfo=None) != naive_local:
        raise NonexistentLocalTime(naive_local.isoformat())
    return as_utc


def to_local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LOCAL_TZ)


def to_local_input(moment: dt.datetime | None) -> dt.datetime | None:
    """The naive local value a `datetime-local` field shows."""
    if moment is None:
        return None
    return to_local(moment).replace(tzinfo=None)


def request_time() -> dt.datetime:
    """The moment the current request arrived (deadlines are judged by it), else now."""
    from flask import g, has_request_context

    if has_request_context() and "request_started" in g:
        return g.request_started
    return now_utc()
