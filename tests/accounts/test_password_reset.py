"""Forgotten passwords: a mailed link that works once, for an hour, and reveals no accounts."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail

from ..factories import login, make_user, page_text


def _mails(app: Flask) -> list[OutboxEmail]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def _link(mail: OutboxEmail) -> str:
    return re.search(r"http://[^/\s]+(/account/password-reset/\S+)", mail.body).group(1)


def test_reset_link_works_once_and_ends_every_session(app: Flask, client_en) -> None:
    user = make_user(app, Role.ENTREPRENEUR)
    elsewhere = app.test_client()
    login(elsewhere, user)
    response = client_en.post("/account/password-reset", data={"email": f" {user.email.upper()}"},
                              follow_redirects=True)
    assert "If there is an account for" in page_text(response)
    [mail] = _mails(app)
    assert mail.to == user.email and mail.subject == "Kies een nieuw wachtwoord voor MVI Challenges"  # in their language
    link = _link(mail)
    form = client_en.get(link)
    assert form.status_code == 200 and user.email in page_text(form)
    weak = client_en.post(link, data={"password": "wachtwoord123", "password_repeat": "wachtwoord123"})
    assert weak.status_code == 400 and "too easy to guess" in page_text(weak)
    done = client_en.post(link, data={"password": "een-heel-nieuw-wachtwoord",
                                      "password_repeat": "een-heel-nieuw-wachtwoord"}, follow_redirects=True)
    assert "Your new password has been saved." in page_text(done)
    assert elsewhere.get("/account").status_code == 302  # the other session has ended
    again = client_en.get(link)
    assert again.status_code == 400 and "This link no longer works" in page_text(again)
    response = client_en.post("/account/login", data={"email": user.email, "password": "een-heel-nieuw-wachtwoord"})
    assert response.status_code == 302


def test_the_form_says_the_same_for_unknown_addresses_and_sends_nothing(app: Flask, client_en) -> None:
    response = client_en.post("/account/password-reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "If there is an account for nobody@example.org" in page_text(response)
    assert _mails(app) == []


def test_forged_or_expired_tokens_are_refused(app: Flask, client_en, monkeypatch) -> None:
    user = make_user(app, Role.CITIZEN)
    client_en.post("/account/password-reset", data={"email": user.email})
    link = _link(_mails(app)[0])
    assert client_en.get(link[:-3] + "xyz").status_code == 400
    import mvi_challenges.accounts.services as services

    monkeypatch.setattr(services, "RESET_MAX_AGE", -1)  # as if an hour had passed
    assert client_en.get(link).status_code == 400
