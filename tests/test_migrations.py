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


def test_summarised_consultations_keep_their_summary_when_english_is_added_and_removed(app: Flask) -> None:
    """Upgrading a live database to 0031: a published summary and its themes stay as they were, with
    empty English texts (only in Dutch); downgrading to 0030 removes the English columns, nothing else."""
    with app.app_context():
        db.session.remove()
        _drop_everything()
        try:
            upgrade(revision="0030")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO consultations (slug, title, body_source, body_html, closes_at, status, "
                    "summary_source, summary_html, created_at, updated_at, title_en, body_source_en, body_html_en) "
                    "VALUES ('fietspaden', 'Fietspaden', '', '', :now, 'summarised', 'Veel reacties', "
                    "'<p>Veel reacties</p>', :now, :now, 'Cycle paths', '', '')"), {"now": "2026-01-01 12:00:00"})
                connection.execute(text(
                    "INSERT INTO consultation_themes (consultation_id, position, title, disposition, action_source, "
                    "action_html) VALUES (1, 1, 'Materialen', 'adopted', 'Hergebruik', '<p>Hergebruik</p>')"))
            upgrade(revision="0031")
            with db.engine.connect() as connection:
                assert connection.execute(text(
                    "SELECT summary_html, summary_source_en, summary_html_en FROM consultations")).one() == (
                    "<p>Veel reacties</p>", "", "")
                assert connection.execute(text(
                    "SELECT title, action_html, title_en, action_source_en, action_html_en FROM consultation_themes"
                )).one() == ("Materialen", "<p>Hergebruik</p>", "", "", "")
            downgrade(revision="0030")
            columns = {c["name"] for c in inspect(db.engine).get_columns("consultation_themes")}
            assert "title_en" not in columns and "action_html" in columns
            assert "summary_html_en" not in {c["name"] for c in inspect(db.engine).get_columns("consultations")}
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT title FROM consultation_themes")).scalar() == "Materialen"
        finally:
            db.session.remove()
            _drop_everything()
            db.create_all()
            empty_all_tables()


def test_planning_releases_get_their_own_owner_and_go_on_downgrade(app: Flask) -> None:
    """Upgrading a live database to 0032: a call's stored release stays as it was; a release now
    belongs to a call or to a planned purchase, never both, never neither. Downgrading to 0031 removes
    the plans' releases (the call's table has no room for them) and keeps the call's."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    release = ("INSERT INTO ocds_releases (call_id, {owner}release_id, ocid, stage, version, tag, date, digest, "
               "body, created_at) VALUES ({call}, {plan}:id, 'o', 'tender', 1, 'tender', :now, 'd', '{{}}', :now)")
    now = {"now": "2026-01-01 12:00:00"}
    with app.app_context():
        db.session.remove()
        _drop_everything()
        try:
            upgrade(revision="0031")
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO categories (slug, name_nl, name_en, target_level, promising, "
                                        "approach_source, approach_html) VALUES ('ict', 'ICT', 'ICT', 2, false, '', '')"))
                connection.execute(text(
                    "INSERT INTO calls (slug, kind, title, summary, body_source, body_html, category_id, "
                    "ambition_level, level_explanation, eligibility, prize_text, contact_name, contact_email, "
                    "status, status_reason, created_at, updated_at, published_at, target_level) VALUES "
                    "('laptops', 'challenge', 'Laptops', 'Kort', '', '', 1, 2, '', 'both', '', '', '', "
                    "'published', '', :now, :now, :now, 2)"), now)
                connection.execute(text(release.format(owner="", call="1", plan="")), {**now, "id": "call-1"})
            upgrade(revision="0032")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO planned_purchases (title, title_en, description, description_en, category_id, "
                    "expected_year, expected_quarter, value_class, intended_level, level_explanation, contact_name, "
                    "contact_email, is_public, created_at, updated_at) VALUES ('Plan', '', '', '', 1, 2027, 2, "
                    "'under_50k', 2, '', '', '', true, :now, :now)"), now)
                connection.execute(text(release.format(owner="planned_purchase_id, ", call="NULL", plan="1, ")),
                                   {**now, "id": "plan-1"})
            for owner, call, plan in (("planned_purchase_id, ", "1", "1, "), ("", "NULL", "")):
                with pytest.raises(IntegrityError), db.engine.begin() as connection:
                    connection.execute(text(release.format(owner=owner, call=call, plan=plan)), {**now, "id": "bad"})
            with db.engine.connect() as connection:
                assert connection.execute(text(
                    "SELECT release_id, call_id, planned_purchase_id FROM ocds_releases ORDER BY id")).all() == [
                    ("call-1", 1, None), ("plan-1", None, 1)]
            downgrade(revision="0031")
            columns = {c["name"]: c for c in inspect(db.engine).get_columns("ocds_releases")}
            assert "planned_purchase_id" not in columns and columns["call_id"]["nullable"] is False
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT release_id FROM ocds_releases")).scalars().all() == ["call-1"]
        finally:
            db.session.remove()
            _drop_everything()
            db.create_all()
            empty_all_tables()


def test_reported_dialogues_stay_dutch_only_when_english_is_added_and_keep_their_report_on_removal(
        app: Flask) -> None:
    """Upgrading a live database to 0033: a reported dialogue stays as it was, with empty English texts
    (only in Dutch); downgrading to 0032 removes the English columns and keeps the Dutch report."""
    with app.app_context():
        db.session.remove()
        _drop_everything()
        try:
            upgrade(revision="0032")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO dialogues (slug, kind, title, body_source, body_html, starts_at, ends_at, address, "
                    "online_url, capacity, registration_closes_at, eligibility, status, status_reason, published_at, "
                    "report_source, report_html, report_published_at, seats_version, created_at, updated_at) VALUES "
                    "('bomen', 'city', 'Bomen', 'Praat mee', '<p>Praat mee</p>', :now, :now, 'Stadhuis', '', 10, "
                    ":now, 'both', 'reported', '', :now, 'Veel bomen', '<p>Veel bomen</p>', :now, 0, :now, :now)"),
                    {"now": "2026-01-01 12:00:00"})
            upgrade(revision="0033")
            with db.engine.connect() as connection:
                assert connection.execute(text(
                    "SELECT title, report_html, title_en, body_source_en, body_html_en, report_source_en, "
                    "report_html_en FROM dialogues")).one() == ("Bomen", "<p>Veel bomen</p>", "", "", "", "", "")
            downgrade(revision="0032")
            columns = {c["name"] for c in inspect(db.engine).get_columns("dialogues")}
            assert not {"title_en", "body_source_en", "body_html_en", "report_source_en", "report_html_en"} & columns
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT title, report_html FROM dialogues")).one() == (
                    "Bomen", "<p>Veel bomen</p>")
        finally:
            db.session.remove()
            _drop_everything()
            db.create_all()
            empty_all_tables()
