"""Registration: nothing chosen for the person, every problem said at once, nothing typed lost."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import User
from mvi_challenges.core.db import db

from ..factories import PASSWORD, page_text


def _register(client: FlaskClient, **overrides: str):
    data = {
        "name": "Fatima de Vries", "email": "fatima@example.org", "password": PASSWORD,
        "password_repeat": PASSWORD, "organisation_name": "", "kvk_number": "",
    }
    data.update(overrides)
    return client.post("/account/register", data={k: v for k, v in data.items() if v is not None})


def test_register_page_chooses_no_account_type_in_advance(client_en: FlaskClient) -> None:
    html = client_en.get("/account/register").get_data(as_text=True)
    assert 'name="account_type"' in html
    assert "checked" not in html
    # Drawn with the NL Design System classes that show the chosen state.
    assert 'class="utrecht-radio-button utrecht-radio-button--html-input' in html


def test_register_without_account_type_says_to_choose_at_the_field(app: Flask, client_en: FlaskClient) -> None:
    response = _register(client_en)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    message = "Choose whether you register as a resident or as an entrepreneur."
    assert message in page_text(response)
    assert 'href="#account_type"' in html  # in the summary, linked to the field
    at_field = re.search(r'id="account_type-error">\s*<p class="field-error">.*?</p>', html, re.S)
    assert at_field and message in at_field.group(0)
    assert "Not a valid choice" not in html
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_resident_with_a_kvk_number_is_told_instead_of_losing_it(app: Flask, client_en: FlaskClient) -> None:
    response = _register(client_en, account_type="citizen", kvk_number="12345678", organisation_name="Groen BV")
    assert response.status_code == 400
    assert "You chose a resident's account, but filled in an organisation." in page_text(response)
    html = response.get_data(as_text=True)
    assert 'value="12345678"' in html and 'value="Groen BV"' in html
    assert re.search(r'<input [^>]*checked[^>]*value="citizen"', html)  # the choice made stays made
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_register_shows_password_and_kvk_problems_at_once(client_en: FlaskClient) -> None:
    response = _register(client_en, password="kort", password_repeat="anders", account_type="entrepreneur",
                         kvk_number="1234", organisation_name="Groen BV")
    assert response.status_code == 400
    text = page_text(response)
    assert "Choose a password of at least 12 characters." in text
    assert "Type the same password twice: the two passwords are not the same." in text
    assert "A KvK number has exactly 8 digits." in text


def test_register_shows_common_password_and_missing_organisation_at_once(client_en: FlaskClient) -> None:
    response = _register(client_en, password="mijnwachtwoord123", password_repeat="mijnwachtwoord123",
                         account_type="entrepreneur", kvk_number="1234 5678")
    text = page_text(response)
    assert response.status_code == 400
    assert "Enter the name of your organisation." in text
    assert "This password is too easy to guess" in text


def test_register_errors_in_plain_dutch(client: FlaskClient) -> None:
    response = _register(client, name="", password="kort", password_repeat="kort")
    text = page_text(response)
    assert "Vul uw naam in." in text
    assert "Kies een wachtwoord van minstens 12 tekens." in text
    assert "Kies of u zich registreert als inwoner of als ondernemer." in text
    assert "Dit veld is vereist" not in text and "karakters lang" not in text
