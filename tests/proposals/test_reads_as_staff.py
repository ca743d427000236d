"""Who among staff reads a phase's proposals as the municipality: `lifecycle.reads_as_staff`, the one
rule the staff pages of proposals and evaluation ask (the call's list and exports, a proposal's page,
the results, the report, the jury's management, publishing, the decision page).

The expected table is written out by hand: what each person may read through the staff pages, the
contents (texts, files, scores, decisions) and only who applied and when.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.evaluation.models import JuryMember
from mvi_challenges.proposals import lifecycle
from mvi_challenges.proposals.models import Proposal

from ..factories import add_partners, close_phase, login, make_call, make_proposal, make_user

# (contents, who applied), per person and per kind of review of the phase (open, blind).
EXPECTED = {
    "staff not on the jury": {"open": (True, True), "blind": (True, True)},
    "staff on the jury": {"open": (False, True), "blind": (False, False)},
    "staff whose organisation leads a proposal": {"open": (False, False), "blind": (False, False)},
    "staff whose organisation is a partner": {"open": (False, False), "blind": (False, False)},
    "a juror": {"open": (False, False), "blind": (False, False)},
    "an entrepreneur who applied": {"open": (False, False), "blind": (False, False)},
}


def _staff_in(app: Flask, organisation_id: int) -> SimpleNamespace:
    officer = make_user(app, Role.STAFF)
    with app.app_context():
        db.session.get(User, officer.id).organisation_id = organisation_id
        db.session.commit()
    return officer


@pytest.fixture
def people(app: Flask, catalogue) -> SimpleNamespace:
    """A closed phase with a proposal of one company and one of a consortium (a lead and a partner),
    a juror and a civil servant on its jury, and civil servants in either organisation."""
    call = make_call(app, kind=CallKind.SBIR)
    applicant, lead, partner = (make_user(app, Role.ENTREPRENEUR) for _ in range(3))
    single = make_proposal(app, applicant, call, submit=True)
    consortium = make_proposal(app, lead, call)
    add_partners(app, consortium, [(partner, 100_000)])
    close_phase(app, call)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    juror, staff_juror = make_user(app, Role.JURY), make_user(app, Role.STAFF, Role.JURY)
    for member in (juror, staff_juror):
        staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": member.email})
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 1))
        assert db.session.scalar(select(func.count(JuryMember.id)).where(JuryMember.phase_id == phase_id)) == 2
    return SimpleNamespace(phase_id=phase_id, single=single, consortium=consortium, by_name={
        "staff not on the jury": make_user(app, Role.STAFF),
        "staff on the jury": staff_juror,
        "staff whose organisation leads a proposal": _staff_in(app, lead.organisation_id),
        "staff whose organisation is a partner": _staff_in(app, partner.organisation_id),
        "a juror": juror,
        "an entrepreneur who applied": applicant,
    })


@pytest.mark.parametrize("review", ["open", "blind"])
@pytest.mark.parametrize("who", list(EXPECTED))
def test_who_reads_a_phase_as_staff(app: Flask, people, who: str, review: str) -> None:
    with app.test_request_context():
        phase = db.session.get(Phase, people.phase_id)
        phase.blind_review = review == "blind"  # not committed: the same phase, reviewed either way
        actor = db.session.get(User, people.by_name[who].id)
        answer = (lifecycle.reads_as_staff(db.session, actor, phase),
                  lifecycle.reads_as_staff(db.session, actor, phase, contents=False))
        db.session.rollback()
    assert answer == EXPECTED[who][review]


@pytest.mark.parametrize(("who", "own", "kept"), [
    ("staff whose organisation leads a proposal", True, False),  # read as its applicant (the lead)
    ("staff whose organisation is a partner", True, False),  # read as a partner in its consortium
    ("staff whose organisation leads a proposal", False, True),  # a competitor's: not at all
    ("staff on the jury", False, True),  # through the jury pages
    ("staff not on the jury", False, False),
])
def test_an_own_proposal_is_read_as_its_applicant(app: Flask, people, who: str, own: bool, kept: bool) -> None:
    proposal_id = people.consortium.id if own else people.single.id
    with app.test_request_context():
        actor = db.session.get(User, people.by_name[who].id)
        proposal = db.session.get(Proposal, proposal_id)
        assert lifecycle.kept_from_proposal(db.session, actor, proposal) is kept
