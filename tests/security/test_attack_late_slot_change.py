"""Moving one's one-to-one time after registration closed, tried as a company in a market dialogue.

Abuser: a company that wants a particular slot (the last pitch, after hearing how the day went; a
time freed by a competitor who cancelled) once the organisers have fixed the schedule, or that
simply changes its booking after the dialogue took place or was cancelled. The booking form was
offered, and accepted, for as long as the person was registered: after registration closed, after
the dialogue was held, after it was cancelled. Found broken, fixed in dialogues/lifecycle.py
(`slot_refusal`), asked by dialogues/services.py `book_slot` and the dialogue page.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues.models import Dialogue, Registration

from ..factories import login, make_dialogue, make_user, page_text

CLOSED = "Times can be booked or changed while registration is open; the schedule is now fixed."


def test_a_booked_time_is_fixed_once_registration_has_closed(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app, kind="market", eligibility="entrepreneurs", capacity=4, slot_minutes=30)
    with app.app_context():
        slots = [s.isoformat() for s in db.session.get(Dialogue, dialogue.id).slots()]
    company = app.test_client()
    login(company, make_user(app, Role.ENTREPRENEUR))
    company.post("/language", data={"lang": "en", "next": "/"})
    company.post(f"/dialogues/{dialogue.slug}/register")
    assert company.post(f"/dialogues/{dialogue.slug}/slot", data={"slot": slots[0]}).status_code == 302

    with app.app_context():
        row = db.session.get(Dialogue, dialogue.id)
        row.registration_closes_at = now_utc() - dt.timedelta(minutes=1)
        db.session.commit()
    page = page_text(company.get(f"/dialogues/{dialogue.slug}"))
    assert "Book this time" not in page and "Your one-to-one conversation" in page
    response = company.post(f"/dialogues/{dialogue.slug}/slot", data={"slot": slots[2]})
    assert response.status_code == 400 and CLOSED in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(Registration.slot_start)).isoformat() == slots[0]

    # Nor once the dialogue is cancelled.
    with app.app_context():
        row = db.session.get(Dialogue, dialogue.id)
        row.registration_closes_at = now_utc() + dt.timedelta(days=1)
        from mvi_challenges.dialogues.models import DialogueStatus

        row.status = DialogueStatus.CANCELLED
        db.session.commit()
    assert company.post(f"/dialogues/{dialogue.slug}/slot", data={"slot": slots[2]}).status_code in (400, 404)
    with app.app_context():
        assert db.session.scalar(select(Registration.slot_start)).isoformat() == slots[0]
