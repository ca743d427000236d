"""What an operator needs to run the site: readiness, request logs with ids, metrics.

- `/healthz` (public/views.py) is the cheap liveness answer: the process serves requests.
- `/readyz` asks the database, Redis (REDIS_URL) and the object store (UPLOAD_STORAGE) in parallel,
  each within READYZ_TIMEOUT seconds, and answers 503 naming what is down, so a load balancer stops
  sending visitors to a server that cannot serve them.
- Every request gets an id (a sane incoming `X-Request-Id`, else a new one), sent back as
  `X-Request-Id`, written on every log line of the request and carried into the jobs it enqueues
  (jobs.enqueue → the job's meta → the worker's log lines) and into the mails it queues (the outbox
  row's request_id, sent as the mail's X-Request-Id header).
- One log line per request: JSON (LOG_FORMAT=json, the production default) with time, request id,
  method, endpoint, route pattern (never the URL: no query strings, no tokens in paths), status,
  duration and the user's id or "anonymous". LOG_FORMAT=text (the default elsewhere) keeps a
  developer's console as it was: plain lines, no line per request.
- `/metrics` in the Prometheus text format (prometheus_client, the Prometheus project's own Python
  client: the exposition format, and a multi-process mode that adds up gunicorn's workers when
  PROMETHEUS_MULTIPROC_DIR is set), only for METRICS_ALLOWED_IPS (default loopback) or with
  `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets a 404. Counted per request: requests and
  latency per endpoint and status, login failures, rate-limit refusals, database connections in use.
  Read at each scrape: RQ queue length and failed jobs, outbox backlog and its oldest mail, proposals
  submitted per phase in the last hour.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import hmac
import ipaddress
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event, func, select, text

from ..core.request_ids import REQUEST_ID

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

# Answers that must always be computed afresh: never kept by the page cache (page_cache.py).
NEVER_CACHED = frozenset({"ops.readyz", "ops.metrics", "public.healthz"})


# --- readiness --------------------------------------------------------------------------------------


def _check_database(app: Flask) -> None:
    from ..core.db import db

    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _check_redis(app: Flask) -> None:
    from .redis_client import redis_for

    if not redis_for(app).ping():
        raise ConnectionError("no PONG")


def _check_storage(app: Flask) -> None:
    from ..core.storage import get_storage

    storage = get_storage(app.config)
    storage.client.head_bucket(Bucket=storage.bucket)


def readiness_checks(app: Flask) -> dict[str, Callable[[Flask], None]]:
    checks: dict[str, Callable[[Flask], None]] = {"database": _check_database}
    if app.config.get("REDIS_URL"):
        checks["redis"] = _check_redis
    if app.config.get("UPLOAD_STORAGE"):
        checks["storage"] = _check_storage
    return checks


def check_readiness(app: Flask) -> dict[str, str]:
    """Each dependency → "ok", "timeout" or the kind of error. The checks run side by side in threads
    so a dependency that hangs costs at most the timeout; a hanging thread is left to finish alone."""
    timeout = float(app.config.get("READYZ_TIMEOUT", 2.0))
    checks = readiness_checks(app)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    futures = {name: pool.submit(check, app) for name, check in checks.items()}
    concurrent.futures.wait(futures.values(), timeout=timeout)
    pool.shutdown(wait=False, cancel_futures=True)
    results: dict[str, str] = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = "timeout"
        elif (error := future.exception()) is not None:
            results[name] = f"error: {type(error).__name__}"
            log.warning("readiness: %s is down: %s", name, error)
        else:
            results[name] = "ok"
    return results


@bp.route("/readyz")
def readyz():
    results = check_readiness(current_app._get_current_object())  # type: ignore[attr-defined]
    down = sorted(name for name, result in results.items() if result != "ok")
    body = {"status": "unavailable" if down else "ok", "down": down, "checks": results}
    response = jsonify(body)
    response.status_code = 503 if down else 200
    response.headers["Cache-Control"] = "no-store"
    return response


# --- request ids and logs ---------------------------------------------------------------------------

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
request_log = logging.getLogger("mvi_challenges.requests")


def incoming_request_id(value: str | None) -> str:
    """A proxy's or client's id when it looks like one (letters, digits, `.-_:`, at most 64), else
    a new one: nothing else a client sends reaches the logs verbatim."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


