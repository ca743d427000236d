"""The call card of the public lists, as plain rows prepared in the query layer (issue #20).

A list page used to load 20 whole `Call` objects (every column, the bodies included) with their
phases and social values, and let a template walk them: the public state, the deadline, the texts
in the visitor's language and half a dozen labels, per card, through template calls. Here a page
reads only the columns a card shows (three small queries for any number of cards), resolves each
label once per request, and hands the template a `CallCard` per call that it only prints. The
rules stay where they are: the public state and the deadline are `models.public_state_of` and
`models.next_deadline_of`, the texts `models.call_text`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, bindparam, case, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from ..catalogue.models import Category, SocialValue
from . import kept_counts
from .models import (
    Call,
    CallKind,
    CallStatus,
    LocalText,
    Phase,
    PublicState,
    call_social_values,
    call_text,
    next_deadline_of,
    public_state_of,
)
from .services import state_condition, visible_to_public
from .stages import KIND_LABELS

STATE_LABELS = {
    PublicState.OPEN: _l("Open"),
    PublicState.UPCOMING: _l("Opens soon"),
    PublicState.CLOSED: _l("Closed"),
    PublicState.DECIDED: _l("Decided"),
    PublicState.CANCELLED: _l("Cancelled"),
    PublicState.DRAFT: _l("Draft"),
}

# The states in which a card names the deadline ahead.
DEADLINE_STATES = frozenset({PublicState.OPEN, PublicState.UPCOMING})


class CallCard(NamedTuple):
    """What a card shows of one call, every label in the visitor's language."""

    id: int
    url: str
    kind: str  # the CallKind value (a CSS class)
    kind_label: str
    state: str  # the PublicState value (a CSS class)
    state_label: str
    title: LocalText
    summary: LocalText
    level_label: str
    only_dutch: bool  # no English version while the visitor reads English
    category: str
    deadline: dt.datetime | None  # the nearest deadline ahead, only while the call is open or upcoming
    social_values: str  # the names, comma-separated, in the order of the call page


_PLAIN_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


