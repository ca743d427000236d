"""The frame every page pays (issue #20): a logged-in trivial page reads the person once, and base.html's
head links, menu and footer are rendered once per language, rights and page, not on every request.

Before: a logged-in staff member's page translated 25 labels and built 30 links of the frame each
time (about 1,750 Python calls of a 5,600-call page whose own content was one paragraph). A guard
that fails if the menu or footer go back to being rendered on every request."""

from __future__ import annotations

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.core import i18n
from mvi_challenges.core.db import db
from tests.perf.conftest import counted_queries

from ..factories import login, make_user


def test_a_logged_in_trivial_page_reads_only_the_person(app: Flask) -> None:
    staff = make_user(app, Role.STAFF)
    client = app.test_client()
    login(client, staff)
    client.get("/privacy")
    with app.app_context():
        engine = db.engine
    with counted_queries(engine) as statements:
        assert client.get("/privacy").status_code == 200
    assert len(statements) == 1, statements  # the person with their roles (accounts/auth.py)


def test_the_frame_is_translated_and_linked_once(app: Flask, monkeypatch) -> None:
    staff = make_user(app, Role.STAFF, Role.ADMIN, Role.JURY)
    client = app.test_client()
    login(client, staff)
    client.get("/privacy")  # the first time, the frame is rendered and kept
    translated, linked = [], []
    original_translations = i18n.current_translations
    monkeypatch.setattr(i18n, "current_translations", lambda: translated.append(1) or original_translations())
    original_url_for = app.jinja_env.globals["url_for"]
    monkeypatch.setitem(app.jinja_env.globals, "url_for",
                        lambda *args, **kwargs: linked.append(args) or original_url_for(*args, **kwargs))
    assert client.get("/privacy").status_code == 200
    # Before: 46 translations and 37 links for this page. What remains: the privacy statement's own
    # texts and link, and the title's suffix; the frame's head links, header, menu and footer are kept.
    assert len(translated) <= 12, len(translated)
    assert len(linked) <= 1, linked
