"""What an operator needs to run the site: readiness, request logs with ids, metrics.

- `/healthz` (public/views.py) is the cheap liveness answer: the process serves requests.
- `/readyz` asks the database, Redis (REDIS_URL) and the object store (UPLOAD_STORAGE) in parallel,
  each within READYZ_TIMEOUT seconds, and answers 503 naming what is down, so a load balancer stops
  sending visitors to a server that cannot serve them.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify
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


def install(app: Flask) -> None:
    app.register_blueprint(bp)
