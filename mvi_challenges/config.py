"""Configuration: safe defaults for a developer machine, overridden by the environment.

`MVI_ENV=production` switches on the strict settings and refuses to start with a default secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production, see load_config
DEV_PUBLIC_URL = "http://127.0.0.1:5000"  # refused in production: mails would carry unusable links


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'mvi.sqlite3'}"


def load_config(instance_path: Path, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    production = os.environ.get("MVI_ENV") == "production"
    database_url = os.environ.get("DATABASE_URL") or _default_database_url(instance_path)
    # One variable points every shared piece of state at Redis: sessions, rate-limit counters and
    # the job queue. Unset: the embedded defaults (signed-cookie sessions, counters in memory, work
    # done in-process by the CLI commands).
    redis_url = os.environ.get("REDIS_URL") or None
    config: dict[str, Any] = {
        "MVI_ENV": "production" if production else "development",
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # A read replica for read-heavy public pages (see db.RoutingSession); unset: none.
        "DATABASE_REPLICA_URL": _replica_url(),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        # s3://bucket/prefix: uploads in S3-compatible object storage (endpoint and keys from AWS_*).
        "UPLOAD_STORAGE": os.environ.get("UPLOAD_STORAGE") or None,
        "REDIS_URL": redis_url,
        # Keys in Redis start with this, so several sites (or test runs) can share one Redis.
        "REDIS_PREFIX": os.environ.get("REDIS_PREFIX", "mvi:"),
        # Server-side sessions live this long without activity (seconds); a week, like a browser session.
        "SESSION_LIFETIME_SECONDS": int(os.environ.get("SESSION_LIFETIME_SECONDS", str(7 * 24 * 3600))),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        # STARTTLS before anything else is said (port 587), then log in when a user name is set.
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        # The one address of the site: every absolute link (mails, feeds, open data, iCalendar) uses it,
        # and in production only requests for its host are answered (see hosts.py).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or DEV_PUBLIC_URL,
        # Further host names answered in production (comma-separated), e.g. an internal health-check name.
        "EXTRA_HOSTS": tuple(h.strip() for h in os.environ.get("EXTRA_HOSTS", "").split(",") if h.strip()),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "MVI Challenges <noreply@utrecht.example>"),
        # Who checks a new organisation's KvK number (accounts/kvk.py): "manual" = an administrator.
        "KVK_VERIFIER": os.environ.get("KVK_VERIFIER", "manual"),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        # Call documents: a handful of PDFs or office files per call.
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "MAX_DOCUMENT_BYTES": 20 * 1024 * 1024,
        "PAGE_SIZE": 20,
        # A form opened long ago must still save: the CSRF token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Staff, jury members and administrators log in with a second step (authenticator app),
        # everywhere. No environment variable turns this off: only code that creates an app (the
        # tests, the load test's bench/app.py) can, so a misconfigured server never runs without it.
        "TWO_STEP_REQUIRED": True,
        # `make run`: the demo's staff accounts share a published authenticator secret and the code
        # page shows their current code. Never in production.
        "DEMO_MODE": not production and os.environ.get("MVI_DEMO", "0") == "1",
        # Behind a proxy that stamps X-Request-Start, deadlines are judged by that arrival time.
        "TRUST_REQUEST_START": os.environ.get("TRUST_REQUEST_START", "0") == "1",
        # Reverse proxies in front of gunicorn whose X-Forwarded-For/-Proto we believe (nginx alone: 1).
        # Without it every visitor behind nginx has nginx's address, and the per-IP login limit is shared.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", "0")),
        # Public pages as anonymous visitors see them are shared for this long (page_cache.py).
        "PAGE_CACHE_SECONDS": int(os.environ.get("PAGE_CACHE_SECONDS", "5" if production else "0")),
        # Accounts without activity this long are anonymised by `flask apply-retention`.
        "RETENTION_DAYS": int(os.environ.get("RETENTION_DAYS", str(2 * 365))),
        # Log lines: `json` (one object per line, with the request id) or `text` for a developer's console.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT") or ("json" if production else "text"),
        # /metrics answers these addresses or networks (comma-separated), or a `Bearer METRICS_TOKEN`.
        "METRICS_ALLOWED_IPS": os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1"),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        # /readyz gives each dependency (database, Redis, object store) this long to answer (seconds).
        "READYZ_TIMEOUT": float(os.environ.get("READYZ_TIMEOUT", "2")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
    }
    if test_config:
        config.update(test_config)
    if production and config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set when MVI_ENV=production")
    if production:
        problem = public_url_problem(config["PUBLIC_URL"])
        if problem:
            raise RuntimeError(f"PUBLIC_URL {problem} when MVI_ENV=production (for example https://mvi.utrecht.nl)")
    return config


def public_url_problem(url: str) -> str | None:
    """Why this PUBLIC_URL cannot be the address of a production site, or None when it can."""
    from urllib.parse import urlsplit

    if not url or url.rstrip("/") == DEV_PUBLIC_URL:
        return "must be set to the site's real address"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be a full address with http(s):// and a host name"
    if parts.query or parts.fragment or parts.username:
        return "must hold only scheme, host, port and path"
    return None


def _engine_options(database_url: str) -> dict[str, Any]:
    """Connection pool per process. gunicorn runs several worker processes per server, each with its
    own pool: keep workers × servers × (DB_POOL_SIZE + DB_MAX_OVERFLOW) under PostgreSQL's
    max_connections (default 100; e.g. 2 servers × 4 workers × (5 + 5) = 80). pool_pre_ping replaces
    a connection the database or a proxy closed while idle, instead of failing a request with it."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        return options
    options.update({
        "pool_size": int(os.environ.get("DB_POOL_SIZE", "5")),
        "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", "5")),
        "pool_timeout": int(os.environ.get("DB_POOL_TIMEOUT", "30")),
        # Recycle before a firewall or PgBouncer drops idle connections silently.
        "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE", "1800")),
    })
    return options


def _replica_url() -> str | None:
    replica = os.environ.get("DATABASE_REPLICA_URL")
    return _normalise_database_url(replica) if replica else None


def replica_engine_options(url: str) -> dict[str, Any]:
    return _engine_options(url)


def _normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
