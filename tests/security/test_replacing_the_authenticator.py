"""Replacing the authenticator asks for proof of the current one and tells the owner.

The attack: a hijacked session (a borrowed laptop) could move two-step verification to the
attacker's phone with no code at all, and the owner never heard of it.
"""

from __future__ import annotations

import re

import pyotp
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail

from ..factories import make_user, page_text


def _secret_on(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def _logged_in_with_app(app: Flask, client, user) -> tuple[str, list[str]]:
    client.post("/language", data={"lang": "en", "next": "/"})
    client.post("/account/login", data={"email": user.email, "password": user.password})
    secret = _secret_on(client.get("/account/two-step/setup").get_data(as_text=True))
    done = client.post("/account/two-step/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    return secret, re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.get_data(as_text=True))


def test_a_session_alone_cannot_swap_the_app(app: Flask, client) -> None:
    person = make_user(app, Role.CITIZEN)
    old_secret, _codes = _logged_in_with_app(app, client, person)
    page = client.get("/account/two-step/setup").get_data(as_text=True)
    assert "A code from the app you use now, or one of your recovery codes" in page
    attacker_secret = _secret_on(page)
    refused = client.post("/account/two-step/setup", data={"code": pyotp.TOTP(attacker_secret).now()})
    assert refused.status_code == 400
    assert "Type a code from the app you use now, or one of your recovery codes" in page_text(refused)
    wrong = client.post("/account/two-step/setup", data={"current_code": "000000",
                                                         "code": pyotp.TOTP(attacker_secret).now()})
    assert wrong.status_code == 400
    with app.app_context():
        assert db.session.get(User, person.id).totp_secret == old_secret


def test_with_a_recovery_code_the_app_moves_and_the_owner_is_told(app: Flask, client) -> None:
    person = make_user(app, Role.CITIZEN)
    _old_secret, codes = _logged_in_with_app(app, client, person)
    new_secret = _secret_on(client.get("/account/two-step/setup").get_data(as_text=True))
    moved = client.post("/account/two-step/setup", data={"current_code": codes[0],
                                                         "code": pyotp.TOTP(new_secret).now()})
    assert moved.status_code == 200
    with app.app_context():
        assert db.session.get(User, person.id).totp_secret == new_secret
        subjects = list(db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to == person.email)))
    assert "Uw tweestapsverificatie is verhuisd naar een andere app" in subjects
