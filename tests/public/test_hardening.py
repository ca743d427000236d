"""Nothing a user can type in a URL or a form produces a 500 (PostgreSQL is the strict judge)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, CallStatus

from ..factories import login, make_call, make_user, page_text


def test_nul_characters_are_refused_politely(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app)
    assert client.get("/calls?q=a%00b").status_code == 400
    assert client.get(f"/calls/{call.slug}%00").status_code == 400
    response = client.post("/account/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert "Ongeldig verzoek" in page_text(response) or "Bad request" in page_text(response)


def test_out_of_range_ids_and_pages_are_not_found(app: Flask, client: FlaskClient, catalogue) -> None:
    login(client, make_user(app, Role.ADMIN, Role.STAFF))
    assert client.get("/staff/calls/99999999999999999999").status_code == 404
    assert client.get("/staff/calls/2147483648/edit").status_code == 404
    assert client.get("/calls?page=99999999999999999999999").status_code == 404
    assert client.get("/admin/users?page=-5").status_code == 200


def test_absurd_budgets_and_years_get_field_messages(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.STAFF))
    call = make_call(app, kind=CallKind.SBIR, phases=0, status=CallStatus.DRAFT)
    response = client_en.post(f"/staff/calls/{call.id}/phases/new", data={
        "title": "Fase 1", "opens_at": "0001-01-01T00:30", "closes_at": "2027-01-01T12:00",
        "budget": "999999999999999999999", "max_awards": "99999999999", "score_scale_max": "10",
        "criteria-0-name": "Impact", "criteria-0-weight": "100000000000000000000",
    })
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter a date between the years 2000 and 2100." in text
    assert "Enter an amount in euros" in text
    assert "A weight is between 1 and 100." in text


def test_very_long_input_is_refused_with_a_message(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.STAFF))
    response = client_en.post("/staff/calls/new", data={
        "kind": "challenge", "title": "x" * 5000, "summary": "s", "category_id": "not-a-number",
        "ambition_level": "7", "eligibility": "both",
    })
    assert response.status_code == 400
    assert "Shorten “Title” to at most 200 characters (now 5,000)." in page_text(response)


def test_upload_beyond_the_limit_gets_a_friendly_413(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.STAFF))
    call = make_call(app)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        import io

        response = client_en.post(f"/staff/calls/{call.id}/documents", data={
            "title": "Groot", "file": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 4096), "groot.pdf")},
            content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert response.status_code == 413
    assert "File too large" in page_text(response)
