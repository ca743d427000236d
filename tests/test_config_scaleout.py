"""Production settings for several servers: pools sized per worker, Redis for every shared counter,
and the visitor's own address behind a trusted proxy."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import request
from sqlalchemy import select

from mvi_challenges import create_app
from mvi_challenges.config import load_config


def test_config_defaults_keep_everything_embedded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("REDIS_URL", "UPLOAD_STORAGE", "DATABASE_URL", "DATABASE_REPLICA_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path)
    assert (config["REDIS_URL"], config["UPLOAD_STORAGE"], config["RATELIMIT_STORAGE_URI"]) == (None, None, "memory://")
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    assert config["DATABASE_REPLICA_URL"] is None


def test_config_redis_url_shares_the_rate_limit_and_pools_are_bounded(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal/mvi")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql://app@replica.internal/mvi")
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    config = load_config(tmp_path)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True, "pool_size": 3, "max_overflow": 5,
                                                   "pool_timeout": 30, "pool_recycle": 1800}
    assert config["DATABASE_REPLICA_URL"] == "postgresql+psycopg://app@replica.internal/mvi"


def test_proxy_hops_gives_the_visitors_address(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                      "PROXY_HOPS": 1})

    @app.route("/whoami-test")
    def whoami() -> str:
        return f"{request.remote_addr} {request.scheme}"

    answer = app.test_client().get("/whoami-test", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                                   headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert answer.get_data(as_text=True) == "203.0.113.9 https"


def test_open_data_reads_from_the_replica_and_writes_stay_on_the_primary(tmp_path: Path) -> None:
    from mvi_challenges.catalogue.models import Category
    from mvi_challenges.core.db import REPLICA_ENGINE, db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
                      "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}"})
    replica = app.extensions[REPLICA_ENGINE]
    with app.app_context():
        db.create_all()
        db.metadata.create_all(replica)
        with replica.begin() as connection:  # what the replica has: only there
            connection.execute(Category.__table__.insert().values(
                slug="alleen-replica", name_nl="Alleen replica", name_en="Replica only", target_level=3,
                promising=True, approach_source="", approach_html=""))
        db.session.remove()
    body = app.test_client().get("/api/v1/catalogue").get_data(as_text=True)
    assert "alleen-replica" in body
    with app.app_context():  # outside the open data, reads stay on the primary
        assert db.session.scalars(select(Category.slug)).all() == []
        replica.dispose()
        db.engine.dispose()
