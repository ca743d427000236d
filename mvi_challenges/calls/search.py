"""Text search of calls through an index, on SQLite and PostgreSQL.

The public call list finds a word anywhere in a call's Dutch or English title, summary or text,
case-insensitively, with `%` and `_` taken literally. Read as `ILIKE '%word%'` over six columns, that
scanned every call (58 ms on SQLite and 130 ms on PostgreSQL at 10,000 calls, issue #20). Both
databases index substrings by trigrams:

- **PostgreSQL**: a `pg_trgm` GIN index on one expression, the six columns lower-cased and joined by
  newlines; the search is a `LIKE` on that same expression (written out, without parameters, so the
  planner recognises it). A common word (one call in seven) took 10 ms instead of 100 ms with six
  `ILIKE`s, a rare one 0.1 ms.
- **SQLite**: an FTS5 table with the trigram tokenizer over the same columns, kept in step with `calls`
  by triggers; a phrase query finds the substring (case-insensitive, punctuation literal). Searches of
  one or two characters have no trigram and read the table as before.

The index lives beside the models (an FTS table and trigram operator classes are not expressible as
SQLAlchemy `Index` objects): its objects are named `search_*`, which migrations and the schema
comparison leave alone (`core.db.include_in_migrations`). `create_all` (tests, a fresh embedded
database) builds it through the DDL events below; migration 0028 builds it for existing databases
with the same statements. A SQLite migration that rebuilds the `calls` table (batch mode) drops its
triggers: tests/calls/test_search.py upgrades to the head and checks a new call is found.
"""

from __future__ import annotations

from sqlalchemy import DDL, ColumnElement, event, literal_column, or_, select, table, text

from ..core.db import db, escape_like
from .models import Call

SEARCHED = ("title", "summary", "body_source", "title_en", "summary_en", "body_source_en")
SQLITE_TABLE = "search_calls"
SHORTEST_INDEXED = 3  # a trigram index needs three characters

# Written out (no string building): the same statements are frozen in migration 0028.
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_calls USING fts5(title, summary, body_source, title_en, summary_en, "
    "body_source_en, content='calls', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER search_calls_insert AFTER INSERT ON calls BEGIN "
    "INSERT INTO search_calls(rowid, title, summary, body_source, title_en, summary_en, body_source_en) "
    "VALUES (new.id, new.title, new.summary, new.body_source, new.title_en, new.summary_en, "
    "new.body_source_en); END",
    "CREATE TRIGGER search_calls_delete AFTER DELETE ON calls BEGIN "
    "INSERT INTO search_calls(search_calls, rowid, title, summary, body_source, title_en, summary_en, "
    "body_source_en) VALUES ('delete', old.id, old.title, old.summary, old.body_source, old.title_en, "
    "old.summary_en, old.body_source_en); END",
    "CREATE TRIGGER search_calls_update AFTER UPDATE OF title, summary, body_source, title_en, summary_en, "
    "body_source_en ON calls BEGIN "
    "INSERT INTO search_calls(search_calls, rowid, title, summary, body_source, title_en, summary_en, "
    "body_source_en) VALUES ('delete', old.id, old.title, old.summary, old.body_source, old.title_en, "
    "old.summary_en, old.body_source_en); "
    "INSERT INTO search_calls(rowid, title, summary, body_source, title_en, summary_en, body_source_en) "
    "VALUES (new.id, new.title, new.summary, new.body_source, new.title_en, new.summary_en, "
    "new.body_source_en); END",
    "INSERT INTO search_calls(search_calls) VALUES ('rebuild')",  # the calls already there
)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS search_calls_insert", "DROP TRIGGER IF EXISTS search_calls_delete",
               "DROP TRIGGER IF EXISTS search_calls_update", "DROP TABLE IF EXISTS search_calls")
# The indexed expression; the query repeats it verbatim (a bound parameter would not match the index).
POSTGRESQL_TEXT = (
    "lower(coalesce(calls.title, '') || E'\\n' || coalesce(calls.summary, '') || E'\\n' || "
    "coalesce(calls.body_source, '') || E'\\n' || coalesce(calls.title_en, '') || E'\\n' || "
    "coalesce(calls.summary_en, '') || E'\\n' || coalesce(calls.body_source_en, ''))"
)
POSTGRESQL_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_calls_text ON calls USING gin ((" + POSTGRESQL_TEXT.replace("calls.", "")
    + ") gin_trgm_ops)",
)
POSTGRESQL_DROP = ("DROP INDEX IF EXISTS search_calls_text",)


for _dialect in ("sqlite", "postgresql"):
    _create = SQLITE_CREATE if _dialect == "sqlite" else POSTGRESQL_CREATE
    _drop = SQLITE_DROP if _dialect == "sqlite" else POSTGRESQL_DROP
    for _statement in _create:
        event.listen(Call.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
    for _statement in _drop:
        event.listen(Call.__table__, "before_drop", DDL(_statement).execute_if(dialect=_dialect))


def _dialect_name() -> str:
    return db.session.get_bind().dialect.name


def _phrase(words: str) -> str:
    """An FTS5 phrase: the text as one string, its double quotes doubled."""
    return '"' + words.replace('"', '""') + '"'


def text_matches(words: str) -> ColumnElement[bool]:
    """The calls whose title, summary or text (Dutch or English) contain `words`."""
    dialect = _dialect_name()
    if dialect == "sqlite" and len(words) >= SHORTEST_INDEXED:
        found = (select(literal_column("rowid")).select_from(table(SQLITE_TABLE))
                 .where(text(f"{SQLITE_TABLE} MATCH :search_phrase").bindparams(search_phrase=_phrase(words))))
        return Call.id.in_(found)
    if dialect == "postgresql":
        return literal_column(POSTGRESQL_TEXT).like(f"%{escape_like(words.lower())}%", escape="\\")
    pattern = f"%{escape_like(words)}%"
    return or_(*(getattr(Call, column).ilike(pattern, escape="\\") for column in SEARCHED))
