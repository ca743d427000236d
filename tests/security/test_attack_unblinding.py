"""Switching blind review off halfway, tried as staff who want the jury to know whose proposal is whose.

Abuser: a staff member (for a juror who asked). The jury settings could be saved at any moment: with
the proposals opened and the jury scoring, unticking "blind review" put the applicants' names and
the original file names on every juror's pages. Found broken, fixed in
evaluation/services.save_settings: once the phase's proposals were opened, blind review stays as it
was (the disagreement threshold can still change).
"""

from __future__ import annotations

from flask import Flask

from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db

from ..evaluation.test_evaluation import _client, _setup
from ..factories import page_text


def test_blind_review_cannot_be_switched_off_once_the_proposals_are_opened(app: Flask, catalogue) -> None:
    world = _setup(app, blind=True)
    juror = _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0].id
    juror.post(base, data={f"declare-{first}": "none"})  # the jury's first reading opened the proposals
    assert "Bedrijf Nummer 0" not in page_text(juror.get(f"{base}/proposals/{first}"))
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury/settings", data={"blind_review": "", "threshold": "2"})
    with app.app_context():
        phase = db.session.get(Phase, world.phase_id)
        assert phase.opened_at is not None and phase.blind_review
    assert "Bedrijf Nummer 0" not in page_text(juror.get(f"{base}/proposals/{first}"))
    # The threshold alone may still change.
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury/settings", data={"blind_review": "y", "threshold": "2"})
    with app.app_context():
        assert db.session.get(Phase, world.phase_id).disagreement_threshold == 2


def test_before_the_opening_the_setting_can_still_change(app: Flask, catalogue) -> None:
    world = _setup(app, blind=True)
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury/settings", data={"blind_review": "", "threshold": "3"})
    with app.app_context():
        assert not db.session.get(Phase, world.phase_id).blind_review
