"""Blind review, tried as a juror who wants to know whose proposal is whose.

Abuser: a civil servant (staff) who also sits on a blind jury. The jury pages call a proposal
"Proposal <id>"; the staff pages of the same proposal (its page, the call's proposal list and its
CSV export) named the organisation, KvK number and submitter for that very id: one click from the
blind score sheet to the applicant's name. Found broken, fixed in proposals/lifecycle.py
(`hides_applicant`) asked by proposals/views.py. Staff not on that jury still see everything.
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.accounts.models import Role

from ..evaluation.test_evaluation import _client, _setup
from ..factories import make_user, page_text


def _staff_on_the_jury(app: Flask, *, blind: bool):
    world = _setup(app, blind=blind)
    staff_juror = make_user(app, Role.STAFF, Role.JURY, name="Ambtenaar Jurylid")
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": staff_juror.email})
    return world, _client(app, staff_juror)


def test_a_staff_member_on_a_blind_jury_cannot_look_up_the_applicant(app: Flask, catalogue) -> None:
    world, me = _staff_on_the_jury(app, blind=True)
    first = world.proposals[0].id
    me.post(f"/jury/phases/{world.phase_id}", data={f"declare-{first}": "none"})
    score_page = page_text(me.get(f"/jury/phases/{world.phase_id}/proposals/{first}"))
    assert "Bedrijf Nummer 0" not in score_page  # the blind sheet itself holds
    proposal_page = me.get(f"/proposals/{first}")
    assert "Bedrijf Nummer 0" not in page_text(proposal_page)
    listing = me.get(f"/staff/calls/{world.call.id}/proposals")
    assert "Bedrijf Nummer" not in page_text(listing)
    export = me.get(f"/staff/calls/{world.call.id}/proposals.csv")
    assert "Bedrijf Nummer" not in export.get_data(as_text=True)
    assert me.get(f"/staff/calls/{world.call.id}/proposals.zip").status_code == 403
    # A colleague not on the jury still manages the proposals with their names.
    assert "Bedrijf Nummer 0" in page_text(world.staff.get(f"/staff/calls/{world.call.id}/proposals"))
    assert "Bedrijf Nummer 0" in page_text(world.staff.get(f"/proposals/{first}"))


def test_a_staff_member_on_an_open_jury_still_sees_who_applied(app: Flask, catalogue) -> None:
    world, me = _staff_on_the_jury(app, blind=False)
    assert "Bedrijf Nummer 0" in page_text(me.get(f"/staff/calls/{world.call.id}/proposals"))
    assert "Bedrijf Nummer 0" in page_text(me.get(f"/proposals/{world.proposals[0].id}"))


def test_a_staff_juror_gets_no_decision_page_of_a_proposal_of_their_phase(app: Flask, catalogue) -> None:
    """The decision page named the proposal (its title) for any staff member once it was opened, the
    staff juror with a conflict or in a blind review too; they read their phase through the jury pages."""
    world, me = _staff_on_the_jury(app, blind=False)
    first = world.proposals[0].id
    me.post(f"/jury/phases/{world.phase_id}", data={f"declare-{first}": "conflict", f"reason-{first}": "Zwager"})
    assert me.get(f"/proposals/{first}/decision").status_code == 404
    assert world.staff.get(f"/proposals/{first}/decision").status_code == 200  # a colleague not on the jury
