"""The opening of a phase's proposals waits a grace after the deadline (lifecycle.OPENING_GRACE).

Who would abuse it, and how:
- a competitor whose request arrived just before the deadline but is handled after staff opened
  the others: the seal holds for the grace, so the bid is frozen before anyone reads; should it be
  handled later still, it is refused rather than frozen after the opening;
- staff or a juror curious right at the deadline: they wait, and are told until when;
- an applicant trying to change or withdraw a bid after the opening: refused, what they typed kept.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import REQUEST_START_TRUST, now_utc, to_local
from mvi_challenges.proposals import lifecycle, services
from mvi_challenges.proposals.models import Proposal

from ..factories import login, make_call, make_proposal, make_user, page_text
from ..races import all_at_once

FORM = {"title": "Versie twee", "summary": "Kort.", "body_source": "Een andere tekst", "requested_budget": "1000"}


def _set_deadline(app: Flask, proposal_id: int, closes_at: dt.datetime) -> None:
    with app.app_context():
        db.session.get(Proposal, proposal_id).phase.closes_at = closes_at
        db.session.commit()


def _opened_at(app: Flask, proposal_id: int) -> dt.datetime | None:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).phase.opened_at


def test_the_grace_covers_the_trusted_arrival_window_and_a_margin() -> None:
    assert lifecycle.OPENING_GRACE > REQUEST_START_TRUST


def test_staff_wait_for_the_grace_and_are_told_from_when(app: Flask, client_en, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app), submit=True, title="Geheim plan")
    deadline = now_utc() - dt.timedelta(seconds=10)
    _set_deadline(app, made.id, deadline)
    login(client_en, make_user(app, Role.STAFF))
    text = page_text(client_en.get(f"/proposals/{made.id}"))
    opens = to_local(deadline + lifecycle.OPENING_GRACE).strftime("%H:%M")
    assert f"The proposals can be opened from {opens}." in text
    assert "Geheim plan" not in text
    assert _opened_at(app, made.id) is None  # looking during the grace opens nothing
    _set_deadline(app, made.id, now_utc() - lifecycle.OPENING_GRACE - dt.timedelta(seconds=1))
    text = page_text(client_en.get(f"/proposals/{made.id}"))
    assert "Geheim plan" in text and "can be opened from" not in text
    assert _opened_at(app, made.id) is not None


def test_a_consortium_partner_reading_its_own_proposal_opens_nothing(app: Flask, catalogue) -> None:
    """The opening is the municipality's first reading: a partner (like the lead) reading its own
    proposal after the deadline was recorded as the one who opened the phase's bids."""
    from ..factories import add_partners

    lead, partner = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, lead, make_call(app), budget_cents=2_000_000)
    add_partners(app, made, [(partner, 500_000)])
    _set_deadline(app, made.id, now_utc() - lifecycle.OPENING_GRACE - dt.timedelta(seconds=1))
    reader = app.test_client()
    login(reader, partner)
    assert reader.get(f"/proposals/{made.id}").status_code == 200
    assert _opened_at(app, made.id) is None
    staff = app.test_client()
    login(staff, staff_user := make_user(app, Role.STAFF))
    staff.get(f"/proposals/{made.id}")
    assert _opened_at(app, made.id) is not None
    with app.app_context():
        opened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phase.opened"))
        assert opened.actor_id == staff_user.id


def test_the_dutch_page_says_it_in_dutch(app: Flask, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app), submit=True)
    _set_deadline(app, made.id, now_utc() - dt.timedelta(seconds=10))
    browser = app.test_client()
    login(browser, make_user(app, Role.STAFF))
    browser.post("/language", data={"lang": "nl", "next": "/"})
    assert "De voorstellen kunnen worden geopend vanaf" in page_text(browser.get(f"/proposals/{made.id}"))


def test_neither_staff_nor_a_juror_can_read_or_open_during_the_grace(app: Flask, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app), submit=True)
    deadline = now_utc() - dt.timedelta(seconds=10)
    _set_deadline(app, made.id, deadline)
    with app.test_request_context():
        staff = db.session.get(User, make_user(app, Role.STAFF).id)
        proposal = db.session.get(Proposal, made.id)
        during = deadline + lifecycle.OPENING_GRACE - dt.timedelta(microseconds=1)
        assert not lifecycle.can_read(staff, proposal, during)
        assert lifecycle.can_read(db.session.get(User, owner.id), proposal, during)  # the applicant always
        assert lifecycle.record_opening(db.session, staff, proposal.phase, during) is False
        assert lifecycle.record_opening(db.session, staff, proposal.phase, deadline + lifecycle.OPENING_GRACE)
        db.session.commit()


