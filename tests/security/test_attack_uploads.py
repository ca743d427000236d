"""Hostile files, tried as an applicant who wants to take the server down (or a juror's laptop).

Abuser: an applicant (or anyone with an account) uploading a ZIP bomb dressed as a Word document.
`filetype` recognises a DOCX by its first bytes only, so a 300 KB package declaring 300 MB of
zeros was accepted and stored; the blind jury's download then unpacked every part in memory to
remove the document properties (a 20 MB upload: 20 GB). Found broken, fixed in core/uploads.py
(refused on upload) and evaluation/blind_copies.py (a stored one is never unpacked).
"""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.storage import get_storage
from mvi_challenges.core.uploads import MAX_UNPACKED_BYTES, inspect_upload
from mvi_challenges.proposals.models import Attachment

from ..factories import close_phase, login, make_call, make_proposal, make_user, page_text

UNPACKED = MAX_UNPACKED_BYTES + 40 * 1024 * 1024


def _docx_bomb() -> bytes:
    """A real DOCX-looking package whose one part unpacks to ~300 MB of zeros (about 300 KB here)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(UNPACKED // len(chunk)):
                part.write(chunk)
    return out.getvalue()


def _small_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + "tekst " * 2000 + "</w:document>")
        archive.writestr("docProps/core.xml", "<cp:coreProperties><dc:creator>Jan Jansen</dc:creator>"
                                              "</cp:coreProperties>")
    return out.getvalue()


def test_a_zip_bomb_dressed_as_a_docx_is_refused_on_upload(app: Flask, catalogue) -> None:
    bomb = _docx_bomb()
    assert len(bomb) < 1024 * 1024  # small enough for every upload limit
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app))
    browser = app.test_client()
    login(browser, owner)
    browser.post("/language", data={"lang": "en", "next": "/"})
    response = browser.post(f"/proposals/{made.id}/attachments", data={"file": (io.BytesIO(bomb), "plan.docx")},
                            content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code in (200, 400)
    assert "This file unpacks to more than 256 MB" in page_text(response)
    with app.app_context():
        assert db.session.scalars(select(Attachment).where(Attachment.proposal_id == made.id)).first() is None


def test_a_real_docx_and_a_damaged_package_get_a_plain_answer() -> None:
    assert inspect_upload(io.BytesIO(_small_docx()), "plan.docx", 1024 * 1024).extension == "docx"
    damaged = _small_docx()[:-30]  # the central directory cut off
    try:
        inspect_upload(io.BytesIO(damaged), "plan.docx", 1024 * 1024)
    except DomainError as error:
        assert "damaged" in str(error.message if hasattr(error, "message") else error)
    else:  # filetype may not even recognise it: then it is refused as an unknown type, also fine
        raise AssertionError("a damaged package was accepted")


def test_a_stored_zip_bomb_is_not_unpacked_for_the_blind_jury(app: Flask, catalogue) -> None:
    """A bomb stored before uploads were checked: the blind copy does not unpack it."""
    call = make_call(app, kind=CallKind.SBIR)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, attachment=True)
    bomb = _docx_bomb()
    with app.app_context():
        attachment = db.session.get(Attachment, made.attachment_id)
        storage = get_storage(app.config)
        staged = storage.stage(bomb)
        storage.promote(staged)
        attachment.storage_key = staged.key
        attachment.content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        db.session.commit()
    close_phase(app, call)
    staff, chair_user = app.test_client(), make_user(app, Role.JURY)
    login(staff, make_user(app, Role.STAFF))
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": chair_user.email, "is_chair": "y"})
    staff.post(f"/staff/calls/{call.id}/phases/1/jury/settings", data={"blind_review": "y", "threshold": "3"})
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 1))
    chair = app.test_client()
    login(chair, chair_user)
    chair.post(f"/jury/phases/{phase_id}", data={f"declare-{made.id}": "none"})
    download = chair.get(f"/jury/phases/{phase_id}/proposals/{made.id}/attachments/{made.attachment_id}")
    assert download.status_code == 200
    assert download.data == bomb  # handed over as stored, never unpacked on the server


SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML_AS_PDF = b"<!doctype html><html><script>alert(1)</script></html>"


def test_svg_and_html_dressed_as_accepted_types_are_refused() -> None:
    """Held: the type is decided by the content, whatever the name says."""
    for data, name in ((SVG_WITH_SCRIPT, "logo.svg"), (SVG_WITH_SCRIPT, "logo.png"), (HTML_AS_PDF, "plan.pdf")):
        try:
            inspect_upload(io.BytesIO(data), name, 1024 * 1024)
        except DomainError:
            continue
        raise AssertionError(f"{name} was accepted")


def test_a_pdf_html_polyglot_is_only_ever_downloaded(app: Flask, catalogue) -> None:
    """Held: a PDF that also holds HTML is served as an attachment with nosniff, never rendered."""
    from ..factories import PDF_BYTES

    polyglot = PDF_BYTES + b"\n<html><script>alert(document.domain)</script></html>"
    upload = inspect_upload(io.BytesIO(polyglot), "plan.html", 1024 * 1024)
    assert upload.extension == "pdf" and upload.filename == "plan.pdf"
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app))
    browser = app.test_client()
    login(browser, owner)
    browser.post(f"/proposals/{made.id}/attachments", data={"file": (io.BytesIO(polyglot), "plan.html")},
                 content_type="multipart/form-data")
    with app.app_context():
        attachment = db.session.scalars(select(Attachment).where(Attachment.proposal_id == made.id)).one()
    response = browser.get(f"/proposals/{made.id}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
