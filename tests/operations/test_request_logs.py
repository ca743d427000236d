"""What an operator reads in the logs: one JSON line per request with its id, nothing secret."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.infra.jobs import queue_for, run_worker
from mvi_challenges.infra.operations import JsonFormatter, RequestIdFilter, request_log
from tests.factories import login, make_user

from .helpers import REDIS_OPS_URL, dispose, other_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    from mvi_challenges import create_app
    from mvi_challenges.accounts.models import Role
    from mvi_challenges.accounts.services import create_user
    from mvi_challenges.core.db import db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "TWO_STEP_REQUIRED": False, "REDIS_URL": None})
    with app.app_context():
        db.create_all()
        user = create_user(db.session, email="anna@example.org", password="Zeer-geheim-wachtwoord-42",
                           name="Anna", roles=(Role.CITIZEN,))
        db.session.commit()
        print(user.id)
    client = app.test_client()
    client.get("/healthz?token=query-token-never-logged", headers={"X-Request-Id": "lb-7f3a-0001"})
    client.get("/account/password-reset/path-token-never-logged", headers={"X-Request-Id": "bad id <script>"})
    client.post("/account/login", data={"email": "anna@example.org", "password": "Zeer-geheim-wachtwoord-42"})
    client.get("/account")
""")


def test_one_json_line_per_request_with_id_status_duration_and_user_but_no_secrets(tmp_path: Path) -> None:
    env = {**os.environ, "LOG_FORMAT": "json", "DATABASE_URL": f"sqlite:///{tmp_path / 'logs.sqlite3'}",
           "MVI_ENV": "development", "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    user_id = run.stdout.strip().splitlines()[-1]
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.strip()]  # every line is JSON
    requests = [line for line in lines if line["logger"] == "mvi_challenges.requests"]
    assert [(r["method"], r["endpoint"], r["status"]) for r in requests] == [
        ("GET", "public.healthz", 200), ("GET", "accounts.reset_password", 400),
        ("POST", "accounts.login", 302), ("GET", "accounts.profile", 200)]
    health, reset, posted, profile = requests
    assert health["request_id"] == "lb-7f3a-0001"  # a proxy's id is kept
    assert reset["request_id"] != "bad id <script>" and len(reset["request_id"]) == 32  # a strange one is replaced
    assert reset["route"] == "/account/password-reset/<token>"
    assert health["user"] == "anonymous" and posted["user"] == profile["user"] == user_id  # logged in by then
    for line in requests:
        assert set(line) >= {"time", "request_id", "endpoint", "status", "duration_ms", "user"}
        assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")
    for secret in ("query-token-never-logged", "path-token-never-logged", "Zeer-geheim-wachtwoord-42"):
        assert secret not in run.stderr


def test_the_request_id_is_sent_back(client) -> None:
    assert client.get("/healthz", headers={"X-Request-Id": "abc.DEF-123"}).headers["X-Request-Id"] == "abc.DEF-123"
    fresh = client.get("/healthz").headers["X-Request-Id"]
    assert len(fresh) == 32 and fresh != client.get("/healthz").headers["X-Request-Id"]
    too_long = "a" * 65
    assert client.get("/healthz", headers={"X-Request-Id": too_long}).headers["X-Request-Id"] != too_long


def test_text_is_the_development_default_and_json_the_production_default(monkeypatch, tmp_path) -> None:
    from mvi_challenges.config import load_config

    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("MVI_ENV", raising=False)
    assert load_config(tmp_path)["LOG_FORMAT"] == "text"
    monkeypatch.setenv("MVI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("PUBLIC_URL", "https://mvi.utrecht.example")
    assert load_config(tmp_path)["LOG_FORMAT"] == "json"
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert load_config(tmp_path)["LOG_FORMAT"] == "text"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The process's log as JSON lines, as configure_logging writes them in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level, old_request_level = root.level, request_log.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    request_log.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    request_log.setLevel(old_request_level)


def test_the_request_id_travels_into_the_job_and_its_log_lines(app: Flask, json_log: io.StringIO, ops_redis) -> None:

    from scripts.rush import forget_redis_keys

    prefix = f"mvi-ops-test-{uuid.uuid4().hex[:8]}:"
    server = other_app(app, REDIS_URL=REDIS_OPS_URL, REDIS_PREFIX=prefix)
    try:
        user = make_user(app, Role.CITIZEN)
        client = server.test_client()
        response = client.post("/account/password-reset", data={"email": user.email},
                               headers={"X-Request-Id": "reset-req-42"})
        assert response.status_code == 302 and response.headers["X-Request-Id"] == "reset-req-42"
        jobs = queue_for(server).jobs
        assert [job.meta["request_id"] for job in jobs] == ["reset-req-42"]
        with server.app_context():  # as `flask worker` runs it
            run_worker(server, burst=True, with_scheduler=False)
        lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
        delivery = [line for line in lines if line["logger"] == "mvi_challenges.core.outbox" and "stays" in line["message"]]
        assert delivery and {line["request_id"] for line in delivery} == {"reset-req-42"}
    finally:
        forget_redis_keys(REDIS_OPS_URL, prefix)
        dispose(server)


def test_a_logged_in_request_names_the_user_id_not_the_person(app: Flask, client, json_log: io.StringIO) -> None:
    user = make_user(app, Role.CITIZEN)
    login(client, user)
    client.get("/account", headers={"X-Request-Id": "who-1"})
    line = next(json.loads(raw) for raw in json_log.getvalue().splitlines() if '"who-1"' in raw)
    assert line["user"] == str(user.id) and user.email not in json_log.getvalue()


def test_a_forged_request_id_cannot_write_a_log_line(app: Flask) -> None:
    """An X-Request-Id with a line break (a lax proxy may pass one on) would start a forged line in the
    text log, where the id is written as is: it is replaced by a fresh id before anything is logged."""
    from mvi_challenges.infra.operations import TEXT_FORMAT

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    server = other_app(app)
    try:
        user = make_user(app, Role.CITIZEN)
        forged = "x\r\n2026-01-01 00:00:00,000 INFO mvi_challenges.accounts [admin] password changed for mayor"
        response = server.test_client().post("/account/password-reset", data={"email": user.email},
                                              environ_overrides={"HTTP_X_REQUEST_ID": forged})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        dispose(server)
    fresh = response.headers["X-Request-Id"]
    assert response.status_code == 302 and fresh != forged and len(fresh) == 32
    written = stream.getvalue()
    assert f"[{fresh}] mail queued to {user.email}" in written  # the request did log, under the fresh id
    assert "mayor" not in written and "\r" not in written
