"""Applying to one's own procedure, tried as a civil servant who also holds a citizen's or an
entrepreneur's role.

Abuser: a procurement officer who runs calls (and, once a deadline passes, reads every proposal,
answers the questions and prepares the decisions) but whose account also carries the citizen role,
or the entrepreneur role with an organisation. The rule was that staff submit nothing, but it was
asked of the other roles only: such an account could start and submit a proposal on a call open to
citizens, and was offered the open calls on its own page. Fixed in proposals/services
(`eligibilities_of`): staff (and administrators) are eligible for nothing, whatever else they hold.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, Eligibility, Phase
from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import Proposal

from ..factories import make_call, make_user, page_text
from .conftest import logged_in


def _open_call(app: Flask, eligibility: Eligibility) -> object:
    call = make_call(app, title=f"Open voor {eligibility.value}")
    with app.app_context():
        db.session.get(Call, call.id).eligibility = eligibility
        db.session.commit()
    return call


def _proposals_on(app: Flask, call_id: int) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Proposal).join(Phase, Phase.id == Proposal.phase_id)
                                      .where(Phase.call_id == call_id)).all())


def test_a_civil_servant_with_a_citizens_role_cannot_apply(app: Flask) -> None:
    for_citizens = _open_call(app, Eligibility.CITIZENS)
    officer = make_user(app, Role.STAFF, Role.CITIZEN)
    client = logged_in(app, officer, lang="en")
    response = client.post(f"/calls/{for_citizens.slug}/phases/1/proposal", follow_redirects=True)
    assert "staff" in page_text(response).lower() and "cannot submit" in page_text(response)
    assert _proposals_on(app, for_citizens.id) == 0
    # The call page does not offer the button, and the work list offers no calls to submit on.
    call_page = page_text(client.get(f"/calls/{for_citizens.slug}"))
    assert "Start a proposal" not in call_page
    assert "Open calls you can submit on" not in page_text(client.get("/my"))


def test_an_administrator_with_an_entrepreneurs_role_cannot_apply(app: Flask) -> None:
    for_both = _open_call(app, Eligibility.BOTH)
    admin = make_user(app, Role.ADMIN, Role.ENTREPRENEUR)
    client = logged_in(app, admin, lang="en")
    response = client.post(f"/calls/{for_both.slug}/phases/1/proposal", follow_redirects=True)
    assert "cannot submit" in page_text(response)
    assert _proposals_on(app, for_both.id) == 0


def test_the_same_people_without_the_staff_role_still_can(app: Flask) -> None:
    """The refusal is about the staff role, not about holding two roles."""
    for_citizens = _open_call(app, Eligibility.CITIZENS)
    resident = make_user(app, Role.CITIZEN, Role.JURY)
    client = logged_in(app, resident, lang="en")
    client.post(f"/calls/{for_citizens.slug}/phases/1/proposal")
    assert _proposals_on(app, for_citizens.id) == 1


def test_a_civil_servant_in_an_applying_organisation_cannot_change_or_submit_its_proposal(app: Flask) -> None:
    """The same officer, their account in the organisation of a company whose draft is open
    (or given the staff role after starting it): found by review, the edit page, submitting and
    the consortium page asked only whether the person belonged to the organisation."""
    from ..factories import make_proposal

    call = _open_call(app, Eligibility.BOTH)
    founder = make_user(app, Role.ENTREPRENEUR)
    draft = make_proposal(app, founder, call, title="Ons plan")
    officer = make_user(app, Role.STAFF, Role.ENTREPRENEUR)
    with app.app_context():
        from mvi_challenges.accounts.models import User

        db.session.get(User, officer.id).organisation_id = founder.organisation_id
        db.session.commit()
    client = logged_in(app, officer, lang="en")
    assert client.get(f"/proposals/{draft.id}/edit").status_code == 403
    submit = client.post(f"/proposals/{draft.id}/edit", data={"title": "Ons plan", "action": "submit", "confirm": "yes"})
    assert submit.status_code == 403
    assert client.get(f"/proposals/{draft.id}/consortium").status_code == 403
    assert client.post(f"/proposals/{draft.id}/withdraw").status_code == 403
    with app.app_context():
        proposal = db.session.get(Proposal, draft.id)
        assert proposal.versions == [] and proposal.status.value == "draft"
    # The founder still can.
    assert logged_in(app, founder).get(f"/proposals/{draft.id}/edit").status_code == 200


def test_a_civil_servant_cannot_register_for_a_market_dialogue_as_a_company(app: Flask) -> None:
    from mvi_challenges.dialogues.models import Dialogue, DialogueKind, Registration

    from ..factories import make_dialogue

    dialogue = make_dialogue(app, title="Marktgesprek schoon bouwen")
    with app.app_context():
        db.session.get(Dialogue, dialogue.id).kind = DialogueKind.MARKET
        db.session.commit()
    officer = make_user(app, Role.STAFF, Role.ENTREPRENEUR)
    client = logged_in(app, officer, lang="en")
    response = client.post(f"/dialogues/{dialogue.slug}/register", follow_redirects=True)
    assert "Municipal staff organise market dialogues" in page_text(response)
    with app.app_context():
        assert db.session.scalars(select(Registration).where(Registration.dialogue_id == dialogue.id)).all() == []
