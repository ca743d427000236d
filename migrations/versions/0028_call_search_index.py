"""speed: text search of calls through a trigram index (SQLite FTS5, PostgreSQL pg_trgm), issue #20

Revision ID: 0028
Revises: 0027

The same statements as mvi_challenges/calls/search.py, frozen here. Objects named search_* are kept
beside the models (core.db.include_in_migrations).
"""
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_calls USING fts5(title, summary, body_source, title_en, summary_en, body_source_en, content='calls', content_rowid='id', tokenize='trigram')",
    'CREATE TRIGGER search_calls_insert AFTER INSERT ON calls BEGIN INSERT INTO search_calls(rowid, title, summary, body_source, title_en, summary_en, body_source_en) VALUES (new.id, new.title, new.summary, new.body_source, new.title_en, new.summary_en, new.body_source_en); END',
    "CREATE TRIGGER search_calls_delete AFTER DELETE ON calls BEGIN INSERT INTO search_calls(search_calls, rowid, title, summary, body_source, title_en, summary_en, body_source_en) VALUES ('delete', old.id, old.title, old.summary, old.body_source, old.title_en, old.summary_en, old.body_source_en); END",
    "CREATE TRIGGER search_calls_update AFTER UPDATE OF title, summary, body_source, title_en, summary_en, body_source_en ON calls BEGIN INSERT INTO search_calls(search_calls, rowid, title, summary, body_source, title_en, summary_en, body_source_en) VALUES ('delete', old.id, old.title, old.summary, old.body_source, old.title_en, old.summary_en, old.body_source_en); INSERT INTO search_calls(rowid, title, summary, body_source, title_en, summary_en, body_source_en) VALUES (new.id, new.title, new.summary, new.body_source, new.title_en, new.summary_en, new.body_source_en); END",
    "INSERT INTO search_calls(search_calls) VALUES ('rebuild')",
)
SQLITE_DROP = (
    'DROP TRIGGER IF EXISTS search_calls_insert',
    'DROP TRIGGER IF EXISTS search_calls_delete',
    'DROP TRIGGER IF EXISTS search_calls_update',
    'DROP TABLE IF EXISTS search_calls',
)
POSTGRESQL_CREATE = (
    'CREATE EXTENSION IF NOT EXISTS pg_trgm',
    "CREATE INDEX IF NOT EXISTS search_calls_text ON calls USING gin ((lower(coalesce(title, '') || E'\\n' || coalesce(summary, '') || E'\\n' || coalesce(body_source, '') || E'\\n' || coalesce(title_en, '') || E'\\n' || coalesce(summary_en, '') || E'\\n' || coalesce(body_source_en, ''))) gin_trgm_ops)",
)
POSTGRESQL_DROP = (
    'DROP INDEX IF EXISTS search_calls_text',
)


def _run(sqlite, postgresql):
    bind = op.get_bind()
    for statement in sqlite if bind.dialect.name == 'sqlite' else postgresql:
        op.execute(statement)


def upgrade():
    _run(SQLITE_CREATE, POSTGRESQL_CREATE)


def downgrade():
    _run(SQLITE_DROP, POSTGRESQL_DROP)
