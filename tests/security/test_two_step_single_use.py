"""One authenticator code opens one session, however many requests carry it at the same moment.

The attack: six concurrent posts of one code used to log four sessions in (check, then store, of the
last used time step was not atomic). Now an `UPDATE … WHERE totp_last_step < :step` decides.
"""

from __future__ import annotations

import pyotp
from flask import Flask

from mvi_challenges.accounts import two_step
from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc

from ..factories import make_user
from ..races import all_at_once

ATTACKERS = 6


def _enrolled_staff(app: Flask) -> tuple[object, str, list[str]]:
    staff = make_user(app, Role.STAFF)
    secret = two_step.new_secret()
    with app.app_context():
        user = db.session.get(User, staff.id)
        earlier = now_utc().replace(year=now_utc().year - 1)
        codes = two_step.confirm_setup(db.session, user, secret, pyotp.TOTP(secret).at(earlier), earlier)
        db.session.commit()
    return staff, secret, codes


def _all_at_once(app: Flask, staff, code: str) -> list[int]:
    clients = [app.test_client() for _ in range(ATTACKERS)]
    for client in clients:
        step = client.post("/account/login", data={"email": staff.email, "password": staff.password})
        assert step.headers["Location"].endswith("/account/login/code")
    statuses = all_at_once([lambda client=client: client.post("/account/login/code", data={"code": code}).status_code
                            for client in clients])
    logged_in = [client for client in clients if client.get("/account").status_code == 200]
    assert len(logged_in) == statuses.count(302)
    return sorted(statuses)


def test_one_code_sent_six_times_at_once_logs_in_once(app: Flask) -> None:
    staff, secret, _codes = _enrolled_staff(app)
    assert _all_at_once(app, staff, pyotp.TOTP(secret).now()) == [302] + [400] * (ATTACKERS - 1)


def test_one_recovery_code_sent_six_times_at_once_logs_in_once(app: Flask) -> None:
    staff, _secret, codes = _enrolled_staff(app)
    assert _all_at_once(app, staff, codes[0]) == [302] + [400] * (ATTACKERS - 1)
