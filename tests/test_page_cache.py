"""Public pages are shared between anonymous visitors for a few seconds, and nothing personal ever is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.infra import page_cache

from .factories import login, make_call, make_user, page_text


@pytest.fixture
def cached_app(app: Flask) -> Iterator[Flask]:
    """The suite's database, in an app that caches pages for a minute (the suite's app does not)."""
    cached = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret", "PAGE_CACHE_SECONDS": 60, "REDIS_URL": None, "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False, "TWO_STEP_REQUIRED": False, "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
    })
    yield cached
    with cached.app_context():
        page_cache.cache.clear()
        db.session.remove()
        db.engine.dispose()


def test_anonymous_visitors_share_a_public_page_for_a_while(app: Flask, cached_app: Flask, catalogue) -> None:
    make_call(app, title="Schone bouwplaatsen")
    first = cached_app.test_client().get("/calls")
    assert first.headers["X-Page-Cache"] == "miss" and "Set-Cookie" not in first.headers
    make_call(app, title="Nieuwe uitvraag")  # within the minute, the shared copy is shown
    second = cached_app.test_client().get("/calls")
    assert second.headers["X-Page-Cache"] == "hit" and second.data == first.data
    assert "Nieuwe uitvraag" not in page_text(second)
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    # Another query or language is another page.
    assert "X-Page-Cache" in cached_app.test_client().get("/calls?q=bouw").headers
    english = cached_app.test_client()
    english.post("/language", data={"lang": "en", "next": "/calls"})
    assert "Calls" in page_text(english.get("/calls")) and "Nieuwe uitvraag" in page_text(english.get("/calls"))


def test_nothing_personal_is_shared(app: Flask, cached_app: Flask, catalogue) -> None:
    call = make_call(app, title="Schone bouwplaatsen")
    staff = make_user(app, Role.STAFF)
    logged_in = cached_app.test_client()
    login(logged_in, staff)
    mine = logged_in.get(f"/calls/{call.slug}")
    assert "X-Page-Cache" not in mine.headers and staff.name in mine.get_data(as_text=True)
    anonymous = cached_app.test_client().get(f"/calls/{call.slug}")
    assert staff.name not in anonymous.get_data(as_text=True)
    # A page with a form (a CSRF token, so a session) is never stored.
    login_page = cached_app.test_client().get("/account/login")
    assert "X-Page-Cache" not in login_page.headers
    # A message waiting for this visitor: their own copy, not the shared one.
    visitor = cached_app.test_client()
    visitor.post("/language", data={"lang": "en", "next": "/"})
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "Just for you")]
    page = visitor.get("/calls")
    assert "Just for you" in page_text(page) and "X-Page-Cache" not in page.headers
    assert "Just for you" not in page_text(cached_app.test_client().get("/calls"))


def test_the_language_switch_needs_no_token_anonymously_but_does_logged_in(app: Flask, catalogue) -> None:
    member = app.test_client()
    login(member, make_user(app))
    app.config["WTF_CSRF_ENABLED"] = True  # the suite's conftest switches it off again afterwards
    visitor = app.test_client()
    page = visitor.get("/calls").get_data(as_text=True)
    assert 'name="csrf_token"' not in page  # the public page holds nothing personal
    assert visitor.post("/language", data={"lang": "en", "next": "/calls"}).status_code == 302
    assert "Calls" in page_text(visitor.get("/calls"))
    assert member.post("/language", data={"lang": "en", "next": "/"}).status_code == 400


def test_a_call_page_is_shared_and_a_stale_copy_is_renewed_by_one_request(app: Flask, cached_app: Flask,
                                                                          catalogue) -> None:
    call = make_call(app, title="Schone bouwplaatsen")
    assert cached_app.test_client().get(f"/calls/{call.slug}").headers["X-Page-Cache"] == "miss"
    assert cached_app.test_client().get(f"/calls/{call.slug}").headers["X-Page-Cache"] == "hit"
    assert cached_app.test_client().get("/calls").headers["X-Page-Cache"] == "miss"
    make_call(app, title="Nieuwe uitvraag")
    with cached_app.test_request_context("/calls"):
        key = page_cache._key()
        entry = page_cache.cache.get(key)
        page_cache.cache.set(key, {**entry, "fresh_until": 0}, timeout=60)  # its seconds are over
        page_cache.cache.add(key + "|refreshing", 1, timeout=30)  # and another request renews it now
    stale = cached_app.test_client().get("/calls")
    assert stale.headers["X-Page-Cache"] == "stale" and "Nieuwe uitvraag" not in page_text(stale)
    with cached_app.test_request_context("/calls"):
        page_cache.cache.delete(key + "|refreshing")  # that request is done, or died
    renewed = cached_app.test_client().get("/calls")
    assert renewed.headers["X-Page-Cache"] == "miss" and "Nieuwe uitvraag" in page_text(renewed)
    assert cached_app.test_client().get("/calls").headers["X-Page-Cache"] == "hit"


def test_a_page_that_disappears_is_not_served_from_its_old_copy(app: Flask, cached_app: Flask, catalogue) -> None:
    from sqlalchemy import update

    from mvi_challenges.calls.models import Call, CallStatus

    call = make_call(app, title="Schone bouwplaatsen")
    assert cached_app.test_client().get(f"/calls/{call.slug}").headers["X-Page-Cache"] == "miss"
    with app.app_context():
        db.session.execute(update(Call).where(Call.id == call.id).values(status=CallStatus.DRAFT))
        db.session.commit()
    with cached_app.test_request_context(f"/calls/{call.slug}"):
        key = page_cache._key()
        page_cache.cache.set(key, {**page_cache.cache.get(key), "fresh_until": 0}, timeout=60)
    assert cached_app.test_client().get(f"/calls/{call.slug}").status_code == 404  # renewed: gone
    with cached_app.test_request_context(f"/calls/{call.slug}"):
        assert page_cache.cache.get(key) is None
        page_cache.cache.add(key + "|refreshing", 1, timeout=30)  # even while someone else renews it
    assert cached_app.test_client().get(f"/calls/{call.slug}").status_code == 404
