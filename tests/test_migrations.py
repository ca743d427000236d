"""`flask db upgrade` on an empty database yields exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from mvi_challenges.core.db import db, include_in_migrations

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
                context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                      "include_object": include_in_migrations})
                differences = compare_metadata(context, db.metadata)
            assert differences == []
            # The search index beside the models (calls/search.py) is named search_*.
            tables = {name for name in inspect(db.engine).get_table_names() if not name.startswith("search_")}
            assert tables == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
            downgrade(revision="base")
            assert inspect(db.engine).get_table_names() == ["alembic_version"]
        finally:
            # Leave the schema as the other tests expect it.
            _drop_everything()
            db.create_all()
            empty_all_tables()


def test_calls_published_before_monitoring_enter_the_register(app: Flask) -> None:
    """Upgrading a live database: the published call of revision 0005 appears in the register,
    dated in Amsterdam time, and its phases survive the rebuild of the calls table."""
    import datetime as dt

    from mvi_challenges.monitoring.models import ProcurementRecord

    with app.app_context():
        db.session.remove()
        _drop_everything()
        try:
            upgrade(revision="0005")
            # 23:30 UTC on New Year's Eve is already 1 January in Amsterdam.
            published = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO categories (slug, name_nl, name_en, target_level, promising, "
                                        "approach_source, approach_html) VALUES ('ict', 'ICT', 'ICT', 2, false, '', '')"))
                for title, status, moment in (("Laptops", "published", published), ("Concept", "draft", None)):
                    connection.execute(text(
                        "INSERT INTO calls (slug, kind, title, summary, body_source, body_html, category_id, "
                        "ambition_level, level_explanation, eligibility, prize_text, contact_name, contact_email, "
                        "status, status_reason, created_at, updated_at, published_at, target_level) VALUES "
                        "(:slug, 'challenge', :title, 'Kort', '', '', 1, 1, 'Markt te klein', 'both', '', '', '', "
                        ":status, '', :now, :now, :published, 2)"),
                        {"slug": title.lower(), "title": title, "status": status, "now": published,
                         "published": moment})
                connection.execute(text(
                    "INSERT INTO phases (call_id, number, title, opens_at, closes_at, budget_cents, max_awards, "
                    "score_scale_max, blind_review, disagreement_threshold) VALUES "
                    "(1, 1, 'Fase 1', :now, :now, 4000000, 1, 10, false, 3)"), {"now": published})
            upgrade()
            records = db.session.scalars(db.select(ProcurementRecord)).all()
            assert [(r.title, r.target_level, r.applied_level, r.explanation, r.published_on,
                     r.estimated_value_cents) for r in records] == [
                ("Laptops", 2, 1, "Markt te klein", dt.date(2026, 1, 1), 4_000_000)]
            # Rebuilding `calls` (SQLite batch mode) must not cascade-delete what hangs off it.
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT COUNT(*) FROM phases")).scalar() == 1
        finally:
            db.session.remove()
            _drop_everything()
            db.create_all()
            empty_all_tables()
