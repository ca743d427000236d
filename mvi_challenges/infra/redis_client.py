"""Redis, when configured (REDIS_URL): the one place shared state lives when several app servers run.

One client per app (connection pool inside, thread-safe), kept in `app.extensions`, so nothing
about it lives at module level. Every key starts with REDIS_PREFIX, so one Redis can serve several
sites or test runs without their keys meeting.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

# For Flask-Caching's Redis backends: a cache that stops answering must not hold a page for long.
CACHE_REDIS_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1, "health_check_interval": 30}


def redis_for(app: Flask) -> Any | None:
    """The app's Redis client, or None when REDIS_URL is unset (the embedded defaults apply)."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("mvi_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
        app.extensions["mvi_redis"] = client
    return client


def redis_key(app: Flask, *parts: str) -> str:
    return app.config["REDIS_PREFIX"] + ":".join(parts)
