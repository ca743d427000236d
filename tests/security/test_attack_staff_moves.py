"""Moving an applicant's proposal, tried as a civil servant who wants a bidder out.

Abuser: a staff member. The staff status route (`/staff/proposals/<id>/status/<target>`, meant for
"under review") accepted any target the lifecycle allows, and the applicant's own moves are allowed
while the phase is open: staff withdrew a submitted proposal before the deadline (the bidder, not
told, was out), or "submitted" it again, which moved its arrival time without a new version.
Found broken, fixed in proposals/lifecycle (`staff_refusal`): staff make only the staff moves.
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import Proposal, ProposalStatus

from ..factories import close_phase, login, make_call, make_proposal, make_user


def _state(app: Flask, proposal_id: int):
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        return proposal.status, proposal.submitted_at


def test_staff_cannot_withdraw_or_resubmit_an_applicants_proposal(app: Flask, catalogue) -> None:
    call = make_call(app)
    made = make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True)
    before = _state(app, made.id)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF, Role.ADMIN))
    for target in ("withdrawn", "submitted", "draft", "awarded"):
        staff.post(f"/staff/proposals/{made.id}/status/{target}")
        assert _state(app, made.id) == before, target
    assert before[0] is ProposalStatus.SUBMITTED


def test_staff_still_put_an_arrived_proposal_under_review_after_the_deadline(app: Flask, catalogue) -> None:
    call = make_call(app)
    made = make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True)
    close_phase(app, call)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post(f"/staff/proposals/{made.id}/status/under_review")
    assert _state(app, made.id)[0] is ProposalStatus.UNDER_REVIEW
