"""How many public calls a selection of the call list (and the open data API's list) has, kept under
the version of the data it counts (core/data_versions.py) instead of counted on every request.

Counting is most of what the list costs the database: the first page needs twenty ids from an index,
the count walks every match (10,000 calls: 1 ms on PostgreSQL, 0.4 ms on SQLite; a text search 6 ms
on PostgreSQL, issue #20). The count changes only when a call, its phases or the names of what it is
filtered by change, and, for the selections by state (open, upcoming, closed), when a phase opens or
closes. So: the version of the set "public calls" is read first, the count is kept under it with
the selection, and a count by state also says until when it holds (the next moment a phase opens or
closes); a change is a new version, a passed moment a count made again. Never stale
(tests/calls/test_kept_counts.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from ..catalogue.models import Category, SocialValue
from ..core import data_versions
from ..infra import fingerprint_cache
from .models import Call, Phase

PUBLIC_CALLS = "public calls"
# What the list filters and searches by, attribute by attribute (calls.services.public_calls_query,
# state_condition, visible_to_public, calls/search.py's SEARCHED columns).
data_versions.track(PUBLIC_CALLS, Call, ["status", "published_at", "kind", "category_id", "ambition_level",
                                         "social_values", "title", "summary", "body_source", "title_en",
                                         "summary_en", "body_source_en"])
data_versions.track(PUBLIC_CALLS, Phase, ["opens_at", "closes_at", "call_id"])
data_versions.track(PUBLIC_CALLS, Category, ["slug"])
data_versions.track(PUBLIC_CALLS, SocialValue, ["slug"])


def _selection_key(filters: object) -> str:
    # A search text may be long: the key holds its digest (the selection's repr names every filter).
    return hashlib.sha256(repr(filters).encode()).hexdigest()[:24]


def _next_phase_moment(session: Session, now: dt.datetime) -> dt.datetime | None:
    """The next moment a phase opens or closes: until then no call changes state by the clock."""
    moments = union_all(select(func.min(Phase.opens_at)).where(Phase.opens_at > now),
                        select(func.min(Phase.closes_at)).where(Phase.closes_at > now)).subquery()
    return session.scalar(select(func.min(moments.c[0])))


def public_count(session: Session, filters: object, by_clock: bool, now: dt.datetime,
                 count: Callable[[], int]) -> int:
    """The number of calls in this selection: `count()` once per version of the data (and, when the
    selection depends on the clock, `by_clock`, once per moment a phase opens or closes)."""
    version = data_versions.current(session, PUBLIC_CALLS)  # first: what is counted after it is at least as new
    key = f"call-count|{version}|{_selection_key(filters)}"
    if not by_clock:
        return fingerprint_cache.remember(key, count)

    def counted() -> tuple[int, dt.datetime, dt.datetime | None]:
        return count(), now, _next_phase_moment(session, now)

    def holds(kept: tuple[int, dt.datetime, dt.datetime | None]) -> bool:
        # No phase opened or closed between when it was counted and now (a request of a moment
        # earlier, on another worker, may read a count made a moment later: then counted again).
        _total, counted_at, until = kept
        return counted_at <= now and (until is None or now < until)

    total, _at, _until = fingerprint_cache.remember(key, counted, fresh=holds)
    return total
