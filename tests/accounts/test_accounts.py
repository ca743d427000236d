from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from mvi_challenges.accounts import services
from mvi_challenges.accounts.models import JoinRequest, Organisation, Role, User
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import now_utc

from ..factories import PASSWORD, confirm_registration, login, mailed_link, make_user, page_text


def _register(client: FlaskClient, follow_redirects: bool = False, **overrides: str):
    data = {
        "name": "Fatima de Vries", "email": "fatima@example.org", "password": PASSWORD,
        "password_repeat": PASSWORD, "account_type": "citizen", "organisation_name": "", "kvk_number": "",
    }
    data.update(overrides)
    return client.post("/account/register", data=data, follow_redirects=follow_redirects)


def _mails_to(app: Flask, address: str) -> list[OutboxEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == address).order_by(OutboxEmail.id)))


def test_register_citizen_confirms_by_mail_then_is_logged_in(app: Flask, client_en: FlaskClient) -> None:
    response = _register(client_en)
    assert response.status_code == 302 and response.location == "/account/register/check-your-mail"
    sent = client_en.get(response.location)
    assert "We have sent a mail to fatima@example.org" in page_text(sent)
    # Not usable before the address is confirmed: no session, and logging in sends a fresh link.
    assert client_en.get("/account").status_code == 302
    refused = client_en.post("/account/login", data={"email": "fatima@example.org", "password": PASSWORD})
    assert "Confirm your email address first: we have sent a new link to fatima@example.org." in page_text(refused)
    assert client_en.get("/account").status_code == 302
    mails = _mails_to(app, "fatima@example.org")
    assert [m.subject for m in mails] == ["Confirm your email address for MVI Challenges"] * 2
    link = mailed_link(app, "fatima@example.org", "/account/confirm/")
    # Opening the link (as a mail scanner does) changes nothing; the wrong password confirms nothing.
    page = client_en.get(link)
    assert "Enter the password you chose when registering" in page_text(page)
    wrong = client_en.post(link, data={"password": "not-the-password-at-all"})
    assert wrong.status_code == 400
    assert "This is not the password you chose when registering." in page_text(wrong)
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is None
    confirmed = client_en.post(link, data={"password": PASSWORD})
    assert confirmed.status_code == 302 and confirmed.location == "/account"
    profile = client_en.get("/account")
    assert "Your email address has been confirmed and you are logged in." in page_text(profile)
    assert "fatima@example.org" in page_text(profile) and "citizen" in page_text(profile)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "fatima@example.org"))
        assert user.roles == {Role.CITIZEN} and user.email_confirmed
        assert user.password_hash != PASSWORD and user.password_hash.startswith("scrypt:")
    assert _mails_to(app, "fatima@example.org")[-1].subject == "Welcome to MVI Challenges"
    # The link has done its work: a second click (still logged in) goes to the account page; someone
    # else who opens it is told so and sent to log in.
    again = client_en.post(link, data={"password": PASSWORD})
    assert again.status_code == 302 and again.location == "/account"
    elsewhere = app.test_client().get(link)
    assert elsewhere.status_code == 302 and elsewhere.location.startswith("/account/login")


def test_registration_reveals_no_accounts(app: Flask, client_en: FlaskClient) -> None:
    """A known address gets the same answer as a new one; the mail tells the owner instead."""
    owner = make_user(app, email="taken@example.org", name="Tineke")
    fresh = _register(client_en, email="new@example.org")
    other = app.test_client()
    other.post("/language", data={"lang": "en", "next": "/"})
    taken = _register(other, email="TAKEN@example.org", password="an-attackers-password", password_repeat="an-attackers-password")
    assert (fresh.status_code, fresh.location) == (taken.status_code, taken.location)
    assert page_text(client_en.get(fresh.location)).replace("new@", "X@") == \
        page_text(other.get(taken.location)).replace("taken@", "X@")
    mail = _mails_to(app, "taken@example.org")[-1]
    assert mail.subject == "U hebt al een account bij MVI Challenges"  # in the owner's language
    assert "/account/password-reset" in mail.body and "/account/confirm/" not in mail.body
    with app.app_context():  # nothing about the existing account changed
        user = db.session.get(User, owner.id)
        assert user.name == "Tineke" and services.authenticate(db.session, "taken@example.org", PASSWORD) is user


