"""Changing the email address needs the password, a link opened at the new address, and tells the old
one (issue #16 item 8, second half).

The attack: a hijacked session (a borrowed laptop) that could set the account's address to the
attacker's would own the account for good: every reset link would go to the attacker.
"""

from __future__ import annotations

import time

from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from mvi_challenges.accounts import services
from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail

from ..factories import login, mailed_link, make_user, page_text


def _english(app: Flask, user):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    login(client, user)
    client.get("/account")  # the "logged in" message has been read
    return client


def _ask(client, new_email: str, password: str):
    return client.post("/account/email", data={"em-email": new_email, "em-current_password": password})


def _email_of(app: Flask, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def _mails_to(app: Flask, to: str) -> list[OutboxEmail]:
    with app.app_context():
        mails = list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == to).order_by(OutboxEmail.id)))
        db.session.expunge_all()
        return mails


def test_the_new_address_counts_only_once_its_link_is_opened_and_the_old_one_is_told(app: Flask) -> None:
    person = make_user(app, Role.CITIZEN)
    client = _english(app, person)
    asked = _ask(client, " New.Address@Example.org ", person.password)
    assert asked.status_code == 302
    assert "We have sent a link to New.Address@Example.org" in page_text(client.get("/account"))
    assert _email_of(app, person.id) == person.email  # nothing changes before the link is opened
    link = mailed_link(app, "new.address@example.org", "/account/email/confirm/")
    other_device = app.test_client()
    assert "new.address@example.org" in page_text(other_device.get(link))
    assert _email_of(app, person.id) == person.email  # opening it (a mail scanner does) changes nothing
    done = other_device.post(link)
    assert done.status_code == 302 and _email_of(app, person.id) == "new.address@example.org"
    told = [m for m in _mails_to(app, person.email) if "new.address@example.org" in m.body]
    assert [m.subject for m in told] == ["Uw e-mailadres bij MVI Challenges is gewijzigd"]
    assert "Was u dit niet?" in told[0].body and "14 030" in told[0].body
    again = app.test_client().post(link)
    assert again.status_code == 400 and "Deze link werkt niet meer" in page_text(again)
    # The new address logs in, the old one no longer does.
    assert app.test_client().post("/account/login", data={"email": "new.address@example.org",
                                                           "password": person.password}).status_code == 302
    assert app.test_client().post("/account/login", data={"email": person.email,
                                                           "password": person.password}).status_code == 400


def test_asking_needs_the_current_password_and_keeps_what_was_typed(app: Flask) -> None:
    person = make_user(app, Role.CITIZEN)
    client = _english(app, person)
    refused = _ask(client, "thief@example.org", "not-the-password")
    assert refused.status_code == 400
    assert "Your current password is not correct." in page_text(refused)
    assert 'value="thief@example.org"' in refused.get_data(as_text=True)
    assert _mails_to(app, "thief@example.org") == []
    empty = _ask(client, "not an address", "")
    assert empty.status_code == 400 and "Enter a valid email address." in page_text(empty)


def test_a_taken_address_gets_the_same_answer_and_its_owner_keeps_it(app: Flask) -> None:
    person, other = make_user(app, Role.CITIZEN), make_user(app, Role.ENTREPRENEUR)
    client = _english(app, person)
    taken = _ask(client, other.email, person.password)
    taken_page = page_text(client.get("/account")).replace(other.email, "ADDRESS")
    free = _ask(client, "free-address@example.org", person.password)
    free_page = page_text(client.get("/account")).replace("free-address@example.org", "ADDRESS")
    assert taken.status_code == free.status_code == 302 and taken_page == free_page
    assert _email_of(app, other.id) == other.email and _email_of(app, person.id) == person.email
    # No link went to the taken address, only a note to its owner that nothing changed.
    assert [m.subject for m in _mails_to(app, other.email)] == [
        "Iemand vroeg uw e-mailadres te gebruiken bij MVI Challenges"]
    assert all("/account/email/confirm/" not in m.body for m in _mails_to(app, other.email))
    # A link forged for the other account's address (without the secret) is refused.
    with app.app_context():
        forged = URLSafeTimedSerializer("guessed-secret", salt=services.EMAIL_CHANGE_SALT).dumps(
            [person.id, 1, person.email, other.email])
    assert app.test_client().post(f"/account/email/confirm/{forged}").status_code == 400
    assert _email_of(app, other.id) == other.email


def test_other_sessions_end_and_this_one_stays(app: Flask) -> None:
    person = make_user(app, Role.CITIZEN)
    here, elsewhere = _english(app, person), _english(app, person)
    assert _ask(here, "moved@example.org", person.password).status_code == 302
    assert here.post(mailed_link(app, "moved@example.org", "/account/email/confirm/")).status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302  # logged out


def test_an_old_link_has_expired(app: Flask) -> None:
    person = make_user(app, Role.CITIZEN)

    class DayOld(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - services.EMAIL_CHANGE_MAX_AGE - 60

    payload = [person.id, 1, person.email, "late@example.org"]
    fresh = URLSafeTimedSerializer("test-secret", salt=services.EMAIL_CHANGE_SALT).dumps(payload)
    assert app.test_client().get(f"/account/email/confirm/{fresh}").status_code == 200
    token = URLSafeTimedSerializer("test-secret", salt=services.EMAIL_CHANGE_SALT, signer=DayOld).dumps(payload)
    expired = app.test_client().post(f"/account/email/confirm/{token}")
    assert expired.status_code == 400 and _email_of(app, person.id) == person.email
