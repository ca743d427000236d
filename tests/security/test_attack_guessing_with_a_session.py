"""Guessing the password through an open session, tried by someone at an unlocked computer.

Abuser: a person who finds a logged-in session (a shared office PC, a stolen laptop, a copied cookie)
but does not know the password. The login form, the email change and the second step pause after a
handful of wrong tries; changing the password and deleting the account also ask for the current
password, but let anyone try as often as they liked. The right guess then changed the password (and
so logged the owner out everywhere) or deleted the account. Found broken, fixed with the same pause
(infra/ratelimit.py `signed_in_account`) on both forms.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.security import check_password_hash

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db

from ..factories import PASSWORD, make_user


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


def _session_of(app: Flask, limited: Flask):
    owner = make_user(app, Role.ENTREPRENEUR)
    client = limited.test_client()
    assert client.post("/account/login", data={"email": owner.email, "password": owner.password}).status_code == 302
    return owner, client


def test_changing_the_password_pauses_after_a_few_wrong_current_passwords(app: Flask, limited_app: Flask) -> None:
    owner, client = _session_of(app, limited_app)
    for n in range(5):
        wrong = client.post("/account/password", data={
            "pw-current_password": f"geraden-{n}", "pw-password": "een-nieuw-wachtwoord-9",
            "pw-password_repeat": "een-nieuw-wachtwoord-9"})
        assert wrong.status_code == 400
    right = client.post("/account/password", data={
        "pw-current_password": PASSWORD, "pw-password": "een-nieuw-wachtwoord-9",
        "pw-password_repeat": "een-nieuw-wachtwoord-9"})
    assert right.status_code == 429
    with app.app_context():
        assert check_password_hash(db.session.get(User, owner.id).password_hash, PASSWORD)  # unchanged


def test_deleting_the_account_pauses_after_a_few_wrong_passwords(app: Flask, limited_app: Flask) -> None:
    owner, client = _session_of(app, limited_app)
    for n in range(5):
        assert client.post("/account/delete", data={"password": f"geraden-{n}", "understood": "y"}).status_code == 400
    assert client.post("/account/delete", data={"password": PASSWORD, "understood": "y"}).status_code == 429
    with app.app_context():
        assert db.session.get(User, owner.id).email == owner.email  # not deleted


def test_the_owner_who_types_it_right_is_not_held_up(app: Flask, limited_app: Flask) -> None:
    _owner, client = _session_of(app, limited_app)
    assert client.post("/account/password", data={"pw-current_password": "een-tikfout", "pw-password": "x" * 12,
                                                  "pw-password_repeat": "x" * 12}).status_code == 400
    assert client.post("/account/password", data={
        "pw-current_password": PASSWORD, "pw-password": "een-nieuw-wachtwoord-9",
        "pw-password_repeat": "een-nieuw-wachtwoord-9"}).status_code == 302
