"""Input that databases choke on is refused at the door, so no URL or form can cause a 500.

PostgreSQL rejects NUL characters in text and integers beyond 32 bits; SQLite is more lenient,
which is exactly how such bugs slip through local testing.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

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
