"""MVI Challenges: Utrecht's platform for socially responsible procurement."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import Babel
from flask_login import current_user
from flask_migrate import Migrate

from .config import load_config
from .core.csrf import csrf
from .core.db import db, include_in_migrations, install_replica, render_migration_item

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Open data does not depend on who asks (no personal data, no language from the session).
PUBLIC_DATA_PATHS = ("/api/v1/",)
babel = Babel()
migrate = Migrate()


def select_locale() -> str:
    """The language the visitor chose (session), else their profile's, else Dutch."""
    languages = ("nl", "en")
    if not has_request_context():  # CLI commands and mail written outside a request
        return "nl"
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return "nl"


PACKAGE_DIR = Path(__file__).resolve().parent


def is_release() -> bool:
    """Installed from the wheel (`make dist`), which carries templates/, static/ and migrations/
    inside the package; otherwise this is a checkout, where they sit next to the package."""
    return (PACKAGE_DIR / "templates").is_dir()


def resource_folder(name: str) -> Path:
    """`templates`, `static` or `migrations`: the release's copy, or the checkout's folder."""
    return PACKAGE_DIR / name if is_release() else PROJECT_ROOT / name


def instance_folder() -> Path:
    """Where the SQLite database, local uploads and backups go: MVI_INSTANCE_PATH when set, else
    `instance/` of the checkout, or of the working directory for the release (never site-packages)."""
    configured = os.environ.get("MVI_INSTANCE_PATH")
    if configured:
        return Path(configured).resolve()
    return Path.cwd() / "instance" if is_release() else PROJECT_ROOT / "instance"


def main() -> None:
    """`mvi-challenges …`, the installed release's command: the Flask CLI with the app factory, so
    `mvi-challenges db upgrade` is `flask --app mvi_challenges:create_app db upgrade` (and so for
    `worker`, `send-outbox`, `create-user`, `backup`, ...)."""
    from flask.cli import FlaskGroup

    # No .env/.flaskenv from the working directory: a server's settings come from its environment
    # file (deploy/mvi.env.example), not from whatever file lies where the command was typed.
    cli = FlaskGroup(create_app=create_app, load_dotenv=False,
                     help="MVI Challenges: the Flask commands of the installed release.")
    cli.main(prog_name="mvi-challenges")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(instance_folder()),
        template_folder=str(resource_folder("templates")),
        static_folder=str(resource_folder("static")),
    )
    app.config.from_mapping(load_config(Path(app.instance_path), test_config))
    from .infra import request_guards

    request_guards.install_host_guard(app)  # production: only requests for PUBLIC_URL's host
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from .infra import operations

    operations.configure_logging(app.config["LOG_FORMAT"])  # JSON lines in production, text otherwise

    _register_request_clock(app)  # first: the arrival time is taken before any body is read
    request_guards.install(app)  # before the blueprints: their routes use the bounded int converter
    db.init_app(app)
    install_replica(app)
    migrate.init_app(app, db, directory=str(resource_folder("migrations")), render_as_batch=True,
                     render_item=render_migration_item, include_object=include_in_migrations)
    csrf.init_app(app)
    from .infra.ratelimit import limiter

    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("REDIS_PREFIX", "mvi:") + "limits")
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PACKAGE_DIR / "translations"))

    from .infra import jobs, sessions

    sessions.install(app)  # server-side sessions in Redis when REDIS_URL is set
    jobs.install(app)
    _schedule_area_jobs()
    from .accounts.auth import login_manager

    login_manager.init_app(app)
    _import_models()
    _register_blueprints(app)
    from .public import menu

    menu.install(app)  # what base.html's menu asks of the person, once per page
    operations.install(app)  # /readyz, /metrics, a log line and an id per request
    from .proposals.metrics import submissions_last_hour

    operations.add_metric_part(app, "submissions", submissions_last_hour)

    from .core.errors import register_error_handlers
    from .core.templating import register_templating

    register_error_handlers(app)
    register_templating(app)
    _register_response_headers(app)
    from .infra import fingerprint_cache, page_cache

    fingerprint_cache.install(app)  # computed values kept by what they were computed from (jury results)
    page_cache.install(app)  # after the headers: its after_request runs first, before theirs

    from .cli import register_cli

    register_cli(app)
    return app