def test_the_last_registration_of_an_unconfirmed_address_counts(app: Flask, client_en: FlaskClient) -> None:
    """Someone who registers another person's address first cannot keep it: the owner's own
    registration replaces the details, and the first link stops working."""
    _register(client_en, name="Indringer", password="indringer-wachtwoord", password_repeat="indringer-wachtwoord")
    first_link = mailed_link(app, "fatima@example.org", "/account/confirm/")
    owner = app.test_client()
    _register(owner)
    expired = owner.get(first_link)
    assert expired.status_code == 400 and "Deze link werkt niet meer" in page_text(expired)
    assert owner.post(first_link, data={"password": "indringer-wachtwoord"}).status_code == 400
    assert confirm_registration(app, owner, "fatima@example.org").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "fatima@example.org"))
        assert user.name == "Fatima de Vries" and user.email_confirmed


def test_unconfirmed_registrations_are_removed_by_the_retention_command(app: Flask, client_en) -> None:
    _register(client_en)
    keeper = make_user(app)
    with app.app_context():
        db.session.execute(update(User).where(User.email == "fatima@example.org")
                           .values(created_at=now_utc() - dt.timedelta(days=3)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert "1 registrations removed that nobody confirmed" in result.output
    with app.app_context():
        assert [u.email for u in db.session.scalars(select(User))] == [keeper.email]


def test_the_scheduled_retention_job_removes_unconfirmed_registrations_too(app: Flask, client_en) -> None:
    from mvi_challenges.privacy import jobs

    _register(client_en)
    with app.app_context():
        db.session.execute(update(User).values(created_at=now_utc() - dt.timedelta(days=3)))
        db.session.commit()
        assert jobs.apply_retention() == "0 accounts anonymised, 1 unconfirmed removed"
        assert db.session.scalar(select(User)) is None


def test_register_entrepreneur_creates_organisation_on_confirmation_and_a_member_approves_a_colleague(
        app: Flask, client_en) -> None:
    first = _register(client_en, account_type="entrepreneur", organisation_name="Groen BV", kvk_number="1234 5678")
    assert first.status_code == 302
    with app.app_context():  # nobody can claim a KvK number with an address they do not hold
        assert db.session.scalar(select(Organisation)) is None
    confirm_registration(app, client_en, "fatima@example.org")
    # An administrator checks the KvK number first (tests/security/test_verified_organisations.py: until
    # then the administrators decide who joins).
    admin = app.test_client()
    login(admin, make_user(app, Role.ADMIN))
    with app.app_context():
        organisation_id = db.session.scalar(select(Organisation.id))
    assert admin.post(f"/admin/organisations/{organisation_id}", data={"action": "confirm"}).status_code == 302
    colleague = app.test_client()
    colleague.post("/language", data={"lang": "en", "next": "/"})
    second = _register(colleague, email="piet@example.org", name="Piet", account_type="entrepreneur",
                       kvk_number="12345678", follow_redirects=False)
    assert second.status_code == 302
    confirmed = confirm_registration(app, colleague, "piet@example.org")
    assert confirmed.status_code == 302
    assert "its members have been asked to approve that you join" in page_text(colleague.get("/account"))
    # Knowing the (public) KvK number is not enough: Piet is not a member yet.
    assert "awaits approval" in page_text(colleague.get("/account"))
    with app.app_context():
        organisation = db.session.scalar(select(Organisation))
        assert [m.email for m in organisation.members] == ["fatima@example.org"]
        join_id = db.session.scalar(select(JoinRequest.id))
        assert db.session.scalar(select(OutboxEmail.to).where(OutboxEmail.subject.like("%asks to join%"))) \
            == "fatima@example.org"
    outsider = app.test_client()
    login(outsider, make_user(app, Role.ENTREPRENEUR))
    outsider.post(f"/account/join-requests/{join_id}", data={"action": "approve"})
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "piet@example.org")).organisation_id is None
    page = client_en.get("/account")
    assert "Piet (piet@example.org) asks to join Groen BV." in page_text(page)
    response = client_en.post(f"/account/join-requests/{join_id}", data={"action": "approve"}, follow_redirects=True)
    assert "Piet is now a member of Groen BV." in page_text(response)
    with app.app_context():
        organisation = db.session.scalar(select(Organisation))
        assert sorted(m.email for m in organisation.members) == ["fatima@example.org", "piet@example.org"]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.join_approved"))


