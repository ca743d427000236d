"""A published deadline moved earlier through the phase form, tried as a civil servant.

Abuser: a procurement officer who wants fewer (or only the expected) proposals, or whose favourite
is ready early, moves the deadline of a running phase forward by a few days through the phase
form. "Close early" records the reason, publishes it on the call and tells the followers; the
phase form did none of that and accepted any earlier deadline that was not in the past. An
applicant planning for the published deadline lost days without being told. Found open, closed
in calls/lifecycle.py (`deadline_refusal`): after publication a deadline only moves later;
ending a phase sooner is closing it early. Asked by calls/services.py `save_phase`.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import LOCAL_TZ

from ..factories import login, make_call, make_user, page_text
from .test_attack_reweighting import _filled_in

REFUSED = ("A published deadline can only be moved later: applicants plan their work for it. To end the phase "
           "sooner, use “Close the open phase now” where you manage the call: the reason is published and "
           "followers are told.")


def _deadline(app: Flask, call_id: int) -> dt.datetime:
    with app.app_context():
        return db.session.get(Call, call_id).phases[0].closes_at


def test_a_published_deadline_is_not_moved_earlier_through_the_phase_form(app: Flask, catalogue) -> None:
    call = make_call(app)  # published, the phase open for ten more days
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post("/language", data={"lang": "en", "next": "/"})
    url = f"/staff/calls/{call.id}/phases/1"
    published = _deadline(app, call.id)
    form = _filled_in(staff, url)
    local = dt.datetime.strptime(form["closes_at"], "%Y-%m-%dT%H:%M")

    earlier = (local - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")  # still three days ahead
    response = staff.post(url, data={**form, "closes_at": earlier, "title": "Fase 1, korter"})
    assert response.status_code == 400
    text = page_text(response)
    assert REFUSED in text
    assert 'value="Fase 1, korter"' in response.get_data(as_text=True)  # what was typed stays
    assert _deadline(app, call.id) == published

    # Saving the form as it is changes nothing; an extension is what applicants can rely on.
    assert staff.post(url, data=form).status_code == 302
    assert _deadline(app, call.id) == published
    later = (local + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert staff.post(url, data={**form, "closes_at": later}).status_code == 302
    moved = _deadline(app, call.id)
    assert moved.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M") == later
