"""Clarification notes (nota van inlichtingen) in rounds: numbered, dated, immutable call documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.notices.models import ClarificationNote
from mvi_challenges.proposals.models import Question

from ..factories import login, make_call, make_proposal, make_user, page_text
from ..races import all_at_once

_ASKED: dict[int, str] = {}


def _ask(app: Flask, call, text: str) -> int:
    asker = app.test_client()
    login(asker, make_user(app, Role.ENTREPRENEUR))
    asker.post(f"/calls/{call.slug}/questions", data={"text": text})
    with app.app_context():
        question_id = db.session.scalar(select(Question.id).where(Question.text == text))
    _ASKED[question_id] = text
    return question_id


def _answer(staff: FlaskClient, question_id: int, answer: str, *, publish: bool = True, text: str = ""):
    data = {f"q{question_id}-text": text or _ASKED[question_id], f"q{question_id}-answer_source": answer}
    if publish:
        data[f"q{question_id}-publish"] = "y"
    return staff.post(f"/staff/questions/{question_id}", data=data)


def _staff(app: Flask) -> FlaskClient:
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    return staff


def _issue(staff: FlaskClient, call, number: int, changes: str = "", confirm: bool = True):
    data = {"changes_source": changes, "expected_number": str(number)}
    if confirm:
        data["confirm"] = "yes"
    return staff.post(f"/staff/calls/{call.id}/notes", data=data)


def test_numbers_are_given_at_publication_and_are_the_same_for_staff_and_public(app: Flask, client_en: FlaskClient,
                                                                             catalogue) -> None:
    call = make_call(app)
    first = _ask(app, call, "Eerste vraag?")
    second = _ask(app, call, "Tweede vraag?")
    staff = _staff(app)
    _answer(staff, second, "Antwoord op de tweede.")  # published first: it becomes question 1
    _answer(staff, first, "Nog niet klaar.", publish=False)
    staff_page = page_text(staff.get(f"/staff/calls/{call.id}/questions"))
    assert "Vraag 1 — gepubliceerd" in staff_page and "Nieuwe vraag — niet gepubliceerd" in staff_page
    public = page_text(client_en.get(f"/calls/{call.slug}/questions"))
    assert "Question 1 Tweede vraag?" in public and "Eerste vraag?" not in public

    _answer(staff, first, "Nu wel.")
    _answer(staff, first, "Nu wel.", publish=False)  # withdrawn again: its number 2 is not given away
    third = _ask(app, call, "Derde vraag?")
    _answer(staff, third, "Antwoord drie.")
    with app.app_context():
        numbers = dict(db.session.execute(select(Question.text, Question.number)).all())
    assert numbers == {"Eerste vraag?": 2, "Tweede vraag?": 1, "Derde vraag?": 3}
    assert "Question 3 Derde vraag?" in page_text(client_en.get(f"/calls/{call.slug}/questions"))


def test_a_note_bundles_the_published_answers_and_becomes_a_call_document(app: Flask, client_en: FlaskClient,
                                                                          catalogue) -> None:
    call = make_call(app)
    staff = _staff(app)
    published = _ask(app, call, "Mag het met vrachtfietsen?")
    secret = _ask(app, call, "Wat is het budget van de concurrent?")
    _answer(staff, published, "Ja, **graag**.")
    _answer(staff, secret, "Geheim concept-antwoord", publish=False)

    question = _issue(staff, call, 1, "- De deadline blijft staan.", confirm=False)
    assert question.status_code == 200
    asked = page_text(question)
    assert "Nota van inlichtingen 1 uitbrengen?" in asked and "(vragen 1)" in asked
    with app.app_context():
        assert db.session.scalar(select(func.count(ClarificationNote.id))) == 0

    response = _issue(staff, call, 1, "- De deadline blijft staan.")
    assert response.status_code == 302
    page = client_en.get(f"/calls/{call.slug}/notes/1")
    text = page_text(page)
    assert page.status_code == 200
    assert "Clarification note 1" in text and "Mag het met vrachtfietsen?" in text and "De deadline blijft staan." in text
    assert "Question 1" in text and "Issued on" in text
    assert "concurrent" not in text and "concept-antwoord" not in text
    call_page = page_text(client_en.get(f"/calls/{call.slug}"))
    assert "Documents Clarification note 1 , issued on" in call_page

    pdf = client_en.get(f"/calls/{call.slug}/notes/1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Mag het met vrachtfietsen?" in pdf_text and "graag" in pdf_text
    assert "concurrent" not in pdf_text and "concept-antwoord" not in pdf_text
    assert client_en.get(f"/calls/{call.slug}/notes/1.pdf").data == pdf.data  # the same bytes every time

    with app.app_context():
        note = db.session.scalar(select(ClarificationNote))
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "clarification_note.issued")) is not None
        assert note.digest in pdf_text.replace("\n", "")


def test_anyone_can_check_the_digest_and_an_issued_answer_cannot_be_changed(app: Flask, client: FlaskClient,
                                                                             catalogue) -> None:
    call = make_call(app)
    staff = _staff(app)
    question_id = _ask(app, call, "Hoe lang is de pilot?")
    _answer(staff, question_id, "Zes maanden.")
    _issue(staff, call, 1)
    data = client.get(f"/calls/{call.slug}/notes/1.json")
    content = json.loads(data.data)
    assert content["items"] == [{"number": 1, "question": "Hoe lang is de pilot?", "answer": "Zes maanden."}]
    digest = hashlib.sha256(data.data).hexdigest()
    assert digest in page_text(client.get(f"/calls/{call.slug}/notes/1"))

    # A later edit of the question is refused, and the note stays as issued.
    refused = _answer(staff, question_id, "Twaalf maanden.")
    assert refused.status_code == 400
    assert "kan niet meer worden gewijzigd" in page_text(refused)
    assert hashlib.sha256(client.get(f"/calls/{call.slug}/notes/1.json").data).hexdigest() == digest
    assert "Zes maanden." in page_text(client.get(f"/calls/{call.slug}/notes/1"))


def test_the_next_note_takes_only_new_answers_and_followers_and_applicants_get_a_mail(app: Flask,
                                                                                     catalogue) -> None:
    call = make_call(app)
    staff = _staff(app)
    follower = make_user(app, Role.CITIZEN, email="volger@example.org")
    follower_client = app.test_client()
    login(follower_client, follower)
    follower_client.post(f"/calls/{call.slug}/follow", data={"follow": "1"})
    applicant = make_user(app, Role.ENTREPRENEUR, email="indiener@example.org")
    make_proposal(app, applicant, call)  # a draft is enough: they started one
    _answer(staff, _ask(app, call, "Vraag A?"), "Antwoord A.")
    _issue(staff, call, 1)
    _answer(staff, _ask(app, call, "Vraag B?"), "Antwoord B.")
    _issue(staff, call, 2, "Bijlage 3 vervalt.")

    text = page_text(app.test_client().get(f"/calls/{call.slug}/notes/2"))
    assert "Vraag B?" in text and "Vraag A?" not in text and "Bijlage 3 vervalt." in text
    with app.app_context():
        for address in ("volger@example.org", "indiener@example.org"):
            mails = list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == address,
                                                                       OutboxEmail.subject.like("Nota van%"))))
            assert [m.subject.split(" op ")[0] for m in mails] == ["Nota van inlichtingen 1",
                                                                   "Nota van inlichtingen 2"]
            assert f"http://localhost/calls/{call.slug}/notes/2" in mails[1].body or \
                f"/calls/{call.slug}/notes/2" in mails[1].body


def test_a_second_click_does_not_issue_a_second_note(app: Flask, catalogue) -> None:
    call = make_call(app)
    staff = _staff(app)
    _answer(staff, _ask(app, call, "Vraag?"), "Antwoord.")
    assert _issue(staff, call, 1, "Wijziging.").status_code == 302
    again = _issue(staff, call, 1, "Wijziging.")
    assert again.status_code == 302
    followed = staff.get(again.headers["Location"])
    assert "Nota van inlichtingen 1 is al uitgebracht." in page_text(followed)
    with app.app_context():
        assert db.session.scalar(select(func.count(ClarificationNote.id))) == 1


def test_six_clicks_at_once_issue_one_note(app: Flask, catalogue) -> None:
    call = make_call(app)
    staff_user = make_user(app, Role.STAFF)
    first = app.test_client()
    login(first, staff_user)
    _answer(first, _ask(app, call, "Vraag?"), "Antwoord.")
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        login(client, staff_user)
    statuses = all_at_once([lambda client=client: _issue(client, call, 1, "Wijziging.").status_code
                            for client in clients])
    assert statuses == [302] * 6
    with app.app_context():
        assert db.session.scalar(select(func.count(ClarificationNote.id))) == 1


def test_no_note_after_the_deadline_or_on_a_closed_call(app: Flask, catalogue) -> None:
    staff = _staff(app)
    closed = make_call(app, status="closed")
    assert "Na de laatste deadline" in page_text(staff.get(f"/staff/calls/{closed.id}/notes")) or \
        "alleen worden uitgebracht" in page_text(staff.get(f"/staff/calls/{closed.id}/notes"))
    refused = _issue(staff, closed, 1, "Nieuwe eis.")
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(ClarificationNote.id))) == 0
    past = make_call(app, opens_in=dt.timedelta(days=-10), closes_in=dt.timedelta(days=-1))
    _issue(staff, past, 1, "Nieuwe eis.")
    with app.app_context():
        assert db.session.scalar(select(func.count(ClarificationNote.id))) == 0


def test_notes_of_a_call_are_not_readable_through_another_call_or_a_draft(app: Flask, client: FlaskClient,
                                                                           catalogue) -> None:
    call = make_call(app)
    other = make_call(app)
    staff = _staff(app)
    _answer(staff, _ask(app, call, "Vraag?"), "Antwoord.")
    _issue(staff, call, 1)
    assert client.get(f"/calls/{other.slug}/notes/1").status_code == 404
    assert client.get(f"/calls/{call.slug}/notes/2.pdf").status_code == 404
    assert client.get(f"/calls/{call.slug}/notes/1.pdf").status_code == 200


def test_each_issued_note_is_a_clarifications_document_in_the_open_contracting_data(app: Flask, client: FlaskClient,
                                                                                     catalogue) -> None:
    from ..api.test_ocds import assert_valid_package

    call = make_call(app)
    staff = _staff(app)
    _answer(staff, _ask(app, call, "Vraag?"), "Antwoord.")
    _issue(staff, call, 1)
    package = client.get("/api/v1/ocds/releases.json").get_json()
    assert_valid_package(package)
    documents = [d for release in package["releases"] for d in release.get("tender", {}).get("documents", [])
                 if d["id"] == "clarification-note-1"]
    assert documents and documents[0]["documentType"] == "clarifications"
    assert documents[0]["url"].endswith(f"/calls/{call.slug}/notes/1.pdf") and documents[0]["format"] == "application/pdf"
