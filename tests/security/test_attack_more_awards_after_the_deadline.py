"""One more award after the deadline, tried as a civil servant who favours one bidder.

Abuser: a procurement officer who, once the deadline has passed and the ranking can be read, sees
their favourite in the place just below the last award, and raises the phase's number of awards
(or its budget, so the favourite's amount fits) through the phase form. The criteria were frozen
after the deadline (`criteria_refusal`), the number of awards and the budget were not: both decide
who wins as much as the weights do. No flow of the procedure changes them after the deadline.
Found open, closed in calls/lifecycle.py (`award_terms_refusal`), asked by calls/services.py
`save_phase`.
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db

from ..evaluation.test_evaluation import _setup
from ..factories import page_text
from .test_attack_reweighting import _filled_in


def _terms(app: Flask, phase_id: int) -> tuple[int, int]:
    with app.app_context():
        phase = db.session.get(Phase, phase_id)
        return phase.max_awards, phase.budget_cents


def test_awards_and_budget_of_a_closed_phase_stay_as_the_applicants_read_them(app: Flask, catalogue) -> None:
    world = _setup(app)  # an SBIR call whose first phase's deadline has passed
    url = f"/staff/calls/{world.call.id}/phases/1"
    published = _terms(app, world.phase_id)
    assert published == (3, 5_000_000)
    staff = world.staff
    staff.post("/language", data={"lang": "en", "next": "/"})
    form = _filled_in(staff, url)
    assert form["max_awards"] == "3"

    response = staff.post(url, data={**form, "max_awards": "4"})
    assert response.status_code == 400
    assert "The deadline of this phase has passed: the number of awards stays 3." in page_text(response)
    assert 'value="4"' in response.get_data(as_text=True)  # shown back as typed, next to the field
    assert _terms(app, world.phase_id) == published

    response = staff.post(url, data={**form, "budget": "90000"})
    assert response.status_code == 400
    assert "The deadline of this phase has passed: its budget stays as the applicants read it." in page_text(response)
    assert _terms(app, world.phase_id) == published

    # The rest of the phase can still be saved, with the awards and budget as they were.
    assert staff.post(url, data={**form, "title": "Fase 1: haalbaarheid"}).status_code == 302
    assert _terms(app, world.phase_id) == published
