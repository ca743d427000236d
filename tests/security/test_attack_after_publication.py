"""Changing a decision, a score or a consensus after the decisions were published, tried as a staff
member or the chair whose page was open while a colleague pressed "publish".

Abuser (or an honest second click): staff record a decision at the same moment a colleague
publishes the phase. `decide`, `save_sheet` and `record_consensus` asked "published yet?" of the
phase as their request had loaded it, before or without looking again after `lock_row`: the
publisher's commit was not seen, so the published outcome, score or consensus changed afterwards
(the applicant's mail and the public page said one thing, the record another). Found broken,
fixed in evaluation/services.py: the phase is read again after its row lock.

The two requests are played with two database sessions in the order the race takes: the first
has read the phase, the second publishes and commits, then the first writes.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from mvi_challenges.accounts.models import User
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.evaluation import services as evaluation
from mvi_challenges.evaluation.models import ConsensusScore, Decision, Outcome
from mvi_challenges.proposals.models import Proposal

from ..evaluation.test_evaluation import _client, _scores, _setup


def _publish_elsewhere(app: Flask, phase_id: int) -> None:
    """The colleague's request: its own session and transaction, committed."""
    with app.test_request_context(), Session(db.engine) as other:
        evaluation.publish_decisions(other, None, other.get(Phase, phase_id), now_utc())
        other.commit()


def _decided_world(app: Flask):
    world = _setup(app)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    for client in (chair, juror):
        client.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    first, second = world.proposals[0].id, world.proposals[1].id
    chair.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [8, 8]))
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [8, 8]))
    chair.post(f"{base}/proposals/{second}", data=_scores(world.criteria, [4, 4]))  # the juror has not finalised
    with app.test_request_context():
        evaluation.decide(db.session, None, db.session.get(Proposal, first), Outcome.AWARDED, "De beste.",
                          now=now_utc())
        evaluation.decide(db.session, None, db.session.get(Proposal, second), Outcome.NOT_AWARDED, "Minder goed.",
                          now=now_utc())
        db.session.commit()
    return world, first, second


def test_a_decision_cannot_change_once_a_colleague_published(app: Flask, catalogue) -> None:
    world, first, _second = _decided_world(app)
    with app.test_request_context():
        proposal = db.session.get(Proposal, first)
        assert proposal.phase.decisions_published_at is None  # the page was open before publication
        _publish_elsewhere(app, world.phase_id)
        with pytest.raises(DomainError):
            evaluation.decide(db.session, None, proposal, Outcome.NOT_AWARDED, "Toch niet.", now=now_utc())
        db.session.rollback()
    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.proposal_id == first))
        assert decision.outcome is Outcome.AWARDED and decision.motivation == "De beste."


def test_a_consensus_cannot_change_once_a_colleague_published(app: Flask, catalogue) -> None:
    world, first, _second = _decided_world(app)
    with app.test_request_context():
        proposal = db.session.get(Proposal, first)
        chair = db.session.get(User, world.chair.id)
        assert proposal.phase.decisions_published_at is None
        _publish_elsewhere(app, world.phase_id)
        with pytest.raises(DomainError):
            evaluation.record_consensus(db.session, chair, proposal, world.criteria[0], 1, "Achteraf bijgesteld.")
        db.session.rollback()
    with app.app_context():
        assert db.session.scalar(select(ConsensusScore).where(ConsensusScore.proposal_id == first)) is None


def test_a_score_cannot_be_finalised_once_a_colleague_published(app: Flask, catalogue) -> None:
    world, _first, second = _decided_world(app)
    with app.test_request_context():
        proposal = db.session.get(Proposal, second)
        juror = db.session.get(User, world.juror.id)
        member = evaluation.member_for(db.session, juror, proposal.phase)
        assert proposal.phase.decisions_published_at is None
        _publish_elsewhere(app, world.phase_id)
        inputs = {c: evaluation.ScoreInput(10, "Achteraf.") for c in world.criteria}
        with pytest.raises(DomainError):
            evaluation.save_sheet(db.session, juror, member, proposal, inputs, finalise=True, now=now_utc())
        db.session.rollback()
    with app.app_context():
        assert evaluation.score_sheet(db.session, evaluation.member_for(
            db.session, db.session.get(User, world.juror.id), db.session.get(Proposal, second).phase),
            db.session.get(Proposal, second)) is None


def test_the_pages_refuse_changes_after_publication(app: Flask, catalogue) -> None:
    """Without a race the pages already refuse: kept as a check that the fix did not loosen them."""
    world, first, _second = _decided_world(app)
    _publish_elsewhere(app, world.phase_id)
    staff = world.staff
    response = staff.post(f"/staff/calls/{world.call.id}/phases/1/results/{first}",
                          data={"outcome": "not_awarded", "motivation": "Toch niet."})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Decision).where(Decision.proposal_id == first)).outcome is Outcome.AWARDED
