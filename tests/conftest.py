"""Test set-up: one app and schema per run, every table emptied after each test.

The database is a temporary SQLite file, or the PostgreSQL database in DATABASE_URL (CI runs
the suite on both). A database whose name lacks "test" is refused, so a developer's real
database can never be wiped by accident.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mvi_challenges import create_app
from mvi_challenges.catalogue.models import Category, SocialValue
from mvi_challenges.catalogue.services import seed_catalogue
from mvi_challenges.core.db import db
from mvi_challenges.infra import fingerprint_cache
from mvi_challenges.infra.ratelimit import limiter


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    database = make_url(url.replace("postgres://", "postgresql://", 1)).database or ""
    if "test" not in database:
        pytest.exit(f"refusing to run tests against database {database!r}: its name must contain 'test'")
    return url


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": test_database_url(tmp_path_factory),
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        # Counting failed logins across the whole suite would lock later tests out; the rate limit
        # tests switch it on for themselves.
        "RATELIMIT_ENABLED": False,
        # The embedded defaults, even when the developer's shell has REDIS_URL: tests/scaleout/ brings
        # its own Redis settings.
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests log staff in with a password alone; tests/accounts/test_two_step.py switches it on.
        "TWO_STEP_REQUIRED": False,
        "PAGE_CACHE_SECONDS": 0,  # tests look at pages right after changing data (tests/test_page_cache.py)
        # The concurrency tests run 50 threads at once, as 50 workers would each with their own pool.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 50, "pool_timeout": 60},
    })
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rate_limits_off_after_each_test() -> Iterator[None]:
    """Flask-Limiter is one object for every app in this process: a test that builds an app with
    limits on (or a production app) would otherwise leave them on, with its counts, for later tests."""
    yield
    if limiter.initialized and limiter.storage.check():
        limiter.reset()
    limiter.enabled = False


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        fingerprint_cache.forget_all()


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def catalogue(app: Flask) -> SimpleNamespace:
    """The reference categories and social values, as plain data."""
    with app.app_context():
        seed_catalogue(db.session)
        db.session.commit()
        categories = {c.slug: SimpleNamespace(id=c.id, slug=c.slug, target=c.target_level)
                      for c in db.session.scalars(db.select(Category))}
        values = {v.slug: v.id for v in db.session.scalars(db.select(SocialValue))}
    return SimpleNamespace(categories=categories, values=values)


@pytest.fixture
def client_en(app: Flask) -> FlaskClient:
    """A browser whose visitor chose English."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client
