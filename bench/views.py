"""The two ceilings the benchmark compares pages with, registered only by the bench app (bench/app.py).

`/_bench/bare`: Flask with nothing behind it. `/_bench/list`: a Flask page that renders a 20-row
SQLAlchemy list in a bare template: what a list page costs before any feature of ours.
They do not exist in a normal run (nor in the authorization matrix).
"""

from __future__ import annotations

from flask import Blueprint, render_template_string
from sqlalchemy import select

from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db

bp = Blueprint("bench", __name__, url_prefix="/_bench")

LIST_TEMPLATE = """<!doctype html><html lang="nl"><title>list</title><h1>Calls</h1>
<ul>{% for call in calls %}
<li><a href="/calls/{{ call.slug }}">{{ call.title }}</a> {{ call.summary }}</li>{% endfor %}</ul>"""


@bp.route("/bare")
def bare() -> str:
    return "ok"


@bp.route("/list")
def twenty_rows() -> str:
    calls = db.session.scalars(select(Call).order_by(Call.id.desc()).limit(20))
    return render_template_string(LIST_TEMPLATE, calls=list(calls))
