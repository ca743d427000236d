"""Nothing typed is lost: the attachment buttons of the proposal form never throw away the text
typed above them, even when part of it cannot be saved yet."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import Proposal

from ..factories import PDF_BYTES, login, make_call, make_user, page_text

TYPED = {"title": "Stille vrachtfietshub", "summary": "Een hub aan de rand van de binnenstad.",
         "body_source": "## Aanpak\nVrachtfietsen.", "requested_budget": "999.999.999"}  # above the phase budget


def _start(app: Flask, client: FlaskClient) -> int:
    call = make_call(app)
    login(client, make_user(app, Role.ENTREPRENEUR))
    response = client.post(f"/calls/{call.slug}/phases/1/proposal")
    return int(re.search(r"/proposals/(\d+)/edit", response.location).group(1))


def _assert_typed_text_shown(response) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Stille vrachtfietshub"' in html
    assert "Een hub aan de rand van de binnenstad." in html and "Vrachtfietsen." in html
    assert 'value="999.999.999"' in html
    text = page_text(response)
    assert "The requested budget is higher than the budget of this phase" in text
    assert "What you typed is not saved yet: correct the marked fields and save your draft." in text
    # The form still saves to the proposal, not to the attachment address it came back from.
    assert re.search(r'<form method="post" action="/proposals/\d+/edit"', html)


def test_upload_with_a_budget_too_high_keeps_the_text_and_adds_the_file(app: Flask, client_en: FlaskClient,
                                                                         catalogue) -> None:
    proposal_id = _start(app, client_en)
    response = client_en.post(f"/proposals/{proposal_id}/attachments",
                              data={**TYPED, "file": (io.BytesIO(PDF_BYTES), "plan.pdf")},
                              content_type="multipart/form-data")
    _assert_typed_text_shown(response)
    assert "The attachment has been added." in page_text(response)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert [a.filename for a in proposal.current_attachments] == ["plan.pdf"]


def test_upload_without_a_file_and_a_budget_too_high_keeps_the_text(app: Flask, client_en: FlaskClient,
                                                                    catalogue) -> None:
    proposal_id = _start(app, client_en)
    response = client_en.post(f"/proposals/{proposal_id}/attachments", data=TYPED,
                              content_type="multipart/form-data")
    _assert_typed_text_shown(response)
    assert "Choose a file." in page_text(response)


def test_upload_with_an_invalid_amount_keeps_the_text(app: Flask, client_en: FlaskClient, catalogue) -> None:
    proposal_id = _start(app, client_en)
    response = client_en.post(f"/proposals/{proposal_id}/attachments",
                              data={**TYPED, "requested_budget": "twaalf",
                                    "file": (io.BytesIO(PDF_BYTES), "plan.pdf")},
                              content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Stille vrachtfietshub"' in html and 'value="twaalf"' in html
    assert "Enter an amount in euros" in page_text(response)
