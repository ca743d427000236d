"""Database wiring: the declarative Base, the Flask-SQLAlchemy handle and shared column types.

Flask-SQLAlchemy gives us one session per request (removed at app-context teardown) and works
with Flask-Migrate; the models themselves are plain typed SQLAlchemy 2 declarations.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import BigInteger, DateTime, Enum, MetaData, Select, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names make Alembic revisions reviewable and portable between SQLite and
# PostgreSQL (SQLite cannot drop an unnamed constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime that is always stored and returned in UTC.

    SQLite has no time zones and hands back naive values; PostgreSQL keeps them. This type makes
    both behave the same: writing a naive value is a bug, so it is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store times as aware UTC values")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Hundredths(TypeDecorator[Decimal]):
    """An exact decimal with two places, stored as an integer number of hundredths.

    Measured outcomes (tonnes CO2, hours, percentages) need exact sums on both databases;
    SQLite has no decimal type, so the value travels as a BIGINT and comes back as a Decimal.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | float | None, dialect: Any) -> int | None:
        if value is None:
            return None
        return int((Decimal(str(value)) * 100).to_integral_value(rounding=ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime(), str: String()},
    )


class RoutingSession(FlaskSession):
    """Reads of a request marked `use_replica()` go to the read replica (DATABASE_REPLICA_URL);
    everything else, and every flush, to the primary. Only pages that tolerate data a few seconds
    old opt in (the public open data), so nobody ever misses their own change on a replica that
    lags behind. The replica engine is ours (app.extensions), not a Flask-SQLAlchemy bind: a bind
    would make create_all and migrations treat the replica as a database of its own."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is None and self.info.get(REPLICA) and not self._flushing and isinstance(clause, Select):
            replica = current_app.extensions.get(REPLICA_ENGINE)
            if replica is not None:
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


REPLICA = "mvi_use_replica"
REPLICA_ENGINE = "mvi_replica_engine"
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})


def install_replica(app: Any) -> None:
    """One engine (with its pool) per process for DATABASE_REPLICA_URL, when set."""
    from sqlalchemy import create_engine

    from ..config import replica_engine_options

    url = app.config.get("DATABASE_REPLICA_URL")
    if url:
        app.extensions[REPLICA_ENGINE] = create_engine(url, **replica_engine_options(url))


def use_replica() -> None:
    """This request only reads public data: let its queries go to the read replica, if there is one."""
    db.session.info[REPLICA] = True

# Annotated column types shared by the models.
intpk = Annotated[int, mapped_column(primary_key=True)]


def lock_row(session: Any, model: Any, row_id: int) -> None:
    """Lock one row until the transaction ends, by writing it without changing it (`id = id`).

    Of two requests doing this at the same moment the second waits here until the first has
    committed: the row lock on PostgreSQL, the write lock on SQLite. What it reads afterwards
    includes the first one's work. (PostgreSQL checks no foreign key for a key set to itself.)

    Columns with an `onupdate` (an `updated_at`) are set to themselves too: otherwise the UPDATE
    would fire it, and merely locking a call to answer a question would date the call as changed
    (moving it in feeds, in staff's lists and in what the open data says was modified)."""
    from sqlalchemy import update

    unchanged = {column.key: column for column in model.__table__.columns if column.onupdate is not None}
    session.execute(update(model).where(model.id == row_id).values(id=model.id, **unchanged)
                    .execution_options(synchronize_session=False))


def is_referenced(session: Any, row: Any) -> bool:
    """Whether any row of any table points at this one by a foreign key (so deleting it would
    cascade into, or be refused by, data that refers to it)."""
    from sqlalchemy import literal, select

    table = row.__table__
    for other in row.metadata.tables.values():
        for key in other.foreign_keys:
            if key.column.table is table and key.column.name == "id":
                found = session.execute(select(literal(1)).select_from(other).where(key.parent == row.id).limit(1))
                if found.first() is not None:
                    return True
    return False


def escape_like(text: str) -> str:
    """Make % and _ literal in a LIKE pattern (use with escape="\\")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


created_at = Annotated[dt.datetime, mapped_column(default=utcnow)]


def new_revision() -> int:
    return secrets.randbits(31)


# A random number drawn anew at every insert and update of the row. A sum of revisions changes with
# any change to any of the rows, whatever order concurrent changes commit in and whatever the
# servers' clocks say (unlike the latest change time): evaluation.services.results_fingerprint.
random_revision = Annotated[int, mapped_column(default=new_revision, onupdate=new_revision, server_default="0")]


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers work during a write; the busy timeout makes writers wait, not fail."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Objects kept beside the models, named so: the trigram search indexes of calls/search.py (an FTS5
# table on SQLite, pg_trgm GIN indexes on PostgreSQL), which SQLAlchemy's Index cannot express.
OUTSIDE_THE_MODELS_PREFIX = "search_"


def include_in_migrations(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate and the schema comparison leave the search indexes (`search_*`) alone."""
    return not (reflected and compare_to is None and (name or "").startswith(OUTSIDE_THE_MODELS_PREFIX))


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerated revisions spell our column types as the plain types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Hundredths):
        return "sa.BigInteger()"
    return False


def commit_with_retry(work: Any, attempts: int = 8) -> Any:
    """Run `work()` and commit; retry when the database reports a lock conflict.

    SQLite answers a write that races another with "database is locked" (even with a busy
    timeout, when its snapshot went stale); PostgreSQL may report a serialization failure or a
    deadlock. Such a request is simply tried again, so users never see these as errors.
    """
    import random
    import time

    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            message = str(error.orig).lower()
            retryable = "locked" in message or "deadlock" in message or "could not serialize" in message
            if not retryable or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not crypto
    raise AssertionError("unreachable")


def str_enum(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """Enums stored as their string values in a VARCHAR: portable and readable in SQL."""
    return Enum(
        enum_class, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )
