"""Calls as visitors and staff use them, through the pages."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallDocument, CallKind, CallStatus
from mvi_challenges.core.db import db

from ..factories import login, make_call, make_user, page_text

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _staff(app: Flask, client: FlaskClient) -> None:
    login(client, make_user(app, Role.STAFF))


def _call_form(catalogue, **overrides) -> dict:
    data = {
        "kind": "sbir", "title": "Slimme bankjes", "summary": "Bankjes die meten.", "body_source": "Tekst **vet**",
        "category_id": catalogue.categories["openbare-ruimte"].id, "ambition_level": "3",
        "level_explanation": "", "social_values": [catalogue.values["innovatie"]], "eligibility": "entrepreneurs",
        "prize_text": "2 × €10.000", "contact_name": "Ilse", "contact_email": "ilse@utrecht.example",
    }
    data.update(overrides)
    return data


def _phase_form(opens: str, closes: str, criteria: list[tuple[str, str]], **overrides) -> dict:
    data = {"title": "Fase", "opens_at": opens, "closes_at": closes, "budget": "40.000", "max_awards": "5",
            "score_scale_max": "10"}
    for index, (name, weight) in enumerate(criteria):
        data[f"criteria-{index}-name"] = name
        data[f"criteria-{index}-weight"] = weight
    data.update(overrides)
    return data


def _local(days: int, hour: int = 12) -> str:
    day = dt.date.today() + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00"


def test_staff_creates_and_publishes_sbir_call_with_two_phases(app: Flask, client_en: FlaskClient, catalogue) -> None:
    _staff(app, client_en)
    response = client_en.post("/staff/calls/new", data=_call_form(catalogue))
    assert response.status_code == 302
    call_id = int(re.search(r"/staff/calls/(\d+)", response.location).group(1))
    manage = page_text(client_en.get(f"/staff/calls/{call_id}"))
    assert "An SBIR call needs two or three phases." in manage

    response = client_en.post(f"/staff/calls/{call_id}/phases/new", data=_phase_form(
        _local(1), _local(20), [("Impact", "40"), ("Technische haalbaarheid", "30"), ("Economisch perspectief", "30")]))
    assert response.status_code == 302
    response = client_en.post(f"/staff/calls/{call_id}/phases/new", data=_phase_form(
        _local(60), _local(90), [("Impact", "30"), ("Economisch perspectief", "70")], budget="200000", max_awards="2"))
    assert response.status_code == 302

    response = client_en.post(f"/staff/calls/{call_id}/status/published", data={"confirm": "yes"},
                               follow_redirects=True)
    assert "The call has been published." in page_text(response)
    with app.app_context():
        call = db.session.get(Call, call_id)
        assert call.status is CallStatus.PUBLISHED
        assert [p.budget_cents for p in call.phases] == [4_000_000, 20_000_000]
        assert [c.weight for c in call.phases[0].criteria] == [40, 30, 30]
        slug = call.slug
    public = app.test_client().get(f"/calls/{slug}")
    assert public.status_code == 200
    text = page_text(public)
    assert "Slimme bankjes" in text and "Economisch perspectief" in text and "70%" in text


def test_phase_weights_not_100_show_error_and_keep_input(app: Flask, client_en, catalogue) -> None:
    _staff(app, client_en)
    call = make_call(app, kind=CallKind.SBIR, phases=0, status=CallStatus.DRAFT)
    response = client_en.post(f"/staff/calls/{call.id}/phases/new", data=_phase_form(
        _local(1), _local(20), [("Impact", "50"), ("Team", "30")]))
    assert response.status_code == 400
    assert "The weights add up to 80; they must add up to exactly 100." in page_text(response)
    html = response.get_data(as_text=True)
    assert 'value="Team"' in html and 'value="30"' in html and 'value="40.000"' in html


def test_phase_form_bad_values_get_field_messages(app: Flask, client_en, catalogue) -> None:
    _staff(app, client_en)
    call = make_call(app, kind=CallKind.SBIR, phases=0, status=CallStatus.DRAFT)
    response = client_en.post(f"/staff/calls/{call.id}/phases/new", data=_phase_form(
        "tomorrow", _local(20), [("", "50"), ("Team", "")], budget="veel geld", max_awards="-1"))
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter a date and time, for example 2027-03-01 12:00." in text
    assert "Enter an amount in euros, for example 15000 or 15.000,00." in text
    assert "Give this criterion a name." in text
    assert "Give this criterion a weight." in text


def test_nonexistent_summer_time_moment_is_refused(app: Flask, client_en, catalogue) -> None:
    _staff(app, client_en)
    call = make_call(app, kind=CallKind.SBIR, phases=0, status=CallStatus.DRAFT)
    response = client_en.post(f"/staff/calls/{call.id}/phases/new", data=_phase_form(
        "2027-03-28T02:30", "2027-04-28T12:00", [("Impact", "100")]))
    assert "This time does not exist in Amsterdam" in page_text(response)


def test_times_are_entered_and_shown_in_amsterdam(app: Flask, client: FlaskClient, catalogue) -> None:
    _staff(app, client)
    call = make_call(app, kind=CallKind.SBIR, phases=0, status=CallStatus.DRAFT)
    client.post(f"/staff/calls/{call.id}/phases/new", data=_phase_form(
        "2027-03-01T09:00", "2027-07-01T12:00", [("Impact", "100")]))
    with app.app_context():
        phase = db.session.get(Call, call.id).phases[0]
        assert phase.opens_at == dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)  # CET = UTC+1
        assert phase.closes_at == dt.datetime(2027, 7, 1, 10, 0, tzinfo=dt.UTC)  # CEST = UTC+2
    form = client.get(f"/staff/calls/{call.id}/phases/1").get_data(as_text=True)
    assert 'value="2027-07-01T12:00"' in form


def test_below_target_without_explanation_is_refused_on_save(app: Flask, client_en, catalogue) -> None:
    _staff(app, client_en)
    response = client_en.post("/staff/calls/new", data=_call_form(catalogue, ambition_level="1"))
    assert response.status_code == 400
    assert "Explain why (comply or explain)" in page_text(response)
    assert 'value="Slimme bankjes"' in response.get_data(as_text=True)


def test_explanation_below_target_is_public(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app, level=1, explanation="De markt is nog niet zo ver; we starten met een verkenning.")
    text = page_text(client.get(f"/calls/{call.slug}"))
    assert "De markt is nog niet zo ver; we starten met een verkenning." in text


def test_drafts_are_invisible_to_the_public_but_previewable_by_staff(app: Flask, client: FlaskClient, catalogue) -> None:
    draft = make_call(app, title="Geheim concept", status=CallStatus.DRAFT)
    assert client.get(f"/calls/{draft.slug}").status_code == 404
    assert "Geheim concept" not in page_text(client.get("/calls"))
    assert "Geheim concept" not in page_text(client.get("/calls?q=Geheim"))
    login(client, make_user(app, Role.ENTREPRENEUR))
    assert client.get(f"/calls/{draft.slug}").status_code == 404
    staff_client = app.test_client()
    _staff(app, staff_client)
    preview = staff_client.get(f"/calls/{draft.slug}")
    assert preview.status_code == 200 and "Geheim concept" in page_text(preview)


def test_call_list_filters_and_search(app: Flask, client: FlaskClient, catalogue) -> None:
    make_call(app, title="Schone bouwlogistiek", category="mobiliteit", values=("klimaat",))
    make_call(app, title="Hittestress wijk", kind=CallKind.SBIR, category="openbare-ruimte",
              values=("gezonde-leefomgeving",))
    make_call(app, title="Oude vraag", category="ict", level=2, opens_in=dt.timedelta(days=-30),
              closes_in=dt.timedelta(days=-2))
    make_call(app, title="Straks open", opens_in=dt.timedelta(days=3), closes_in=dt.timedelta(days=9))

    def titles(query: str) -> set[str]:
        html = client.get(f"/calls?{query}").get_data(as_text=True)
        return set(re.findall(r'id="call-\d+-title"[^>]*><a class="utrecht-link" href="[^"]+">([^<]+)</a>', html))

    assert titles("") == {"Schone bouwlogistiek", "Hittestress wijk", "Oude vraag", "Straks open"}
    assert titles("kind=sbir") == {"Hittestress wijk"}
    assert titles("category=mobiliteit") == {"Schone bouwlogistiek", "Straks open"}
    assert titles("level=2") == {"Oude vraag"}
    assert titles("value=gezonde-leefomgeving") == {"Hittestress wijk"}
    assert titles("state=open") == {"Schone bouwlogistiek", "Hittestress wijk"}
    assert titles("state=closed") == {"Oude vraag"}
    assert titles("state=upcoming") == {"Straks open"}
    assert titles("q=HITTE") == {"Hittestress wijk"}
    assert titles("q=100%25") == set()
    # Nonsense in the query string is ignored, not an error.
    assert titles("kind=bogus&level=9&state=x&page=1") == {"Schone bouwlogistiek", "Hittestress wijk", "Oude vraag",
                                                           "Straks open"}


def test_call_list_is_paginated(app: Flask, client_en: FlaskClient, catalogue) -> None:
    app.config["PAGE_SIZE"] = 2
    try:
        for n in range(5):
            make_call(app, title=f"Vraag {n}")
        first = page_text(client_en.get("/calls"))
        assert "5 calls found" in first and "Page 1 of 3" in first
        last = client_en.get("/calls?page=3")
        assert last.status_code == 200 and "Vraag 0" in page_text(last)
        assert client_en.get("/calls?page=99").status_code == 404
        assert client_en.get("/calls?page=abc").status_code == 200
    finally:
        app.config["PAGE_SIZE"] = 20


def test_call_detail_shows_phases_criteria_values_and_time_left(app: Flask, client_en, catalogue) -> None:
    call = make_call(app, title="Zero-emissie", kind=CallKind.SBIR, values=("klimaat", "innovatie"))
    text = page_text(client_en.get(f"/calls/{call.slug}"))
    assert "Fase 1" in text and "Fase 2" in text
    assert "Impact" in text and "60%" in text and "40%" in text
    assert "Climate (CO2)" in text and "Innovation" in text
    assert "left" in text  # time left before the deadline
    assert "3 of 3" in text
    assert "€50,000" in text


def test_cancelled_call_shows_public_reason(app: Flask, client_en, catalogue) -> None:
    call = make_call(app, status=CallStatus.CANCELLED)
    text = page_text(client_en.get(f"/calls/{call.slug}"))
    assert "This call has been cancelled" in text and "Geen budget meer." in text


def test_staff_cancel_requires_reason(app: Flask, client_en, catalogue) -> None:
    _staff(app, client_en)
    call = make_call(app)
    response = client_en.post(f"/staff/calls/{call.id}/status/cancelled", data={"cancel-reason": " "})
    assert response.status_code == 400
    assert "Give the reason for cancelling; it is published." in page_text(response)
    assert 'href="#cancel-reason"' in response.get_data(as_text=True)
    response = client_en.post(f"/staff/calls/{call.id}/status/cancelled", data={"cancel-reason": "Wethouder trekt in"},
                              follow_redirects=True)
    assert "The call has been cancelled." in page_text(response)
    assert client_en.post(f"/staff/calls/{call.id}/status/bogus").status_code == 404


def test_document_upload_is_checked_by_content_and_served_as_attachment(app: Flask, client_en, catalogue) -> None:
    _staff(app, client_en)
    call = make_call(app)
    fake = client_en.post(f"/staff/calls/{call.id}/documents", data={
        "title": "Nep", "file": (io.BytesIO(b"<script>alert(1)</script>"), "leesmij.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "This type of file is not accepted." in page_text(fake)
    response = client_en.post(f"/staff/calls/{call.id}/documents", data={
        "title": "Programma van eisen", "file": (io.BytesIO(PDF), "../../etc/PvE v1.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "The document has been added." in page_text(response)
    with app.app_context():
        document = db.session.scalar(select(CallDocument))
        assert document.filename == "PvE v1.pdf"
        assert document.content_type == "application/pdf"
    download = app.test_client().get(f"/calls/{call.slug}/documents/{document.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_documents_of_drafts_are_not_downloadable_by_the_public(app: Flask, client: FlaskClient, catalogue) -> None:
    _staff(app, client)
    call = make_call(app, status=CallStatus.DRAFT)
    client.post(f"/staff/calls/{call.id}/documents", data={"title": "PvE", "file": (io.BytesIO(PDF), "pve.pdf")},
                content_type="multipart/form-data")
    with app.app_context():
        document_id = db.session.scalar(select(CallDocument.id))
    assert client.get(f"/calls/{call.slug}/documents/{document_id}").status_code == 200
    assert app.test_client().get(f"/calls/{call.slug}/documents/{document_id}").status_code == 404


def test_home_lists_open_calls_nearest_deadline_first(app: Flask, client_en: FlaskClient, catalogue) -> None:
    make_call(app, title="Later", closes_in=dt.timedelta(days=20))
    make_call(app, title="Bijna dicht", closes_in=dt.timedelta(hours=5))
    make_call(app, title="Concept", status=CallStatus.DRAFT)
    text = page_text(client_en.get("/"))
    assert "2 calls are open now" in text
    assert text.index("Bijna dicht") < text.index("Later")
    assert "Concept" not in text


def test_rich_text_body_is_sanitized(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app, body='Hallo <script>alert(1)</script> [klik](javascript:alert(1)) **vet**')
    html = client.get(f"/calls/{call.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as the text the author typed
    assert "<strong>vet</strong>" in html


def test_the_call_page_starts_with_its_facts(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app, title="Feiten eerst", closes_in=dt.timedelta(days=3))
    text = page_text(client_en.get(f"/calls/{call.slug}"))
    facts = text[text.index("At a glance"):text.index("About this call")]
    assert "Status Open" in facts and "Deadline" in facts and "days left" in facts
    assert "Budget or prize € 10.000" in facts and "Who may submit" in facts and "Ambition level 3 of 3" in facts
    assert "Submit a proposal" in facts
    closed = make_call(app, title="Al dicht", opens_in=dt.timedelta(days=-20), closes_in=dt.timedelta(days=-1))
    shut = page_text(client_en.get(f"/calls/{closed.slug}"))
    facts = shut[shut.index("At a glance"):shut.index("About this call")]
    assert "Deadline" not in facts and "Submit a proposal" not in facts
