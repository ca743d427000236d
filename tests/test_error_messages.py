"""All errors at once, each at its field and in the summary, in words that say what to do
(`fields.DataRequired`, `Length`, `NumberRange` name the field; WTForms' generic texts never show)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role

from .factories import login, make_call, make_user, page_text

GENERIC = ("This field is required", "Dit veld is vereist", "Field must be", "Veld moet", "karakters",
           "Not a valid", "Geen geldige")


def _field_error(html: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}-error">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def test_proposal_submitted_empty_lists_everything_missing_at_once(app: Flask, client_en: FlaskClient,
                                                                   catalogue) -> None:
    call = make_call(app)
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    edit = client_en.post(f"/calls/{call.slug}/phases/1/proposal").location
    response = client_en.post(edit, data={"title": "", "summary": "", "body_source": "", "requested_budget": "",
                                          "action": "submit"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for field_id, message in (("title", "Give your proposal a title."), ("summary", "Write a short summary."),
                              ("body_source", "Describe your proposal."),
                              ("requested_budget", "State the budget you request.")):
        assert message in _field_error(html, field_id), field_id
        assert f'href="#{field_id}"' in html  # and in the summary, linked to the field


def test_call_form_errors_in_dutch_name_the_field_and_say_what_to_do(app: Flask, client: FlaskClient,
                                                                   catalogue) -> None:
    login(client, make_user(app, Role.STAFF))
    response = client.post("/staff/calls/new", data={
        "kind": "challenge", "title": "x" * 5000, "summary": "", "ambition_level": "3", "eligibility": "both",
        "category_id": catalogue.categories["mobiliteit"].id, "experiment_extra_weeks": "999"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Maak ‘Titel’ korter: hoogstens 200 tekens (nu 5.000)." in _field_error(html, "title")
    assert "Vul ‘Samenvatting’ in." in _field_error(html, "summary")
    assert "Vul een aantal weken in van 0 tot en met 260." in _field_error(html, "experiment_extra_weeks")
    text = page_text(response)
    assert not [g for g in GENERIC if g in text]


def test_dialogue_form_number_errors_in_english(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.STAFF))
    response = client_en.post("/staff/dialogues/new", data={
        "kind": "city", "title": "", "category_id": "0", "related_call_id": "0", "starts_at": "2027-03-10T14:00",
        "ends_at": "2027-03-10T16:00", "capacity": "0", "registration_closes_at": "2027-03-09T12:00",
        "eligibility": "both", "slot_minutes": "veel"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Fill in “Title”." in _field_error(html, "title")
    assert "Enter a number from 1 to 100,000." in _field_error(html, "capacity")
    assert "Enter a whole number, for example 2500 or 2.500." in _field_error(html, "slot_minutes")
    assert not [g for g in GENERIC if g in page_text(response)]
