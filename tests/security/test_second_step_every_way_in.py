"""Every way in asks for the second factor where the role needs it, not only the login form.

The attack: accepting a jury invitation logged the expert in without an authenticator, and jury pages
opened with none enrolled; a confirmation link logged in past the second step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts import two_step
from mvi_challenges.accounts.models import Role, User
from mvi_challenges.accounts.services import grant_role
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.evaluation import services as evaluation

from ..factories import PASSWORD, confirm_registration, login, mailed_link, make_call, make_user, page_text


@pytest.fixture
def enforced(app: Flask) -> Iterator[None]:
    app.config["TWO_STEP_REQUIRED"] = True
    yield
    app.config["TWO_STEP_REQUIRED"] = False


def _enrol_with_page(client) -> None:
    page = client.get("/account/two-step/setup").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert client.post("/account/two-step/setup", data={"code": pyotp.TOTP(secret).now()}).status_code == 200


def test_an_invited_juror_meets_the_enrolment_page_first(app: Flask, catalogue, enforced) -> None:
    call = make_call(app)
    with app.test_request_context():
        phase = db.session.get(Call, call.id).phases[0]
        evaluation.assign_member(db.session, None, phase, email="expert@example.org", name="Eva Expert",
                                 is_chair=False, secret_key=app.config["SECRET_KEY"])
        db.session.commit()
        phase_id = phase.id
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "expert@example.org"))
    link = re.search(r"https?://[^/\s]+(/jury/invitation/\S+)", mail.body).group(1)
    expert = app.test_client()
    accepted = expert.post(link, data={"password": PASSWORD, "password_repeat": PASSWORD}, follow_redirects=True)
    assert accepted.request.path == "/account/two-step/setup"
    assert "authenticator" in page_text(accepted).lower()
    jury_page = expert.get(f"/jury/phases/{phase_id}")
    assert jury_page.status_code == 302 and "/jury/" not in jury_page.headers["Location"]
    _enrol_with_page(expert)
    assert expert.get(f"/jury/phases/{phase_id}").status_code == 200


def test_a_session_from_before_the_jury_role_is_held_on_the_enrolment_page(app: Flask, enforced) -> None:
    citizen = make_user(app, Role.CITIZEN)
    browser = app.test_client()
    login(browser, citizen)  # a citizen needs no second step
    assert browser.get("/account").status_code == 200
    with app.app_context():
        grant_role(db.session, None, db.session.get(User, citizen.id), Role.JURY)
        db.session.commit()
    held = browser.get("/jury")
    assert held.status_code == 302 and held.headers["Location"].endswith("/account/two-step/setup")
    assert browser.get("/account").status_code == 302  # not logged in until enrolled
    _enrol_with_page(browser)
    assert browser.get("/jury").status_code == 200


def test_a_confirmation_link_does_not_log_in_past_the_second_step(app: Flask, client) -> None:
    client.post("/account/register", data={
        "email": "nieuw@example.org", "password": PASSWORD, "password_repeat": PASSWORD, "name": "Nina",
        "account_type": "citizen"})
    thief = app.test_client()  # the address's mailbox is read by someone else than the owner's phone
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuw@example.org"))
        secret = two_step.new_secret()
        earlier = now_utc().replace(year=now_utc().year - 1)
        two_step.confirm_setup(db.session, user, secret, pyotp.TOTP(secret).at(earlier), earlier)
        db.session.commit()
    confirmed = confirm_registration(app, thief, "nieuw@example.org")
    assert confirmed.status_code == 302
    assert thief.get("/account").headers["Location"].endswith("/account/login/code")
    assert thief.post("/account/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert thief.get("/account").status_code == 200


def test_a_password_reset_does_not_log_in_past_the_second_step(app: Flask, enforced) -> None:
    staff = make_user(app, Role.STAFF)
    with app.app_context():
        secret = two_step.new_secret()
        earlier = now_utc().replace(year=now_utc().year - 1)
        two_step.confirm_setup(db.session, db.session.get(User, staff.id), secret,
                               pyotp.TOTP(secret).at(earlier), earlier)
        db.session.commit()
    browser = app.test_client()
    browser.post("/account/password-reset", data={"email": staff.email})
    link = mailed_link(app, staff.email, "/account/password-reset/")
    new = "een-heel-nieuw-wachtwoord"
    assert browser.post(link, data={"password": new, "password_repeat": new}).status_code == 302
    assert browser.get("/staff/calls").status_code == 302
    step = browser.post("/account/login", data={"email": staff.email, "password": new})
    assert step.headers["Location"].endswith("/account/login/code")
    assert browser.get("/staff/calls").status_code == 302
