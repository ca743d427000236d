"""Versions of data: a number drawn anew, in the writer's own transaction, by every change to what a
kept value (figures, a count) was computed from, so readers can keep that value under the number.

A set of data has a name ("monitoring": what the dashboard and staff's monitoring lists count;
"public calls": what the public call list counts) and a list of what it is made of: models, and for
each the attributes that count (`track`). A listener on every database session notes a flush that
inserts, deletes or changes a tracked attribute (or an UPDATE/DELETE statement on a tracked table),
and just before that transaction commits writes a new random number for each set it touched into
`figures_versions` (one row per set; the write lock is held only for the commit itself). Readers read
the number first and then the data, so what they keep under a number was computed from data at least
as new as that number says: a change is a new key, and a kept value is never stale
(tests/monitoring/test_dashboard_cache.py, tests/calls/test_kept_counts.py).

What depends on the clock rather than on a write (a phase that has closed by now) is not in the
version: the kept values say until when they hold.

Areas register what their sets are made of where they use them (monitoring/figures_version.py,
calls/kept_counts.py), so this module imports no area.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, String, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from .db import Base

ANY = None  # every column of the model counts
_CHANGED = "mvi_data_versions_changed"  # session.info: the names of the sets this transaction changed


class DataVersion(Base):
    """A number drawn anew, in the writer's transaction, whenever data of a named set changes. Random
    rather than counted, so a database restored from a backup names its own state again. (The table
    kept its first name, from when the dashboard was its only reader: migration 0026.)"""

    __tablename__ = "figures_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


# Set name → model → the attributes the set reads of it (ANY: all). An insert or delete always counts.
_TRACKED: dict[str, dict[type, frozenset[str] | None]] = {}


def track(name: str, model: type, keys: Iterable[str] | None = ANY) -> None:
    """Count changes to `model` (to these attributes only, when named) as changes of the set `name`."""
    tracked = _TRACKED.setdefault(name, {})
    known = tracked.get(model, frozenset())
    if keys is None or known is None:
        tracked[model] = ANY
        return
    unknown = set(keys) - set(inspect(model).attrs.keys())
    if unknown:
        raise ValueError(f"{model.__name__} has no attributes {sorted(unknown)}")
    tracked[model] = known | frozenset(keys)


def _sets_changed_by(obj: Any, new_or_deleted: bool) -> set[str]:
    model, changed = type(obj), set()
    state = None
    for name, tracked in _TRACKED.items():
        if model not in tracked:
            continue
        if new_or_deleted:
            changed.add(name)
            continue
        keys = tracked[model]
        state = state or inspect(obj)
        names = keys if keys is not None else state.mapper.attrs.keys()
        if any(state.attrs[key].history.has_changes() for key in names):
            changed.add(name)
    return changed


def _note(session: Session, names: set[str]) -> None:
    if names:
        session.info.setdefault(_CHANGED, set()).update(names)


def _after_flush(session: Session, _flush_context: Any) -> None:
    for obj in session.new:
        _note(session, _sets_changed_by(obj, True))
    for obj in session.deleted:
        _note(session, _sets_changed_by(obj, True))
    for obj in session.dirty:
        _note(session, _sets_changed_by(obj, False))


def _on_execute(state: ORMExecuteState) -> None:
    """UPDATE and DELETE statements run through the session (bulk changes, refresh_latest_measured)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table_name = getattr(getattr(state.statement, "table", None), "name", "")
    values = getattr(state.statement, "_values", None) if state.is_update else None
    columns = {getattr(key, "key", key) for key in values} if values else None
    changed = set()
    for name, tracked in _TRACKED.items():
        for model, keys in tracked.items():
            if model.__table__.name != table_name:  # type: ignore[attr-defined]
                continue
            # `id = id` (core.db.lock_row) and other columns nobody counts change nothing here
            if columns is not None and keys is not None and not columns & keys:
                continue
            changed.add(name)
    _note(state.session, changed)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction() and session.get_bind().dialect.name == "postgresql":
        # A savepoint: the whole transaction's commit draws, so the row is locked only for the commit
        # itself (no lock order to deadlock on). Not so on SQLite, where one lock covers the database
        # and pysqlite commits a savepoint opened before any other write when it is released.
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit would flush next: note what it writes first
    for name in sorted(session.info.pop(_CHANGED, ())):  # one order: no two commits lock rows crosswise
        bump(session, name)


def _after_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction ended (committed or rolled back)
        session.info.pop(_CHANGED, None)


def bump(session: Session, name: str) -> None:
    """Draw a new version in the session's transaction (creating the row when it is missing)."""
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(DataVersion).values(name=name, version=secrets.randbits(62))
    connection.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"version": stmt.excluded.version}))


def current(session: Session, name: str) -> str:
    """The version to key kept values by; read before the data they are computed from."""
    version = session.scalar(select(DataVersion.version).where(DataVersion.name == name))
    return "none" if version is None else format(version, "x")


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _after_end)
