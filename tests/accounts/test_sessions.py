"""Sessions end when they should, everywhere; passwords that attackers try first are refused."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db

from ..factories import login, make_user, page_text


def _stolen_copy(app: Flask, client):
    """Another browser holding a copy of this browser's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logging_out_ends_every_session_and_a_replayed_cookie_is_anonymous(app: Flask) -> None:
    user = make_user(app, Role.ENTREPRENEUR)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    thief = _stolen_copy(app, laptop)
    assert thief.get("/account").status_code == 200  # the copy works while the session lives
    laptop.post("/account/logout")
    for client in (thief, phone):
        response = client.get("/account")
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_blocking_an_account_ends_its_sessions_at_once(app: Flask) -> None:
    user = make_user(app, Role.CITIZEN)
    browser = app.test_client()
    login(browser, user)
    admin = app.test_client()
    login(admin, make_user(app, Role.ADMIN))
    admin.post(f"/admin/users/{user.id}/block", data={"action": "block"})
    assert browser.get("/account").status_code == 302
    response = browser.post("/account/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 400  # a blocked account cannot log in
    admin.post(f"/admin/users/{user.id}/block", data={"action": "unblock"})
    login(browser, user)
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.blocked", "user.unblocked", "user.login_failed"} <= actions


def test_an_admin_cannot_block_themselves(app: Flask) -> None:
    admin_user = make_user(app, Role.ADMIN)
    admin = app.test_client()
    login(admin, admin_user)
    admin.post("/language", data={"lang": "en", "next": "/"})
    response = admin.post(f"/admin/users/{admin_user.id}/block", data={"action": "block"}, follow_redirects=True)
    assert "You cannot block your own account." in page_text(response)
    with app.app_context():
        assert db.session.get(User, admin_user.id).blocked is False


def test_changing_the_password_ends_other_sessions(app: Flask) -> None:
    user = make_user(app, Role.CITIZEN)
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    here.post("/account/password", data={"pw-current_password": user.password, "pw-password": "a-new-long-password",
                                         "pw-password_repeat": "a-new-long-password"})
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302


def test_common_and_too_short_passwords_are_refused_at_registration(app: Flask, client_en) -> None:
    for password, message in (("Wachtwoord123", "too easy to guess"), ("qwertyuiop123", "too easy to guess"),
                              ("aaaaaaaaaaaaaa", "too easy to guess"), ("kort-wachtw", "Choose a password of at least 12 characters.")):
        response = client_en.post("/account/register", data={
            "name": "Nieuwe Bewoner", "email": "nieuw@example.org", "password": password, "password_repeat": password,
            "account_type": "citizen"})
        assert response.status_code == 400, password
        assert message in page_text(response), password
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "nieuw@example.org")) is None


def test_production_sends_hsts_and_secure_cookies(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MVI_ENV", "production")
    monkeypatch.setenv("PUBLIC_URL", "http://localhost")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    production = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    with production.app_context():
        db.create_all()
    response = production.test_client().get("/privacy")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp and response.headers["X-Content-Type-Options"] == "nosniff"
