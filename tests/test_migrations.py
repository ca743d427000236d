"""`flask db upgrade` on an empty database yields exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from mvi_challenges.db import db

from .conftest import empty_all_tables


def _drop_everything() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_on_empty_database_matches_models_then_downgrade_removes_all(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        _drop_everything()
        assert inspect(db.engine).get_table_names() == []
        try:
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            assert differences == []
            assert set(inspect(db.engine).get_table_names()) == {t.name for t in db.metadata.sorted_tables} | {
                "alembic_version"}
            downgrade(revision="base")
            assert inspect(db.engine).get_table_names() == ["alembic_version"]
        finally:
            # Leave the schema as the other tests expect it.
            _drop_everything()
            db.create_all()
            empty_all_tables()
