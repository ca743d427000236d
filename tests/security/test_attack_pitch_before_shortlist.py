"""The pitch planned before the shortlist is published, tried as staff in a hurry and as an applicant.

Abuser (or careless user): a staff member who plans the pitch session of a challenge in rounds
right after the jury drew up the shortlist, before its decisions are published, so the pitch
"is ready". The session then existed for the shortlist before there was a public shortlist: a
page "for the shortlist" whose number of slots is the size staff have in mind, the planning page
saying it was "published to the shortlist". Decisions are drafts until published, all at once:
nothing may tell an applicant (shortlisted or not) the outcome earlier. Found open, closed in
dialogues/lifecycle.py (`pitch_planning_refusal`), asked by dialogues/services.py `plan_pitch`
and shown on the planning page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import LOCAL_TZ, now_utc
from mvi_challenges.dialogues import services as dialogue_services
from mvi_challenges.dialogues.models import Dialogue
from mvi_challenges.evaluation import services as evaluation

from ..calls.test_stages import close_stage, decide, entrepreneur, make_staged_call, open_stage
from ..factories import login, make_proposal, make_user, page_text

REFUSED = ("Publiceer eerst de besluiten van fase 1 (de shortlist): de pitch wordt gepland voor de gepubliceerde "
           "shortlist, en niets mag een aanvrager eerder laten weten dat die op de shortlist staat.")


def _decided_not_published(app: Flask):
    call = make_staged_call(app)
    on, off = entrepreneur(app, "Bedrijf Op de Lijst"), entrepreneur(app, "Bedrijf Er Af")
    first = make_proposal(app, on, call, submit=True, title="Luchtfilter")
    second = make_proposal(app, off, call, submit=True, title="Rookmelder")
    close_stage(app, call, 1)
    decide(app, call, 1, {first.id: ("advanced", None), second.id: ("not_awarded", None)}, publish=False)
    open_stage(app, call, 2)
    return call


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def test_the_pitch_cannot_be_planned_before_the_shortlist_is_published(app: Flask, catalogue) -> None:
    call = _decided_not_published(app)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF, name="Snelle Planner"))
    url = f"/staff/calls/{call.id}/stages/2/pitch"
    # The planning page says so before anything is typed.
    assert REFUSED in page_text(staff.get(url))
    start = now_utc() + dt.timedelta(days=3)
    typed = {"starts_at": _local(start), "ends_at": _local(start + dt.timedelta(hours=1)), "slot_minutes": "20",
             "registration_closes_at": _local(start - dt.timedelta(days=1)), "address": "Stadskantoor, zaal 4",
             "online_url": ""}
    page = staff.post(url, data=typed)
    assert page.status_code == 400
    text = page_text(page)
    assert REFUSED in text
    assert 'value="Stadskantoor, zaal 4"' in page.get_data(as_text=True)  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(select(func.count(Dialogue.id))) == 0  # no session, no trace

    # Once the shortlist is published the pitch is planned as before.
    with app.test_request_context():
        phase = db.session.get(Call, call.id).phases[0]
        evaluation.publish_decisions(db.session, None, phase, now_utc())
        db.session.commit()
    assert REFUSED not in page_text(staff.get(url))
    assert staff.post(url, data=typed).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Dialogue.id))) == 1


def test_the_service_refuses_it_too(app: Flask, catalogue) -> None:
    call = _decided_not_published(app)
    with app.test_request_context(), pytest.raises(DomainError, match="Publiceer eerst de besluiten van fase 1"):
        phase = db.session.get(Call, call.id).phases[1]
        start = now_utc() + dt.timedelta(days=3)
        dialogue_services.plan_pitch(db.session, None, phase, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                     slot_minutes=20, registration_closes_at=start - dt.timedelta(days=1),
                                     address="Hier", online_url="", now=now_utc())
