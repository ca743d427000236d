"""Demo data never in production: its administrator has a published password and authenticator secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role, User
from mvi_challenges.accounts.services import create_user
from mvi_challenges.core.db import db
from mvi_challenges.demo.people import DEMO_PASSWORD

from ..factories import page_text


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Flask:
    monkeypatch.setenv("MVI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("PUBLIC_URL", "http://localhost")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "TWO_STEP_REQUIRED": False})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_seed_demo_refuses_in_production_and_creates_nothing(production: Flask) -> None:
    result = production.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "seed-demo refuses to run with MVI_ENV=production" in result.output
    with production.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_demo_account_cannot_log_in_in_production(production: Flask) -> None:
    with production.app_context():
        create_user(db.session, email="admin@demo.mvi.example", password=DEMO_PASSWORD + "-lang",
                    name="Anna Admin", roles=(Role.CITIZEN,))
        create_user(db.session, email="echt@utrecht.nl", password=DEMO_PASSWORD + "-lang", name="Echt",
                    roles=(Role.CITIZEN,))
        db.session.commit()
    client = production.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    refused = client.post("/account/login", data={"email": "admin@demo.mvi.example",
                                                  "password": DEMO_PASSWORD + "-lang"})
    assert refused.status_code == 400
    assert "The email address or password is not correct." in page_text(refused)
    assert client.post("/account/login", data={"email": "echt@utrecht.nl",
                                               "password": DEMO_PASSWORD + "-lang"}).status_code == 302

