"""The two ceilings the benchmark compares pages with, registered only by the bench app (bench/app.py).

`/_bench/bare`: Flask with nothing behind it. `/_bench/list`: a Flask page that renders a 20-row
SQLAlchemy list in a bare template: what a list page costs before any feature of ours.
They do not exist in a normal run (nor in the authorization matrix).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from jinja2 import Template
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


def _list_template() -> Template:
    """Compiled once per app, as render_template does for a template file. (Until 7 December 2026
    this ceiling used render_template_string, which compiles the source on every request: about
    0.9 ms of its 3.6 ms, so the ratios measured against it were about a third too kind.)"""
    template = current_app.extensions.get("bench_list_template")
    if template is None:
        template = current_app.extensions["bench_list_template"] = current_app.jinja_env.from_string(LIST_TEMPLATE)
    return template


@bp.route("/list")
def twenty_rows() -> str:
    calls = db.session.scalars(select(Call).order_by(Call.id.desc()).limit(20))
    return render_template(_list_template(), calls=list(calls))


# A page whose own content is one paragraph: what it costs is the frame every page pays (the session,
# the person, the request hooks and base.html with its menu and footer). bench/profile.py --frame.
FRAME_TEMPLATE = """{% extends "base.html" %}{% block title %}Frame{% endblock %}
{% block content %}<h1>Frame</h1><p>{{ text }}</p>{% endblock %}"""


@bp.route("/frame")
def frame() -> str:
    template = current_app.extensions.get("bench_frame_template")
    if template is None:
        template = current_app.extensions["bench_frame_template"] = current_app.jinja_env.from_string(FRAME_TEMPLATE)
    return render_template(template, text="ok")
