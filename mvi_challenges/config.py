"""Configuration: safe defaults for a developer machine, overridden by the environment.

`MVI_ENV=production` switches on the strict settings and refuses to start with a default secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production, see load_config


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'mvi.sqlite3'}"


def load_config(instance_path: Path, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    production = os.environ.get("MVI_ENV") == "production"
    database_url = os.environ.get("DATABASE_URL") or _default_database_url(instance_path)
    config: dict[str, Any] = {
        "MVI_ENV": "production" if production else "development",
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "MVI Challenges <noreply@utrecht.example>"),
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
        # everywhere. TWO_STEP_REQUIRED=0 exists for load tests and is refused in production.
        "TWO_STEP_REQUIRED": production or os.environ.get("TWO_STEP_REQUIRED", "1") != "0",
        # `make run`: the demo's staff accounts share a published authenticator secret and the code
        # page shows their current code. Never in production.
        "DEMO_MODE": not production and os.environ.get("MVI_DEMO", "0") == "1",
        # Behind a proxy that stamps X-Request-Start, deadlines are judged by that arrival time.
        "TRUST_REQUEST_START": os.environ.get("TRUST_REQUEST_START", "0") == "1",
        # Accounts without activity this long are anonymised by `flask apply-retention`.
        "RETENTION_DAYS": int(os.environ.get("RETENTION_DAYS", str(2 * 365))),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        # `make bench` only: two ceiling endpoints under /_bench/ (never in production or tests).
        "BENCH_ENDPOINTS": os.environ.get("MVI_BENCH_ENDPOINTS") == "1" and not production,
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
    }
    if test_config:
        config.update(test_config)
    if production and config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set when MVI_ENV=production")
    return config


def _normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
