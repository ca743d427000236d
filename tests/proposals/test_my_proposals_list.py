"""Mijn voorstellen as the lead's colleagues and a consortium partner read it (a list of plain rows
since issue #20): the call and phase, the status as the applicant reads it, the deadline, and for a
partner the title of the latest submitted version (never the lead's working copy) and the lead."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db
from mvi_challenges.proposals import services
from mvi_challenges.proposals.models import Proposal

from ..factories import add_partners, login, make_call, make_proposal, make_user, page_text


def _client(app: Flask, user):
    client = app.test_client()
    login(client, user)
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _submit_again(app: Flask, proposal_id: int, title: str) -> None:
    from mvi_challenges.accounts.models import User
    from mvi_challenges.core.timezones import now_utc

    with app.test_request_context():
        record = db.session.get(Proposal, proposal_id)
        lead = db.session.get(User, record.submitter_id)
        services.save_draft(db.session, lead, record, title=title, summary="Kort.", body_source="Tekst.",
                            requested_budget_cents=1_000_000, now=now_utc())
        db.session.commit()


def test_a_partner_reads_the_submitted_title_the_lead_and_the_status(app: Flask, catalogue) -> None:
    call = make_call(app, title="Koele schoolpleinen")
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Groen BV")
    university = make_user(app, Role.ENTREPRENEUR, organisation_name="Hogeschool Utrecht")
    proposal = make_proposal(app, lead, call, title="Versie een")
    add_partners(app, proposal, [(university, 400_000)])  # submitted: version 1 "Versie een"
    _submit_again(app, proposal.id, "Werktitel")  # the lead's working copy, not submitted

    partner_page = page_text(_client(app, university).get("/my/proposals"))
    assert "Versie een" in partner_page and "Werktitel" not in partner_page
    assert "Koele schoolpleinen, lead: Groen BV (submitted)" in partner_page, partner_page

    lead_page = page_text(_client(app, lead).get("/my/proposals"))
    assert "Werktitel" in lead_page  # the lead's own list shows the working copy
    assert "submitted (with unsubmitted changes)" in lead_page, lead_page
    assert "Koele schoolpleinen — " in lead_page


def test_after_the_deadline_both_read_under_evaluation(app: Flask, catalogue) -> None:
    call = make_call(app, title="Slimme laadpalen")
    lead = make_user(app, Role.ENTREPRENEUR)
    university = make_user(app, Role.ENTREPRENEUR)
    proposal = make_proposal(app, lead, call, title="Laden")
    add_partners(app, proposal, [(university, 400_000)])
    with app.app_context():
        phase = db.session.get(Proposal, proposal.id).phase
        phase.closes_at = phase.opens_at + dt.timedelta(minutes=1)
        db.session.commit()
        assert db.session.get(Phase, phase.id).closes_at < dt.datetime.now(dt.UTC)
    for user in (lead, university):
        page = page_text(_client(app, user).get("/my/proposals"))
        assert "under review" in page, page
