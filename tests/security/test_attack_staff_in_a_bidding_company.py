"""Reading the competition and deciding on one's own bid, tried as a civil servant whose account is
in a company that applied.

Abuser: an officer (staff) whose account belongs to an organisation that bids in a phase (found by
an earlier review: such accounts exist; they may not act for the company, see
test_attack_staff_applying.py). Once the deadline passed, the staff pages gave them what the
municipality sees: every competitor's text and files, the ranking with all scores, and the forms to
record a decision, on their own company's proposal too, and to publish. Found broken, fixed in
proposals/lifecycle.py (`applies_in_phase`, like `sits_on_jury` for a juror), asked by the staff
pages of proposals and evaluation (evaluation/permissions.py `can_publish_decisions`).
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db
from mvi_challenges.evaluation.models import Decision

from ..evaluation.test_evaluation import _client, _setup
from ..factories import make_user, page_text


def test_an_officer_in_a_bidding_company_sees_no_competitor_and_decides_nothing(app: Flask, catalogue) -> None:
    world = _setup(app)
    officer = make_user(app, Role.STAFF, name="Ambtenaar Bijbaan")
    with app.app_context():
        db.session.get(User, officer.id).organisation_id = world.owners[0].organisation_id  # Bedrijf Nummer 0
        db.session.commit()
    me = _client(app, officer)
    own, competitor = world.proposals[0].id, world.proposals[1].id
    call_id = world.call.id

    # The competitor's proposal, its files, the list and exports of the call: closed.
    assert "Plan 1" not in page_text(me.get(f"/proposals/{competitor}"))
    assert me.get(f"/staff/calls/{call_id}/proposals").status_code == 403
    assert me.get(f"/staff/calls/{call_id}/proposals.csv").status_code == 403
    assert me.get(f"/staff/calls/{call_id}/proposals.zip").status_code == 403
    # The scores and the decisions: closed, also on their own company's proposal.
    results = f"/staff/calls/{call_id}/phases/1/results"
    assert me.get(results).status_code == 403
    assert me.get(f"/staff/calls/{call_id}/phases/1/report").status_code == 403
    assert me.get(f"/staff/calls/{call_id}/phases/1/scores.csv").status_code == 403
    assert me.post(f"{results}/{own}", data={"outcome": "awarded", "motivation": "Prima."}).status_code == 403
    with app.app_context():
        assert db.session.query(Decision).count() == 0
    for proposal in world.proposals:  # a colleague decides ...
        world.staff.post(f"{results}/{proposal.id}", data={"outcome": "awarded", "motivation": "Goed."})
    publish = f"/staff/calls/{call_id}/phases/1/publish-decisions"
    assert me.post(publish, data={"confirm": "yes"}).status_code == 403  # ... and publishes
    with app.app_context():
        assert db.session.get(Phase, world.phase_id).decisions_published_at is None
    assert me.get(f"/proposals/{competitor}/decision").status_code == 404

    # Their own company's proposal they still read, as a member of it.
    assert "Plan 0" in page_text(me.get(f"/proposals/{own}"))
    # A colleague without such a tie works as before.
    assert world.staff.get(results).status_code == 200
    assert "Plan 1" in page_text(world.staff.get(f"/proposals/{competitor}"))
