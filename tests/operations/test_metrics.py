"""/metrics as Prometheus scrapes it: who may read it, and what an operator finds there."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import MAX_ATTEMPTS, OutboxEmail
from tests.factories import close_phase, make_call, make_proposal, make_user

from .helpers import REDIS_OPS_URL, dispose, other_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the page, by name and labels, as Prometheus reads it."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def test_metrics_only_for_allowed_addresses_or_the_token(app: Flask) -> None:
    server = other_app(app, METRICS_ALLOWED_IPS="10.0.0.0/8, 192.168.1.5", METRICS_TOKEN="scrape-secret-123")
    try:
        client = server.test_client()
        assert client.get("/metrics").status_code == 404  # loopback is no longer on the list
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        scrape(client, environ_base={"REMOTE_ADDR": "10.20.30.40"})
        scrape(client, environ_base={"REMOTE_ADDR": "192.168.1.5"})
        scrape(client, environ_base={"REMOTE_ADDR": "203.0.113.9"},
               headers={"Authorization": "Bearer scrape-secret-123"})
    finally:
        dispose(server)


def test_loopback_may_read_it_by_default(client) -> None:
    scrape(client)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 404


def test_requests_latency_login_failures_and_rate_limit_refusals_are_counted(app: Flask, client) -> None:
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page")
    user = make_user(app, Role.CITIZEN)
    client.post("/account/login", data={"email": user.email, "password": "not-the-password-at-all"})
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("mvi_http_requests_total", endpoint="public.healthz", method="GET", status="200") == 2
    assert grew("mvi_http_requests_total", endpoint="unmatched", method="GET", status="404") == 1
    assert grew("mvi_http_request_duration_seconds_count", endpoint="public.healthz", method="GET") == 2
    assert grew("mvi_login_failures_total", step="password") == 1
    assert value(after, "mvi_db_pool_connections_in_use", database="primary") >= 0


def test_rate_limit_refusals_are_counted(app: Flask) -> None:
    limited = other_app(app, RATELIMIT_ENABLED=True)
    try:
        client = limited.test_client()
        before = scrape(client)
        statuses = [client.post("/account/login", data={"email": "nobody@example.org", "password": "wrong-wrong-wrong"}
                                ).status_code for _ in range(7)]
        assert 429 in statuses
        after = scrape(client)
        refused = statuses.count(429)
        assert value(after, "mvi_rate_limit_refusals_total", endpoint="accounts.login") - value(
            before, "mvi_rate_limit_refusals_total", endpoint="accounts.login") == refused
        assert value(after, "mvi_login_failures_total", step="password") - value(
            before, "mvi_login_failures_total", step="password") == 7 - refused
    finally:
        dispose(limited)


def test_outbox_backlog_and_the_age_of_the_oldest_unsent_mail(app: Flask, client) -> None:
    assert value(scrape(client), "mvi_outbox_pending") == 0
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        db.session.add_all([
            OutboxEmail(to="a@example.org", subject="oud", body="x", created_at=now - dt.timedelta(minutes=20)),
            OutboxEmail(to="b@example.org", subject="nieuw", body="x", created_at=now),
            OutboxEmail(to="c@example.org", subject="verstuurd", body="x", created_at=now - dt.timedelta(hours=2),
                        sent_at=now),
            OutboxEmail(to="d@example.org", subject="opgegeven", body="x", created_at=now - dt.timedelta(hours=3),
                        attempts=MAX_ATTEMPTS),
        ])
        db.session.commit()
    text = scrape(client)
    assert value(text, "mvi_outbox_pending") == 2
    assert 20 * 60 <= value(text, "mvi_outbox_oldest_pending_age_seconds") < 21 * 60
    assert value(text, "mvi_outbox_given_up") == 1


def test_proposals_submitted_in_the_last_hour_per_call_and_phase(app: Flask, client, catalogue) -> None:
    call = make_call(app)
    for _ in range(2):
        make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True)
    make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=False)  # a draft is not submitted
    assert value(scrape(client), "mvi_proposals_submitted_last_hour", call=call.slug, phase="1") == 2
    close_phase(app, call)


def test_queue_length_and_failed_jobs_with_redis(app: Flask, ops_redis) -> None:
    from rq import Queue

    from mvi_challenges.infra.jobs import queue_for
    from scripts.rush import forget_redis_keys

    prefix = f"mvi-ops-test-{uuid.uuid4().hex[:8]}:"
    server = other_app(app, REDIS_URL=REDIS_OPS_URL, REDIS_PREFIX=prefix)
    try:
        queue: Queue = queue_for(server)
        queue.enqueue("mvi_challenges.infra.jobs.sweep_uploads")
        queue.enqueue("mvi_challenges.infra.jobs.sweep_uploads")
        failed = queue.enqueue("mvi_challenges.infra.jobs.sweep_uploads")
        queue.remove(failed)
        failed.set_status("failed")
        queue.failed_job_registry.add(failed, ttl=60)
        text = scrape(server.test_client())
        assert value(text, "mvi_rq_queue_length") == 2
        assert value(text, "mvi_rq_failed_jobs") == 1
    finally:
        forget_redis_keys(REDIS_OPS_URL, prefix)
        dispose(server)


def test_the_page_cache_never_keeps_metrics_or_readiness(app: Flask) -> None:
    cached = other_app(app, PAGE_CACHE_SECONDS=30)
    try:
        client = cached.test_client()
        assert client.get("/").headers.get("X-Page-Cache") == "miss"  # the cache is on
        first, second = scrape(client), client.get("/metrics")
        assert "X-Page-Cache" not in second.headers
        assert value(second.get_data(as_text=True), "mvi_http_requests_total", endpoint="ops.metrics", method="GET",
                     status="200") == value(first, "mvi_http_requests_total", endpoint="ops.metrics", method="GET",
                                            status="200") + 1
        for _ in range(2):
            response = client.get("/readyz")
            assert "X-Page-Cache" not in response.headers and response.headers["Cache-Control"] == "no-store"
    finally:
        dispose(cached)


SCRIPT = textwrap.dedent("""
    import sys
    from mvi_challenges import create_app

    from mvi_challenges.core.db import db

    app = create_app({"TESTING": True, "REDIS_URL": None})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    if sys.argv[1] == "serve":
        for _ in range(3):
            client.get("/healthz")
    else:
        print(client.get("/metrics").get_data(as_text=True))
""")


def test_a_database_that_is_down_leaves_its_figures_out_and_says_so(app: Flask) -> None:
    from .helpers import closed_port

    down = other_app(app, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/x_test")
    try:
        text = scrape(down.test_client())
        assert value(text, "mvi_metrics_read_errors", part="outbox") == 1
        assert ("mvi_outbox_pending", ()) not in samples(text)
    finally:
        dispose(down)


def test_gunicorn_workers_are_added_up_in_multi_process_mode(tmp_path: Path) -> None:
    """Two processes share PROMETHEUS_MULTIPROC_DIR, as gunicorn's workers do: the one that is
    scraped reports what the other counted."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "LOG_FORMAT": "text",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}", "PYTHONWARNINGS": "ignore"}
    for argument in ("serve", "serve"):
        subprocess.run([sys.executable, "-c", SCRIPT, argument], cwd=PROJECT_ROOT, env=env, check=True, timeout=120)
    text = subprocess.run([sys.executable, "-c", SCRIPT, "scrape"], cwd=PROJECT_ROOT, env=env, check=True,
                          timeout=120, capture_output=True, text=True).stdout
    assert value(text, "mvi_http_requests_total", endpoint="public.healthz", method="GET", status="200") == 6
