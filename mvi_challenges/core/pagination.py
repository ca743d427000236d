"""One way to paginate a list page: tolerant of odd input, strict about the range."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from .db import db

MAX_PAGE = 1_000_000


class KeyedPagination(SelectPagination):
    """Pages read in two steps: the page's keys, then the rows with those keys.

    Page 400 of a list ordered by an index means skipping 7,980 entries. Skipping them in the
    index alone (only the key is selected) costs little; skipping whole rows, with their bodies,
    costs a read per row. The count also counts keys, so it too is answered from the index.
    With `load`, the rows are whatever it makes of the page's keys (in order), such as plain rows
    of just the columns a page shows, instead of the statement's objects. With `counter`, the
    total is whatever it makes of the count it is given to run (a count kept under the version of
    the data: calls/kept_counts.py).
    """

    def _query_items(self) -> list[Any]:
        stmt, key = self._query_args["select"], self._query_args["key"]
        session = self._query_args["session"]
        keys = list(session.scalars(stmt.with_only_columns(key).limit(self.per_page).offset(self._query_offset)))
        if not keys:
            return []
        load = self._query_args.get("load")
        if load is not None:
            return list(load(keys))
        return list(session.execute(stmt.where(key.in_(keys))).unique().scalars())

    def _query_count(self) -> int:
        counter = self._query_args.get("counter")
        return counter(self._count_keys) if counter is not None else self._count_keys()

    def _count_keys(self) -> int:
        stmt, key = self._query_args["select"], self._query_args["key"]
        keys = stmt.with_only_columns(key).order_by(None).subquery()
        return self._query_args["session"].scalar(select(func.count()).select_from(keys)) or 0


class RowPagination(SelectPagination):
    """Pages of plain rows (named tuples of the columns a list shows) instead of ORM objects: a
    list that shows four fields of each row need not load, identify and track whole objects. The
    count counts the first column only (not the row's other, perhaps computed, columns); with
    `counter`, as in KeyedPagination."""

    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"]
        return list(self._query_args["session"].execute(stmt.limit(self.per_page).offset(self._query_offset)))

    def _query_count(self) -> int:
        counter = self._query_args.get("counter")
        return counter(self._count_rows) if counter is not None else self._count_rows()

    def _count_rows(self) -> int:
        stmt = self._query_args["select"]
        first = stmt.with_only_columns(*list(stmt.selected_columns)[:1]).order_by(None).subquery()
        return self._query_args["session"].scalar(select(func.count()).select_from(first)) or 0


class CountedRowPagination(SelectPagination):
    """RowPagination whose rows carry their list's length: a `total` column, `count() OVER ()`,
    which the database computes before LIMIT. One round trip instead of two (the count was a query
    of its own: on PostgreSQL 0.5-1 ms with its planning, #20); for short lists, such as a person's
    own, where counting joins every row anyway. An empty page past the first is a 404 before the
    count is asked; an empty first page counts 0."""

    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"].add_columns(func.count().over().label("total"))
        items = list(self._query_args["session"].execute(stmt.limit(self.per_page).offset(self._query_offset)))
        self._query_args["total"] = items[0].total if items else 0
        return items

    def _query_count(self) -> int:
        return self._query_args["total"]


Counter = Callable[[Callable[[], int]], int]


def paginate_by_key(stmt: Select[Any], key: InstrumentedAttribute[int], *, page: int, per_page: int,
                    error_out: bool, load: Callable[[list[Any]], Iterable[Any]] | None = None,
                    counter: Counter | None = None) -> Pagination:
    """Like `db.paginate`, for a statement over one model whose order ends in its key."""
    return KeyedPagination(select=stmt, key=key, session=db.session, page=page, per_page=per_page,
                           max_per_page=None, error_out=error_out, count=True, load=load, counter=counter)


def paginate(stmt: Select[Any], per_page: int, key: InstrumentedAttribute[int] | None = None, *,
             rows: bool = False, load: Callable[[list[Any]], Iterable[Any]] | None = None,
             counter: Counter | None = None, counted_rows: bool = False) -> Pagination:
    """`?page=abc` or `?page=-3` shows page 1; a page past the end is a 404. `rows`: the page's
    items are the statement's rows (RowPagination), not its first column's objects; `counted_rows`:
    the same, counted in the same query (CountedRowPagination). With a `key`, `load` may turn the
    page's keys into its rows (KeyedPagination)."""
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)  # a huge number would overflow the OFFSET
    if counted_rows:
        return CountedRowPagination(select=stmt, session=db.session, page=page, per_page=per_page,
                                    max_per_page=None, error_out=True, count=True)
    if rows:
        return RowPagination(select=stmt, session=db.session, page=page, per_page=per_page, max_per_page=None,
                             error_out=True, count=True, counter=counter)
    if key is not None:
        return paginate_by_key(stmt, key, page=page, per_page=per_page, error_out=True, load=load, counter=counter)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=True, count=True)


def filter_args(form: Any) -> dict[str, str]:
    """The checked, non-empty filter values of a GET form: what page links carry along.

    Never the raw query string: a key such as `_external` or `_method` would reach `url_for`.
    """
    return {field.name: str(field.data) for field in form if field.data not in (None, "")}
