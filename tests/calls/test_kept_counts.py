"""The call list's count is kept under the version of the data it counts (calls/kept_counts.py), and
is never stale: every change it counts shows at once, and so does a phase opening or closing.

Who would be misled, and how (each has a test below): an entrepreneur who filters the open calls
and is told one more (or one fewer) than there are, or pages to a page that does not exist, after
staff published, cancelled, renamed, reclassified or moved the deadline of a call; or after a
deadline passed with nobody writing anything.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.calls import services as call_services
from mvi_challenges.calls import views as call_views
from mvi_challenges.calls.models import Call, CallKind, CallStatus
from mvi_challenges.catalogue.models import Category, SocialValue
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.infra import fingerprint_cache
from tests.perf.conftest import counted_queries

from ..factories import make_call


def _found(client, url: str) -> int:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r"(\d+) (?:uitvragen|uitvraag|calls|call) (?:gevonden|found)", html)
    assert match, html[:2000]
    return int(match.group(1))


def _change(app: Flask, call_id: int, **values: object) -> None:
    with app.app_context():
        call = db.session.get(Call, call_id)
        for name, value in values.items():
            setattr(call, name, value)
        db.session.commit()


def test_a_second_request_does_not_count_again(app: Flask, client) -> None:
    make_call(app)
    client.get("/calls")
    with app.app_context():
        engine = db.engine
    with counted_queries(engine) as statements:
        assert client.get("/calls").status_code == 200
    assert not [s for s in statements if "count(" in s.lower()], statements


def test_every_change_that_counts_shows_at_once(app: Flask, client) -> None:
    first = make_call(app, title="Schone bouwplaatsen", kind=CallKind.CHALLENGE, level=3)
    second = make_call(app, title="Stille straten", kind=CallKind.SBIR, level=2, explanation="De markt is er nog niet.")
    assert _found(client, "/calls") == 2
    assert _found(client, "/calls?kind=challenge") == 1
    assert _found(client, "/calls?q=stille") == 1

    third = make_call(app, title="Groene daken")  # published by another staff member
    assert _found(client, "/calls") == 3
    _change(app, second.id, kind=CallKind.CHALLENGE)
    assert _found(client, "/calls?kind=challenge") == 3
    _change(app, first.id, title="Stille bouwplaatsen")
    assert _found(client, "/calls?q=stille") == 2
    _change(app, first.id, ambition_level=2)
    assert _found(client, "/calls?kind=challenge&level=3") == 1  # only the third
    _change(app, third.id, status=CallStatus.DRAFT, published_at=None)  # as if never published
    assert _found(client, "/calls") == 2


def _swap_slugs(app: Flask, model: type, first: str, second: str) -> None:
    """Staff rename two categories (or values) so that each takes the other's address."""
    with app.app_context():
        one = db.session.scalar(select(model).where(model.slug == first))
        other = db.session.scalar(select(model).where(model.slug == second))
        one.slug = "tijdelijk"
        db.session.flush()
        other.slug = first
        db.session.flush()
        one.slug = second
        db.session.commit()


def test_renamed_filters_and_changed_values_show_at_once(app: Flask, client) -> None:
    call = make_call(app, category="mobiliteit", values=("klimaat",))
    with app.app_context():
        other_category = db.session.scalar(select(Category.slug).where(Category.slug != "mobiliteit").limit(1))
        other_value = db.session.scalar(select(SocialValue.slug).where(SocialValue.slug != "klimaat").limit(1))
    assert _found(client, "/calls?category=mobiliteit") == 1
    assert _found(client, "/calls?value=klimaat") == 1
    _swap_slugs(app, Category, "mobiliteit", other_category)  # the address now names a category without calls
    assert _found(client, "/calls?category=mobiliteit") == 0
    _swap_slugs(app, SocialValue, "klimaat", other_value)
    assert _found(client, "/calls?value=klimaat") == 0
    with app.app_context():
        db.session.get(Call, call.id).social_values = list(
            db.session.scalars(select(SocialValue).where(SocialValue.slug == "klimaat")))
        db.session.commit()
    assert _found(client, "/calls?value=klimaat") == 1


