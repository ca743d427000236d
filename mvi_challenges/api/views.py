"""Read-only open data under /api/v1/ (JSON), described by an OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api", __name__)


@bp.route("/open-data")
def index():
    """A page for people: what is published as open data, and where."""
    return render_template("api/index.html")
