"""The id of the request (or job) being handled: on every log line, and carried into the jobs it enqueues.

A building block because the request logs (infra/operations.py), the queue (infra/jobs.py) and
anything that wants to stamp its work with the id (a mail in the outbox) read it.
"""

from __future__ import annotations

import contextvars

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("mvi_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or job) being handled, for log lines and the jobs it enqueues."""
    return REQUEST_ID.get()
