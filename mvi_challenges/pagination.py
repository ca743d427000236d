"""One way to paginate a list page: tolerant of odd input, strict about the range."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .db import db

MAX_PAGE = 1_000_000


def paginate(stmt: Select[Any], per_page: int) -> Pagination:
    """`?page=abc` or `?page=-3` shows page 1; a page past the end is a 404."""
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)  # a huge number would overflow the OFFSET
    return db.paginate(stmt, page=page, per_page=per_page, error_out=True, count=True)


def filter_args(form: Any) -> dict[str, str]:
    """The checked, non-empty filter values of a GET form: what page links carry along.

    Never the raw query string: a key such as `_external` or `_method` would reach `url_for`.
    """
    return {field.name: str(field.data) for field in form if field.data not in (None, "")}
