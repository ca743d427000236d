"""How many public calls a selection of the call list (and the open data API's list) has, kept under
the version of the data it counts (core/data_versions.py) instead of counted on every request.

Counting is most of what the list costs the database: the first page needs twenty ids from an index,
the count walks every match (10,000 calls: 1 ms on PostgreSQL, 0.4 ms on SQLite; a text search 6 ms
on PostgreSQL, issue #20). The count changes only when a call, its phases or the names of what it is
filtered by change, and, for the selections by state (open, upcoming, closed), when a phase opens or
closes. So: the version of the set "public calls" is read first, the count is kept under it with
the selection, and a count by state also says until when it holds (the next moment a phase opens or
closes); a change is a new version, a passed moment a count made again. Never stale
(tests/calls/test_kept_counts.py). The same keeps the list's filter choices and the home page's open
calls and counts (calls/cards.py), with the version read once per request (`keep`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from ..catalogue.models import Category, SocialValue
from ..core import data_versions
from ..infra import fingerprint_cache
from .models import Call, Phase

PUBLIC_CALLS = "public calls"
# What the list filters and searches by, attribute by attribute (calls.services.public_calls_query,
# state_condition, visible_to_public, calls/search.py's SEARCHED columns).
# The slug and the names also: the home page keeps its open calls' cards (with their addresses) and
# the list its filter's choices (the names of the categories and social values) under the version.
data_versions.track(PUBLIC_CALLS, Call, ["status", "published_at", "kind", "category_id", "ambition_level",
                                         "social_values", "title", "summary", "body_source", "title_en",
                                         "summary_en", "body_source_en", "slug"])
data_versions.track(PUBLIC_CALLS, Phase, ["opens_at", "closes_at", "call_id"])
data_versions.track(PUBLIC_CALLS, Category, ["slug", "name_nl", "name_en"])
data_versions.track(PUBLIC_CALLS, SocialValue, ["slug", "name_nl", "name_en"])

T = TypeVar("T")


def current_version(session: Session) -> str:
    """The version of the public calls: read first, before the data of anything kept under it."""
    return data_versions.current(session, PUBLIC_CALLS)


def _selection_key(filters: object) -> str:
    # A search text may be long: the key holds its digest (the selection's repr names every filter).
    return hashlib.sha256(repr(filters).encode()).hexdigest()[:24]


def _next_phase_moment(session: Session, now: dt.datetime) -> dt.datetime | None:
    """The next moment a phase opens or closes: until then no call changes state by the clock."""
    moments = union_all(select(func.min(Phase.opens_at)).where(Phase.opens_at > now),
                        select(func.min(Phase.closes_at)).where(Phase.closes_at > now)).subquery()
    return session.scalar(select(func.min(moments.c[0])))


def keep(session: Session, what: str, compute: Callable[[], T], *, version: str,
         clock: dt.datetime | None = None) -> T:
    """`compute()` once per version of the public calls (read first: `current_version`) and, for a
    value that depends on the clock as well (`clock`: the request's now), once per moment a phase
    opens or closes."""
    key = f"{what}|{version}"
    if clock is None:
        return fingerprint_cache.remember(key, compute)
    return fingerprint_cache.remember_until(key, compute, clock, lambda: _next_phase_moment(session, clock))


def public_count(session: Session, filters: object, by_clock: bool, now: dt.datetime,
                 count: Callable[[], int], version: str | None = None) -> int:
    """The number of calls in this selection: `count()` once per version of the data (and, when the
    selection depends on the clock, `by_clock`, once per moment a phase opens or closes). `version`:
    as read by the caller first (one query for all it keeps), else read here."""
    return keep(session, f"call-count|{_selection_key(filters)}", count,
                version=version or current_version(session), clock=now if by_clock else None)