class _Labels:
    """Labels in the request's language, each translated once however many cards show it."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._kinds: dict[Any, str] = {}
        self._states: dict[PublicState, str] = {}
        self._levels: dict[int, str] = {}
        template = url_for("calls.call_detail", slug="slug")
        self._url_prefix = template[: -len("slug")]

    def kind(self, kind: CallKind) -> str:
        label = self._kinds.get(kind)
        if label is None:
            label = self._kinds[kind] = str(KIND_LABELS[kind])
        return label

    def state(self, state: PublicState) -> str:
        label = self._states.get(state)
        if label is None:
            label = self._states[state] = str(STATE_LABELS[state])
        return label

    def level(self, level: int) -> str:
        label = self._levels.get(level)
        if label is None:
            label = self._levels[level] = _("Ambition level %(n)d", n=level)
        return label

    def url(self, slug: str) -> str:
        """The call page's address: the route's prefix and the slug (slugs are plain lowercase words
        and dashes, which need no quoting; anything else goes through url_for)."""
        if _PLAIN_SLUG.fullmatch(slug):
            return self._url_prefix + slug
        return url_for("calls.call_detail", slug=slug)


def _localised(nl: str, en: str | None, locale: str) -> str:
    """catalogue.models.Localised.localised for a plain row."""
    return (en or nl) if locale != "nl" else nl


# The statements are built once, with parameters (`ids`, `now`): building a statement's expression
# tree anew for every request cost about as much as running it.
_IDS = bindparam("ids", expanding=True)
_NOW = bindparam("now", type_=Phase.__table__.c.opens_at.type)


@functools.cache
def card_statements() -> tuple[Select[Any], Any]:
    """The cards' calls, and their phases and social values in one statement (a query fewer: each
    costs about 0.4 ms of round trip on PostgreSQL, #20): a phase row has its number and window and
    no names, a social value row its names and no number."""
    rows = (select(Call.id, Call.slug, Call.kind, Call.status, Call.title, Call.title_en, Call.summary,
                   Call.summary_en, Call.ambition_level, Category.name_nl, Category.name_en)
            .join(Category, Category.id == Call.category_id)
            .where(Call.id.in_(_IDS)))
    moment, name = Phase.__table__.c.opens_at.type, SocialValue.__table__.c.name_nl.type
    phases = select(Phase.call_id.label("call_id"), Phase.number.label("number"), Phase.opens_at.label("opens_at"),
                    Phase.closes_at.label("closes_at"), cast(null(), name).label("name_nl"),
                    cast(null(), name).label("name_en")).where(Phase.call_id.in_(_IDS))
    values = (select(call_social_values.c.call_id, cast(null(), Integer()), cast(null(), moment), cast(null(), moment),
                     SocialValue.name_nl, SocialValue.name_en)
              .join(SocialValue, SocialValue.id == call_social_values.c.social_value_id)
              .where(call_social_values.c.call_id.in_(_IDS)))
    parts = union_all(phases, values).subquery()
    # Phases in number order, social values by Dutch name (as Call.phases and Call.social_values).
    details = select(parts).order_by(parts.c.call_id, parts.c.number, parts.c.name_nl)
    return rows, details


class _Window(NamedTuple):
    opens_at: dt.datetime
    closes_at: dt.datetime


def card_rows(session: Session, ids: Sequence[int], now: dt.datetime, locale: str) -> list[CallCard]:
    """The cards of these calls, in the order of `ids`: two queries, whatever their number."""
    if not ids:
        return []
    id_list = list(ids)
    rows_statement, details_statement = card_statements()
    rows = session.execute(rows_statement, {"ids": id_list}).all()
    phases: dict[int, list[_Window]] = defaultdict(list)
    values: dict[int, list[str]] = defaultdict(list)
    for call_id, number, opens_at, closes_at, name_nl, name_en in session.execute(details_statement, {"ids": id_list}):
        if number is not None:
            phases[call_id].append(_Window(opens_at, closes_at))
        else:
            values[call_id].append(_localised(name_nl, name_en, locale))
    labels = _Labels(locale)
    english = locale != "nl"
    cards: dict[int, CallCard] = {}
    for row in rows:
        windows = phases.get(row.id, ())
        state = public_state_of(row.status, windows, now)
        deadline = next_deadline_of(windows, now) if state in DEADLINE_STATES else None
        cards[row.id] = CallCard(
            id=row.id, url=labels.url(row.slug), kind=row.kind.value, kind_label=labels.kind(row.kind),
            state=state.value, state_label=labels.state(state), title=call_text(row, "title", locale),
            summary=call_text(row, "summary", locale), level_label=labels.level(row.ambition_level),
            only_dutch=english and not row.title_en, category=_localised(row.name_nl, row.name_en, locale),
            deadline=deadline, social_values=", ".join(values.get(row.id, ())))
    return [cards[call_id] for call_id in id_list if call_id in cards]


class OpenCallCard(NamedTuple):
    """An open call on the home page, with the deadline of its open phase."""

    url: str
    kind: str
    kind_label: str
    title: LocalText
    summary: LocalText
    level_label: str
    only_dutch: bool
    deadline: dt.datetime


@functools.cache
def _open_calls_statement() -> Select[Any]:
    return (
        select(Call.slug, Call.kind, Call.title, Call.title_en, Call.summary, Call.summary_en, Call.ambition_level,
               Phase.closes_at)
        .join(Phase, Phase.call_id == Call.id)
        .where(Call.status == CallStatus.PUBLISHED, Phase.opens_at <= _NOW, Phase.closes_at > _NOW)
        .order_by(Phase.closes_at, Call.id)
        .limit(bindparam("limit"))
    )


class _OpenRow(NamedTuple):
    """A row of `_open_calls_statement`, as kept (plain values)."""

    slug: str
    kind: CallKind
    title: str
    title_en: str | None
    summary: str
    summary_en: str | None
    ambition_level: int
    closes_at: dt.datetime


def _open_rows(session: Session, now: dt.datetime, limit: int) -> list[_OpenRow]:
    return [_OpenRow(*row) for row in session.execute(_open_calls_statement(), {"now": now, "limit": limit})]


def _open_cards(rows: Sequence[_OpenRow], locale: str) -> list[OpenCallCard]:
    labels = _Labels(locale)
    english = locale != "nl"
    return [OpenCallCard(url=labels.url(row.slug), kind=row.kind.value, kind_label=labels.kind(row.kind),
                         title=call_text(row, "title", locale), summary=call_text(row, "summary", locale),
                         level_label=labels.level(row.ambition_level), only_dutch=english and not row.title_en,
                         deadline=row.closes_at)
            for row in rows]


def open_call_cards(session: Session, now: dt.datetime, locale: str, limit: int = 6) -> list[OpenCallCard]:
    """Open calls with the deadline of their open phase, the nearest first (the home page): the
    rows of `services.open_calls_by_deadline`, only the columns the home page shows."""
    return _open_cards(_open_rows(session, now, limit), locale)


def home_calls(session: Session, now: dt.datetime, locale: str,
               limit: int = 6) -> tuple[list[OpenCallCard], dict[PublicState, int]]:
    """The home page's open calls (`open_call_cards`) and its count of open and upcoming calls
    (`count_open_and_upcoming`), kept under the version of the public calls until the next moment
    a phase opens or closes (calls/kept_counts.py): one small query instead of the count, which
    walks every published call (6 ms of the page's 7 in the database on PostgreSQL at scale 1, #20).
    The labels are the visitor's language's, made per request."""
    version = kept_counts.current_version(session)
    rows, counts = kept_counts.keep(
        session, f"home-calls|{limit}",
        lambda: (_open_rows(session, now, limit), count_open_and_upcoming(session, now)), version=version, clock=now)
    return _open_cards(rows, locale), counts


_COUNTED_STATES = (PublicState.OPEN, PublicState.UPCOMING)


@functools.cache
def _count_statement() -> Select[Any]:
    return (select(*(func.coalesce(func.sum(case((state_condition(state, _NOW), 1), else_=0)), 0)
                     for state in _COUNTED_STATES))
            .where(visible_to_public(), Call.status == CallStatus.PUBLISHED))  # both states are of published calls


def count_open_and_upcoming(session: Session, now: dt.datetime) -> dict[PublicState, int]:
    """`services.count_calls_by_state` for open and upcoming calls, in one query."""
    row = session.execute(_count_statement(), {"now": now}).one()
    return {state: int(count or 0) for state, count in zip(_COUNTED_STATES, row, strict=True)}


@functools.cache
def _choices_statement() -> Any:
    return (select(literal("category").label("table"), Category.slug, Category.name_nl, Category.name_en)
            .union_all(select(literal("value"), SocialValue.slug, SocialValue.name_nl, SocialValue.name_en)))


def _read_filter_choices(session: Session, locale: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    rows = session.execute(_choices_statement()).all()
    choices: dict[str, list[tuple[str, str]]] = {"category": [], "value": []}
    for table, slug, name_nl, name_en in rows:
        choices[table].append((slug, _localised(name_nl, name_en, locale)))
    for found in choices.values():
        found.sort(key=lambda choice: choice[1].casefold())
    return choices["category"], choices["value"]


def filter_choices(session: Session, locale: str,
                   version: str | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The categories and the social values of the list's filter, as (slug, name) sorted by the name
    the reader sees (as catalogue.services.all_categories and all_social_values), in one query; with
    the `version` of the public calls (read first, kept_counts.current_version), kept under it (their
    slugs and names count there), a query fewer per page (#20)."""
    if version is None:
        return _read_filter_choices(session, locale)
    return kept_counts.keep(session, f"call-filter-choices|{locale}", lambda: _read_filter_choices(session, locale),
                            version=version)
