"""The jury and a consortium: a blind jury never reads a partner's name; an open jury sees every
partner, so a member related to one can declare a conflict.

Abuse considered: an applicant (or a partner) hoping a blind jury recognises them by the partner
names written into the proposal text or summary; a juror who works for a partner organisation and
cannot tell from the page that it takes part.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.evaluation.blind_copies import HIDDEN, identifying_names, redact_names
from mvi_challenges.proposals import services
from mvi_challenges.proposals.models import Proposal

from ..factories import add_partners, close_phase, login, make_call, make_proposal, make_user


def _world(app: Flask, *, blind: bool) -> SimpleNamespace:
    call = make_call(app, kind=CallKind.SBIR)
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Hittebouw BV", kvk="12345678")
    university = make_user(app, Role.ENTREPRENEUR, organisation_name="Universiteit Utrecht", kvk="30275924")
    social = make_user(app, Role.ENTREPRENEUR, organisation_name="Groene Handen & Co", kvk="41172849")
    proposal = make_proposal(app, lead, call, budget_cents=2_000_000)
    with app.test_request_context():
        # The applicant names itself and its partners in the text, as people do.
        record = db.session.get(Proposal, proposal.id)
        from mvi_challenges.accounts.models import User

        services.save_draft(db.session, db.session.get(User, lead.id), record, title="Koele pleinen",
                            summary="Hittebouw BV werkt samen met de universiteit utrecht.",
                            body_source="## Team\nUniversiteit Utrecht meet; Groene Handen & Co plant; KvK 30275924.",
                            requested_budget_cents=2_000_000, now=now_utc())
        db.session.commit()
    add_partners(app, proposal, [(university, 500_000), (social, 250_000)])
    close_phase(app, call)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    juror = make_user(app, Role.JURY, name="Joris Jurylid")
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    staff.post(f"/staff/calls/{call.id}/phases/1/jury/settings", data={"blind_review": "y" if blind else "",
                                                                     "threshold": "3"})
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 1))
    client = app.test_client()
    login(client, juror)
    return SimpleNamespace(proposal=proposal, phase_id=phase_id, juror=client)


def _pages(world: SimpleNamespace) -> tuple[str, str]:
    base = f"/jury/phases/{world.phase_id}"
    overview = world.juror.get(base).get_data(as_text=True)
    world.juror.post(base, data={f"declare-{world.proposal.id}": "none"})
    score = world.juror.get(f"{base}/proposals/{world.proposal.id}")
    assert score.status_code == 200
    return overview, score.get_data(as_text=True)


def test_a_blind_jury_sees_no_partner_name_or_kvk_number_anywhere(app: Flask, catalogue) -> None:
    world = _world(app, blind=True)
    for html in _pages(world):
        for name in ("Hittebouw", "Universiteit Utrecht", "universiteit utrecht", "Groene Handen", "30275924",
                     "12345678"):
            assert name not in html, name
    _overview, score = _pages(world)
    assert HIDDEN in score and "werkt samen met de" in score  # the rest of the text is still there


def test_an_open_jury_sees_every_partner_and_can_declare_a_conflict_with_one(app: Flask, catalogue) -> None:
    world = _world(app, blind=False)
    base = f"/jury/phases/{world.phase_id}"
    overview = world.juror.get(base).get_data(as_text=True)
    assert "Hittebouw BV" in overview and "Universiteit Utrecht" in overview and "Groene Handen &amp; Co" in overview
    # A juror who works at the university declares it; the proposal is then closed to them.
    world.juror.post(base, data={f"declare-{world.proposal.id}": "conflict",
                                 f"reason-{world.proposal.id}": "Ik werk bij partner Universiteit Utrecht"})
    assert world.juror.get(f"{base}/proposals/{world.proposal.id}").status_code == 403


def test_an_open_jury_reads_the_partners_and_their_shares_on_the_score_page(app: Flask, catalogue) -> None:
    world = _world(app, blind=False)
    _overview, score = _pages(world)
    assert "Universiteit Utrecht (Kennispartner" in score and "Groene Handen &amp; Co" in score


def test_redact_names_replaces_whole_words_in_text_and_escaped_html() -> None:
    names = identifying_names(SimpleNamespace(name="Hittebouw BV", kvk_number="12345678"),
                              [{"name": "Groene Handen & Co", "kvk_number": "41172849"}, {"name": "", "kvk_number": ""}])
    assert redact_names("hittebouw bv en Groene Handen & Co", names) == f"{HIDDEN} en {HIDDEN}"
    assert redact_names("<p>Groene Handen &amp; Co</p>", names, html=True) == f"<p>{HIDDEN}</p>"
    assert redact_names("Hittebouwers", names) == "Hittebouwers"  # not part of another word
    assert redact_names("niets", []) == "niets"


def test_the_stored_text_and_its_receipt_are_untouched(app: Flask, catalogue) -> None:
    world = _world(app, blind=True)
    _pages(world)
    with app.app_context():
        version = db.session.get(Proposal, world.proposal.id).latest_version
        assert "Universiteit Utrecht" in version.body_source and services.version_digest(version) == version.digest
