"""The whole move table of a proposal's and a call's life: every pair of states, in every
situation that matters, allowed or refused, and by which guard.

The expected tables are written out here by hand, not derived from the code: a move added to or
dropped from `MOVES`, or a guard that changes, makes these tests fail.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.calls import lifecycle as call_lifecycle
from mvi_challenges.calls.models import Call, CallStatus, Phase
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.proposals import lifecycle
from mvi_challenges.proposals.models import Proposal, ProposalStatus

S = ProposalStatus
NOW = dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC)
OUTCOMES = (S.ADVANCED, S.SHORTLISTED, S.AWARDED, S.NOT_AWARDED)

# Situations: the phase open; the deadline passed, decisions not published; decisions published.
OPEN, CLOSED, PUBLISHED = "open", "closed", "published"
ALLOWED = None
NO_MOVE = "no move"

APPLICANT_MOVE = {OPEN: ALLOWED, CLOSED: "while_open", PUBLISHED: "while_open"}
EXPECTED: dict[tuple[ProposalStatus, ProposalStatus], dict[str, str | None]] = {
    (S.DRAFT, S.SUBMITTED): APPLICANT_MOVE,
    (S.SUBMITTED, S.SUBMITTED): APPLICANT_MOVE,
    (S.WITHDRAWN, S.SUBMITTED): APPLICANT_MOVE,
    (S.SUBMITTED, S.WITHDRAWN): APPLICANT_MOVE,
    (S.SUBMITTED, S.UNDER_REVIEW): {OPEN: "after_deadline", CLOSED: ALLOWED, PUBLISHED: ALLOWED},
    **{(source, target): {OPEN: "by_published_decision", CLOSED: "by_published_decision", PUBLISHED: ALLOWED}
       for source in (S.SUBMITTED, S.UNDER_REVIEW) for target in OUTCOMES},
}


def _proposal(status: ProposalStatus, situation: str) -> Proposal:
    call = Call(status=CallStatus.PUBLISHED, standstill_days=20)
    closes = NOW + dt.timedelta(hours=1) if situation == OPEN else NOW - dt.timedelta(hours=1)
    phase = Phase(number=1, opens_at=NOW - dt.timedelta(days=30), closes_at=closes,
                  decisions_published_at=NOW - dt.timedelta(minutes=5) if situation == PUBLISHED else None)
    call.phases = [phase]
    return Proposal(status=status, call=call, phase=phase)


def _verdict(status: ProposalStatus, target: ProposalStatus, situation: str) -> str | None:
    proposal = _proposal(status, situation)
    outcome = target.value if situation == PUBLISHED and target in OUTCOMES else None
    problem = lifecycle.refusal(proposal, target, NOW, outcome)
    guard = lifecycle.MOVES.get((status, target))
    if guard is None:
        assert problem is not None, "a pair outside the table must be refused"
        return NO_MOVE
    return None if problem is None else guard.__name__


@pytest.mark.parametrize(("source", "target"), list(itertools.product(ProposalStatus, ProposalStatus)),
                         ids=lambda status: status.value)
def test_the_proposal_move_table(app: Flask, source: ProposalStatus, target: ProposalStatus) -> None:
    expected = EXPECTED.get((source, target), {OPEN: NO_MOVE, CLOSED: NO_MOVE, PUBLISHED: NO_MOVE})
    with app.test_request_context():
        actual = {situation: _verdict(source, target, situation) for situation in (OPEN, CLOSED, PUBLISHED)}
    assert actual == expected


@pytest.mark.parametrize("target", OUTCOMES, ids=lambda status: status.value)
def test_an_outcome_needs_the_decision_for_that_very_outcome(app: Flask, target: ProposalStatus) -> None:
    """Published decisions move a proposal only to the outcome recorded for it."""
    other = next(o for o in OUTCOMES if o is not target)
    with app.test_request_context():
        assert lifecycle.refusal(_proposal(S.SUBMITTED, PUBLISHED), target, NOW, other.value) is not None
        assert lifecycle.refusal(_proposal(S.SUBMITTED, PUBLISHED), target, NOW, target.value) is None


def test_guards_for_reading_and_scoring(app: Flask) -> None:
    with app.test_request_context():
        sealed, opened = _proposal(S.SUBMITTED, OPEN), _proposal(S.SUBMITTED, CLOSED)
        assert lifecycle.is_sealed(sealed.phase, NOW) and not lifecycle.is_sealed(opened.phase, NOW)
        assert lifecycle.can_edit(sealed, NOW) and not lifecycle.can_edit(opened, NOW)
        assert lifecycle.can_withdraw(sealed, NOW) and not lifecycle.can_withdraw(opened, NOW)

        class Member:
            phase_id = None

        member = Member()
        for proposal in (sealed, opened):
            member.phase_id = proposal.phase_id
        assert not lifecycle.can_score(member, sealed, NOW, has_conflict=False)  # sealed
        assert lifecycle.can_score(member, opened, NOW, has_conflict=False)
        assert not lifecycle.can_score(member, opened, NOW, has_conflict=True)  # conflicted
        assert not lifecycle.can_score(member, opened, NOW, has_conflict=None)  # not declared yet
        assert not lifecycle.can_score(None, opened, NOW, has_conflict=False)
        withdrawn = _proposal(S.WITHDRAWN, CLOSED)
        assert not lifecycle.can_score(member, withdrawn, NOW, has_conflict=False)
        advanced_unpublished = _proposal(S.ADVANCED, CLOSED)
        assert not lifecycle.can_advance(advanced_unpublished)  # only a published decision admits to phase 2
        assert lifecycle.can_advance(_proposal(S.ADVANCED, PUBLISHED))
        decision = object()
        assert lifecycle.outcome_for(opened, decision) is None
        assert lifecycle.outcome_for(opened, decision, sees_drafts=True) is decision
        assert lifecycle.outcome_for(_proposal(S.AWARDED, PUBLISHED), decision) is decision
        assert lifecycle.status_label_key(opened, NOW) == "under_review"
        assert lifecycle.status_label_key(sealed, NOW) == "submitted"


# --- the call ---------------------------------------------------------------------------

C = CallStatus
NONE_PUBLISHED, FIRST_PUBLISHED, LAST_PUBLISHED = "none", "first phase", "last phase"
CALL_EXPECTED: dict[tuple[CallStatus, CallStatus], dict[str, str | None]] = {
    (C.DRAFT, C.PUBLISHED): {NONE_PUBLISHED: ALLOWED, FIRST_PUBLISHED: ALLOWED, LAST_PUBLISHED: ALLOWED},
    (C.DRAFT, C.CANCELLED): {NONE_PUBLISHED: ALLOWED, FIRST_PUBLISHED: ALLOWED, LAST_PUBLISHED: ALLOWED},
    (C.PUBLISHED, C.CLOSED): {NONE_PUBLISHED: ALLOWED, FIRST_PUBLISHED: ALLOWED, LAST_PUBLISHED: ALLOWED},
    (C.PUBLISHED, C.CANCELLED): {NONE_PUBLISHED: ALLOWED, FIRST_PUBLISHED: ALLOWED, LAST_PUBLISHED: ALLOWED},
    (C.PUBLISHED, C.DECIDED): {NONE_PUBLISHED: "last_decisions_published",
                               FIRST_PUBLISHED: "last_decisions_published", LAST_PUBLISHED: ALLOWED},
    (C.CLOSED, C.DECIDED): {NONE_PUBLISHED: "some_decisions_published", FIRST_PUBLISHED: ALLOWED,
                            LAST_PUBLISHED: ALLOWED},
    (C.DECIDED, C.ARCHIVED): {NONE_PUBLISHED: ALLOWED, FIRST_PUBLISHED: ALLOWED, LAST_PUBLISHED: ALLOWED},
}


def _call(status: CallStatus, situation: str) -> Call:
    # At its category's target level: the explanation a below-target call needs is not this table's concern
    # (tests/calls/test_explanation_approval.py).
    call = Call(status=status, ambition_level=3, target_level=3)
    call.phases = [Phase(number=n, opens_at=NOW, closes_at=NOW) for n in (1, 2)]
    if situation in (FIRST_PUBLISHED, LAST_PUBLISHED):
        call.phases[0].decisions_published_at = NOW
    if situation == LAST_PUBLISHED:
        call.phases[1].decisions_published_at = NOW
    return call


@pytest.mark.parametrize(("source", "target"), list(itertools.product(CallStatus, CallStatus)),
                         ids=lambda status: status.value)
def test_the_call_move_table(app: Flask, source: CallStatus, target: CallStatus) -> None:
    expected = CALL_EXPECTED.get((source, target), dict.fromkeys((NONE_PUBLISHED, FIRST_PUBLISHED, LAST_PUBLISHED),
                                                                 NO_MOVE))
    actual = {}
    with app.test_request_context():
        for situation in (NONE_PUBLISHED, FIRST_PUBLISHED, LAST_PUBLISHED):
            call = _call(source, situation)
            problem = call_lifecycle.refusal(call, target, NOW)
            guard = call_lifecycle.MOVES.get((source, target))
            if guard is None:
                assert problem is not None
                actual[situation] = NO_MOVE
            else:
                actual[situation] = None if problem is None else guard.__name__
            assert (problem is None) == (target in call_lifecycle.allowed_targets(call, NOW))
    assert actual == expected


def test_a_transition_is_audited_from_to_and_by_whom(app: Flask, catalogue) -> None:
    from mvi_challenges.accounts.models import Role, User

    from ..factories import make_call, make_proposal, make_user

    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True)
    with app.test_request_context():
        proposal = db.session.get(Proposal, made.id)
        actor = db.session.get(User, owner.id)
        lifecycle.transition(db.session, actor, proposal, S.WITHDRAWN, proposal.phase.opens_at + dt.timedelta(days=2))
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.withdrawn"))
        assert event.details == {"from": "submitted", "to": "withdrawn"} and event.actor_id == owner.id
        with pytest.raises(DomainError) as refused:
            lifecycle.transition(db.session, actor, proposal, S.AWARDED, NOW)
        assert "not possible" in str(refused.value.message) or "niet mogelijk" in str(refused.value.message)
        assert proposal.status is S.WITHDRAWN
        db.session.rollback()
