"""Flooding a call with questions, tried as an entrepreneur (or a script with one account).

Abuser: a competitor who sends hundreds of questions in the last days before a deadline: each lands
on staff's work list and must be answered publicly (nota van inlichtingen) in time, so the real
questions are buried and the team kept busy. Questions had no limit at all. Closed in
proposals/lifecycle.py (`question_limit_refusal`, QUESTIONS_PER_HOUR per account, on any call),
asked by proposals/services.py `ask_question`: the question typed comes back with the message.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.proposals import lifecycle
from mvi_challenges.proposals.models import Question

from ..factories import login, make_call, make_user, page_text
from ..races import all_at_once

REFUSED = ("You can ask at most 10 questions an hour. Please wait a while and send it again: what you typed is "
           "kept below.")


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Question.id))) or 0


def test_questions_are_limited_per_hour_across_calls_and_the_text_comes_back(
        app: Flask, client_en: FlaskClient, catalogue) -> None:
    first, second = make_call(app, title="Koele haltes"), make_call(app, title="Groene daken")
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    for n in range(10):
        call = first if n % 2 else second
        reply = client_en.post(f"/calls/{call.slug}/questions", data={"text": f"Vraag {n}?"})
        assert reply.status_code == 302, n
    refused = client_en.post(f"/calls/{first.slug}/questions", data={"text": "Mag het ook met zonnepanelen?"})
    assert refused.status_code == 400
    assert REFUSED in page_text(refused)
    assert "Mag het ook met zonnepanelen?" in refused.get_data(as_text=True)  # what was typed is kept
    assert _count(app) == 10

    with app.app_context():  # an hour later the person may ask again
        for question in db.session.scalars(select(Question)):
            question.asked_at -= dt.timedelta(hours=1, minutes=1)
        db.session.commit()
    assert client_en.post(f"/calls/{first.slug}/questions", data={"text": "Mag het ook met zonnepanelen?"}
                          ).status_code == 302
    assert _count(app) == 11


def test_another_persons_questions_do_not_count(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    busy = app.test_client()
    login(busy, make_user(app, Role.ENTREPRENEUR))
    for n in range(10):
        busy.post(f"/calls/{call.slug}/questions", data={"text": f"Vraag {n}?"})
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    assert client_en.post(f"/calls/{call.slug}/questions", data={"text": "Een eigen vraag?"}).status_code == 302


def test_the_message_reads_in_dutch(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app)
    login(client, make_user(app, Role.ENTREPRENEUR))
    client.post("/language", data={"lang": "nl", "next": "/"})
    for n in range(10):
        client.post(f"/calls/{call.slug}/questions", data={"text": f"Vraag {n}?"})
    refused = client.post(f"/calls/{call.slug}/questions", data={"text": "Nog een vraag?"})
    assert "U kunt ten hoogste 10 vragen per uur stellen." in page_text(refused)


def test_questions_sent_at_the_same_moment_do_not_pass_the_limit(
        app: Flask, catalogue, monkeypatch) -> None:
    """A script sends its questions in parallel: each request counted nine before any of them had
    stored its own, and all were taken. The limit must hold however the requests overlap."""
    call = make_call(app)
    asker = make_user(app, Role.ENTREPRENEUR)
    clients = [app.test_client() for _ in range(3)]
    for each in clients:
        login(each, asker)
    for n in range(9):
        assert clients[0].post(f"/calls/{call.slug}/questions", data={"text": f"Vraag {n}?"}).status_code == 302
    refusal = lifecycle.question_limit_refusal

    def slow_refusal(recent: int) -> str | None:
        time.sleep(0.3)  # every request has counted before any has stored its question
        return refusal(recent)

    monkeypatch.setattr(lifecycle, "question_limit_refusal", slow_refusal)
    statuses = all_at_once([lambda each=each, n=n: each.post(f"/calls/{call.slug}/questions",
                                                             data={"text": f"Tegelijk {n}?"}).status_code
                            for n, each in enumerate(clients)])
    assert sorted(statuses) == [302, 400, 400]
    assert _count(app) == 10
