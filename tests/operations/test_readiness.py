"""/healthz says the process lives; /readyz says whether it can serve: database, Redis, object store."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from mvi_challenges.core.storage import _s3_client

from .helpers import REDIS_OPS_URL, closed_port, dispose, other_app, silent_server


def test_ready_when_the_database_answers(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "down": [], "checks": {"database": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_database_that_is_down_makes_readyz_503_naming_it_while_healthz_stays_cheap(app: Flask) -> None:
    down = other_app(app, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/mvi_down_test")
    try:
        client = down.test_client()
        started = time.monotonic()
        response = client.get("/readyz")
        assert time.monotonic() - started < 3
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "unavailable" and body["down"] == ["database"]
        assert body["checks"]["database"].startswith("error: ")
    finally:
        dispose(down)


def test_a_database_that_hangs_is_reported_after_the_short_timeout(app: Flask) -> None:
    with silent_server() as port:
        hanging = other_app(app, READYZ_TIMEOUT=0.5,
                            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{port}/mvi_hang_test")
        try:
            started = time.monotonic()
            response = hanging.test_client().get("/readyz")
            assert time.monotonic() - started < 2
            assert response.status_code == 503
            assert response.get_json()["checks"] == {"database": "timeout"}
        finally:
            dispose(hanging)


def test_redis_on_a_closed_port_makes_readyz_503_naming_redis(app: Flask) -> None:
    server = other_app(app, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/9")
    try:
        response = server.test_client().get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["down"] == ["redis"] and body["checks"]["database"] == "ok"
    finally:
        dispose(server)


def test_redis_that_answers_is_ready(app: Flask) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_OPS_URL, socket_connect_timeout=1).ping()
    except OSError:
        pytest.skip(f"needs Redis at {REDIS_OPS_URL}")
    server = other_app(app, REDIS_URL=REDIS_OPS_URL, REDIS_PREFIX="mvi-ops-test:")
    try:
        response = server.test_client().get("/readyz")
        assert response.status_code == 200
        assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}
    finally:
        dispose(server)


def test_the_object_store_is_checked_when_configured(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.scaleout.services import s3_server

    with s3_server("mvi-ready") as env:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        _s3_client.cache_clear()
        try:
            there = other_app(app, UPLOAD_STORAGE="s3://mvi-ready/uploads")
            missing = other_app(app, UPLOAD_STORAGE="s3://no-such-bucket/uploads")
            assert there.test_client().get("/readyz").get_json()["checks"]["storage"] == "ok"
            response = missing.test_client().get("/readyz")
            assert response.status_code == 503 and response.get_json()["down"] == ["storage"]
        finally:
            _s3_client.cache_clear()
            dispose(there)
            dispose(missing)
