"""One public address: links in mails come from PUBLIC_URL, and production answers only its own host.

The attack: a password reset requested with `Host: attacker.example` used to mail the victim a link
to attacker.example; whoever opened it handed over a valid reset token.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail

from ..factories import PASSWORD, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _mails_to(app: Flask, email: str) -> list[OutboxEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == email)))


def _links(mail: OutboxEmail) -> list[str]:
    return re.findall(r"https?://[^\s\"<]+", mail.body + (mail.html_body or ""))


def test_a_forged_host_on_a_reset_request_gets_no_mail_link_of_its_own(app: Flask, client) -> None:
    person = make_user(app, Role.CITIZEN)
    response = client.post("/account/password-reset", data={"email": person.email},
                           headers={"Host": "attacker.example"})
    assert response.status_code == 302
    [mail] = _mails_to(app, person.email)
    links = _links(mail)
    assert links and all(link.startswith(app.config["PUBLIC_URL"] + "/account/password-reset/") for link in links)
    assert "attacker.example" not in mail.body + (mail.html_body or "")


def test_a_forged_host_on_a_registration_gets_no_mail_link_of_its_own(app: Flask, client) -> None:
    known = make_user(app, Role.CITIZEN)
    for email in (known.email, "nieuw-adres@example.org"):  # "someone tried to register" and a confirmation
        client.post("/account/register", headers={"Host": "attacker.example"}, data={
            "email": email, "password": PASSWORD, "password_repeat": PASSWORD, "name": "Iemand",
            "account_type": "citizen"})
        [mail] = _mails_to(app, email)
        assert _links(mail) and all(link.startswith(app.config["PUBLIC_URL"]) for link in _links(mail))


def test_no_mail_template_builds_a_link_from_the_request() -> None:
    offenders = [path.name for path in (TEMPLATES / "emails").iterdir() if "_external" in path.read_text()]
    assert offenders == []


def _production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Flask:
    monkeypatch.setenv("MVI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})


@pytest.mark.parametrize("public_url", [None, "http://127.0.0.1:5000", "http://127.0.0.1:5000/", "mvi.utrecht.nl"])
def test_production_refuses_to_start_without_a_real_public_url(monkeypatch, tmp_path, public_url) -> None:
    if public_url is None:
        monkeypatch.delenv("PUBLIC_URL", raising=False)
    else:
        monkeypatch.setenv("PUBLIC_URL", public_url)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        _production(monkeypatch, tmp_path)


def test_production_answers_only_its_own_host(monkeypatch, tmp_path) -> None:
    production = _production(monkeypatch, tmp_path, PUBLIC_URL="https://mvi.utrecht.example",
                              EXTRA_HOSTS="health.internal")
    with production.app_context():
        db.create_all()
    client = production.test_client()
    forged = client.post("/account/password-reset", data={"email": "iemand@example.org"},
                         headers={"Host": "attacker.example"})
    assert forged.status_code == 400
    assert "Unknown address: this site answers only on its own address." in forged.get_data(as_text=True)
    assert client.get("/healthz", headers={"Host": "mvi.utrecht.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "health.internal:8000"}).status_code == 200
    with production.app_context():
        assert db.session.scalar(select(OutboxEmail)) is None
        db.session.remove()
        db.engine.dispose()
