"""Judging a proposal one's own organisation is a partner in, tried as a juror from a consortium partner.

Abuser: an expert on the jury whose organisation confirmed its part (and its share of the budget) in
a competing consortium's proposal. The platform knew it: the partner's members read that proposal
as their own. But only the lead organisation counted as "own" for conflicts, so the partner's
member could declare "no conflict", open the proposal, score it and read the others' scores; staff
could even lift a conflict they declared. Found broken, fixed in proposals/lifecycle.py
(`has_stake`), asked by evaluation/services (`declare`, `lift_conflict`).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.evaluation.models import ConflictDeclaration, ScoreSheet

from ..evaluation.test_evaluation import _client, _scores
from ..factories import add_partners, close_phase, login, make_call, make_proposal, make_user, page_text


def test_a_juror_from_a_partner_organisation_cannot_declare_no_conflict(app: Flask, catalogue) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Hittebouw BV")
    partner = make_user(app, Role.ENTREPRENEUR, Role.JURY, organisation_name="Universiteit Utrecht",
                        name="Paula Partner")
    other_owner = make_user(app, Role.ENTREPRENEUR, organisation_name="Concurrent BV")
    # On the jury before the consortium formed (afterwards adding them is refused:
    # test_attack_bidder_on_the_jury.py); declaring is then the line that holds.
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    assert staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": partner.email}).status_code == 302
    theirs = make_proposal(app, lead, call, budget_cents=2_000_000)
    add_partners(app, theirs, [(partner, 500_000)])
    other = make_proposal(app, other_owner, call, submit=True, budget_cents=2_000_000)
    close_phase(app, call)
    with app.app_context():
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id, Phase.number == 1))
        phase_id, criteria = phase.id, [c.id for c in phase.criteria]
    me = _client(app, partner)
    base = f"/jury/phases/{phase_id}"

    response = me.post(base, data={f"declare-{theirs.id}": "none", f"declare-{other.id}": "none"},
                       follow_redirects=True)
    assert "your organisation takes part in its consortium" in page_text(response)
    me.post(f"{base}/proposals/{theirs.id}", data=_scores(criteria, [10, 10]))
    assert me.get(f"{base}/proposals/{theirs.id}").status_code in (302, 403)

    me.post(base, data={f"declare-{theirs.id}": "conflict", f"reason-{theirs.id}": "Wij zijn partner"})
    me.post(base, data={f"declare-{other.id}": "none"})
    assert me.get(f"{base}/proposals/{other.id}").status_code == 200  # the competitor they judge as anyone
    with app.app_context():
        assert db.session.scalars(select(ScoreSheet).where(ScoreSheet.proposal_id == theirs.id)).first() is None
        declaration = db.session.scalar(select(ConflictDeclaration).where(
            ConflictDeclaration.proposal_id == theirs.id))
        assert declaration.has_conflict
        declaration_id = declaration.id
    colleague = _client(app, make_user(app, Role.STAFF))
    lifted = colleague.post(f"/staff/conflicts/{declaration_id}/lift", data={"reason": "Vergissing"},
                            follow_redirects=True)
    assert "the member's organisation takes part in its consortium" in page_text(lifted)
    with app.app_context():
        assert db.session.get(ConflictDeclaration, declaration_id).has_conflict
