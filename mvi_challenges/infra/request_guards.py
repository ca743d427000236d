"""Input that databases choke on is refused at the door, so no URL or form can cause a 500.

PostgreSQL rejects NUL characters in text and integers beyond 32 bits; SQLite is more lenient,
which is exactly how such bugs slip through local testing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, abort, request
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from ..core.links import public_host

MAX_DB_INT = 2**31 - 1
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route, limited to what an INTEGER column holds (else 404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def _has_nul(values: object) -> bool:
    return any("\x00" in value for value in values)  # type: ignore[attr-defined]


def install(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_nul_characters() -> None:
        if "\x00" in request.path or _has_nul(request.args.values()):
            abort(400)
        if request.mimetype in FORM_TYPES and _has_nul(request.form.values()):
            abort(400)


UNKNOWN_HOST_TEXT = (
    "400 Onbekend adres: deze site antwoordt alleen op haar eigen adres.\n"
    "400 Unknown address: this site answers only on its own address.\n"
)


class TrustedHosts:
    """WSGI guard: answer only requests whose Host is the site's own (PUBLIC_URL, EXTRA_HOSTS).

    Anything built from a forged Host (a mail link, a redirect) would point elsewhere; production
    therefore refuses such a request before Flask sees it, with a plain 400 in both languages
    (nothing of the site is rendered for a host it does not know)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], hosts: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            get_host(environ, trusted_hosts=self.hosts)
        except SecurityError:
            response = Response(UNKNOWN_HOST_TEXT, status=400, mimetype="text/plain")
            return response(environ, start_response)
        return self.wsgi_app(environ, start_response)


def trusted_hosts(config: Any) -> list[str] | None:
    """The hosts production answers to; None (every host) outside production, unless configured."""
    if config.get("TRUSTED_HOSTS"):
        return list(config["TRUSTED_HOSTS"])
    if config.get("MVI_ENV") != "production":
        return None
    return [public_host(config["PUBLIC_URL"]), *config.get("EXTRA_HOSTS", ())]


def install_host_guard(app: Flask) -> None:
    hosts = trusted_hosts(app.config)
    if hosts:
        app.wsgi_app = TrustedHosts(app.wsgi_app, hosts)  # type: ignore[method-assign]
