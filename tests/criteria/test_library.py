"""The criteria library (issue #19, part 1): administrators maintain it in pages and as CSV.

Who would abuse it: staff or an entrepreneur editing the library to make a weak criterion count as
ambitious (only administrators may: the matrix in tests/test_authorization_matrix.py, and here);
a spreadsheet with formulas (neutralised on export, restored on import); a half-broken file that
would leave the library half-imported (all or nothing); a binary or non-UTF-8 file (refused by
content, never a 500).
"""

from __future__ import annotations

import io
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.criteria.models import LibraryCriterion
from mvi_challenges.demo.criteria import seed_library

from ..factories import login, make_library, make_user, page_text


def _admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, make_user(app, Role.ADMIN, Role.STAFF))
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _export(client: FlaskClient) -> bytes:
    response = client.get("/admin/library/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed  # the download starts while the rows are read
    return response.get_data()


def _import(client: FlaskClient, data: bytes, name: str = "library.csv"):
    return client.post("/admin/library/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LibraryCriterion.id)))


HEADER = "code;category;level;text_nl;text_en;verification_nl;verification_en;social_value;principle;retired\n"


def test_admin_adds_edits_and_retires_a_criterion(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    client = _admin(app)
    form = {"code": "MOB-9", "category_id": str(catalogue.categories["mobiliteit"].id), "level": "2",
            "text_nl": "Vrachtwagens rijden op groene stroom.", "text_en": "Lorries run on green power.",
            "verification_nl": "Laadpaslog.", "verification_en": "Charging log.",
            "social_value_id": str(catalogue.values["klimaat"]), "principle_id": str(library.principles["schoon"])}
    assert client.post("/admin/library/criteria/new", data=form).status_code == 302
    listing = page_text(client.get("/admin/library/?category=mobiliteit&level=2"))
    assert "MOB-9" in listing and "Lorries run on green power." in listing and "MOB-3" not in listing

    # The same code twice is refused next to the field, and what was typed stays.
    again = client.post("/admin/library/criteria/new", data={**form, "text_nl": "Iets anders."})
    assert again.status_code == 400
    assert "Another criterion already has this code." in page_text(again) and "Iets anders." in page_text(again)

    with app.app_context():
        criterion_id = db.session.scalar(select(LibraryCriterion.id).where(LibraryCriterion.code == "MOB-9"))
    # Retiring asks first, then takes effect; a second click changes nothing.
    question = client.post(f"/admin/library/criteria/{criterion_id}/retire", data={})
    assert question.status_code == 200 and "Retire criterion MOB-9?" in page_text(question)
    with app.app_context():
        assert db.session.get(LibraryCriterion, criterion_id).retired_at is None
    for _ in range(2):
        assert client.post(f"/admin/library/criteria/{criterion_id}/retire", data={"confirm": "yes"}).status_code == 302
    with app.app_context():
        assert db.session.get(LibraryCriterion, criterion_id).is_retired


def test_the_criterion_form_tells_every_error_at_once(app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    client = _admin(app)
    response = client.post("/admin/library/criteria/new", data={
        "code": "bad code!", "category_id": "0", "level": "", "text_nl": "", "social_value_id": "0",
        "principle_id": "0"})
    text = page_text(response)
    assert response.status_code == 400
    for message in ("Choose a category.", "Choose the ambition level of this criterion.",
                    "Choose the social value.", "Choose the leading principle."):
        assert message in text
    assert _count(app) == 7


def test_export_then_import_gives_the_same_library(app: Flask, catalogue: SimpleNamespace) -> None:
    with app.app_context():
        seed_library(db.session)  # the demo library: every category, three levels, nl and en
        db.session.commit()
    client = _admin(app)
    exported = _export(client)
    assert exported.startswith("\ufeff".encode()) and exported.count(b"\n") == 31  # header + 30 criteria

    response = _import(client, exported)
    assert response.status_code == 302
    assert "0 criteria added, 0 changed, 30 unchanged" in page_text(client.get("/admin/library/"))
    assert _export(client) == exported

    # Into an empty library the same file recreates it exactly.
    with app.app_context():
        db.session.execute(LibraryCriterion.__table__.delete())
        db.session.commit()
    assert _import(client, exported).status_code == 302
    assert _count(app) == 30
    assert _export(client) == exported
    with app.app_context():  # one audit trace per criterion the import created; none for the unchanged ones
        assert db.session.scalar(select(func.count(AuditEvent.id))
                                 .where(AuditEvent.action == "library_criterion.imported")) == 30


def test_a_formula_looking_text_survives_the_round_trip(app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    client = _admin(app)
    row = "MOB-F;mobiliteit;2;=SUM(A1) is geen formule;-10% uitstoot;;;klimaat;schoon;\n"
    assert _import(client, (HEADER + row).encode()).status_code == 302
    exported = _export(client).decode("utf-8-sig")
    assert "'=SUM(A1) is geen formule" in exported  # a spreadsheet will not run it
    assert _import(client, exported.encode()).status_code == 302
    with app.app_context():
        criterion = db.session.scalar(select(LibraryCriterion).where(LibraryCriterion.code == "MOB-F"))
        assert (criterion.text_nl, criterion.text_en) == ("=SUM(A1) is geen formule", "-10% uitstoot")


def test_bad_rows_are_all_reported_with_line_numbers_and_nothing_is_imported(
        app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    client = _admin(app)
    rows = ("NEW-1;mobiliteit;3;Een goede nieuwe eis.;;;;klimaat;schoon;\n"   # line 2: fine
            "NEW-2;mobiliteit;4;Niveau vier bestaat niet.;;;;klimaat;schoon;\n"  # line 3
            "NEW-3;snoepgoed;1;Onbekende categorie.;;;;klimaat;schoon;\n"  # line 4
            "NEW-4;ict;2;;;;;klimaat;nergens;\n"  # line 5: no text, unknown principle
            "\n"  # line 6: blank, no error
            "NEW-1;ict;1;Dubbele code.;;;;klimaat;schoon;misschien\n"  # line 7: duplicate code, bad retired
            'NEW-5;ict;1;"Twee\nregels";;;;klimaat;schoon;\n'  # lines 8-9: fine
            "MOB-1;mobiliteit;1;Gewijzigde tekst.;;;;onbekend;schoon;\n")  # line 10: unknown value
    response = _import(client, (HEADER + rows).encode())
    text = page_text(response)
    assert response.status_code == 400
    assert "Nothing was imported: 7 errors" in text
    assert "Line 3: The ambition level is 1, 2 or 3." in text
    assert "Line 4: unknown category “snoepgoed”" in text
    assert "Line 5: unknown leading principle “nergens”" in text
    assert "Line 5: Give the criterion's text in Dutch." in text
    assert "Line 7: code also on line 2" in text and "Line 7: “retired” is “yes” or empty" in text
    assert "Line 10: unknown social value “onbekend”" in text
    assert "Line 2:" not in text and "Line 6:" not in text and "Line 8:" not in text
    assert _count(app) == 7  # nothing half-imported, MOB-1 unchanged
    with app.app_context():
        assert db.session.scalar(select(LibraryCriterion.text_nl).where(LibraryCriterion.code == "MOB-1")) \
            == "Eis MOB-1 in het Nederlands."


def test_files_that_are_no_csv_are_refused_in_words(app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    client = _admin(app)
    cases = {
        b"PK\x03\x04\x00\x00binary spreadsheet": "This is not a CSV text file.",
        HEADER.encode() + "MOB-X;mobiliteit;1;caf\xe9;;;;klimaat;schoon;\n".encode("latin-1"):
            "The file is not UTF-8 text.",
        b"code;category;level\nMOB-X;mobiliteit;1\n": "The header lacks the column(s): text_nl",
        HEADER.encode(): "The file has no criteria.",
    }
    for data, message in cases.items():
        response = _import(client, data)
        assert response.status_code == 400 and message in page_text(response), message
    assert _import(client, b"x" * (2 * 1024 * 1024 + 1)).status_code in (400, 413)
    no_file = client.post("/admin/library/import", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and "Choose a file." in page_text(no_file)
    assert _count(app) == 7


def test_a_comma_separated_file_with_retired_rows_imports(app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    client = _admin(app)
    data = (HEADER.replace(";", ",") + "MOB-1,mobiliteit,1,Nieuwe tekst,,,,klimaat,schoon,yes\n").encode()
    assert _import(client, data).status_code == 302
    with app.app_context():
        criterion = db.session.scalar(select(LibraryCriterion).where(LibraryCriterion.code == "MOB-1"))
        assert criterion.text_nl == "Nieuwe tekst" and criterion.is_retired


def test_staff_cannot_change_the_library(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    assert client.get("/admin/library/").status_code == 403
    assert client.post(f"/admin/library/criteria/{library.criteria['MOB-1']}",
                       data={"code": "MOB-1", "level": "3"}).status_code == 403
    assert _import(client, HEADER.encode()).status_code == 403
    with app.app_context():
        assert db.session.get(LibraryCriterion, library.criteria["MOB-1"]).level == 1


def test_admin_manages_leading_principles(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    client = _admin(app)
    response = client.post("/admin/library/principles/new", data={
        "name_nl": "Lokaal eerst", "name_en": "Local first", "description_nl": "Kansen voor de buurt.",
        "description_en": "Chances for the neighbourhood.", "social_values": [str(catalogue.values["lokaal-mkb"])]})
    assert response.status_code == 302
    page = page_text(client.get("/admin/library/principles"))
    assert "Local first" in page and "Local and small enterprises" in page

    empty = client.post("/admin/library/principles/new", data={"name_nl": "", "name_en": ""})
    assert empty.status_code == 400
    schoon = library.principles["schoon"]
    assert client.post(f"/admin/library/principles/{schoon}/retire", data={"confirm": "yes"}).status_code == 302
    assert "retired" in page_text(client.get("/admin/library/principles"))
    # A retired principle is not offered for a new criterion, but stays on the criterion that has it.
    new_form = client.get("/admin/library/criteria/new").get_data(as_text=True)
    assert "Clean and zero-emission" not in new_form
    old_form = client.get(f"/admin/library/criteria/{library.criteria['MOB-1']}").get_data(as_text=True)
    assert "Clean and zero-emission" in old_form