# Attributes every LogRecord has; anything else was passed with `extra=` and belongs in the line.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors (journald → Loki, Elastic) parse without rules."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get() or "-",
            "message": record.getMessage(),
        }
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(log_format: str) -> None:
    """Root logging for this process: JSON or text lines on stderr with the request id. Like
    logging.basicConfig, it leaves alone a process whose logging someone else set up (pytest)."""
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "mvi_handler", False)]
    if not ours and root.handlers:
        return
    if ours:
        handler = ours[0]
    else:
        handler = logging.StreamHandler()
        handler.mvi_handler = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    # A line per request is for log collectors; on a developer's console the server prints its own.
    request_log.setLevel(logging.INFO if log_format == "json" else logging.WARNING)
    if log_format != "json":
        quiet_console()


class DeveloperConsoleFilter(logging.Filter):
    """On the development server's console (`make run`): the address it serves, then only what went
    wrong; no line per request, no banner about development servers in the same message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        message = record.getMessage()
        if " * Running on " not in message:
            return False
        record.msg = "\n".join(line for line in message.splitlines() if line.startswith(" * Running on "))
        record.args = ()
        return True


def quiet_console() -> None:
    """A developer's console shows warnings and errors of the site, not its INFO notes ("mail
    queued" for each of the demo's seventy mails); log collectors get them in JSON."""
    logging.getLogger("mvi_challenges").setLevel(logging.WARNING)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, DeveloperConsoleFilter) for f in werkzeug.filters):
        werkzeug.addFilter(DeveloperConsoleFilter())


def _start_request() -> None:
    g.request_id = incoming_request_id(request.headers.get("X-Request-Id"))
    g.request_token = REQUEST_ID.set(g.request_id)
    g.request_perf = time.perf_counter()


def _user_label() -> str:
    from flask_login import current_user

    try:
        return str(current_user.id) if current_user.is_authenticated else "anonymous"
    except Exception:  # the user could not be loaded (database away): the line must still be written
        return "unknown"


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or incoming_request_id(None)
    response.headers["X-Request-Id"] = request_id
    seconds = time.perf_counter() - g.get("request_perf", time.perf_counter())
    endpoint = request.endpoint or "unmatched"
    request_log.info("%s %s %s", request.method, endpoint, response.status_code, extra={
        "request_id": request_id, "method": request.method, "endpoint": endpoint,
        # The pattern (/account/reset/<token>), never the URL: paths and query strings may hold tokens.
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "status": response.status_code, "duration_ms": round(seconds * 1000, 1), "user": _user_label(),
    })
    _count_request(endpoint, response.status_code, seconds)
    return response


# --- metrics -----------------------------------------------------------------------------------------

