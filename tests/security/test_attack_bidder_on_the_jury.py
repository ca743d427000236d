"""A bidder on the jury, tried as an entrepreneur who is (or whose company is) also a jury member.

Abuser: an entrepreneur added to the jury of a phase in which they, or their company, bid. While
the phase is sealed, the jury's page told every member how many proposals had arrived, updated as
they came in: the bidder watched the competition arrive (which the public figures hide until the
deadline). Found open by an adversarial review; closed in evaluation/permissions.py
(`competes_in_phase`): adding such a person (by hand or by carrying the earlier round's jury over) is
refused, a member whose company started a proposal after they joined is not told the count, and a
sitting juror cannot start a proposal in the phase (proposals/services.py `start_proposal`).
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind

from ..factories import login, make_call, make_proposal, make_user, page_text


def _client(app: Flask, user, lang: str = "en") -> FlaskClient:
    client = app.test_client()
    login(client, user)
    client.post("/language", data={"lang": lang, "next": "/"})
    return client


def _phase_id(app: Flask, call_id: int, number: int = 1) -> int:
    from sqlalchemy import select

    from mvi_challenges.calls.models import Phase
    from mvi_challenges.core.db import db

    with app.app_context():
        return db.session.scalar(select(Phase.id).where(Phase.call_id == call_id, Phase.number == number))


def test_a_bidder_cannot_be_added_to_the_jury_of_their_phase(app: Flask, catalogue) -> None:
    call = make_call(app)
    bidder = make_user(app, Role.ENTREPRENEUR, name="Bram Bieder")
    colleague = make_user(app, Role.ENTREPRENEUR, organisation_name="Zelfde BV")
    make_proposal(app, bidder, call, submit=True)
    staff = _client(app, make_user(app, Role.STAFF))
    refused = staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": bidder.email})
    assert refused.status_code == 400
    assert "Bram Bieder, or their organisation, has a proposal in this phase" in page_text(refused)
    assert bidder.email in refused.get_data(as_text=True)  # what was typed stays in the field
    # A draft is a bid in the making: the same.
    make_proposal(app, colleague, call)
    assert staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": colleague.email}).status_code == 400
    assert bidder.email not in page_text(staff.get(f"/staff/calls/{call.id}/phases/1/jury")).split("Not yet")[0]


def test_a_member_whose_company_bids_later_is_not_told_how_many_arrived(app: Flask, catalogue) -> None:
    call = make_call(app)
    juror = make_user(app, Role.ENTREPRENEUR, Role.JURY, organisation_name="Later Bieden BV")
    staff = _client(app, make_user(app, Role.STAFF))
    assert staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email}).status_code == 302
    for _ in range(2):
        make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True)
    jury = _client(app, juror)
    phase_id = _phase_id(app, call.id)
    assert "2 proposals have arrived so far." in page_text(jury.get(f"/jury/phases/{phase_id}"))

    # A colleague of the juror's company starts a proposal: the juror now competes.
    with app.app_context():
        from mvi_challenges.accounts.models import User
        from mvi_challenges.core.db import db

        organisation_id = db.session.get(User, juror.id).organisation_id
    colleague = make_user(app, Role.ENTREPRENEUR)
    with app.app_context():
        db.session.get(User, colleague.id).organisation_id = organisation_id
        db.session.commit()
    make_proposal(app, colleague, call)
    sealed = page_text(jury.get(f"/jury/phases/{phase_id}"))
    assert "Sealed until the deadline" in sealed and "arrived so far" not in sealed


def test_a_sitting_juror_cannot_start_a_proposal_in_the_phase(app: Flask, catalogue) -> None:
    call = make_call(app)
    juror = make_user(app, Role.ENTREPRENEUR, Role.JURY)
    staff = _client(app, make_user(app, Role.STAFF))
    assert staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email}).status_code == 302
    entrepreneur = _client(app, juror)
    reply = entrepreneur.post(f"/calls/{call.slug}/phases/1/proposal", follow_redirects=True)
    assert "You sit on the jury of this phase: you cannot submit a proposal in it." in page_text(reply)


def test_the_earlier_jury_is_carried_over_without_those_who_now_compete(app: Flask, catalogue) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    juror = make_user(app, Role.ENTREPRENEUR, Role.JURY, name="Jet Jurylid")
    other = make_user(app, Role.JURY)
    staff = _client(app, make_user(app, Role.STAFF))
    for member in (juror, other):
        assert staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": member.email}).status_code == 302
    # Phase 2: the juror's company has a proposal in it (a draft is enough).
    with app.app_context():
        from mvi_challenges.accounts.models import User
        from mvi_challenges.calls.models import Phase
        from mvi_challenges.core.db import db
        from mvi_challenges.proposals.models import Proposal

        organisation_id = db.session.get(User, juror.id).organisation_id
        db.session.add(Proposal(call_id=call.id, phase_id=_phase_id(app, call.id, 2), owner_key=f"org:{organisation_id}",
                                submitter_id=juror.id, organisation_id=organisation_id))
        db.session.commit()
        assert db.session.get(Phase, _phase_id(app, call.id, 2)).number == 2
    page = page_text(staff.get(f"/staff/calls/{call.id}/phases/2/jury"))
    assert "Not added, because they or their organisation have a proposal in this phase: Jet Jurylid." in page
    reply = staff.post(f"/staff/calls/{call.id}/phases/2/jury/carry-over", follow_redirects=True)
    assert "1 member of the jury of Fase 1 has been added." in page_text(reply)
    after = page_text(staff.get(f"/staff/calls/{call.id}/phases/2/jury"))
    members = after.split("The jury of Fase 1")[0]
    assert other.email in members and juror.email not in members
    # Everyone left of the earlier jury competes: the page still says why they are not on this jury,
    # and offers no button that would add nobody.
    assert "Not added, because they or their organisation have a proposal in this phase: Jet Jurylid." in after
    assert "Add this member to this jury" not in after and "Not yet on this jury" not in after