def _schedule_area_jobs() -> None:
    """The areas' scheduled work, added here so that infra.jobs never imports an area."""
    import datetime as dt

    from .dialogues.jobs import send_reminders
    from .infra.jobs import Schedule, add_schedule
    from .pipeline.jobs import send_digests
    from .privacy.jobs import apply_retention

    add_schedule(Schedule("reminders", dt.timedelta(hours=1), send_reminders))
    add_schedule(Schedule("retention", dt.timedelta(days=1), apply_retention))
    add_schedule(Schedule("digests", dt.timedelta(days=1), send_digests))


def _import_models() -> None:
    """Every model must be known to the metadata before migrations or create_all look at it."""
    from .accounts import models as _accounts  # noqa: F401
    from .api import models as _api  # noqa: F401
    from .calls import models as _calls  # noqa: F401
    from .catalogue import models as _catalogue  # noqa: F401
    from .consultations import models as _consultations  # noqa: F401
    from .core import audit, outbox  # noqa: F401
    from .dialogues import models as _dialogues  # noqa: F401
    from .evaluation import models as _evaluation  # noqa: F401
    from .lessons import models as _lessons  # noqa: F401
    from .monitoring import models as _monitoring  # noqa: F401
    from .notices import models as _notices  # noqa: F401
    from .pipeline import models as _pipeline  # noqa: F401
    from .privacy import models as _privacy  # noqa: F401
    from .proposals import models as _proposals  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .api.feeds import bp as feeds_bp
    from .api.views import bp as api_bp
    from .calls.views import bp as calls_bp
    from .catalogue.views import bp as catalogue_bp
    from .consultations.views import bp as consultations_bp
    from .criteria.views import bp as criteria_bp
    from .dialogues.views import bp as dialogues_bp
    from .evaluation.views import bp as evaluation_bp
    from .lessons.views import bp as lessons_bp
    from .monitoring.views import bp as monitoring_bp
    from .notices.views import bp as notices_bp
    from .pipeline.views import bp as pipeline_bp
    from .privacy.views import bp as privacy_bp
    from .proposals.views import bp as proposals_bp
    from .public.views import bp as public_bp

    for blueprint in (public_bp, accounts_bp, catalogue_bp, criteria_bp, calls_bp, proposals_bp, dialogues_bp,
                      evaluation_bp, monitoring_bp, api_bp, feeds_bp, privacy_bp, notices_bp, pipeline_bp, lessons_bp,
                      consultations_bp):
        app.register_blueprint(blueprint)


def _register_request_clock(app: Flask) -> None:
    from flask import g

    from .core.timezones import now_utc

    @app.before_request
    def remember_arrival_time() -> None:
        g.request_started = _arrival_time(app, now_utc())


def _arrival_time(app: Flask, now: Any) -> Any:
    """When the request reached us. Behind a trusted proxy that stamps `X-Request-Start: t=<epoch>`
    (nginx: `proxy_set_header X-Request-Start "t=${msec}";`), that moment counts, so time spent
    queued for a busy worker is not held against someone submitting at 11:59:59. The stamp is
    believed only when configured, and only within a minute before now."""
    import datetime as dt

    from .core.timezones import REQUEST_START_TRUST

    if not app.config.get("TRUST_REQUEST_START"):
        return now
    raw = request.headers.get("X-Request-Start", "").removeprefix("t=")
    try:
        stamped = dt.datetime.fromtimestamp(float(raw), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return now
    return stamped if now - REQUEST_START_TRUST <= stamped <= now else now


def _register_response_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        if app.config["MVI_ENV"] == "production":  # served over HTTPS only: browsers must never downgrade
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith(PUBLIC_DATA_PATHS):
            return response  # the same for everyone, whoever is logged in: caches may share it
        if current_user.is_authenticated and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
        return response
