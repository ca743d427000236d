"""Questions and answers (nota van inlichtingen) and following a call."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.proposals.models import Question

from ..factories import login, make_call, make_user, page_text


def test_question_is_answered_publicly_without_the_askers_name(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    asker = make_user(app, Role.ENTREPRENEUR, name="Anna Vrager")
    follower = make_user(app, Role.CITIZEN, email="volger@example.org")
    follower_client = app.test_client()
    login(follower_client, follower)
    follower_client.post(f"/calls/{call.slug}/follow", data={"follow": "1"})

    login(client_en, asker)
    response = client_en.post(f"/calls/{call.slug}/questions", data={"text": "Mogen we met vrachtfietsen werken?"},
                              follow_redirects=True)
    assert "Your question has been sent." in page_text(response)
    assert "Mogen we met vrachtfietsen" not in page_text(app.test_client().get(f"/calls/{call.slug}"))

    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
    staff.post(f"/staff/questions/{question_id}", data={
        f"q{question_id}-text": "Mag de oplossing met vrachtfietsen werken?",
        f"q{question_id}-answer_source": "Ja, **graag** zelfs.", f"q{question_id}-publish": "y"})

    public = app.test_client().get(f"/calls/{call.slug}")
    text = page_text(public)
    assert "Mag de oplossing met vrachtfietsen werken?" in text and "graag" in text
    assert "Anna Vrager" not in text and asker.email not in text
    notice = page_text(app.test_client().get(f"/calls/{call.slug}/questions"))
    assert "Nota van inlichtingen" in notice and "Mag de oplossing met vrachtfietsen werken?" in notice
    with app.app_context():
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "volger@example.org"))
        assert mail is not None and "Nieuw antwoord" in mail.subject
        assert "<strong>graag</strong>" in mail.html_body


def test_followers_hear_when_a_call_changes(app: Flask, catalogue) -> None:
    call = make_call(app)
    follower = make_user(app, Role.CITIZEN, email="volger@example.org")
    client = app.test_client()
    login(client, follower)
    client.post(f"/calls/{call.slug}/follow", data={"follow": "1"})
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post(f"/staff/calls/{call.id}/status/cancelled", data={"cancel-reason": "Geen budget."})
    with app.app_context():
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "volger@example.org"))
        assert "geannuleerd" in mail.body and "Geen budget." in mail.body


def test_questions_close_with_the_call(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post(f"/staff/calls/{call.id}/close", data={"close-reason": ""})
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    response = client_en.post(f"/calls/{call.slug}/questions", data={"text": "Te laat?"})
    assert response.status_code == 400
    assert "Questions can no longer be asked on this call." in page_text(response)


def test_an_empty_question_gets_a_message(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    response = client_en.post(f"/calls/{call.slug}/questions", data={"text": ""})
    assert response.status_code == 400
    assert "Type your question." in page_text(response)
