"""Decision documents: the generated ODT and PDF open, and hold the call's figures (read back).

Who would abuse it, and how: an outsider fetching the paragraph of a call that is not published
yet (only staff may: the draft is internal); someone asking for a year or category that does
not exist, or another format (404, never a 500).
"""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pytest
from flask import Flask
from odf import teletype
from odf.opendocument import load
from odf.text import H, P
from pypdf import PdfReader
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallStatus
from mvi_challenges.core.db import db
from mvi_challenges.monitoring.models import ProcurementRecord

from ..factories import login, make_call, make_user
from .test_talks import build_world


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def odt_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a valid package: mimetype first, stored
        assert archive.namelist()[0] == "mimetype"
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    document = load(io.BytesIO(data))
    parts = [teletype.extractText(element) for kind in (H, P) for element in document.getElementsByType(kind)]
    return " ".join(" ".join(parts).split())


@pytest.fixture
def world(app: Flask, catalogue) -> SimpleNamespace:
    world = build_world(app)
    with app.app_context():
        world.call_record = db.session.scalar(select(ProcurementRecord.id).where(
            ProcurementRecord.call_id == world.call.id))
        world.tender = db.session.scalar(select(ProcurementRecord.id).where(ProcurementRecord.title == "Laptops"))
    return world


def _both(client, url: str) -> list[str]:
    """The document in both formats, as text; checks the download headers on the way."""
    texts = []
    for fmt, reader, mimetype in (("odt", odt_text, "application/vnd.oasis.opendocument.text"),
                                  ("pdf", pdf_text, "application/pdf")):
        response = client.get(url.format(fmt=fmt))
        assert response.status_code == 200, url
        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Content-Disposition"].endswith(f'.{fmt}"')
        texts.append(reader(response.get_data()))
    return texts


CALL_FIGURES_NL = [
    "MVI-paragraaf: Slimme laadpalen", "Mobiliteit", "3 – ambitieus", "2 – significant",
    "Markt nog niet zover.", "Anna Talk", "Klimaat", "€ 50.000", "6 weken extra", "€ 25.000",
    "Impact", "60%", "Haalbaarheid", "40%",
]


def test_call_paragraph_holds_the_calls_figures_in_dutch(app: Flask, client, world) -> None:
    for text in _both(client, f"/monitoring/register/{world.call_record}/mvi-paragraph.{{fmt}}"):
        for figure in CALL_FIGURES_NL:
            assert figure in text, (figure, text)


def test_call_paragraph_in_english(app: Flask, client_en, world) -> None:
    for text in _both(client_en, f"/monitoring/register/{world.call_record}/mvi-paragraph.{{fmt}}"):
        for figure in ("MVI paragraph: Slimme laadpalen", "Target ambition level of the category",
                       "3 – ambitious", "2 – significant", "Explanation approved", "Anna Talk", "€50,000",
                       "6 extra weeks", "€25,000", "Impact", "60%"):
            assert figure in text, (figure, text)


def test_outside_tender_paragraph(app: Flask, client_en, world) -> None:
    for text in _both(client_en, f"/monitoring/register/{world.tender}/mvi-paragraph.{{fmt}}"):
        for figure in ("MVI paragraph: Laptops", "Tender outside the platform", "2 – significant",
                       "1 – basic", "Markt te klein.", "€50,000"):
            assert figure in text, (figure, text)


def test_category_report_has_effort_and_results_of_the_year(app: Flask, client_en, world) -> None:
    for text in _both(client_en, "/monitoring/categories/catering/mvi-report-2025.{fmt}"):
        assert "MVI report 2025: Catering" in text
        # Two catering tenders published in 2025, both at target; the 2024 one is not in it.
        assert "Procurements in the register 2" in text
        assert "Procurements at target level 2 (100%)" in text
        assert "Kantinecatering" in text and "Lunch van Bram" in text and "Koffie 2024" not in text
        # Contracts signed in 2025: the coffee (2024 tender), catering and Bram's: 80,000 + 20,000 + 3,000.
        assert "Contracts signed 3" in text
        assert "€103,000" in text
        assert "Climate" in text


