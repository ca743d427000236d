"""The pieces the two-server test relies on, one by one, in-process: sessions in Redis, the mail job
enqueued only after a commit, the worker, and scheduled work claimed once across servers.

Needs Redis on loopback (skipped without it, failed under MVI_REQUIRE_SERVICES=1); runs on SQLite
and PostgreSQL alike."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail, queue_email
from mvi_challenges.infra.jobs import SCHEDULES, queue_for, run_due, run_worker
from mvi_challenges.infra.redis_client import redis_for
from mvi_challenges.infra.sessions import RedisSessionInterface
from tests.factories import make_user

from .services import REDIS_TEST_URL, delete_keys, mail_sink, require_redis, unique_prefix


def shared_app(app: Flask, prefix: str, **overrides: object) -> Flask:
    """Another app server on the same database, with REDIS_URL set."""
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "TWO_STEP_REQUIRED": False,
        "REDIS_URL": REDIS_TEST_URL,
        "REDIS_PREFIX": prefix, **overrides,
    })


@pytest.fixture
def prefix() -> Iterator[str]:
    require_redis()
    value = unique_prefix()
    yield value
    delete_keys(value)


@pytest.fixture
def redis_app(app: Flask, prefix: str) -> Iterator[Flask]:
    server = shared_app(app, prefix)
    yield server
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def session_id(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_session_lives_in_redis_with_a_new_id_at_login_and_logout(app: Flask, redis_app: Flask, prefix: str) -> None:
    assert isinstance(redis_app.session_interface, RedisSessionInterface)
    assert isinstance(app.session_interface, SecureCookieSessionInterface)  # nothing configured: as before
    store = redis_for(redis_app)
    user = make_user(app, Role.CITIZEN)
    client = redis_app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    before = session_id(client)
    assert store.exists(f"{prefix}session:{before}")

    assert client.post("/account/login", data={"email": user.email, "password": user.password}).status_code == 302
    after = session_id(client)
    # A session id planted before the login is worth nothing after it; what was in it stays.
    assert after != before and not store.exists(f"{prefix}session:{before}")
    with client.session_transaction() as session:
        assert session["lang"] == "en" and session["_user_id"]
    assert client.get("/account").status_code == 200

    assert client.post("/account/logout").status_code == 302
    assert not store.exists(f"{prefix}session:{after}")
    client.set_cookie("session", after)  # a copied cookie from before the logout
    assert client.get("/account").status_code == 302


def test_a_session_in_use_keeps_living_and_an_idle_one_expires(app: Flask, redis_app: Flask, prefix: str) -> None:
    """The sliding expiry: each page a person opens renews their session (read and renewed in one
    round trip); a session nobody uses ends after SESSION_LIFETIME_SECONDS."""
    store = redis_for(redis_app)
    user = make_user(app, Role.CITIZEN)
    client = redis_app.test_client()
    assert client.post("/account/login", data={"email": user.email, "password": user.password}).status_code == 302
    key = f"{prefix}session:{session_id(client)}"
    lifetime = int(redis_app.config["SESSION_LIFETIME_SECONDS"])
    assert client.get("/account").status_code == 200  # the session settles (its form token is stored)
    store.expire(key, 5)  # as if the person had been away for nearly the whole lifetime
    assert client.get("/account").status_code == 200
    assert store.ttl(key) > lifetime - 5  # renewed by opening a page
    store.expire(key, 1)
    time.sleep(1.2)  # away for longer than the lifetime that was left
    assert client.get("/account").status_code == 302  # logged out: to the login page


def test_mail_job_is_enqueued_after_commit_only_and_delivered_once(app: Flask, prefix: str) -> None:
    with mail_sink() as (sink, port):
        server = shared_app(app, prefix, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        queue = queue_for(server)
        with server.app_context():
            queue_email(db.session, "kept@example.org", "Kept", "Body")
            db.session.rollback()
            assert queue.count == 0  # rolled back: no mail, no job
            queue_email(db.session, "anna@example.org", "Bevestiging", "Body")
            db.session.commit()
            assert queue.count == 1
            run_worker(server, burst=True, with_scheduler=False)
            assert queue.count == 0
            [mail] = db.session.scalars(select(OutboxEmail))
            assert mail.sent_at is not None and mail.attempts == 1
            db.session.remove()
            db.engine.dispose()
    assert sink.recipients() == ["anna@example.org"]


def test_scheduled_work_is_claimed_once_across_servers(app: Flask, prefix: str) -> None:
    first, second = shared_app(app, prefix), shared_app(app, prefix)
    moment = 1_800_000_000.0  # a day boundary: every schedule's period starts here
    claimed = run_due(first, moment) + run_due(second, moment)
    assert sorted(claimed) == sorted(schedule.name for schedule in SCHEDULES)
    assert queue_for(first).count == len(SCHEDULES)
    assert run_due(second, moment + 30) == []  # same minute, same day: nothing twice
    assert run_due(first, moment + 61) == ["outbox"]


def test_worker_without_redis_says_what_to_do_instead(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set: run the CLI commands from cron instead" in result.output


def test_mail_queued_while_redis_is_away_still_commits(app: Flask) -> None:
    from scripts.liveserver import free_port

    server = shared_app(app, "mvi-test-away:", REDIS_URL=f"redis://127.0.0.1:{free_port()}/7")
    with server.app_context():
        queue_email(db.session, "anna@example.org", "Bevestiging", "Body")
        db.session.commit()  # the job could not be enqueued; the mail waits for the minute job or cron
        assert [m.to for m in db.session.scalars(select(OutboxEmail))] == ["anna@example.org"]
        db.session.remove()
        db.engine.dispose()


def test_public_pages_are_shared_through_redis_by_both_servers(app: Flask, prefix: str, catalogue) -> None:
    from mvi_challenges.infra import page_cache
    from scripts.liveserver import free_port
    from tests.factories import make_call

    make_call(app, title="Schone bouwplaatsen")
    server_a = shared_app(app, prefix, PAGE_CACHE_SECONDS=60)
    server_b = shared_app(app, prefix, PAGE_CACHE_SECONDS=60)
    try:
        assert server_a.test_client().get("/calls").headers["X-Page-Cache"] == "miss"
        assert server_b.test_client().get("/calls").headers["X-Page-Cache"] == "hit"  # stored by A
        assert any(b"page:" in key for key in redis_for(server_a).keys(prefix + "*"))
        # While fresh, a server answers from its own copy of the shared entry, without asking Redis.
        for key in redis_for(server_a).keys(prefix + "page:*"):
            redis_for(server_a).delete(key)
        assert server_b.test_client().get("/calls").headers["X-Page-Cache"] == "hit"
        server_c = shared_app(app, prefix, PAGE_CACHE_SECONDS=60)
        assert server_c.test_client().get("/calls").headers["X-Page-Cache"] == "miss"
        # Once stale, while another server renews it, a server serves its own stale copy.
        local = server_b.extensions["page_cache_local"]
        ((key, entry),) = list(local.entries.items())
        local.keep(key, {**entry, "fresh_until": time.time() - 1})
        with server_c.app_context():
            page_cache.cache.add(key + "|refreshing", 1, timeout=30)
        assert server_b.test_client().get("/calls").headers["X-Page-Cache"] == "stale"
        with server_c.app_context():
            page_cache.cache.delete(key + "|refreshing")
        assert server_b.test_client().get("/calls").headers["X-Page-Cache"] == "hit"  # C's copy, from Redis
        # A renewal that finds the page gone (or personal) deletes it for every server: B's own stale
        # copy is not served again, not even while someone holds the renewal.
        local.keep(key, {**local.get(key), "fresh_until": time.time() - 1})
        with server_c.app_context():
            page_cache.cache.delete(key)
            page_cache._mark_gone(key)
            page_cache.cache.add(key + "|refreshing", 1, timeout=30)
        assert server_b.test_client().get("/calls").headers["X-Page-Cache"] == "miss"
        with server_c.app_context():
            page_cache.cache.delete(key + "|refreshing")
        # A Redis that does not answer only costs the cache, never the page.
        away = shared_app(app, "mvi-test-away:", PAGE_CACHE_SECONDS=60,
                          REDIS_URL=f"redis://127.0.0.1:{free_port()}/7")
        assert away.test_client().get("/calls").status_code == 200
    finally:
        with server_a.app_context():
            page_cache.cache.clear()
