"""Leaving the jury to read around a conflict, tried as a staff member who sits on a jury.

Abuser: a civil servant on the jury who declared a conflict with their brother-in-law's proposal.
Staff manage juries, so they removed themselves: the member and (by cascade) the declared conflict
were gone, and as staff not on the jury they read the proposal, its scores and the other members'
motivations; they could add themselves again and declare "no conflict". A colleague removing a
member who declared likewise erased the declarations from the record. Found broken, fixed in
evaluation/services.remove_member: nobody removes themselves, and a member who declared (like one
who scored) stays part of the record.

The same staff juror also lifted their own declared conflict on the staff jury page (any reason
would do): fixed in evaluation/services.lift_conflict, a colleague lifts it.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.evaluation.models import ConflictDeclaration, JuryMember

from ..evaluation.test_evaluation import _client, _setup
from ..factories import make_user, page_text


def _member_id(app: Flask, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(JuryMember.id).where(JuryMember.user_id == user_id))


def test_a_staff_juror_cannot_remove_themselves_to_read_a_conflicted_proposal(app: Flask, catalogue) -> None:
    world = _setup(app)
    staff_juror = make_user(app, Role.STAFF, Role.JURY)
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": staff_juror.email})
    me = _client(app, staff_juror)
    first = world.proposals[0].id
    me.post(f"/jury/phases/{world.phase_id}", data={f"declare-{first}": "conflict", f"reason-{first}": "Zwager"})
    me.post(f"/staff/jury-members/{_member_id(app, staff_juror.id)}/remove", data={"confirm": "yes"})
    with app.app_context():
        assert db.session.scalar(select(func.count(ConflictDeclaration.id))
                                 .where(ConflictDeclaration.has_conflict.is_(True))) == 1
    assert "Zo doen we het" not in page_text(me.get(f"/proposals/{first}"))
    assert me.get(f"/staff/calls/{world.call.id}/phases/1/results/{first}").status_code == 403


def test_a_colleague_cannot_erase_a_members_declarations(app: Flask, catalogue) -> None:
    world = _setup(app)
    first = world.proposals[0].id
    _client(app, world.juror).post(f"/jury/phases/{world.phase_id}",
                                   data={f"declare-{first}": "conflict", f"reason-{first}": "Oud-collega"})
    colleague = _client(app, make_user(app, Role.STAFF))
    response = colleague.post(f"/staff/jury-members/{_member_id(app, world.juror.id)}/remove",
                                data={"confirm": "yes"}, follow_redirects=True)
    assert "declarations stay part of the record" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 1


def test_a_member_who_did_nothing_yet_can_still_be_removed(app: Flask, catalogue) -> None:
    world = _setup(app)
    world.staff.post(f"/staff/jury-members/{_member_id(app, world.juror.id)}/remove", data={"confirm": "yes"})
    with app.app_context():
        assert db.session.scalar(select(JuryMember.id).where(JuryMember.user_id == world.juror.id)) is None


def test_a_staff_juror_cannot_lift_their_own_conflict(app: Flask, catalogue) -> None:
    """Four eyes: lifting a conflict is a colleague's decision, never the member's own."""
    world = _setup(app)
    staff_juror = make_user(app, Role.STAFF, Role.JURY)
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": staff_juror.email})
    me = _client(app, staff_juror)
    first = world.proposals[0].id
    me.post(f"/jury/phases/{world.phase_id}", data={f"declare-{first}": "conflict", f"reason-{first}": "Zwager"})
    with app.app_context():
        declaration_id = db.session.scalar(select(ConflictDeclaration.id))
    # Not even their jury's management page opens for them (test_a_staff_juror_does_not_manage_their_jury);
    # the service refuses a member's own conflict too, for any other way in.
    assert me.post(f"/staff/conflicts/{declaration_id}/lift", data={"reason": "Toch niet"}).status_code == 403
    with app.app_context():
        assert db.session.get(ConflictDeclaration, declaration_id).has_conflict
    assert me.get(f"/jury/phases/{world.phase_id}/proposals/{first}").status_code == 403


def test_a_staff_juror_does_not_manage_their_own_jury(app: Flask, catalogue) -> None:
    """The management page lists every member's declarations with their reasons ("works for
    Bedrijf X" names the applicant behind a blind proposal) and changes who scores: a staff member on
    the jury gets none of it; a colleague manages that jury, and other juries stay theirs to manage."""
    world = _setup(app)
    staff_juror = make_user(app, Role.STAFF, Role.JURY)
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": staff_juror.email})
    first = world.proposals[0].id
    _client(app, world.juror).post(f"/jury/phases/{world.phase_id}",
                                   data={f"declare-{first}": "conflict", f"reason-{first}": "Werkt bij Bedrijf X"})
    me = _client(app, staff_juror)
    jury_page = f"/staff/calls/{world.call.id}/phases/1/jury"
    assert me.get(jury_page).status_code == 403
    assert me.post(jury_page, data={"email": "vriend@example.org"}).status_code == 403
    assert me.post(f"{jury_page}/settings", data={"threshold": "9"}).status_code == 403
    assert me.post(f"/staff/jury-members/{_member_id(app, world.juror.id)}/remove",
                   data={"confirm": "yes"}).status_code == 403
    with app.app_context():
        declaration_id = db.session.scalar(select(ConflictDeclaration.id))
    assert me.post(f"/staff/conflicts/{declaration_id}/lift", data={"reason": "Toch niet"}).status_code == 403
    colleague_page = world.staff.get(jury_page)
    assert colleague_page.status_code == 200 and "Werkt bij Bedrijf X" in page_text(colleague_page)
    with app.app_context():
        assert db.session.scalar(select(func.count(JuryMember.id)).where(JuryMember.user_id == world.juror.id)) == 1
        assert db.session.get(ConflictDeclaration, declaration_id).has_conflict