def test_an_on_time_bid_handled_during_the_grace_is_frozen_and_counted_at_the_opening(app: Flask, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app), submit=True, title="Versie een")
    deadline = now_utc() - dt.timedelta(seconds=10)
    _set_deadline(app, made.id, deadline)
    with app.test_request_context():
        staff = db.session.get(User, make_user(app, Role.STAFF).id)
        proposal = db.session.get(Proposal, made.id)
        assert not lifecycle.record_opening(db.session, staff, proposal.phase, deadline + dt.timedelta(seconds=1))
        arrived = deadline - dt.timedelta(milliseconds=100)
        user = db.session.get(User, owner.id)
        services.save_draft(db.session, user, proposal, title="Versie twee", summary="Kort.", body_source="Anders.",
                            requested_budget_cents=900_000, now=arrived)
        assert services.submit(db.session, user, proposal, arrived).number == 2
        db.session.commit()
        phase = db.session.get(Proposal, made.id).phase
        assert lifecycle.record_opening(db.session, staff, phase, deadline + lifecycle.OPENING_GRACE)
        db.session.commit()
        opened = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "phase.opened")).one()
        assert opened.details["proposals"] == 1


def test_a_submission_that_finds_the_phase_opened_is_refused_and_nothing_typed_is_lost(
        app: Flask, client_en, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app), submit=True, title="Versie een")
    with app.app_context():  # however it came to be (a clock set wrong, a request held up for minutes)
        db.session.get(Proposal, made.id).phase.opened_at = now_utc()
        db.session.commit()
    login(client_en, owner)
    response = client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "action": "submit"})
    text = page_text(response)
    assert response.status_code == 400
    assert "have already been opened" in text and "What you wrote is kept" in text
    assert "Een andere tekst" in text
    with app.test_request_context():
        proposal = db.session.get(Proposal, made.id)
        assert len(proposal.versions) == 1
        with pytest.raises(DomainError):
            services.withdraw(db.session, db.session.get(User, owner.id), proposal, now_utc())
        db.session.rollback()


def test_a_submission_and_the_opening_at_once_never_freeze_a_version_after_the_opening(
        app: Flask, catalogue) -> None:
    """The held-up submission takes the phase's row lock that the opening takes: one waits for the
    other, so either the opening counts the new version or the submission is refused."""
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app), submit=True, title="Versie een")
    deadline = now_utc() - lifecycle.OPENING_GRACE - dt.timedelta(seconds=1)
    staff_id = make_user(app, Role.STAFF).id
    with app.test_request_context():
        proposal = db.session.get(Proposal, made.id)
        services.save_draft(db.session, db.session.get(User, owner.id), proposal, title="Versie twee",
                            summary="Kort.", body_source="Anders.", requested_budget_cents=900_000, now=now_utc())
        db.session.commit()
    _set_deadline(app, made.id, deadline)

    def submit() -> str:
        with app.test_request_context():
            proposal = db.session.get(Proposal, made.id)
            try:
                services.submit(db.session, db.session.get(User, owner.id), proposal,
                                deadline - dt.timedelta(milliseconds=100))
                db.session.commit()
                return "submitted"
            except DomainError:
                db.session.rollback()
                return "refused"

    def open_phase() -> bool:
        with app.test_request_context():
            phase = db.session.get(Phase, db.session.get(Proposal, made.id).phase_id)
            opened = lifecycle.record_opening(db.session, db.session.get(User, staff_id), phase, now_utc())
            db.session.commit()
            return opened

    submitted, opened = all_at_once([submit, open_phase])
    assert opened
    with app.app_context():
        versions = len(db.session.get(Proposal, made.id).versions)
        counted = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "phase.opened")).one()
        assert (submitted, versions) in {("submitted", 2), ("refused", 1)}
        if submitted == "submitted":  # then it happened before the opening, which saw it
            version_two = next(v for v in db.session.get(Proposal, made.id).versions if v.number == 2)
            assert version_two.submitted_at < deadline
            submitted_event = db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == "proposal.submitted").order_by(AuditEvent.id.desc())).first()
            assert submitted_event.id < counted.id


def test_a_juror_waits_on_the_sealed_page_and_on_my_page_with_the_time(app: Flask, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    call = make_call(app)
    made = make_proposal(app, owner, call, submit=True, title="Geheim plan")
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    juror = make_user(app, Role.JURY)
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    deadline = now_utc() - dt.timedelta(seconds=10)
    _set_deadline(app, made.id, deadline)
    with app.app_context():
        phase_id = db.session.get(Proposal, made.id).phase_id
    browser = app.test_client()
    login(browser, juror)
    browser.post("/language", data={"lang": "en", "next": "/"})
    opens = to_local(deadline + lifecycle.OPENING_GRACE).strftime("%H:%M")
    sealed = page_text(browser.get(f"/jury/phases/{phase_id}"))
    assert f"The proposals can be opened from {opens}." in sealed and "Geheim plan" not in sealed
    assert browser.get(f"/jury/phases/{phase_id}/proposals/{made.id}").status_code == 403
    assert f"The proposals can be opened from {opens}." in page_text(browser.get("/my"))
    assert _opened_at(app, made.id) is None
