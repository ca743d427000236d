"""The deadline, tried as a competitor who is late or wants to change a proposal after the opening.

- Exactly at the closing time nothing is accepted; a microsecond before, it is (held).
- A forged `X-Request-Start` header buys no time unless the operator trusts a proxy that stamps it
  (TRUST_REQUEST_START, off by default; nginx overwrites the header) (held).
- A submission whose request arrived before the deadline but is still being handled when staff
  first try to open the proposals: the seal holds for OPENING_GRACE after the deadline, and a
  submission that finds the phase opened all the same is refused (held).
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.proposals import lifecycle, services
from mvi_challenges.proposals.models import Proposal

from ..factories import login, make_call, make_proposal, make_user, page_text


def _set_deadline(app: Flask, proposal_id: int, closes_at: dt.datetime) -> None:
    with app.app_context():
        db.session.get(Proposal, proposal_id).phase.closes_at = closes_at
        db.session.commit()


def test_the_closing_time_itself_is_too_late_a_microsecond_before_is_in_time(app: Flask, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app))
    deadline = now_utc() + dt.timedelta(hours=1)
    _set_deadline(app, made.id, deadline)
    with app.test_request_context():
        user, proposal = db.session.get(User, owner.id), db.session.get(Proposal, made.id)
        with pytest.raises(DomainError):
            services.submit(db.session, user, proposal, deadline)
        db.session.rollback()
        proposal = db.session.get(Proposal, made.id)
        version = services.submit(db.session, db.session.get(User, owner.id), proposal,
                                  deadline - dt.timedelta(microseconds=1))
        assert version.number == 1


def test_a_forged_request_start_header_buys_no_time(app: Flask, catalogue) -> None:
    assert not app.config.get("TRUST_REQUEST_START")  # the default: no proxy is trusted
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app))
    _set_deadline(app, made.id, now_utc() - dt.timedelta(seconds=5))
    browser = app.test_client()
    login(browser, owner)
    browser.post("/language", data={"lang": "en", "next": "/"})
    claimed = (now_utc() - dt.timedelta(seconds=30)).timestamp()
    response = browser.post(f"/proposals/{made.id}/edit", headers={"X-Request-Start": f"t={claimed}"}, data={
        "title": "Te laat", "summary": "Kort.", "body_source": "Tekst", "requested_budget": "1000", "action": "submit"})
    assert "The deadline" in page_text(response) and "has passed" in page_text(response)
    with app.app_context():
        assert db.session.get(Proposal, made.id).versions == []


def test_nothing_is_submitted_after_the_opening_was_recorded(app: Flask, catalogue) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, make_call(app), submit=True, title="Versie een")
    deadline = now_utc() - dt.timedelta(seconds=10)
    _set_deadline(app, made.id, deadline)
    with app.test_request_context():
        staff = db.session.get(User, make_user(app, Role.STAFF).id)
        proposal = db.session.get(Proposal, made.id)
        # Staff open the proposals 100 ms after the deadline and read version 1 ...
        opened = lifecycle.record_opening(db.session, staff, proposal.phase, deadline + dt.timedelta(milliseconds=100))
        db.session.commit()
        # ... while the applicant's request, stamped 100 ms before the deadline, is still queued.
        arrived = deadline - dt.timedelta(milliseconds=100)
        user, proposal = db.session.get(User, owner.id), db.session.get(Proposal, made.id)
        try:
            services.save_draft(db.session, user, proposal, title="Versie twee, na de opening", summary="Kort.",
                                body_source="Anders.", requested_budget_cents=900_000, now=arrived)
            services.submit(db.session, user, proposal, arrived)
            db.session.commit()
        except DomainError:
            db.session.rollback()
        versions = len(db.session.get(Proposal, made.id).versions)
    assert not (opened and versions > 1), "a new version was frozen after the proposals were opened"
