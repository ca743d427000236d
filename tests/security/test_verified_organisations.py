"""A KvK number is verified by an administrator before the organisation governs itself (issue #16 item 9).

The attack: anyone with a mailbox registered a company's (public) KvK number first, and then decided
who of the real employees could join "their" organisation and see its proposals.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from mvi_challenges.accounts.models import JoinRequest, KvkStatus, Organisation, Role, User
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail

from ..conftest import empty_all_tables
from ..factories import close_phase, confirm_registration, login, make_call, make_proposal, make_user, page_text

KVK = "31415926"


def _register(app: Flask, email: str, name: str, organisation: str = "") -> object:
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    assert client.post("/account/register", data={
        "name": name, "email": email, "password": "een-lang-wachtwoord", "password_repeat": "een-lang-wachtwoord",
        "account_type": "entrepreneur", "kvk_number": KVK, "organisation_name": organisation}).status_code == 302
    assert confirm_registration(app, client, email, "een-lang-wachtwoord").status_code == 302
    return client


def _english(app: Flask, user) -> object:
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    login(client, user)
    return client


def _organisation(app: Flask) -> Organisation:
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.kvk_number == KVK))
        db.session.expunge(organisation)
        return organisation


def test_until_verified_join_requests_go_to_the_administrators(app: Flask) -> None:
    admin = make_user(app, Role.ADMIN)
    squatter = _register(app, "first@example.org", "Eerste", "Echt Bedrijf BV")
    assert _organisation(app).kvk_status is KvkStatus.UNVERIFIED
    _register(app, "employee@example.org", "Medewerker")
    with app.app_context():
        join = db.session.scalar(select(JoinRequest))
        asked = list(db.session.scalars(select(OutboxEmail.to).where(OutboxEmail.subject.contains("Medewerker"))))
    assert asked == [admin.email]  # not the first registrant
    profile = page_text(squatter.get("/account"))
    assert "Requests to join your organisation" not in profile
    assert "has not yet checked this KvK number" in profile
    squatter.post(f"/account/join-requests/{join.id}", data={"action": "decline"})
    with app.app_context():
        assert db.session.get(JoinRequest, join.id).decided_at is None
    # The administrator decides.
    admin_client = _english(app, admin)
    assert "Medewerker (employee@example.org) asks to join Echt Bedrijf BV." in page_text(admin_client.get("/account"))
    admin_client.post(f"/account/join-requests/{join.id}", data={"action": "approve"})
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "employee@example.org")).organisation_id is not None


def test_once_verified_the_members_decide_again(app: Flask) -> None:
    admin = make_user(app, Role.ADMIN)
    first = _register(app, "first@example.org", "Eerste", "Echt Bedrijf BV")
    organisation = _organisation(app)
    assert _english(app, admin).post(f"/admin/organisations/{organisation.id}",
                                     data={"action": "confirm"}).status_code == 302
    _register(app, "employee@example.org", "Medewerker")
    with app.app_context():
        asked = list(db.session.scalars(select(OutboxEmail.to).where(OutboxEmail.subject.contains("Medewerker"))))
    assert asked == ["first@example.org"]
    assert "Medewerker (employee@example.org) asks to join" in page_text(first.get("/account"))


def test_the_queue_links_the_register_and_rejects_only_with_a_reason(app: Flask) -> None:
    admin, staff = make_user(app, Role.ADMIN), make_user(app, Role.STAFF)
    _register(app, "first@example.org", "Eerste", "Echt Bedrijf BV")
    organisation = _organisation(app)
    assert _english(app, staff).get("/admin/organisations").status_code == 403
    client = _english(app, admin)
    queue = client.get("/admin/organisations")
    assert queue.status_code == 200 and "Echt Bedrijf BV" in page_text(queue)
    assert f'href="https://www.kvk.nl/zoeken/?source=all&amp;q={KVK}"' in queue.get_data(as_text=True)
    no_reason = client.post(f"/admin/organisations/{organisation.id}", data={"action": "reject"})
    assert no_reason.status_code == 400
    assert "Say why the KvK number is rejected" in page_text(no_reason)
    rejected = client.post(f"/admin/organisations/{organisation.id}",
                           data={"action": "reject", f"org{organisation.id}-reason": "Dit nummer hoort bij een bakkerij."})
    assert rejected.status_code == 302
    assert "No organisations are waiting to be verified." in page_text(client.get("/admin/organisations"))
    assert _organisation(app).kvk_status is KvkStatus.REJECTED
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.kvk_rejected"))
        assert event.actor_id == admin.id and "bakkerij" in str(event.details)
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "first@example.org",
                                                           OutboxEmail.body.contains("bakkerij")))
    assert mail is not None
    twice = client.post(f"/admin/organisations/{organisation.id}", data={"action": "confirm"})
    assert twice.status_code == 302 and _organisation(app).kvk_status is KvkStatus.REJECTED


def test_staff_see_an_unverified_organisation_on_its_proposals(app: Flask, catalogue) -> None:
    staff = make_user(app, Role.STAFF)
    checked = make_user(app, Role.ENTREPRENEUR, organisation_name="Nagekeken BV")
    unchecked = make_user(app, Role.ENTREPRENEUR, organisation_name="Onbekend BV",
                          kvk_status=KvkStatus.UNVERIFIED)
    call = make_call(app)
    make_proposal(app, checked, call, submit=True)
    proposal = make_proposal(app, unchecked, call, submit=True)
    close_phase(app, call)
    client = _english(app, staff)
    rows = {line for line in page_text(client.get(f"/staff/calls/{call.id}/proposals")).split("Ons voorstel")}
    assert any("Onbekend BV KvK not verified" in row for row in rows)
    assert not any("Nagekeken BV KvK not verified" in row for row in rows)
    assert "Onbekend BV KvK not verified" in page_text(client.get(f"/proposals/{proposal.id}"))
    # The applicant is not shown a staff badge on their own proposal.
    assert "KvK not verified" not in page_text(_english(app, unchecked).get(f"/proposals/{proposal.id}"))


def test_organisations_from_before_the_rule_are_verified_after_the_migration(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        try:
            upgrade(revision="0012")
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO organisations (name, kvk_number, created_at) "
                                        "VALUES ('Oud BV', '11112222', :at)"), {"at": dt.datetime(2024, 1, 1)})
            upgrade(revision="0013")
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO organisations (name, kvk_number, created_at) "
                                        "VALUES ('Nieuw BV', '33334444', :at)"), {"at": dt.datetime(2026, 1, 1)})
                statuses = dict(connection.execute(text("SELECT name, kvk_status FROM organisations")).all())
            assert statuses == {"Oud BV": "verified", "Nieuw BV": "unverified"}
        finally:
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            empty_all_tables()
