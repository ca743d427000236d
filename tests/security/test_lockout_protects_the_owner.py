"""The lock-out protects the owner instead of being a weapon against them (issue #16 item 7).

The attack: five wrong passwords from anywhere locked the real owner out, staff included. Now wrong
passwords pause the address that types them (per account and address; per address for many
accounts); an account guessed at from many places asks for more from addresses its owner never used
(the authenticator code, or a one-time login link by mail) and warns the owner once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import now_utc

from ..factories import mailed_link, make_user, page_text

WARNING_NL = "Iemand probeert in te loggen op uw account bij MVI Challenges"


@pytest.fixture
def limited_app(app: Flask) -> Iterator[Flask]:
    """The same database, in an app with rate limiting switched on (the suite's app has it off)."""
    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "TWO_STEP_REQUIRED": False,
    })
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


def _login(client, email: str, password: str, ip: str):
    return client.post("/account/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _browser(app: Flask):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _logged_in(client, ip: str) -> bool:
    return client.get("/account", environ_base={"REMOTE_ADDR": ip}).status_code == 200


def _owner_with_home_address(app: Flask, limited: Flask, **overrides) -> tuple[object, str]:
    owner = make_user(app, Role.STAFF, **overrides)
    home = "10.0.0.2"
    client = _browser(limited)
    assert _login(client, owner.email, owner.password, home).status_code == 302
    return owner, home


def _mails(app: Flask, to: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to == to)
                                       .order_by(OutboxEmail.id)))


def test_ten_wrong_passwords_from_one_address_do_not_stop_the_owner_from_another(app: Flask, limited_app) -> None:
    owner, home = _owner_with_home_address(app, limited_app)
    attacker = _browser(limited_app)
    answers = [_login(attacker, owner.email, f"wrong-password-{n}", "10.6.6.6").status_code for n in range(10)]
    assert answers == [400] * 5 + [429] * 5
    # The guessing address waits, even with the right password (it might have guessed it) ...
    assert _login(attacker, f" {owner.email.upper()}", owner.password, "10.6.6.6").status_code == 429
    # ... the owner does not: from home, and from an address never used before.
    for ip in (home, "10.0.0.3"):
        owner_browser = _browser(limited_app)
        answer = _login(owner_browser, owner.email, owner.password, ip)
        assert answer.status_code == 302 and _logged_in(owner_browser, ip)


def test_many_addresses_guessing_one_account_do_not_get_in_without_the_extra_step(app: Flask, limited_app) -> None:
    owner, home = _owner_with_home_address(app, limited_app)
    botnet = _browser(limited_app)
    for n in range(12):  # one or two guesses each: no address is paused
        wrong = _login(botnet, owner.email, f"wrong-password-{n}", f"10.1.0.{n}")
        assert wrong.status_code == 400 and "The email address or password is not correct." in page_text(wrong)
    # A right guess from yet another address does not log in: the owner is mailed a link instead.
    guessed = _login(botnet, owner.email, owner.password, "10.1.0.99")
    assert guessed.status_code == 200 and "Check your mailbox to log in" in page_text(guessed)
    assert not _logged_in(botnet, "10.1.0.99")
    # The owner at home logs in as always.
    at_home = _browser(limited_app)
    assert _login(at_home, owner.email, owner.password, home).status_code == 302 and _logged_in(at_home, home)
    # On the road, the owner gets the link too, and it logs in once.
    on_the_road = _browser(limited_app)
    assert "Check your mailbox to log in" in page_text(_login(on_the_road, owner.email, owner.password, "10.2.0.1"))
    link = mailed_link(app, owner.email, "/account/login/link/")
    assert "You are about to log in to the account" in page_text(on_the_road.get(link))
    assert not _logged_in(on_the_road, "10.2.0.1")  # opening the link (a mail scanner does) changes nothing
    assert on_the_road.post(link, environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 302
    assert _logged_in(on_the_road, "10.2.0.1")
    used = _browser(limited_app).post(link)
    assert used.status_code == 400 and "This link no longer works" in page_text(used)
    # The attacker's own link mail went to the owner, and died with the owner's login.
    # From the road the password alone works now: that address is known.
    again = _browser(limited_app)
    assert _login(again, owner.email, owner.password, "10.2.0.1").status_code == 302


def test_the_owner_gets_one_warning_mail_per_attack(app: Flask, limited_app) -> None:
    owner, _home = _owner_with_home_address(app, limited_app)
    botnet = _browser(limited_app)
    for n in range(40):
        assert _login(botnet, owner.email, "wrong-password-1", f"10.3.{n}.1").status_code == 400
    assert _mails(app, owner.email).count(WARNING_NL) == 1
    with app.app_context():
        body = db.session.scalar(select(OutboxEmail.body).where(OutboxEmail.subject == WARNING_NL))
        assert "10 keer" in body  # in the owner's language, with what happened


def test_an_account_with_an_authenticator_gets_its_code_step_not_a_link(app: Flask, limited_app) -> None:
    owner, _home = _owner_with_home_address(app, limited_app)
    with app.app_context():
        user = db.session.get(User, owner.id)
        user.totp_secret, user.totp_confirmed_at = "JBSWY3DPEHPK3PXP", now_utc()
        db.session.commit()
    botnet = _browser(limited_app)
    for n in range(12):
        _login(botnet, owner.email, "wrong-password-1", f"10.4.0.{n}")
    guessed = _login(botnet, owner.email, owner.password, "10.4.0.99")
    assert guessed.status_code == 302 and guessed.headers["Location"].endswith("/account/login/code")
    assert not _logged_in(botnet, "10.4.0.99")
    with app.app_context():
        links = db.session.scalar(select(func.count()).select_from(OutboxEmail).where(
            OutboxEmail.to == owner.email, OutboxEmail.body.contains("/account/login/link/")))
    assert links == 0


def test_the_answers_do_not_reveal_whether_an_account_exists(app: Flask, limited_app) -> None:
    owner, _home = _owner_with_home_address(app, limited_app)
    client = _browser(limited_app)

    def answers(email: str, prefix: str) -> list[tuple[int, str]]:
        seen = []
        for n in range(12):
            response = _login(client, email, "wrong-password-1", f"{prefix}.{n}")
            seen.append((response.status_code, page_text(response).replace(email, "EMAIL")))
        for _ in range(5):
            response = _login(client, email, "wrong-password-1", f"{prefix}.0")
            seen.append((response.status_code, page_text(response).replace(email, "EMAIL")))
        return seen

    assert answers(owner.email, "10.5.0") == answers("nobody-here@example.org", "10.5.1")


def test_one_address_guessing_many_accounts_is_still_paused(app: Flask, limited_app) -> None:
    client = _browser(limited_app)
    for n in range(30):
        assert _login(client, f"guess{n}@example.org", "wrong-password-1", "10.0.0.7").status_code == 400
    assert _login(client, "guess-more@example.org", "wrong-password-1", "10.0.0.7").status_code == 429
    # One IPv6 network is one address: rotating through a /64 does not help.
    for n in range(30):
        _login(client, f"v6-{n}@example.org", "wrong-password-1", f"2001:db8::{n + 1:x}")
    assert _login(client, "v6-more@example.org", "wrong-password-1", "2001:db8::ffff").status_code == 429