def test_a_deadline_passing_shows_at_once_with_nobody_writing(app: Flask, client, monkeypatch) -> None:
    closing = make_call(app, closes_in=dt.timedelta(hours=2))
    make_call(app, closes_in=dt.timedelta(days=10))
    start = now_utc()
    monkeypatch.setattr(call_views, "now_utc", lambda: start)
    assert _found(client, "/calls?state=open") == 2
    assert _found(client, "/calls?state=closed") == 0
    with app.app_context():
        deadline = db.session.get(Call, closing.id).phases[0].closes_at
    monkeypatch.setattr(call_views, "now_utc", lambda: deadline + dt.timedelta(seconds=1))
    assert _found(client, "/calls?state=open") == 1
    assert _found(client, "/calls?state=closed") == 1
    # A request of a moment before, answered by another worker after the count was made again:
    # counted for its own moment, not served the later count.
    monkeypatch.setattr(call_views, "now_utc", lambda: deadline - dt.timedelta(seconds=1))
    assert _found(client, "/calls?state=open") == 2


def test_a_moved_deadline_shows_at_once(app: Flask, client) -> None:
    call = make_call(app, closes_in=dt.timedelta(days=10))
    assert _found(client, "/calls?state=open") == 1
    with app.app_context():
        db.session.get(Call, call.id).phases[0].closes_at = now_utc() - dt.timedelta(minutes=1)
        db.session.commit()
    assert _found(client, "/calls?state=open") == 0


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_count_reads_in_both_languages(app: Flask, client, lang: str) -> None:
    make_call(app)
    client.get(f"/language?lang={lang}&next=/")
    html = client.get("/calls").get_data(as_text=True)
    assert ("1 uitvraag gevonden" if lang == "nl" else "1 call found") in html


def test_a_deploy_that_changes_how_the_list_selects_keeps_no_count_of_the_last(app: Flask, monkeypatch) -> None:
    """Kept counts (in Redis) outlive a deploy, and a deploy draws no new data version: the keys carry
    a digest of the code, which must cover the code that selects and counts (calls/services.py), not
    only infra/."""
    before = app.extensions["memo_release"]
    selecting = Path(call_services.__file__).resolve()
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read_bytes(path) + (
        b"\n# the next release" if path.resolve() == selecting else b""))
    fingerprint_cache.install(app)
    assert app.extensions["memo_release"] != before


def test_a_renamed_category_or_value_shows_in_the_filter_at_once(app: Flask, client) -> None:
    """The filter's choices are kept under the same version (calls/cards.py filter_choices)."""
    make_call(app)
    assert "Mobiliteit van morgen" not in client.get("/calls").get_data(as_text=True)
    with app.app_context():
        db.session.scalar(select(Category).where(Category.slug == "mobiliteit")).name_nl = "Mobiliteit van morgen"
        db.session.scalar(select(SocialValue).where(SocialValue.slug == "klimaat")).name_nl = "Klimaat van morgen"
        db.session.commit()
    html = client.get("/calls").get_data(as_text=True)
    assert '<option value="mobiliteit">Mobiliteit van morgen</option>' in html
    assert '<option value="klimaat">Klimaat van morgen</option>' in html


def test_the_home_page_shows_every_change_and_every_deadline_at_once(app: Flask, client, monkeypatch) -> None:
    """The home page keeps its open calls and counts under the version too (calls/cards.py home_calls)."""
    from mvi_challenges.public import views as public_views

    call = make_call(app, title="Schone bouwplaatsen", closes_in=dt.timedelta(hours=2))
    start = now_utc()
    monkeypatch.setattr(public_views, "now_utc", lambda: start)
    html = client.get("/").get_data(as_text=True)
    assert "1 uitvraag is nu open" in html and "Schone bouwplaatsen" in html
    _change(app, call.id, title="Stille bouwplaatsen")
    assert "Stille bouwplaatsen" in client.get("/").get_data(as_text=True)
    _change(app, call.id, slug="stille-bouwplaatsen")
    assert 'href="/calls/stille-bouwplaatsen"' in client.get("/").get_data(as_text=True)
    make_call(app, title="Groene daken")
    assert "2 uitvragen zijn nu open" in client.get("/").get_data(as_text=True)
    with app.app_context():
        deadline = db.session.get(Call, call.id).phases[0].closes_at
    monkeypatch.setattr(public_views, "now_utc", lambda: deadline + dt.timedelta(seconds=1))
    html = client.get("/").get_data(as_text=True)
    assert "1 uitvraag is nu open" in html and "Stille bouwplaatsen" not in html
