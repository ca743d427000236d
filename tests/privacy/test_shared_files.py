"""A stored file goes with its last reference: a receipt verifies as long as its proposal exists.

The attack (or accident): a phase-2 draft starts with copies of the phase-1 attachment rows, pointing
to the same stored bytes. Deleting the account (or retention) deleted the draft's files, and with them
the submitted phase-1 file: its receipt no longer verified.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.storage import get_storage
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.privacy.services import apply_retention
from mvi_challenges.proposals import services as proposal_services
from mvi_challenges.proposals.models import Proposal, ProposalVersion

from ..factories import decide_and_publish, login, make_call, make_proposal, make_user, page_text


def _advance_and_start_phase_two(app: Flask, call, proposals, staff) -> list[int]:
    # Phase 1 closes and every proposal is advanced by a published decision; phase 2 opens.
    decide_and_publish(app, call, {proposal.id: "advanced" for proposal in proposals})
    with app.app_context():
        two = db.session.scalars(select(Phase).where(Phase.call_id == call.id).order_by(Phase.number)).all()[1]
        two.opens_at = now_utc() - dt.timedelta(seconds=30)
        db.session.commit()
    drafts = []
    with app.test_request_context():
        for proposal in proposals:
            phase_one = db.session.get(Proposal, proposal.id)
            owner = db.session.get(User, proposal.owner_id)
            draft = proposal_services.start_proposal(db.session, owner, phase_one.call, phase_one.call.phases[1],
                                                     now_utc())
            db.session.flush()
            assert [a.storage_key for a in draft.attachments] == [a.storage_key for a in phase_one.attachments]
            drafts.append(draft.id)
        db.session.commit()
    return drafts


def _every_receipt_verifies(app: Flask) -> int:
    storage = get_storage(app.config)
    with app.app_context():
        versions = list(db.session.scalars(select(ProposalVersion)))
        for version in versions:
            proposal = db.session.get(Proposal, version.proposal_id)
            assert proposal_services.verify_version(version, proposal.attachments, storage), version.proposal_id
        return len(versions)


def test_deleting_every_kind_of_account_leaves_every_receipt_verifiable(app: Flask, catalogue) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    citizen, entrepreneur = make_user(app, Role.CITIZEN), make_user(app, Role.ENTREPRENEUR)
    dormant = make_user(app, Role.CITIZEN)  # removed by retention
    others = [make_user(app, role) for role in (Role.STAFF, Role.JURY, Role.ADMIN)]
    submitted = [make_proposal(app, person, call, submit=True, attachment=True)
                 for person in (citizen, entrepreneur, dormant)]
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    drafts = _advance_and_start_phase_two(app, call, submitted, staff)
    assert _every_receipt_verifies(app) == 3

    for person in (citizen, entrepreneur, *others):
        browser = app.test_client()
        login(browser, person)
        browser.post("/language", data={"lang": "en", "next": "/"})
        deleted = browser.post("/account/delete", data={"password": person.password, "understood": "y"},
                               follow_redirects=True)
        assert "Your account has been deleted." in page_text(deleted)
    with app.app_context():
        db.session.get(User, dormant.id).last_login_at = now_utc() - dt.timedelta(days=app.config["RETENTION_DAYS"] + 1)
        db.session.commit()
        result = apply_retention(db.session, app.config["RETENTION_DAYS"], now_utc())
        db.session.commit()
        assert dormant.id in result.anonymised_ids and result.files == []  # the files are still referenced
        assert db.session.get(Proposal, drafts[0]) is None and db.session.get(Proposal, drafts[2]) is None

    assert _every_receipt_verifies(app) == 3
    for proposal in submitted:  # and staff can still open each submitted file
        download = staff.get(f"/proposals/{proposal.id}/attachments/{proposal.attachment_id}")
        assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_a_file_only_a_draft_referred_to_goes_with_the_account(app: Flask, catalogue) -> None:
    citizen = make_user(app, Role.CITIZEN)
    draft = make_proposal(app, citizen, make_call(app), attachment=True)
    with app.app_context():
        key = db.session.get(Proposal, draft.id).attachments[0].storage_key
    browser = app.test_client()
    login(browser, citizen)
    browser.post("/account/delete", data={"password": citizen.password, "understood": "y"})
    assert not get_storage(app.config).exists(key)