REQUESTS = Counter("mvi_http_requests", "Requests answered, per endpoint, method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("mvi_http_request_duration_seconds", "Time to answer a request, per endpoint and method.",
                    ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
LOGIN_FAILURES = Counter("mvi_login_failures", "Login attempts that did not get in (password or second step).",
                         ["step"])
RATE_LIMITED = Counter("mvi_rate_limit_refusals", "Requests refused by a rate limit (429), per endpoint.",
                       ["endpoint"])
# livesum: in multi-process mode the workers alive now are added up.
DB_IN_USE = Gauge("mvi_db_pool_connections_in_use", "Database connections checked out of the pools.",
                  ["database"], multiprocess_mode="livesum")
# The text format every Prometheus (2.x and 3.x) reads.
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
LOGIN_STEPS = {"accounts.login": "password", "accounts.two_step_code": "second_step"}


def _count_request(endpoint: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, request.method, str(status)).inc()
    LATENCY.labels(endpoint, request.method).observe(seconds)
    if status == 429:
        RATE_LIMITED.labels(endpoint).inc()
    elif request.method == "POST" and endpoint in LOGIN_STEPS and status not in (301, 302, 303):
        LOGIN_FAILURES.labels(LOGIN_STEPS[endpoint]).inc()  # success redirects, as ratelimit.failed has it


def _watch_pools(app: Flask) -> None:
    from ..core.db import db

    with app.app_context():
        engines = dict(db.engines)
    for bind, engine in engines.items():
        gauge = DB_IN_USE.labels(bind or "primary")
        event.listen(engine, "checkout", lambda *_args, gauge=gauge: gauge.inc())
        event.listen(engine, "checkin", lambda *_args, gauge=gauge: gauge.dec())


METRIC_PARTS = "mvi_metric_parts"


def add_metric_part(app: Flask, name: str, part: Callable[[], Any]) -> None:
    """A part of /metrics read at each scrape that belongs to an area (it yields metric families,
    reading the database): registered by the wiring, so this module imports no area."""
    app.extensions.setdefault(METRIC_PARTS, {})[name] = part


class StateCollector:
    """What is read at each scrape rather than counted: the queue, the outbox, the deadline rush."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        from ..core.db import db

        # A part that cannot be read is left out and counted here: the page still answers, and
        # an alert on this gauge (or on /readyz) tells why the other figures are missing.
        errors = GaugeMetricFamily("mvi_metrics_read_errors", "Parts of this page that could not be read now.",
                                   labels=["part"])
        parts = (("outbox", self._outbox), *self.app.extensions.get(METRIC_PARTS, {}).items())
        for name, part in parts:
            try:
                families = list(part())
            except SQLAlchemyError as error:
                db.session.rollback()
                log.warning("metrics: could not read the %s: %s", name, error)
                errors.add_metric([name], 1)
            else:
                yield from families
        if self.app.config.get("REDIS_URL"):
            families = list(self._queue())
            if not families:
                errors.add_metric(["queue"], 1)
            yield from families
        yield errors

    def _outbox(self) -> Any:
        from ..core.db import db, utcnow
        from ..core.outbox import MAX_ATTEMPTS, OutboxEmail

        unsent = OutboxEmail.sent_at.is_(None)
        count, oldest = db.session.execute(
            select(func.count(OutboxEmail.id), func.min(OutboxEmail.created_at))
            .where(unsent, OutboxEmail.attempts < MAX_ATTEMPTS)).one()
        given_up = db.session.scalar(select(func.count(OutboxEmail.id))
                                     .where(unsent, OutboxEmail.attempts >= MAX_ATTEMPTS))
        yield GaugeMetricFamily("mvi_outbox_pending", "Mails waiting in the outbox to be sent.", value=count)
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)  # SQLite forgets the zone
            age = max(0.0, (utcnow() - oldest).total_seconds())
        yield GaugeMetricFamily("mvi_outbox_oldest_pending_age_seconds",
                                "Age of the oldest mail waiting to be sent (0 when none waits).", value=age)
        yield GaugeMetricFamily("mvi_outbox_given_up", f"Unsent mails that failed {MAX_ATTEMPTS} times.",
                                value=given_up or 0)

    def _queue(self) -> Any:
        from redis.exceptions import RedisError

        from .jobs import queue_for

        try:
            queue = queue_for(self.app)
            length, failed = queue.count, queue.failed_job_registry.count
        except (RedisError, OSError) as error:
            log.warning("metrics: Redis did not answer: %s", error)
            return
        yield GaugeMetricFamily("mvi_rq_queue_length", "Jobs waiting in the RQ queue.", value=length)
        yield GaugeMetricFamily("mvi_rq_failed_jobs", "Jobs in RQ's failed-job registry (kept 7 days).", value=failed)


def metrics_allowed(app: Flask) -> bool:
    token = app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in app.config["METRICS_ALLOWED_NETWORKS"])


def allowed_networks(setting: str) -> tuple[Any, ...]:
    """METRICS_ALLOWED_IPS: addresses or networks, comma-separated (`10.0.0.5, 10.1.0.0/16`)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


@bp.route("/metrics")
def metrics():
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not metrics_allowed(app):
        abort(404)  # nothing to see here: a stranger does not learn that metrics exist
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # every gunicorn worker's counts, added up
    else:
        counted = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector(app))
    response = Response(generate_latest(counted) + generate_latest(state), content_type=PROMETHEUS_TEXT)
    response.headers["Cache-Control"] = "no-store"
    return response


def _end_request(_error: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


@functools.cache
def install(app: Flask) -> None:
    from .page_cache import CACHEABLE_ENDPOINTS

    if NEVER_CACHED & CACHEABLE_ENDPOINTS:
        raise RuntimeError(f"the page cache must never keep {sorted(NEVER_CACHED & CACHEABLE_ENDPOINTS)}")
    app.config.setdefault("METRICS_ALLOWED_NETWORKS", allowed_networks(app.config["METRICS_ALLOWED_IPS"]))
    app.register_blueprint(bp)
    if folder := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.makedirs(folder, exist_ok=True)  # a command run with gunicorn's environment must still start
    _watch_pools(app)
    _stamp_mails_with_request_ids()
    # First of all: the id and the clock are set before any other hook may answer the request.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)  # after the page cache's and the headers' hooks: the final status
    app.teardown_request(_end_request)


def _stamp_mail(target: Any, _args: Any, _kwargs: Any) -> None:
    """A mail queued while a request (or a job) is handled keeps its id: sent as X-Request-Id."""
    target.request_id = REQUEST_ID.get()


def _stamp_mails_with_request_ids() -> None:
    """Set here rather than in the outbox, so the outbox knows nothing of requests, only a column."""
    from ..core.outbox import OutboxEmail

    if not event.contains(OutboxEmail, "init", _stamp_mail):
        event.listen(OutboxEmail, "init", _stamp_mail)
