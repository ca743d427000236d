"""Work off the request path: an RQ queue on Redis, and scheduled work that runs once across servers.

With REDIS_URL set, a request that queued mail enqueues a delivery job after its commit, and
`flask worker` (one or more per server) runs those jobs plus the scheduled ones: mail every minute
(a safety net for a job lost with Redis) and the staged-upload sweep daily, plus what the areas
add through `add_schedule` (dialogues/jobs.py: reminders hourly, each participant reminded once;
privacy/jobs.py: retention daily). Without Redis nothing is enqueued and the CLI commands
(`send-outbox`, `send-reminders`, `apply-retention`, `sweep-uploads`) do the same work in-process.

Scheduled work runs once however many workers and servers there are: every worker's scheduler
thread tries, per task and period, to claim a Redis key with SET NX; only the winner enqueues.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core.outbox import mail_queued
from ..core.request_ids import REQUEST_ID, current_request_id
from .redis_client import redis_for, redis_key

log = logging.getLogger(__name__)

MAIL_QUEUED = "mvi_mail_queued"  # flag in Session.info: this transaction queued mail


# --- the queue -----------------------------------------------------------------------------------


def queue_for(app: Flask) -> Any | None:
    """The app's RQ queue, or None without Redis."""
    client = redis_for(app)
    if client is None:
        return None
    from rq import Queue

    return Queue(redis_key(app, "jobs"), connection=client)


def enqueue(app: Flask, func: Callable[..., Any], *args: Any) -> bool:
    """Put `func(*args)` on the queue. False when there is no queue or Redis does not answer: the
    work then waits for the next scheduled run (or the CLI command), a request never fails on it."""
    queue = queue_for(app)
    if queue is None:
        return False
    from redis.exceptions import RedisError

    try:
        # The request's id travels with the job: the worker writes it on the job's log lines.
        queue.enqueue(func, *args, result_ttl=60, failure_ttl=7 * 24 * 3600,
                      meta={"request_id": current_request_id()})
    except (RedisError, OSError) as error:  # Redis away: after a commit, a request must not fail on it
        log.warning("could not enqueue %s: %s", func.__name__, error)
        return False
    return True


def note_mail_queued(session: Session) -> None:
    """Connected to outbox.mail_queued: deliver after this transaction commits."""
    session.info[MAIL_QUEUED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(MAIL_QUEUED, False) and has_app_context() and current_app.config.get("REDIS_URL"):
        enqueue(current_app._get_current_object(), deliver_outbox)  # type: ignore[attr-defined]


def _after_rollback(session: Session) -> None:
    session.info.pop(MAIL_QUEUED, None)  # rolled back: that mail no longer exists


def install(app: Flask) -> None:
    mail_queued.connect(note_mail_queued)  # a module-level function: blinker's weak reference holds
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


# --- the jobs (each in a fresh app context: one database session per job) -------------------------


def deliver_outbox() -> str:
    from ..core.db import db
    from ..core.outbox import deliver_pending

    with current_app.app_context():
        sent, failed = deliver_pending(db.session, current_app.config)
        db.session.commit()
    return f"sent {sent}, failed {failed}"


def sweep_uploads() -> str:
    from ..core.storage import get_storage

    return f"{get_storage(current_app.config).sweep_staged(dt.timedelta(hours=1))} staged files removed"


# --- scheduled work, once across all servers --------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    name: str
    every: dt.timedelta
    job: Callable[[], str]


# The building blocks' own tasks; the areas' tasks (dialogue reminders, retention) are added by
# the wiring (create_app) with add_schedule, so this module never imports an area.
SCHEDULES: list[Schedule] = [
    Schedule("outbox", dt.timedelta(minutes=1), deliver_outbox),
    Schedule("sweep-uploads", dt.timedelta(days=1), sweep_uploads),
]


def add_schedule(schedule: Schedule) -> None:
    """Run `schedule.job` once per period across all servers (idempotent: one entry per name)."""
    if all(known.name != schedule.name for known in SCHEDULES):
        SCHEDULES.append(schedule)


def claim(app: Flask, schedule: Schedule, now: float) -> bool:
    """True for exactly one caller per task and period (periods count from the epoch, UTC)."""
    seconds = int(schedule.every.total_seconds())
    period = int(now // seconds)
    key = redis_key(app, "schedule", schedule.name, str(period))
    return bool(redis_for(app).set(key, "1", nx=True, ex=2 * seconds))


def run_due(app: Flask, now: float | None = None) -> list[str]:
    """Enqueue every task whose current period nobody has claimed yet; returns their names."""
    moment = time.time() if now is None else now
    due = [schedule for schedule in SCHEDULES if claim(app, schedule, moment)]
    for schedule in due:
        enqueue(app, schedule.job)
    return [schedule.name for schedule in due]


def start_scheduler(app: Flask, stop: threading.Event, interval: float = 15.0) -> threading.Thread:
    """A daemon thread that checks the schedules every `interval` seconds (Redis only, no database)."""

    from redis.exceptions import RedisError

    def loop() -> None:
        while not stop.is_set():
            try:
                run_due(app)
            except (RedisError, OSError) as error:
                log.warning("scheduler: Redis did not answer: %s", error)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="mvi-scheduler", daemon=True)
    thread.start()
    return thread


def run_worker(app: Flask, *, burst: bool = False, with_scheduler: bool = True) -> None:
    """Work the queue in this process (RQ's SimpleWorker: no fork, so the app context and its
    connection pool are this process's own)."""
    queue = queue_for(app)
    if queue is None:
        raise RuntimeError("REDIS_URL is not set: run the CLI commands from cron instead")
    stop = threading.Event()
    if with_scheduler:
        start_scheduler(app, stop)
    try:
        _job_worker_class()([queue], connection=queue.connection).work(burst=burst, logging_level="INFO")
    finally:
        stop.set()


def _job_worker_class() -> type:
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
