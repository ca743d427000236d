"""The public dialogue list's count and theme choices are kept under the version of the data they are
made of (dialogues/kept_counts.py), and are never stale: a dialogue published, moved or reclassified,
a renamed theme, and a dialogue ending (from upcoming to past, with nobody writing) show at once."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from sqlalchemy import select

from mvi_challenges.catalogue.models import Category
from mvi_challenges.catalogue.services import seed_catalogue
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues import views as dialogue_views
from mvi_challenges.dialogues.models import Dialogue, DialogueKind
from tests.perf.conftest import counted_queries

from ..factories import make_dialogue


def _found(client, url: str) -> int:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r"(\d+) (?:gesprekken|gesprek|dialogues|dialogue)</h2>", html)
    assert match, html[:2000]
    return int(match.group(1))


def _change(app: Flask, dialogue_id: int, **values: object) -> None:
    with app.app_context():
        dialogue = db.session.get(Dialogue, dialogue_id)
        for name, value in values.items():
            setattr(dialogue, name, value)
        db.session.commit()


def test_a_second_request_neither_counts_nor_reads_the_themes_again(app: Flask, client) -> None:
    make_dialogue(app)
    client.get("/dialogues?when=past")
    with app.app_context():
        engine = db.engine
    with counted_queries(engine) as statements:
        assert client.get("/dialogues?when=past").status_code == 200
    assert not [s for s in statements if "count(" in s.lower() or "FROM categories" in s], statements
    assert len(statements) == 2, statements  # the version and the page's rows


def test_every_change_that_counts_shows_at_once(app: Flask, client) -> None:
    first = make_dialogue(app, title="Eerste gesprek")
    assert _found(client, "/dialogues") == 1
    assert _found(client, "/dialogues?kind=market") == 0
    make_dialogue(app, title="Tweede gesprek")  # published by another staff member
    assert _found(client, "/dialogues") == 2
    _change(app, first.id, kind=DialogueKind.MARKET)
    assert _found(client, "/dialogues?kind=market") == 1
    with app.app_context():
        seed_catalogue(db.session)  # new themes: a new version too
        db.session.commit()
        category = db.session.scalars(select(Category).order_by(Category.slug)).first()
        slug = category.slug
    _change(app, first.id, category_id=category.id)
    assert _found(client, f"/dialogues?category={slug}") == 1
    with app.app_context():
        db.session.get(Category, category.id).name_nl = "Een nieuwe naam"
        db.session.commit()
    assert f'<option value="{slug}">Een nieuwe naam</option>' in client.get("/dialogues").get_data(as_text=True)
    ended = now_utc() - dt.timedelta(days=1)
    _change(app, first.id, starts_at=ended - dt.timedelta(hours=2), ends_at=ended)  # moved into the past
    assert _found(client, "/dialogues") == 1
    assert _found(client, "/dialogues?when=past") == 1


def test_a_dialogue_ending_shows_at_once_with_nobody_writing(app: Flask, client, monkeypatch) -> None:
    dialogue = make_dialogue(app, starts_in=dt.timedelta(hours=1))
    make_dialogue(app, starts_in=dt.timedelta(days=10))
    start = now_utc()
    monkeypatch.setattr(dialogue_views, "request_time", lambda: start)
    assert _found(client, "/dialogues") == 2
    assert _found(client, "/dialogues?when=past") == 0
    with app.app_context():
        end = db.session.get(Dialogue, dialogue.id).ends_at
    monkeypatch.setattr(dialogue_views, "request_time", lambda: end + dt.timedelta(seconds=1))
    assert _found(client, "/dialogues") == 1
    assert _found(client, "/dialogues?when=past") == 1
    # A request of a moment before, answered after the count was made again: counted for its own moment.
    monkeypatch.setattr(dialogue_views, "request_time", lambda: end - dt.timedelta(seconds=1))
    assert _found(client, "/dialogues?when=past") == 0
