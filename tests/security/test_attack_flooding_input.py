"""Flooding a dialogue with input, tried as a registered participant (or a script with one account).

Abuser: someone registered for a dialogue who posts input in a loop: hundreds of pieces, each a
row the organisers must moderate and give a disposition, burying other residents' input and the
report. Login, registration and mail-sending forms are rate limited (infra/ratelimit.py); giving
input had no limit at all. Found open, closed in dialogues/lifecycle.py
(`contribution_limit_refusal`, `PER_HOUR` per account), asked by
dialogues/services.py `add_contribution`: the text comes back with the message next to it.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.dialogues import lifecycle
from mvi_challenges.dialogues.models import Contribution

from ..factories import login, make_dialogue, make_user, page_text
from ..races import all_at_once

PER_HOUR = 10  # dialogues.lifecycle.PER_HOUR, as the message says
REFUSED = ("You can give input at most 10 times an hour. Please wait a while and send it again: what you typed is "
           "kept below.")


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Contribution.id))) or 0


def test_input_is_limited_per_hour_and_the_text_comes_back(app: Flask, client_en: FlaskClient, catalogue) -> None:
    first, second = make_dialogue(app, title="Koele haltes"), make_dialogue(app, title="Groene daken")
    resident = make_user(app, Role.CITIZEN, name="Rik Resident")
    login(client_en, resident)
    for dialogue in (first, second):
        assert client_en.post(f"/dialogues/{dialogue.slug}/register").status_code == 302
    for n in range(PER_HOUR):
        sent = client_en.post(f"/dialogues/{first.slug}/input", data={"text": f"Idee nummer {n}"})
        assert sent.status_code == 302, n
    # The eleventh, here or in another dialogue, is refused with the text shown back.
    for dialogue in (first, second):
        refused = client_en.post(f"/dialogues/{dialogue.slug}/input", data={"text": "Nog een idee: schaduwdoeken"})
        assert refused.status_code == 400
        assert REFUSED in page_text(refused)
        assert "Nog een idee: schaduwdoeken" in refused.get_data(as_text=True)
    assert _count(app) == PER_HOUR

    # An hour later there is room again; someone else was never held up.
    with app.app_context():
        for contribution in db.session.scalars(select(Contribution)):
            contribution.created_at -= dt.timedelta(minutes=61)
        db.session.commit()
    assert client_en.post(f"/dialogues/{second.slug}/input", data={"text": "Schaduwdoeken"}).status_code == 302
    other = app.test_client()
    login(other, make_user(app, Role.CITIZEN, name="Fatima Bewoner"))
    other.post(f"/dialogues/{first.slug}/register")
    assert other.post(f"/dialogues/{first.slug}/input", data={"text": "Bankjes"}).status_code == 302
    assert _count(app) == PER_HOUR + 2


def test_input_sent_at_the_same_moment_does_not_pass_the_limit(app: Flask, catalogue, monkeypatch) -> None:
    """A script sends its input in parallel: each request would count nine before any had stored
    its own. The limit holds however the requests overlap (the person's row is locked first)."""
    dialogue = make_dialogue(app, title="Koele haltes")
    resident = make_user(app, Role.CITIZEN)
    clients = [app.test_client() for _ in range(3)]
    for each in clients:
        login(each, resident)
    assert clients[0].post(f"/dialogues/{dialogue.slug}/register").status_code == 302
    for n in range(PER_HOUR - 1):
        assert clients[0].post(f"/dialogues/{dialogue.slug}/input", data={"text": f"Idee {n}"}).status_code == 302
    refusal = lifecycle.contribution_limit_refusal

    def slow_refusal(recent: int) -> str | None:
        time.sleep(0.3)  # every request has counted before any has stored its input
        return refusal(recent)

    monkeypatch.setattr(lifecycle, "contribution_limit_refusal", slow_refusal)
    statuses = all_at_once([lambda each=each, n=n: each.post(f"/dialogues/{dialogue.slug}/input",
                                                             data={"text": f"Tegelijk {n}"}).status_code
                            for n, each in enumerate(clients)])
    assert sorted(statuses) == [302, 400, 400]
    assert _count(app) == PER_HOUR
