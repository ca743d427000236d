"""Choices a person must make are never made for them, and choosing nothing says what to choose,
at the field (the forms of every area share `fields.ChoiceField` and the `field` macro)."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db

from .evaluation.test_evaluation import _setup
from .factories import login, make_user, page_text


def _checked(html: str, name: str) -> list[str]:
    return re.findall(rf'<input [^>]*checked[^>]*name="{name}"[^>]*value="([^"]*)"', html)


def test_new_call_has_no_ambition_level_chosen_in_advance(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.STAFF))
    html = client_en.get("/staff/calls/new?kind=sbir").get_data(as_text=True)
    assert _checked(html, "ambition_level") == []
    assert _checked(html, "kind") == ["sbir"]  # the button "New SBIR call" was the choice
    assert "utrecht-radio-button--html-input" in html and "utrecht-checkbox--html-input" in html


def test_call_without_ambition_level_says_so_at_the_field_and_keeps_the_rest(
    app: Flask, client_en: FlaskClient, catalogue
) -> None:
    login(client_en, make_user(app, Role.STAFF))
    response = client_en.post("/staff/calls/new", data={
        "kind": "challenge", "title": "Slimme bankjes", "summary": "", "body_source": "Tekst",
        "category_id": catalogue.categories["openbare-ruimte"].id, "eligibility": "entrepreneurs",
        "social_values": [catalogue.values["innovatie"]]})
    assert response.status_code == 400
    text = page_text(response)
    assert "Choose the ambition level of this call." in text
    assert "Not a valid choice" not in text
    html = response.get_data(as_text=True)
    assert 'href="#ambition_level"' in html and 'value="Slimme bankjes"' in html
    assert _checked(html, "social_values") == [str(catalogue.values["innovatie"])]


def test_decision_without_outcome_asks_for_one_and_keeps_the_motivation(app: Flask, catalogue) -> None:
    world = _setup(app)
    with app.app_context():
        db.session.get(Phase, world.phase_id).closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    world.staff.post("/language", data={"lang": "en", "next": "/"})
    url = f"/staff/calls/{world.call.id}/phases/1/results/{world.proposals[0].id}"
    html = world.staff.get(url).get_data(as_text=True)
    assert _checked(html, "outcome") == []
    response = world.staff.post(url, data={"motivation": "Sterk en haalbaar."})
    assert response.status_code == 400
    assert "Choose the outcome for this proposal." in page_text(response)
    assert "Sterk en haalbaar." in response.get_data(as_text=True)
