"""Judging your own proposal, tried as an applicant who also sits on the jury.

Abuser: an external expert (or a civil servant) whose own organisation applied in the phase. The
conflict of interest was only what the member declared: declaring "no conflict" with their own
organisation's proposal let them open it, score it and read the others' scores of it, although the
platform knows whose proposal it is. Found broken, fixed in evaluation/services (`declare`,
`lift_conflict`): with one's own proposal (`proposals.lifecycle.is_owner`) only a conflict can be
declared, and staff cannot lift it.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.evaluation.models import ConflictDeclaration, ScoreSheet

from ..evaluation.test_evaluation import _client, _scores, _setup
from ..factories import make_user, page_text


def test_an_applicant_on_the_jury_cannot_declare_no_conflict_with_their_own_proposal(app: Flask, catalogue) -> None:
    world = _setup(app)
    owner = world.owners[0]  # Bedrijf Nummer 0 applied with proposal 0 ...
    colleague = make_user(app, Role.JURY)
    with app.app_context():
        from mvi_challenges.accounts.models import User

        db.session.get(User, colleague.id).organisation_id = db.session.get(User, owner.id).organisation_id
        db.session.commit()
    # ... and the applicant and a colleague sit on the jury: they joined before their organisation
    # applied (adding them now is refused, test_attack_bidder_on_the_jury.py), so declaring is the
    # line that must hold.
    with app.app_context():
        from mvi_challenges.evaluation.models import JuryMember

        for person in (owner, colleague):
            db.session.add(JuryMember(phase_id=world.phase_id, user_id=person.id, is_chair=False))
        db.session.commit()
    own = world.proposals[0].id
    other = world.proposals[1].id
    base = f"/jury/phases/{world.phase_id}"
    for person in (owner, colleague):
        me = _client(app, person)
        response = me.post(base, data={f"declare-{own}": "none", f"declare-{other}": "none"}, follow_redirects=True)
        assert "your own organisation" in page_text(response)
        me.post(f"{base}/proposals/{own}", data=_scores(world.criteria, [10, 10]))
        assert me.get(f"{base}/proposals/{own}").status_code in (302, 403)
        # Declaring the conflict is what they can do; the other proposal they judge as anyone.
        me.post(base, data={f"declare-{own}": "conflict", f"reason-{own}": "Mijn eigen bedrijf"})
        me.post(base, data={f"declare-{other}": "none"})
        assert me.get(f"{base}/proposals/{other}").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(ScoreSheet).where(ScoreSheet.proposal_id == own)).first() is None
        conflicts = db.session.scalars(select(ConflictDeclaration).where(ConflictDeclaration.proposal_id == own)).all()
        assert len(conflicts) == 2 and all(d.has_conflict for d in conflicts)
        declaration_id = conflicts[0].id
    staff = _client(app, make_user(app, Role.STAFF))
    lifted = staff.post(f"/staff/conflicts/{declaration_id}/lift", data={"reason": "Vergissing"}, follow_redirects=True)
    assert "the member's own organisation" in page_text(lifted)
    with app.app_context():
        assert db.session.get(ConflictDeclaration, declaration_id).has_conflict
