"""What the operations tests share: a second app on its own settings, and addresses nobody answers on."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from mvi_challenges import create_app
from mvi_challenges.core.db import db

# Never database 0 (someone's) nor 7 (the scale-out tests'); these tests write nothing there.
REDIS_OPS_URL = os.environ.get("REDIS_OPS_URL", "redis://127.0.0.1:6379/9")


@contextmanager
def redis_keys_removed(url: str = REDIS_OPS_URL) -> Iterator[None]:
    """Every key the test wrote in its Redis database is removed afterwards, also RQ's own
    (`rq:job:<id>`, `rq:results:<id>`, `rq:worker:<name>`), which carry no prefix of ours."""
    import redis

    client = redis.Redis.from_url(url)
    before = set(client.scan_iter(count=1000))
    try:
        yield
    finally:
        new = set(client.scan_iter(count=1000)) - before
        if new:
            client.delete(*new)


def closed_port() -> int:
    """A loopback port with nobody listening: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word: a database that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def other_app(app: Flask, **overrides: Any) -> Flask:
    """Another app server; by default on the test database, with the test settings."""
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "TWO_STEP_REQUIRED": False,
        "REDIS_URL": None, "PAGE_CACHE_SECONDS": 0, **overrides,
    })


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
