"""A published phase's opening time moved through the phase form, tried as a civil servant.

Abuser: a procurement officer. The phase form guarded the deadline (`deadline_refusal`) but took any
opening time. Moving the opening of a phase that is already open to a later moment shut it again
for applicants who were writing (they change and submit only while it is open), and made the
record (call page, open data) say that it opened later than it did; moving it earlier rewrote
when it opened too. Moving an upcoming opening into the past opened the phase at once, without
anyone announcing it. Found open, closed in calls/lifecycle.py (`opening_refusal`, next to
`deadline_refusal`), asked by calls/services.py `save_phase`.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import LOCAL_TZ

from ..factories import login, make_call, make_user
from .test_attack_reweighting import _filled_in

ALREADY_OPEN = "This phase has already opened, so its opening time can no longer be changed."
IN_THE_PAST = ("The opening time of a published phase cannot be in the past: the phase would open at once, "
               "unannounced. Choose a moment that has not come yet.")


def _opening(app: Flask, call_id: int) -> dt.datetime:
    with app.app_context():
        return db.session.get(Call, call_id).phases[0].opens_at


def _staff(app: Flask):
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post("/language", data={"lang": "en", "next": "/"})
    return staff


def _shifted(value: str, **delta: float) -> str:
    return (dt.datetime.strptime(value, "%Y-%m-%dT%H:%M") + dt.timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def _error_of(response, field: str) -> str:
    """The error shown next to `field` (its error element, tied to the field), as plain text."""
    html = response.get_data(as_text=True)
    found = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def test_the_opening_of_an_open_phase_stays_where_it_was(app: Flask, catalogue) -> None:
    call = make_call(app)  # published, opened a day ago, closes in ten days
    staff = _staff(app)
    url = f"/staff/calls/{call.id}/phases/1"
    opened = _opening(app, call.id)
    form = _filled_in(staff, url)

    for moved in (_shifted(form["opens_at"], days=3), _shifted(form["opens_at"], days=-2)):
        response = staff.post(url, data={**form, "opens_at": moved, "title": "Fase 1, later open"})
        assert response.status_code == 400
        assert _error_of(response, "opens_at") == f"Error: {ALREADY_OPEN}"
        html = response.get_data(as_text=True)
        assert 'value="Fase 1, later open"' in html and f'value="{moved}"' in html  # what was typed stays
        assert _opening(app, call.id) == opened

    # The rest of the form still saves, with the opening as it was (an extension, say).
    later = _shifted(form["closes_at"], days=2)
    assert staff.post(url, data={**form, "closes_at": later}).status_code == 302
    assert _opening(app, call.id) == opened


def test_an_upcoming_opening_is_not_moved_into_the_past(app: Flask, catalogue) -> None:
    call = make_call(app, opens_in=dt.timedelta(days=5), closes_in=dt.timedelta(days=20))  # published, not open yet
    staff = _staff(app)
    url = f"/staff/calls/{call.id}/phases/1"
    announced = _opening(app, call.id)
    form = _filled_in(staff, url)

    yesterday = (dt.datetime.now(LOCAL_TZ) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = staff.post(url, data={**form, "opens_at": yesterday})
    assert response.status_code == 400
    assert _error_of(response, "opens_at") == f"Error: {IN_THE_PAST}"
    assert f'value="{yesterday}"' in response.get_data(as_text=True)
    assert _opening(app, call.id) == announced

    # Before it opens, the opening may still move to another moment ahead.
    sooner = _shifted(form["opens_at"], days=-2)
    assert staff.post(url, data={**form, "opens_at": sooner}).status_code == 302
    assert _opening(app, call.id).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M") == sooner

    # In Dutch, the default language, the same refusal in Dutch.
    staff.post("/language", data={"lang": "nl", "next": "/"})
    response = staff.post(url, data={**_filled_in(staff, url), "opens_at": yesterday})
    assert response.status_code == 400
    assert "Het openingstijdstip van een gepubliceerde fase kan niet in het verleden liggen" in _error_of(
        response, "opens_at")
