"""Consortium proposals: the lead invites partners, partners confirm their part, shares and reading.

Who would abuse this, and how:
- a competitor (another organisation) wants to read a proposal: by guessing its address, or by using
  an invitation link that was forwarded to them, or by accepting an invitation meant for someone else;
- a partner wants to change the proposal, or the consortium, or to take a bigger share;
- a declined or removed partner keeps the link and comes back;
- a double click (or an attacker replaying the mailed link) accepts twice;
- two partners confirm at the same moment, so together they pass the budget;
- anyone after the deadline tries to change the consortium.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.proposals import services
from mvi_challenges.proposals.models import ConsortiumPartner, PartnerStatus, Proposal, ProposalVersion

from ..factories import close_phase, login, mailed_link, make_call, make_proposal, make_user, page_text
from ..races import all_at_once

INVITATIONS = "/consortium/invitations/"


def _world(app: Flask, budget_cents: int = 1_000_000) -> SimpleNamespace:
    """A call with a lead's draft proposal of `budget_cents`, and two partner organisations."""
    call = make_call(app)
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Hittebouw BV")
    proposal = make_proposal(app, lead, call, budget_cents=budget_cents)
    university = make_user(app, Role.ENTREPRENEUR, organisation_name="Universiteit Utrecht", kvk="30275924")
    social = make_user(app, Role.ENTREPRENEUR, organisation_name="Groene Handen", kvk="41172849")
    lead_client = app.test_client()
    login(lead_client, lead)
    return SimpleNamespace(call=call, lead=lead, proposal=proposal, university=university, social=social,
                           lead_client=lead_client)


def _invite(world: SimpleNamespace, partner, share: str = "4.000", *, kvk: str | None = None,
            email: str | None = None, role: str = "Kennisinstelling: metingen"):
    with world.lead_client.application.app_context():
        from mvi_challenges.accounts.models import User

        user = db.session.get(User, partner.id)
        kvk = user.organisation.kvk_number if kvk is None else kvk
    return world.lead_client.post(f"/proposals/{world.proposal.id}/consortium", data={
        "email": partner.email if email is None else email, "kvk_number": kvk, "role": role, "share": share})


def _client(app: Flask, user) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


def _partners(app: Flask, proposal_id: int) -> list[tuple[str, int | None, int]]:
    with app.app_context():
        rows = db.session.scalars(select(ConsortiumPartner).where(ConsortiumPartner.proposal_id == proposal_id)
                                  .order_by(ConsortiumPartner.id))
        return [(row.status.value, row.organisation_id, row.share_cents) for row in rows]


def test_lead_invites_a_partner_who_confirms_reads_the_proposal_and_counts_in_the_submitted_version(
        app: Flask, catalogue) -> None:
    world = _world(app)
    assert _invite(world, world.university).status_code == 302
    link = mailed_link(app, world.university.email, INVITATIONS)
    partner = _client(app, world.university)
    # Before confirming, the partner cannot read the proposal.
    assert partner.get(f"/proposals/{world.proposal.id}").status_code == 404
    page = page_text(partner.get(link))
    assert "Hittebouw BV" in page and "Kennisinstelling: metingen" in page and "4.000" in page
    answered = partner.post(link, data={"action": "confirm"})
    assert answered.status_code == 302 and answered.location == f"/proposals/{world.proposal.id}"
    detail = page_text(partner.get(f"/proposals/{world.proposal.id}"))
    assert "Zo doen we het." in detail and "Universiteit Utrecht" in detail
    assert _partners(app, world.proposal.id) == [("confirmed", world.university.organisation_id, 400_000)]
    # The lead sees the remaining share, and the confirmation mail.
    consortium = page_text(world.lead_client.get(f"/proposals/{world.proposal.id}/consortium"))
    assert "6.000" in consortium  # € 10.000 requested - € 4.000 for the partner
    # The submission freezes the consortium in the version, and its digest covers it.
    assert world.lead_client.post(f"/proposals/{world.proposal.id}/edit", data={
        "title": "Ons voorstel", "summary": "Kort gezegd.", "body_source": "## Aanpak\nZo doen we het.",
        "requested_budget": "10.000", "action": "submit"}).status_code == 302
    with app.app_context():
        version = db.session.scalar(select(ProposalVersion))
        assert version.consortium == [{"organisation_id": world.university.organisation_id,
                                       "name": "Universiteit Utrecht", "kvk_number": "30275924",
                                       "role": "Kennisinstelling: metingen", "share_cents": 400_000}]
        assert services.version_digest(version) == version.digest
        shares = services.partner_shares(db.session.get(Proposal, world.proposal.id))
        assert [(s["name"], s["share_cents"]) for s in shares] == [("Hittebouw BV", 600_000),
                                                                    ("Universiteit Utrecht", 400_000)]