def test_staff_get_the_paragraph_of_a_draft_call(app: Flask, client, catalogue) -> None:
    draft = make_call(app, title="Nog geheim", status=CallStatus.DRAFT)
    url = f"/staff/monitoring/calls/{draft.id}/mvi-paragraph.{{fmt}}"
    assert client.get(url.format(fmt="pdf")).status_code == 302  # to log in
    login(client, make_user(app, Role.ENTREPRENEUR))
    assert client.get(url.format(fmt="odt")).status_code == 403
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    assert all("MVI-paragraaf: Nog geheim" in text for text in _both(staff, url))


def test_no_document_for_what_does_not_exist(app: Flask, client, world) -> None:
    assert client.get("/monitoring/register/999999/mvi-paragraph.pdf").status_code == 404
    assert client.get(f"/monitoring/register/{world.tender}/mvi-paragraph.docx").status_code == 404
    assert client.get("/monitoring/categories/catering/mvi-report-1999.pdf").status_code == 404
    assert client.get("/monitoring/categories/bestaat-niet/mvi-report-2025.odt").status_code == 404


def test_documents_are_linked_from_record_call_and_dashboard(app: Flask, client, world) -> None:
    record_page = client.get(f"/monitoring/register/{world.tender}").get_data(as_text=True)
    assert f"/monitoring/register/{world.tender}/mvi-paragraph.odt" in record_page
    assert f"/monitoring/register/{world.tender}/mvi-paragraph.pdf" in record_page
    dashboard = client.get("/monitoring?year=2025&category=catering").get_data(as_text=True)
    assert "/monitoring/categories/catering/mvi-report-2025.odt" in dashboard
    login(client, make_user(app, Role.STAFF))
    manage = client.get(f"/staff/calls/{world.call.id}").get_data(as_text=True)
    assert f"/staff/monitoring/calls/{world.call.id}/mvi-paragraph.odt" in manage


def test_hostile_text_gives_documents_that_open(app: Flask, client, catalogue) -> None:
    """Markup, a formula and a pasted control character in what staff typed: both files open, the
    text is text (no PDF markup, no broken XML)."""
    import datetime as dt

    from mvi_challenges.catalogue.models import Category
    from mvi_challenges.monitoring import services

    with app.app_context():
        record = services.save_record(
            db.session, None, None, title="<b>Vet</b> & \x0bco", reference="=1+1", description="",
            category=db.session.scalar(select(Category).where(Category.slug == "ict")), department=None,
            manager=None, target_level=2, applied_level=1, explanation="<script>alert(1)</script>\nTweede regel",
            published_on=dt.date(2025, 1, 1), estimated_value_cents=None)
        db.session.commit()
        record_id = record.id
    odt, pdf = _both(client, f"/monitoring/register/{record_id}/mvi-paragraph.{{fmt}}")
    for text in (odt, pdf):
        assert "<b>Vet</b> & co" in text
        assert "<script>alert(1)</script> Tweede regel" in text


def test_the_paragraph_names_the_library_criteria_the_level_follows_from(app: Flask, catalogue) -> None:
    from ..factories import make_library

    library = make_library(app)
    call = make_call(app, title="Schone bouwplaats", library=(library.criteria["MOB-1"], library.criteria["MOB-3"]))
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    for text in _both(staff, f"/staff/monitoring/calls/{call.id}/mvi-paragraph.{{fmt}}"):
        assert "MVI-criteria uit de bibliotheek" in text, text
        for figure in ("MOB-1", "MOB-3", "Eis MOB-3 in het Nederlands.", "Bewijs MOB-3.", "Schoon en emissievrij"):
            assert figure in text, (figure, text)
        assert "MOB-2" not in text  # not chosen
