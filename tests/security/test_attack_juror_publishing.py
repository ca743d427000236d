"""Publishing the decisions, tried as a civil servant who sits on the phase's jury.

Abuser: a staff member on the jury (perhaps with a declared conflict) who wants the outcome out
before a colleague has checked it, or at a moment that suits a bidder. The jury advises and the
municipality decides: a staff juror may not record a decision (the results pages refuse them), but
the publish button only asked for the staff role, so the juror could publish their colleagues'
drafts, send every applicant their outcome and start the standstill period. Found broken, fixed in
evaluation/permissions.py (`can_publish_decisions`), asked by the publish view.
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db

from ..evaluation.test_evaluation import _client, _setup
from ..factories import make_user, page_text


def test_a_staff_juror_cannot_publish_the_decisions_of_their_phase(app: Flask, catalogue) -> None:
    world = _setup(app)
    staff_juror = make_user(app, Role.STAFF, Role.JURY, name="Ambtenaar Jurylid")
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": staff_juror.email})
    results = f"/staff/calls/{world.call.id}/phases/1/results"
    for proposal in world.proposals:
        world.staff.post(f"{results}/{proposal.id}", data={"outcome": "awarded", "motivation": "Goed."})
    me = _client(app, staff_juror)
    publish = f"/staff/calls/{world.call.id}/phases/1/publish-decisions"

    assert me.post(publish).status_code == 403  # not even the question "publish?"
    assert me.post(publish, data={"confirm": "yes"}).status_code == 403
    with app.app_context():
        assert db.session.get(Phase, world.phase_id).decisions_published_at is None
    assert "Goed." not in page_text(app.test_client().get(f"/calls/{world.call.slug}"))

    # A colleague who is not on the jury publishes them.
    response = world.staff.post(publish, data={"confirm": "yes"}, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Phase, world.phase_id).decisions_published_at is not None
