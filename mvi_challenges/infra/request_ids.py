"""The id of the request (or job) being handled: on every log line, and carried into the jobs it enqueues.

Its own module because both the request logs (operations.py) and the queue (jobs.py) need it, and
operations reads the queue's length for /metrics: neither may import the other both ways.
"""

from __future__ import annotations

import contextvars
from typing import Any

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("mvi_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or job) being handled, for log lines and the jobs it enqueues."""
    return REQUEST_ID.get()


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
