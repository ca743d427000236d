"""Clean file names: a name is shown and sent in headers, so nothing in it may act as control.

The attack: `uploads.py` allowed `\\s`, so a CR/LF in an uploaded name made its download a 500, and
bidi overrides or zero-width characters landed raw in `Content-Disposition`.
"""

from __future__ import annotations

import io

import pytest
from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.uploads import clean_filename, inspect_upload
from mvi_challenges.proposals.models import Attachment

from ..factories import PDF_BYTES, login, make_call, make_proposal, make_user


@pytest.mark.parametrize(("typed", "kept"), [
    ("plan.pdf", "plan.pdf"),
    ("Café Ünïcode 東京 (v2)_final-1.pdf", "Café Ünïcode 東京 (v2)_final-1.pdf"),
    ("plan\r\nX-Injected: 1.pdf", "planX-Injected 1.pdf"),
    ("\u202efdp.exe.pdf", "fdp.exe.pdf"),  # right-to-left override: the name would read backwards
    ("zero\u200bwidth\u2060joiner.pdf", "zerowidthjoiner.pdf"),
    ("line\u2028para\u2029sep\x85.pdf", "lineparasep.pdf"),
    ("tab\there\x0bvt.pdf", "tabherevt.pdf"),
    ("een\u00a0twee.pdf", "een twee.pdf"),
    ("\x00\x1f\u200e.pdf", "bijlage.pdf"),
    ("<>:\"|?*.pdf", "bijlage.pdf"),
    ("C:\\Users\\me\\geheim.pdf", "geheim.pdf"),
    ("../../etc/passwd", "passwd.pdf"),
])
def test_names_keep_letters_digits_spaces_and_a_little_punctuation(typed: str, kept: str) -> None:
    assert clean_filename(typed, "pdf") == kept


def test_an_upload_named_with_a_line_break_is_stored_clean() -> None:
    upload = inspect_upload(io.BytesIO(PDF_BYTES), "begroting\r\n2027.pdf", 1024 * 1024)
    assert upload.filename == "begroting2027.pdf"


def test_a_stored_name_with_a_line_break_still_downloads(app: Flask, catalogue) -> None:
    owner = make_user(app, Role.CITIZEN)
    proposal = make_proposal(app, owner, make_call(app), attachment=True)
    with app.app_context():  # a name stored before names were cleaned
        db.session.get(Attachment, proposal.attachment_id).filename = "plan\r\nSet-Cookie: x=1\u202e.pdf"
        db.session.commit()
    browser = app.test_client()
    login(browser, owner)
    response = browser.get(f"/proposals/{proposal.id}/attachments/{proposal.attachment_id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "Set-Cookie" not in response.headers
    assert disposition == "attachment; filename=\"planSet-Cookie x1.pdf\""
