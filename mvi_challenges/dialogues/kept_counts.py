"""How many dialogues the public list's selection has, and its theme filter's choices, kept under the
version of the data they are made of (core/data_versions.py) instead of read on every request.

The list's count walks every published dialogue that matches (1.4 ms of the past list's 2.8 in the
database on PostgreSQL at scale 1, #20) and its choices read every category, for a page of twenty
dialogues. They change when a dialogue is published, cancelled, moved or reclassified, when a
category is renamed, and, for the count, when a dialogue ends (the line between upcoming and past).
So: the version is read first, the choices are kept under it, and the count under it until the next
moment a dialogue ends (infra/fingerprint_cache.remember_until). Never stale
(tests/dialogues/test_kept_counts.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..catalogue.models import Category
from ..catalogue.services import category_choices
from ..core import data_versions
from ..infra import fingerprint_cache
from .models import Dialogue

PUBLIC_DIALOGUES = "public dialogues"
# What the list selects and filters by (services.listed_publicly, public_dialogue_rows_query) and
# the names its filter shows.
data_versions.track(PUBLIC_DIALOGUES, Dialogue, ["status", "published_at", "pitch_phase_id", "ends_at", "kind",
                                                 "category_id"])
data_versions.track(PUBLIC_DIALOGUES, Category, ["slug", "name_nl", "name_en"])


def current_version(session: Session) -> str:
    """Read first, before the data of anything kept under it."""
    return data_versions.current(session, PUBLIC_DIALOGUES)


def theme_choices(session: Session, locale: str, version: str) -> list[tuple[str, str]]:
    """catalogue.services.category_choices, kept under `version`."""
    return fingerprint_cache.remember(f"dialogue-themes|{locale}|{version}",
                                      lambda: category_choices(session, locale))


def _next_end(session: Session, now: dt.datetime) -> dt.datetime | None:
    """The next moment a dialogue ends: until then no dialogue moves from upcoming to past."""
    return session.scalar(select(func.min(Dialogue.ends_at)).where(Dialogue.ends_at > now))


def public_count(session: Session, selection: object, now: dt.datetime, version: str,
                 count: Callable[[], int]) -> int:
    """The number of dialogues in this selection (its repr names every filter), counted once per
    version of the data and per moment a dialogue ends."""
    key = "dialogue-count|" + hashlib.sha256(repr(selection).encode()).hexdigest()[:24] + f"|{version}"
    return fingerprint_cache.remember_until(key, count, now, lambda: _next_end(session, now))