def test_kvk_number_must_be_ascii_digits(app: Flask, client_en) -> None:
    response = _register(client_en, account_type="entrepreneur", organisation_name="X", kvk_number="１２３４５６７８")
    assert response.status_code == 400
    assert "A KvK number has exactly 8 digits." in page_text(response)


def test_email_with_surrounding_spaces_is_accepted(app: Flask, client_en) -> None:
    assert _register(client_en, email="  fatima@example.org ").status_code == 302


def test_register_entrepreneur_with_bad_kvk_keeps_input_and_explains(app: Flask, client_en) -> None:
    response = _register(client_en, account_type="entrepreneur", organisation_name="Groen BV", kvk_number="1234")
    assert response.status_code == 400
    text = page_text(response)
    assert "A KvK number has exactly 8 digits." in text
    html = response.get_data(as_text=True)
    assert 'value="Groen BV"' in html and 'value="fatima@example.org"' in html
    assert 'aria-describedby="kvk_number-hint kvk_number-error"' in html
    assert 'href="#kvk_number"' in html  # the error summary links to the field
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_register_entrepreneur_without_kvk_is_refused(client_en) -> None:
    response = _register(client_en, account_type="entrepreneur", organisation_name="Groen BV")
    assert response.status_code == 400
    assert "Enter the 8-digit KvK number of your organisation." in page_text(response)


def test_register_mismatched_passwords(app: Flask, client_en) -> None:
    response = _register(client_en, password_repeat="something-else-entirely")
    assert "Type the same password twice: the two passwords are not the same." in page_text(response)


def test_register_short_password_and_invalid_email(client_en) -> None:
    response = _register(client_en, email="not-an-email", password="short", password_repeat="short")
    text = page_text(response)
    assert response.status_code == 400
    assert "Enter a valid email address." in text
    assert "Choose a password of at least 12 characters." in text
    assert "Field must be" not in text


def test_login_wrong_password_gives_one_message_for_both_cases(app: Flask, client_en) -> None:
    user = make_user(app)
    wrong = client_en.post("/account/login", data={"email": user.email, "password": "wrong-password"})
    unknown = client_en.post("/account/login", data={"email": "nobody@example.org", "password": "wrong-password"})
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "The email address or password is not correct." in page_text(response)


def test_login_redirects_only_to_safe_next(app: Flask, client: FlaskClient) -> None:
    user = make_user(app)
    response = client.post("/account/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/my"  # what waits for them, never a foreign address
    client.post("/account/logout")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD, "next": "/calls?q=x"})
    assert response.location == "/calls?q=x"


def test_logout_ends_session(app: Flask, client: FlaskClient) -> None:
    login(client, make_user(app))
    assert client.get("/account").status_code == 200
    assert client.post("/account/logout").status_code == 302
    response = client.get("/account")
    assert response.status_code == 302 and response.location.startswith("/account/login")


def test_profile_update_changes_name_and_language(app: Flask, client: FlaskClient) -> None:
    user = make_user(app)
    login(client, user)
    response = client.post("/account", data={"name": "Nieuwe Naam", "locale": "en"}, follow_redirects=True)
    assert response.status_code == 200
    assert 'lang="en"' in response.get_data(as_text=True)
    assert "Your profile has been saved." in page_text(response)
    with app.app_context():
        assert db.session.get(User, user.id).name == "Nieuwe Naam"


def test_password_change_ends_other_sessions(app: Flask) -> None:
    user = make_user(app)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    response = laptop.post("/account/password", data={
        "pw-current_password": PASSWORD, "pw-password": "a-new-long-password", "pw-password_repeat": "a-new-long-password",
    })
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302  # the old cookie is anonymous now


def test_password_change_with_wrong_current_password(app: Flask, client_en) -> None:
    user = make_user(app)
    login(client_en, user)
    response = client_en.post("/account/password", data={
        "pw-current_password": "not-my-password", "pw-password": "a-new-long-password",
        "pw-password_repeat": "a-new-long-password",
    })
    assert response.status_code == 400
    assert "Your current password is not correct." in page_text(response)


