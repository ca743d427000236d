"""Fixtures for the security tests: cheap password hashes, and logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from mvi_challenges.accounts import services as account_services
from mvi_challenges.accounts.models import Role

from ..factories import login, make_user


def _cheap_hash(password: str, *args: object, **kwargs: object) -> str:
    # One PBKDF2 round instead of scrypt: these tests create and log in a hundred users, and
    # what they test is escaping, not password storage. The hash format is the real one.
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(account_services, "generate_password_hash", _cheap_hash, raising=False)
    yield


def logged_in(app: Flask, user: SimpleNamespace, lang: str = "nl") -> FlaskClient:
    client = app.test_client()
    login(client, user)
    if lang != "nl":
        client.post("/language", data={"lang": lang, "next": "/"})
    return client


@pytest.fixture
def admin(app: Flask) -> SimpleNamespace:
    """Staff with every right (admin): sees every staff page."""
    user = make_user(app, Role.STAFF, Role.ADMIN, name="Beheerder")
    user.client = logged_in(app, user)
    return user
