"""Guessing passwords is slowed down per account and per IP; right passwords are never held up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db

from ..factories import make_user, page_text


@pytest.fixture
def limited_app(app: Flask) -> Iterator[Flask]:
    """The same database, in an app with rate limiting switched on (the suite's app has it off)."""
    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
    })
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


def _login(client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/account/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_wrong_passwords_for_one_account_from_one_address_are_slowed_down(app: Flask, limited_app: Flask) -> None:
    victim = make_user(app, Role.CITIZEN)
    client = limited_app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    for _ in range(5):
        assert _login(client, victim.email, "wrong-password-1").status_code == 400
    blocked = _login(client, victim.email, "wrong-password-1")
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked) and "Retry-After" in blocked.headers
    # Even the right password waits now at this address (the attacker might have guessed it), with the
    # email address spelt differently too; the owner elsewhere does not wait
    # (tests/security/test_lockout_protects_the_owner.py).
    assert _login(client, f"  {victim.email.upper()} ", victim.password).status_code == 429
    assert _login(limited_app.test_client(), victim.email, victim.password, ip="10.9.9.9").status_code == 302
    # Another account is not affected.
    other = make_user(app, Role.CITIZEN)
    assert _login(client, other.email, other.password).status_code == 302


def test_one_address_trying_many_accounts_is_slowed_down(app: Flask, limited_app: Flask) -> None:
    client = limited_app.test_client()
    for n in range(30):
        assert _login(client, f"guess{n}@example.org", "wrong-password-1", ip="10.0.0.7").status_code == 400
    assert _login(client, "guess-more@example.org", "wrong-password-1", ip="10.0.0.7").status_code == 429
    assert _login(client, "guess-more@example.org", "wrong-password-1", ip="10.0.0.8").status_code == 400


def test_right_passwords_do_not_count(app: Flask, limited_app: Flask) -> None:
    user = make_user(app, Role.CITIZEN)
    client = limited_app.test_client()
    for _ in range(8):
        assert _login(client, user.email, user.password).status_code == 302
        client.post("/account/logout")


def test_registrations_from_one_address_are_limited_because_each_sends_a_mail(app: Flask, limited_app) -> None:
    client = limited_app.test_client()

    def register(n: int, ip: str):
        return client.post("/account/register", environ_base={"REMOTE_ADDR": ip}, data={
            "name": f"Bewoner {n}", "email": f"bewoner{n}@example.org", "password": "een-lang-wachtwoord",
            "password_repeat": "een-lang-wachtwoord", "account_type": "citizen"})

    # Forms with mistakes send no mail and do not count.
    assert client.post("/account/register", data={"email": "x"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
                       ).status_code == 400
    for n in range(20):
        assert register(n, "10.0.0.9").status_code == 302
    assert register(20, "10.0.0.9").status_code == 429
    assert register(21, "10.0.0.10").status_code == 302
