"""A staff member who wants a particular resident on (or off) a panel chosen by lot.

Staff can read the lottery's secret, so with the candidates known they can compute who any number of
seats would seat, and who one more registration would push out. The commitment only fixes the
secret; what else goes into the draw must be fixed too once people registered: the seats and the
quotas, and the registration once it closed (dialogues/lifecycle.lot_change_refusal)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from mvi_challenges.calls.models import Eligibility
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.dialogues import services
from mvi_challenges.dialogues.models import Dialogue

from ..dialogues.test_lottery import _close_registration, _lot_dialogue, _register_people, _staff
from ..factories import page_text


def _save(dialogue: Dialogue, **changes) -> None:
    values = dict(kind=dialogue.kind, title=dialogue.title, body_source=dialogue.body_source or "", category=None,
                  related_call=None, starts_at=dialogue.starts_at, ends_at=dialogue.ends_at, address="Stadhuis",
                  online_url="", capacity=dialogue.capacity, registration_closes_at=dialogue.registration_closes_at,
                  eligibility=Eligibility.BOTH, slot_minutes=None, selection=dialogue.selection,
                  lot_quotas=dialogue.lot_quotas)
    services.save_dialogue(db.session, None, dialogue, **{**values, **changes})


def test_the_seats_of_a_lottery_are_fixed_once_people_registered(app: Flask, catalogue) -> None:
    dialogue = _lot_dialogue(app, capacity=3)
    with app.test_request_context():
        _save(db.session.get(Dialogue, dialogue.id), capacity=4)  # nobody registered yet: fine
        db.session.commit()
    _register_people(app, dialogue, 5)
    with app.test_request_context():
        target = db.session.get(Dialogue, dialogue.id)
        for seats in (2, 5):
            with pytest.raises(DomainError) as refused:
                _save(target, capacity=seats)
            assert refused.value.field == "capacity"
            db.session.rollback()
        _save(target, title="Stadspanel Overvecht")  # other edits still work
        db.session.commit()
        assert db.session.get(Dialogue, dialogue.id).capacity == 4


def test_a_closed_lottery_registration_cannot_be_reopened_for_one_more_candidate(app: Flask, catalogue) -> None:
    dialogue = _lot_dialogue(app)
    _register_people(app, dialogue, 4)
    _close_registration(app, dialogue)
    with app.test_request_context():
        target = db.session.get(Dialogue, dialogue.id)
        with pytest.raises(DomainError) as refused:
            _save(target, registration_closes_at=now_utc() + dt.timedelta(hours=1))
        assert refused.value.field == "registration_closes_at"
        db.session.rollback()
        _save(target, title="Stadspanel, herzien")  # same closing minute: no change
        db.session.commit()


def test_the_staff_form_says_why_next_to_the_seats(app: Flask, catalogue) -> None:
    dialogue = _lot_dialogue(app, capacity=3)
    _register_people(app, dialogue, 2)
    staff = _staff(app)
    staff.post("/language", data={"lang": "en", "next": "/"})
    with app.app_context():
        current = db.session.get(Dialogue, dialogue.id)
        local = "%Y-%m-%dT%H:%M"
        fields = {"kind": "city", "title": current.title, "body_source": current.body_source or "", "category_id": "0",
                  "related_call_id": "0", "starts_at": to_local(current.starts_at).strftime(local),
                  "ends_at": to_local(current.ends_at).strftime(local), "address": "Stadhuis", "online_url": "",
                  "capacity": "7", "registration_closes_at": to_local(current.registration_closes_at).strftime(local),
                  "eligibility": "both", "slot_minutes": "", "selection": "lot"}
    reply = staff.post(f"/staff/dialogues/{dialogue.id}/edit", data=fields)
    assert reply.status_code == 400  # the form again, with the error next to the seats
    assert "the number of seats can no longer change" in page_text(reply)
    with app.app_context():
        assert db.session.get(Dialogue, dialogue.id).capacity == 3
