"""Staff, jury and admins log in with a password and a code from an authenticator app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db

from ..factories import make_user, page_text


@pytest.fixture
def enforced(app: Flask) -> Iterator[None]:
    app.config["TWO_STEP_REQUIRED"] = True
    yield
    app.config["TWO_STEP_REQUIRED"] = False


def _password_step(client, user):
    return client.post("/account/login", data={"email": user.email, "password": user.password})


def _enrol(client) -> tuple[str, list[str], str]:
    """Read the key from the set-up page, as a person types it into their app; switch it on."""
    page = client.get("/account/two-step/setup").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    used = pyotp.TOTP(secret).now()
    done = client.post("/account/two-step/setup", data={"code": used})
    assert done.status_code == 200, page_text(done)
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.get_data(as_text=True))
    return secret, codes, used


def test_staff_must_enrol_before_the_login_completes(app: Flask, client_en, enforced) -> None:
    staff = make_user(app, Role.STAFF)
    response = _password_step(client_en, staff)
    assert response.headers["Location"].endswith("/account/two-step/setup")
    assert client_en.get("/staff/calls").status_code == 302  # not logged in yet
    wrong = client_en.post("/account/two-step/setup", data={"code": "000000"})
    assert wrong.status_code == 400 and "That code is not right." in page_text(wrong)
    _secret, codes, _used = _enrol(client_en)
    assert len(codes) == 10
    assert client_en.get("/staff/calls").status_code == 200  # logged in now


def test_login_asks_for_a_fresh_code_and_refuses_a_replayed_one(app: Flask, client_en, enforced) -> None:
    jury = make_user(app, Role.JURY)
    first = app.test_client()
    _password_step(first, jury)
    _secret, codes, used = _enrol(first)
    response = _password_step(client_en, jury)
    assert response.headers["Location"].endswith("/account/login/code")
    replay = client_en.post("/account/login/code", data={"code": used})  # the code used to enrol
    assert replay.status_code == 400 and "used already" in page_text(replay)
    assert client_en.get("/account").status_code == 302
    # A recovery code works once.
    assert client_en.post("/account/login/code", data={"code": codes[0]}).status_code == 302
    assert client_en.get("/account").status_code == 200
    other = app.test_client()
    _password_step(other, jury)
    assert other.post("/account/login/code", data={"code": codes[0]}).status_code == 400
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"user.two_step_enabled", "user.two_step_failed", "user.recovery_code_used"} <= set(actions)


def test_a_password_alone_cannot_replace_the_app(app: Flask, client_en, enforced) -> None:
    admin = make_user(app, Role.ADMIN)
    owner = app.test_client()
    _password_step(owner, admin)
    _enrol(owner)
    thief = app.test_client()
    _password_step(thief, admin)
    response = thief.get("/account/two-step/setup")
    assert response.headers["Location"].endswith("/account/login/code")


def test_citizens_need_no_second_step_but_may_switch_it_on(app: Flask, client_en, enforced) -> None:
    citizen = make_user(app, Role.CITIZEN)
    assert _password_step(client_en, citizen).headers["Location"].endswith("/my")
    page = page_text(client_en.get("/account"))
    assert "Set up two-step verification" in page
    _enrol(client_en)
    with app.app_context():
        assert db.session.get(User, citizen.id).has_two_step


def test_guessing_codes_is_rate_limited(app: Flask) -> None:
    from mvi_challenges import create_app

    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x" * 20,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "TWO_STEP_REQUIRED": True,
    })
    staff = make_user(app, Role.STAFF)
    client = limited.test_client()
    _password_step(client, staff)
    _enrol(client)
    client.post("/account/logout")
    _password_step(client, staff)
    statuses = [client.post("/account/login/code", data={"code": "123456"}).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


def test_two_step_is_required_and_no_environment_variable_switches_it_off(monkeypatch, tmp_path) -> None:
    """Only code that creates an app (tests, bench/app.py) can switch the second step off: a server
    started with a stray TWO_STEP_REQUIRED=0 (the switch of earlier versions) still asks for it."""
    from mvi_challenges.config import load_config

    monkeypatch.delenv("TWO_STEP_REQUIRED", raising=False)
    monkeypatch.delenv("MVI_ENV", raising=False)
    assert load_config(tmp_path)["TWO_STEP_REQUIRED"] is True
    for value in ("0", "false", "no", ""):
        monkeypatch.setenv("TWO_STEP_REQUIRED", value)
        assert load_config(tmp_path)["TWO_STEP_REQUIRED"] is True, value
    monkeypatch.setenv("MVI_ENV", "production")
    monkeypatch.setenv("PUBLIC_URL", "http://localhost")
    monkeypatch.setenv("MVI_DEMO", "1")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    production = load_config(tmp_path)
    assert production["TWO_STEP_REQUIRED"] is True and production["DEMO_MODE"] is False


def test_demo_staff_accounts_show_their_code_in_demo_mode_only(app: Flask, client_en, enforced) -> None:
    from mvi_challenges.accounts.two_step import DEMO_SECRET, enrol_demo_account
    from mvi_challenges.core.timezones import now_utc

    staff = make_user(app, Role.STAFF)
    with app.app_context():
        enrol_demo_account(db.session.get(User, staff.id), now_utc())
        db.session.commit()
    assert _password_step(client_en, staff).headers["Location"].endswith("/account/login/code")
    assert "Demo site" not in page_text(client_en.get("/account/login/code"))
    app.config["DEMO_MODE"] = True
    try:
        page = page_text(client_en.get("/account/login/code"))
        shown = re.search(r"Its code now is (\d{6})\.", page).group(1)
        assert shown == pyotp.TOTP(DEMO_SECRET).now() or shown == pyotp.TOTP(DEMO_SECRET).at(
            pyotp.TOTP(DEMO_SECRET).timecode(__import__("datetime").datetime.now()) * 30 + 30)
        assert client_en.post("/account/login/code", data={"code": shown}).status_code == 302
        assert client_en.get("/staff/calls").status_code == 200
        # Logging in again at once: the code shown is the next one, not the one just used.
        client_en.post("/account/logout")
        _password_step(client_en, staff)
        again = re.search(r"Its code now is (\d{6})\.", page_text(client_en.get("/account/login/code"))).group(1)
        assert again != shown
        assert client_en.post("/account/login/code", data={"code": again}).status_code == 302
    finally:
        app.config["DEMO_MODE"] = False