def test_blocked_user_cannot_log_in(app: Flask, client: FlaskClient) -> None:
    user = make_user(app)
    with app.app_context():
        db.session.get(User, user.id).blocked = True
        db.session.commit()
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_admin_grants_and_revokes_roles(app: Flask, client_en) -> None:
    admin = make_user(app, Role.ADMIN)
    user = make_user(app, Role.CITIZEN)
    login(client_en, admin)
    response = client_en.post(f"/admin/users/{user.id}/roles", data={"role": "jury", "action": "grant"},
                              follow_redirects=True)
    assert "Role granted." in page_text(response)
    with app.app_context():
        assert db.session.get(User, user.id).roles == {Role.CITIZEN, Role.JURY}
    client_en.post(f"/admin/users/{user.id}/roles", data={"role": "citizen", "action": "revoke"})
    with app.app_context():
        assert db.session.get(User, user.id).roles == {Role.JURY}
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"user.role_granted", "user.role_revoked"} <= actions


def test_admin_cannot_remove_own_admin_role(app: Flask, client_en) -> None:
    admin = make_user(app, Role.ADMIN)
    login(client_en, admin)
    response = client_en.post(f"/admin/users/{admin.id}/roles", data={"role": "admin", "action": "revoke"},
                              follow_redirects=True)
    assert "You cannot remove your own administrator role." in page_text(response)
    with app.app_context():
        assert Role.ADMIN in db.session.get(User, admin.id).roles


def test_admin_user_list_searches(app: Flask, client: FlaskClient) -> None:
    login(client, make_user(app, Role.ADMIN))
    make_user(app, name="Zoë Zoekbaar")
    make_user(app, name="Iemand Anders")
    text = page_text(client.get("/admin/users?q=zoek"))
    assert "Zoë Zoekbaar" in text and "Iemand Anders" not in text


def test_create_user_command(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "Chair@Example.org", "--password", PASSWORD,
                                 "--role", "staff", "--role", "jury", "--name", "Chair"])
    assert result.exit_code == 0, result.output
    assert "chair@example.org" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "chair@example.org"))
        assert user.roles == {Role.STAFF, Role.JURY}
    again = runner.invoke(args=["create-user", "--email", "chair@example.org", "--password", PASSWORD, "--role", "staff"])
    assert again.exit_code != 0
    assert "Er bestaat al een account met dit e-mailadres." in again.output  # the CLI speaks Dutch


def test_the_demo_shows_the_confirmation_mail_instead_of_sending_it(app: Flask, client_en) -> None:
    assert "Demo site" not in page_text(client_en.get(_register(client_en).location))
    app.config["DEMO_MODE"] = True
    try:
        other = app.test_client()
        other.post("/language", data={"lang": "en", "next": "/"})
        page = other.get(_register(other, email="demo@example.org").location).get_data(as_text=True)
        link = re.search(r'href="http://127.0.0.1:5000(/account/confirm/[^"]+)"', page).group(1)  # PUBLIC_URL
        assert "Open the link from the mail" in page
        assert other.post(link, data={"password": PASSWORD}).status_code == 302
        assert "demo@example.org" in page_text(other.get("/account"))
        # Only the mail of this registration is shown, never a later one to the same address: an
        # attacker who registers someone's address and then asks a reset for it sees no reset link.
        attacker = app.test_client()
        _register(attacker, email="demo@example.org", password="aanvaller-wachtwoord",
                  password_repeat="aanvaller-wachtwoord")
        attacker.post("/account/password-reset", data={"email": "demo@example.org"})
        shown = attacker.get("/account/register/check-your-mail").get_data(as_text=True)
        assert "/account/password-reset/" not in shown and "/account/login" in shown
    finally:
        app.config["DEMO_MODE"] = False


def test_a_reset_confirms_the_address_but_not_a_strangers_organisation(app: Flask, client_en) -> None:
    _register(app.test_client(), email="eigenaar@example.org", account_type="entrepreneur",
              organisation_name="Nep BV", kvk_number="55554444")
    owner = app.test_client()
    owner.post("/account/password-reset", data={"email": "eigenaar@example.org"})
    link = mailed_link(app, "eigenaar@example.org", "/account/password-reset/")
    owner.post(link, data={"password": "mijn-eigen-wachtwoord", "password_repeat": "mijn-eigen-wachtwoord"})
    assert owner.post("/account/login", data={"email": "eigenaar@example.org",
                                              "password": "mijn-eigen-wachtwoord"}).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "eigenaar@example.org"))
        assert user.email_confirmed and user.organisation_id is None and user.pending_kvk_number is None
        assert db.session.scalar(select(Organisation)) is None
