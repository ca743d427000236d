"""What an operator needs to run the site: readiness, request logs with ids, metrics.

- `/healthz` (public/views.py) is the cheap liveness answer: the process serves requests.
- `/readyz` asks the database, Redis (REDIS_URL) and the object store (UPLOAD_STORAGE) in parallel,
  each within READYZ_TIMEOUT seconds, and answers 503 naming what is down, so a load balancer stops
  sending visitors to a server that cannot serve them.
- Every request gets an id (a sane incoming `X-Request-Id`, else a new one), sent back as
  `X-Request-Id`, written on every log line of the request and carried into the jobs it enqueues
  (jobs.enqueue → the job's meta → the worker's log lines).
- One log line per request: JSON (LOG_FORMAT=json, the production default) with time, request id,
  method, endpoint, route pattern (never the URL: no query strings, no tokens in paths), status,
  duration and the user's id or "anonymous". LOG_FORMAT=text (the default elsewhere) keeps a
  developer's console as it was: plain lines, no line per request.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import datetime as dt
import functools
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy import text

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

# Answers that must always be computed afresh: never kept by the page cache (page_cache.py).
NEVER_CACHED = frozenset({"ops.readyz", "ops.metrics", "public.healthz"})


# --- readiness --------------------------------------------------------------------------------------


def _check_database(app: Flask) -> None:
    from .db import db

    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _check_redis(app: Flask) -> None:
    from .shared_state import redis_for

    if not redis_for(app).ping():
        raise ConnectionError("no PONG")


def _check_storage(app: Flask) -> None:
    from .storage import get_storage

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

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("mvi_request_id", default=None)
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
request_log = logging.getLogger("mvi_challenges.requests")


def current_request_id() -> str | None:
    """The id of the request (or job) being handled, for log lines and the jobs it enqueues."""
    return REQUEST_ID.get()


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
    return response


def _end_request(_error: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


@functools.cache
def job_worker_class() -> type:
    from rq import SimpleWorker

    class JobWorker(SimpleWorker):
        """RQ's SimpleWorker (no fork: the app context and its pool are this process's own) that
        writes the id of the request that enqueued a job on the job's log lines."""

        def perform_job(self, job: Any, *args: Any, **kwargs: Any) -> bool:
            token = REQUEST_ID.set((job.meta or {}).get("request_id") or f"job-{job.id}")
            try:
                return super().perform_job(job, *args, **kwargs)
            finally:
                REQUEST_ID.reset(token)

    return JobWorker


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    # First of all: the id and the clock are set before any other hook may answer the request.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)  # after the page cache's and the headers' hooks: the final status
    app.teardown_request(_end_request)
