"""Irreversible actions ask first (confirmation.ask_first): the first POST changes nothing and
shows what will happen; the same POST with confirm=yes acts."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call, CallStatus, Phase
from mvi_challenges.core.db import db
from mvi_challenges.dialogues.models import Registration, RegistrationStatus
from mvi_challenges.evaluation.models import JuryMember, ScoreSheet, SheetStatus
from mvi_challenges.proposals.models import Proposal, ProposalStatus

from .evaluation.test_evaluation import _client, _scores, _setup
from .factories import PASSWORD, login, make_call, make_dialogue, make_proposal, make_user, page_text


def _asks(response, title: str, *consequences: str) -> str:
    assert response.status_code == 200
    text = page_text(response)
    assert title in text and "This cannot be undone." in text, text
    for line in consequences:
        assert line in text
    html = response.get_data(as_text=True)
    assert '<input type="hidden" name="confirm" value="yes">' in html
    return html


def test_withdrawing_a_proposal_asks_first(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, title="Vrachtfietshub")
    login(client_en, owner)
    url = f"/proposals/{made.id}/withdraw"
    _asks(client_en.post(url), "Withdraw your proposal “Vrachtfietshub”?",
          "Your proposal no longer counts: the jury will not judge it.")
    with app.app_context():
        assert db.session.get(Proposal, made.id).status is ProposalStatus.SUBMITTED
    client_en.post(url, data={"confirm": "yes"})
    with app.app_context():
        assert db.session.get(Proposal, made.id).status is ProposalStatus.WITHDRAWN


def test_publishing_a_call_asks_first(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app, title="Slimme bankjes", status=CallStatus.DRAFT)
    login(client_en, make_user(app, Role.STAFF))
    url = f"/staff/calls/{call.id}/status/published"
    html = _asks(client_en.post(url), "Publish the call “Slimme bankjes”?", "appears in the news feed")
    assert f'<form method="post" action="{url}"' in html
    with app.app_context():
        assert db.session.get(Call, call.id).status is CallStatus.DRAFT
    client_en.post(url, data={"confirm": "yes"})
    with app.app_context():
        assert db.session.get(Call, call.id).status is CallStatus.PUBLISHED


def test_cancelling_a_dialogue_registration_asks_first(app: Flask, client_en: FlaskClient, catalogue) -> None:
    dialogue = make_dialogue(app, title="Eerlijk inkopen")
    login(client_en, make_user(app, Role.CITIZEN))
    client_en.post(f"/dialogues/{dialogue.slug}/register")
    url = f"/dialogues/{dialogue.slug}/cancel"
    _asks(client_en.post(url), "Cancel your registration for “Eerlijk inkopen”?",
          "Your seat goes to the next person on the waiting list.")

    def status() -> RegistrationStatus:
        with app.app_context():
            return db.session.scalar(select(Registration.status))

    assert status() is RegistrationStatus.CONFIRMED
    client_en.post(url, data={"confirm": "yes"})
    assert status() is RegistrationStatus.CANCELLED


def test_removing_a_jury_member_asks_first(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    juror = make_user(app, Role.JURY, name="Joris Jurylid")
    login(client_en, make_user(app, Role.STAFF))
    client_en.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    with app.app_context():
        member_id = db.session.scalar(select(JuryMember.id))
    url = f"/staff/jury-members/{member_id}/remove"
    _asks(client_en.post(url), "Remove Joris Jurylid from the jury of Fase 1?")
    with app.app_context():
        assert db.session.scalar(select(func.count(JuryMember.id))) == 1
    client_en.post(url, data={"confirm": "yes"})
    with app.app_context():
        assert db.session.scalar(select(func.count(JuryMember.id))) == 0


def test_finalising_scores_asks_first_and_keeps_the_typed_scores(app: Flask, catalogue) -> None:
    world = _setup(app)
    juror = _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    proposal = world.proposals[0]
    juror.post(base, data={f"declare-{proposal.id}": "none"})
    url = f"{base}/proposals/{proposal.id}"
    data = {k: v for k, v in _scores(world.criteria, [7, 4]).items() if k != "confirm"}
    html = _asks(juror.post(url, data=data), "Finalise your scores for Plan 0?",
                 "you can no longer change them")
    assert f'name="score-{world.criteria[1]}" value="4"' in html  # sent again as typed
    with app.app_context():
        assert db.session.scalar(select(ScoreSheet.id)) is None
    juror.post(url, data={**data, "confirm": "yes"})
    with app.app_context():
        assert db.session.scalar(select(ScoreSheet.status)) is SheetStatus.FINAL


def test_publishing_decisions_asks_first(app: Flask, catalogue) -> None:
    world = _setup(app, proposals=1)
    with app.app_context():
        db.session.get(Phase, world.phase_id).closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    staff = world.staff
    staff.post("/language", data={"lang": "en", "next": "/"})
    results = f"/staff/calls/{world.call.id}/phases/1/results"
    staff.post(f"{results}/{world.proposals[0].id}", data={"outcome": "awarded", "motivation": "Sterk."})
    url = f"/staff/calls/{world.call.id}/phases/1/publish-decisions"
    _asks(staff.post(url), "Publish the decisions of Fase 1?",
          "Every applicant is emailed their own outcome, with the scores and the motivation.")
    with app.app_context():
        assert db.session.get(Phase, world.phase_id).decisions_published_at is None
    response = staff.post(url, data={"confirm": "yes"}, follow_redirects=True)
    assert "The decisions have been published" in page_text(response)


def test_deleting_an_account_asks_for_the_password_and_a_tick_first(app: Flask, client_en: FlaskClient) -> None:
    user = make_user(app)
    login(client_en, user)
    response = client_en.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 400
    assert "Tick the box to confirm." in page_text(response)
    with app.app_context():
        assert db.session.get(User, user.id).email == user.email