def test_the_link_works_once_a_second_click_or_replay_changes_nothing(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    link = mailed_link(app, world.university.email, INVITATIONS)
    partner = _client(app, world.university)
    assert partner.post(link, data={"action": "confirm"}).status_code == 302
    again = partner.post(link, data={"action": "decline"}, follow_redirects=True)
    assert "already been answered" in page_text(again) or "al beantwoord" in page_text(again)
    assert partner.get(link).status_code == 409
    assert _partners(app, world.proposal.id) == [("confirmed", world.university.organisation_id, 400_000)]
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))
                                 .where(AuditEvent.action.like("consortium.%"),
                                        AuditEvent.action != "consortium.invited")) == 1


def test_someone_of_another_organisation_cannot_accept_a_forwarded_invitation(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    link = mailed_link(app, world.university.email, INVITATIONS)
    competitor = _client(app, make_user(app, Role.ENTREPRENEUR, organisation_name="Concurrent BV"))
    page = competitor.get(link)
    assert page.status_code == 409 and "30275924" in page_text(page)
    assert "Confirm our part" not in page_text(page) and "Bevestig ons deel" not in page_text(page)
    competitor.post(link, data={"action": "confirm"})
    assert _partners(app, world.proposal.id) == [("invited", None, 400_000)]
    assert competitor.get(f"/proposals/{world.proposal.id}").status_code == 404
    # A colleague of the invited organisation with another address cannot either, when an address was named.
    colleague = make_user(app, Role.CITIZEN)
    with app.app_context():
        from mvi_challenges.accounts.models import User

        db.session.get(User, colleague.id).organisation_id = world.university.organisation_id
        db.session.commit()
    colleague_client = _client(app, colleague)
    assert colleague_client.get(link).status_code == 409
    # The lead cannot accept its own invitation (its own organisation is not the invited one).
    assert world.lead_client.get(link).status_code == 409


def test_invited_by_kvk_only_every_member_of_that_organisation_may_answer(app: Flask, catalogue) -> None:
    world = _world(app)
    assert _invite(world, world.social, email="").status_code == 302
    link = mailed_link(app, world.social.email, INVITATIONS)  # mailed to the organisation's members
    assert _client(app, world.social).post(link, data={"action": "confirm"}).status_code == 302
    assert _partners(app, world.proposal.id)[0][0] == "confirmed"


def test_an_unknown_kvk_number_needs_an_address_and_the_own_kvk_is_refused(app: Flask, catalogue) -> None:
    world = _world(app)
    unknown = _invite(world, world.social, kvk="99999999", email="")
    assert unknown.status_code == 400 and ("email" in page_text(unknown) or "e-mail" in page_text(unknown))
    with app.app_context():
        from mvi_challenges.accounts.models import User

        own = db.session.get(User, world.lead.id).organisation.kvk_number
    assert _invite(world, world.social, kvk=own).status_code == 400
    assert _partners(app, world.proposal.id) == []


def test_a_partner_reads_but_cannot_edit_submit_or_change_the_consortium(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    partner = _client(app, world.university)
    partner.post(mailed_link(app, world.university.email, INVITATIONS), data={"action": "confirm"})
    pid = world.proposal.id
    assert partner.get(f"/proposals/{pid}").status_code == 200
    assert partner.get(f"/proposals/{pid}/edit").status_code == 403
    assert partner.post(f"/proposals/{pid}/edit", data={"title": "Gekaapt", "action": "submit"}).status_code == 403
    assert partner.get(f"/proposals/{pid}/consortium").status_code == 403
    assert partner.post(f"/proposals/{pid}/consortium", data={
        "email": "x@example.org", "kvk_number": "", "role": "Ik", "share": "1"}).status_code == 403
    partner_id = db_partner_id(app, pid)
    assert partner.post(f"/proposals/{pid}/consortium/{partner_id}/withdraw", data={"confirm": "yes"}).status_code == 404
    assert partner.post(f"/proposals/{pid}/withdraw", data={"confirm": "yes"}).status_code == 403
    with app.app_context():
        proposal = db.session.get(Proposal, pid)
        assert proposal.title == "Ons voorstel" and proposal.versions == []
    assert "Ons voorstel" in page_text(partner.get("/my/proposals"))


def db_partner_id(app: Flask, proposal_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(ConsortiumPartner.id).where(ConsortiumPartner.proposal_id == proposal_id))


def test_a_declined_or_removed_partner_no_longer_reads(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    _invite(world, world.social, share="1.000")
    university, social = _client(app, world.university), _client(app, world.social)
    university.post(mailed_link(app, world.university.email, INVITATIONS), data={"action": "decline"})
    assert university.get(f"/proposals/{world.proposal.id}").status_code == 404
    social.post(mailed_link(app, world.social.email, INVITATIONS), data={"action": "confirm"})
    assert social.get(f"/proposals/{world.proposal.id}").status_code == 200
    social_partner = next(p for p in _partner_rows(app, world.proposal.id) if p[1] == "confirmed")[0]
    removal = f"/proposals/{world.proposal.id}/consortium/{social_partner}/withdraw"
    assert world.lead_client.post(removal).status_code == 200  # asks first
    assert world.lead_client.post(removal, data={"confirm": "yes"}).status_code == 302
    assert social.get(f"/proposals/{world.proposal.id}").status_code == 404
    assert [row[0] for row in _partners(app, world.proposal.id)] == ["declined", "withdrawn"]
    consortium = page_text(world.lead_client.get(f"/proposals/{world.proposal.id}/consortium"))
    assert "Geweigerd op" in consortium and "Door u ingetrokken." in consortium  # each state says so (Dutch)


def _partner_rows(app: Flask, proposal_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        return [(p.id, p.status.value) for p in db.session.scalars(
            select(ConsortiumPartner).where(ConsortiumPartner.proposal_id == proposal_id))]


def test_shares_never_exceed_the_requested_budget_and_the_budget_cannot_shrink_below_them(
        app: Flask, catalogue) -> None:
    world = _world(app)
    too_much = _invite(world, world.university, share="10.001")
    assert too_much.status_code == 400 and "10.001" in page_text(too_much)
    _invite(world, world.university, share="8.000")
    _client(app, world.university).post(mailed_link(app, world.university.email, INVITATIONS),
                                        data={"action": "confirm"})
    lowered = world.lead_client.post(f"/proposals/{world.proposal.id}/edit", data={
        "title": "Ons voorstel", "summary": "Kort gezegd.", "body_source": "x", "requested_budget": "7.000",
        "action": "save"})
    assert lowered.status_code == 400
    with app.app_context():
        assert db.session.get(Proposal, world.proposal.id).requested_budget_cents == 1_000_000


def test_submission_waits_until_every_invitation_is_answered(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    form = {"title": "Ons voorstel", "summary": "Kort gezegd.", "body_source": "x", "requested_budget": "10.000",
            "action": "submit"}
    refused = world.lead_client.post(f"/proposals/{world.proposal.id}/edit", data=form)
    assert refused.status_code == 400 and "30275924" in page_text(refused)
    _client(app, world.university).post(mailed_link(app, world.university.email, INVITATIONS),
                                        data={"action": "decline"})
    assert world.lead_client.post(f"/proposals/{world.proposal.id}/edit", data=form).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ProposalVersion.consortium)) == []


def test_a_consortium_change_after_submission_must_be_submitted_again(app: Flask, catalogue) -> None:
    world = _world(app)
    with app.test_request_context():
        from mvi_challenges.accounts.models import User

        proposal = db.session.get(Proposal, world.proposal.id)
        services.submit(db.session, db.session.get(User, world.lead.id), proposal, now_utc())
        db.session.commit()
    _invite(world, world.university)
    _client(app, world.university).post(mailed_link(app, world.university.email, INVITATIONS),
                                        data={"action": "confirm"})
    with app.app_context():
        proposal = db.session.get(Proposal, world.proposal.id)
        assert proposal.has_unsubmitted_changes is True
        assert proposal.latest_version.consortium == []  # what counts until the lead submits again


def test_after_the_deadline_nothing_about_the_consortium_changes(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    _invite(world, world.social, share="1.000")
    link = mailed_link(app, world.university.email, INVITATIONS)
    social = _client(app, world.social)
    social.post(mailed_link(app, world.social.email, INVITATIONS), data={"action": "confirm"})
    close_phase(app, world.call)
    university = _client(app, world.university)
    assert university.get(link).status_code == 409
    university.post(link, data={"action": "confirm"})
    assert _invite(world, make_user(app, Role.ENTREPRENEUR)).status_code == 400
    social_id = next(p for p in _partner_rows(app, world.proposal.id) if p[1] == "confirmed")[0]
    world.lead_client.post(f"/proposals/{world.proposal.id}/consortium/{social_id}/withdraw", data={"confirm": "yes"})
    assert [row[0] for row in _partners(app, world.proposal.id)] == ["invited", "confirmed"]


def test_an_expired_or_forged_link_is_refused(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    link = mailed_link(app, world.university.email, INVITATIONS)
    with app.app_context():
        partner = db.session.scalar(select(ConsortiumPartner))
        partner.expires_at = now_utc() - dt.timedelta(seconds=1)
        db.session.commit()
    university = _client(app, world.university)
    assert university.get(link).status_code == 409
    assert university.get(link[:-3] + "abc").status_code == 404
    assert app.test_client().get(INVITATIONS + "not-a-token").status_code == 404
    # Anonymous with a valid link: log in first, then back here.
    anonymous = app.test_client().get(link)
    assert anonymous.status_code == 302 and anonymous.location.startswith("/account/login")


def test_two_partners_confirming_at_the_same_moment_never_pass_the_budget(app: Flask, catalogue) -> None:
    """Each share fits alone (€ 6.000 of € 10.000), not both: exactly one confirmation wins, and the
    other partner is told; no lost update of either row."""
    world = _world(app)
    _invite(world, world.university, share="6.000")
    _invite(world, world.social, share="6.000")
    links = [mailed_link(app, world.university.email, INVITATIONS), mailed_link(app, world.social.email, INVITATIONS)]
    clients = [_client(app, world.university), _client(app, world.social)]
    statuses = all_at_once([lambda client=client, link=link: client.post(link, data={"action": "confirm"}).status_code
                            for client, link in zip(clients, links, strict=True)])
    assert statuses == [302, 302]  # both are answered with a page; one of them says why not
    rows = _partners(app, world.proposal.id)
    assert sorted(row[0] for row in rows) == ["confirmed", "invited"]
    assert sum(row[2] for row in rows if row[0] == "confirmed") <= 1_000_000
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))
                                 .where(AuditEvent.action == "consortium.confirmed")) == 1
    # The loser's invitation is still open: the lead can lower the other share or raise the budget.
    loser = next(i for i, row in enumerate(rows) if row[0] == "invited")
    assert clients[loser].get(links[loser]).status_code == 200


def test_invitation_rules_in_the_lifecycle(app: Flask, catalogue) -> None:
    world = _world(app)
    _invite(world, world.university)
    with app.app_context():
        from mvi_challenges.accounts.models import User
        from mvi_challenges.proposals import lifecycle

        partner = db.session.scalar(select(ConsortiumPartner))
        university = db.session.get(User, world.university.id)
        assert lifecycle.invitation_refusal(partner, university, now_utc()) is None
        assert lifecycle.invitation_refusal(partner, university, partner.expires_at) is not None
        partner.status = PartnerStatus.DECLINED
        assert lifecycle.invitation_refusal(partner, university, now_utc()) is not None


def test_a_civil_servant_cannot_join_a_consortium(app: Flask, catalogue) -> None:
    """Abuser: a procurement officer whose account also holds the entrepreneur role of a partner
    organisation, joining a proposal on the municipality's own call (tests/security/
    test_attack_staff_applying.py has the same person applying directly)."""
    world = _world(app)
    officer = make_user(app, Role.STAFF, Role.ENTREPRENEUR, organisation_name="Adviesbureau", kvk="52117711")
    _invite(world, officer)
    with app.app_context():
        from mvi_challenges.accounts.models import User
        from mvi_challenges.proposals import lifecycle

        partner = db.session.scalar(select(ConsortiumPartner))
        refusal = lifecycle.invitation_refusal(partner, db.session.get(User, officer.id), now_utc())
        assert refusal and refusal.startswith("Medewerkers van de gemeente")  # Dutch first
