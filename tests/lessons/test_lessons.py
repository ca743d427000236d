"""Lessons learned: staff record them; public ones show on the category page and in the search.

Abuse considered: an internal lesson reaching the public (category page, search, lesson page);
a visitor recording lessons (403, matrix); a search with LIKE wildcards; "paid off" told before
the call ended.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallStatus
from mvi_challenges.core.db import db
from mvi_challenges.lessons.models import Lesson

from ..factories import login, make_call, make_user, page_text


def lesson_form(catalogue, **overrides) -> dict:
    data = {"title": "Vroeg de markt spreken", "moment": "contract_ended", "recorded_on": "2026-03-01",
            "social_value_id": catalogue.values["klimaat"], "what_worked": "Marktconsultatie vooraf.",
            "what_did_not": "Te korte termijn.", "call_id": 0, "record_id": 0, "contract_id": 0,
            "category_id": catalogue.categories["mobiliteit"].id, "paid_off": "", "paid_off_explanation": "",
            "is_public": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def staff(app: Flask):
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    return client


def test_public_lesson_on_category_page_and_in_search(app: Flask, catalogue) -> None:
    assert staff(app).post("/staff/lessons/new", data=lesson_form(catalogue)).status_code == 302
    public = app.test_client()
    assert "Vroeg de markt spreken" in page_text(public.get("/categories/mobiliteit"))
    assert "Vroeg de markt spreken" in page_text(public.get("/lessons?q=marktconsultatie"))
    assert "Vroeg de markt spreken" not in page_text(public.get("/lessons?q=hout"))
    assert "Vroeg de markt spreken" not in page_text(public.get("/lessons?value=innovatie"))


def test_internal_lesson_never_public(app: Flask, catalogue) -> None:
    client = staff(app)
    client.post("/staff/lessons/new", data=lesson_form(catalogue, title="Interne les", is_public=None))
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id))
    public = app.test_client()
    assert "Interne les" not in page_text(public.get("/categories/mobiliteit"))
    assert "Interne les" not in page_text(public.get("/lessons?q=Interne"))
    assert "Interne les" not in page_text(public.get("/lessons"))
    assert public.get(f"/lessons/{lesson_id}").status_code == 404
    assert "Interne les" not in public.get("/api/v1/lessons").get_data(as_text=True)
    assert "Interne les" in page_text(client.get("/staff/lessons"))


def test_search_takes_wildcards_literally(app: Flask, catalogue) -> None:
    client = staff(app)
    client.post("/staff/lessons/new", data=lesson_form(catalogue, title="Honderd procent", what_worked="100% circulair"))
    client.post("/staff/lessons/new", data=lesson_form(catalogue, title="Gewone les", what_worked="Goed"))
    text = page_text(app.test_client().get("/lessons?q=%25"))
    assert "Honderd procent" in text and "Gewone les" not in text
    assert "Gewone les" not in page_text(app.test_client().get("/lessons?q=_"))


def test_lesson_needs_content_and_keeps_what_was_typed(app: Flask, catalogue) -> None:
    response = staff(app).post("/staff/lessons/new", data=lesson_form(catalogue, what_worked="", what_did_not="",
                                                                       title="Mijn les"))
    assert response.status_code == 400
    assert 'value="Mijn les"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Lesson.id)) is None


def test_paid_off_needs_a_call_and_an_explanation(app: Flask, catalogue) -> None:
    client = staff(app)
    assert client.post("/staff/lessons/new", data=lesson_form(catalogue, paid_off="yes",
                                                              paid_off_explanation="Ja")).status_code == 400
    call = make_call(app)
    assert client.post("/staff/lessons/new", data=lesson_form(catalogue, paid_off="yes",
                                                              call_id=call.id)).status_code == 400


def test_paid_off_shows_on_call_page_only_after_the_call_ended(app: Flask, catalogue) -> None:
    running = make_call(app, title="Lopende uitvraag")
    ended = make_call(app, title="Afgelopen uitvraag", status=CallStatus.DECIDED)
    client = staff(app)
    for call in (running, ended):
        assert client.post("/staff/lessons/new", data=lesson_form(
            catalogue, call_id=call.id, experiment_text=None, moment="experiment_ended", paid_off="partly",
            paid_off_explanation="Extra tijd hielp, procesgeld te weinig.")).status_code == 302
    public = app.test_client()
    assert "Extra tijd hielp" not in page_text(public.get(f"/calls/{running.slug}"))
    assert "Extra tijd hielp" in page_text(public.get(f"/calls/{ended.slug}"))


def test_entrepreneur_cannot_record_lessons(app: Flask, catalogue) -> None:
    client = app.test_client()
    login(client, make_user(app, Role.ENTREPRENEUR))
    assert client.post("/staff/lessons/new", data=lesson_form(catalogue)).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Lesson.id)) is None
