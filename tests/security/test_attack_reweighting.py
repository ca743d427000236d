"""Changing the award criteria after the deadline, tried as a civil servant who favours one bidder.

Abuser: a procurement officer who, once the deadline has passed, has read the proposals (or seen the
jury's scores) and knows which weighting makes their favourite win. The phase form still accepted
new weights and knock-out minimums for a closed phase, after the jury had scored too, until the
decisions were published; the ranking followed the new weights. Criteria and weights must be known
before the bids are made and stay as the applicants read them: a losing competitor takes a
re-weighting after the opening to court, and wins. Found broken, fixed in calls/lifecycle.py
(`criteria_refusal`), asked by calls/services.py `save_phase`.
"""

from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask
from sqlalchemy import select

from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db

from ..evaluation.test_evaluation import _client, _scores, _setup
from ..factories import page_text

REFUSED = "The deadline of this phase has passed: its criteria, weights and knock-out minimums stay as the " \
          "applicants read them."


class _FormValues(HTMLParser):
    """What a browser would send for the page's form, as it was filled in."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _filled_in(client, url: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(client.get(url).get_data(as_text=True))
    return parser.values


def _weights(app: Flask, phase_id: int) -> list[tuple[str, int, int | None]]:
    with app.app_context():
        phase = db.session.get(Phase, phase_id)
        return [(c.name, c.weight, c.knockout_minimum) for c in phase.criteria]


def test_the_weights_of_a_closed_phase_stay_as_the_applicants_read_them(app: Flask, catalogue) -> None:
    world = _setup(app)
    url = f"/staff/calls/{world.call.id}/phases/1"
    published = _weights(app, world.phase_id)
    assert published == [("Impact", 60, 4), ("Haalbaarheid", 40, None)]
    staff = world.staff
    staff.post("/language", data={"lang": "en", "next": "/"})

    # The deadline has passed: re-weighting, dropping a knock-out minimum, a new criterion are refused.
    form = _filled_in(staff, url)
    assert (form["criteria-0-name"], form["criteria-0-weight"]) == ("Impact", "60")
    for change in ({"criteria-0-weight": "30", "criteria-1-weight": "70"},
                   {"criteria-0-knockout_minimum": ""},
                   {"criteria-0-weight": "50", "criteria-2-name": "Prijs", "criteria-2-weight": "10"}):
        response = staff.post(url, data={**form, **change})
        assert response.status_code == 400, change
        assert REFUSED in page_text(response)
        assert _weights(app, world.phase_id) == published

    # Nor another scale, on which the knock-out minimum of 4 would mean something else.
    response = staff.post(url, data={**form, "score_scale_max": "100"})
    assert response.status_code == 400
    assert "The deadline of this phase has passed: the highest score stays 10." in page_text(response)

    # The same after the jury scored: the ranking keeps the weights it was scored under.
    chair = _client(app, world.chair)
    base = f"/jury/phases/{world.phase_id}"
    chair.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    for proposal in world.proposals:
        chair.post(f"{base}/proposals/{proposal.id}", data=_scores(world.criteria, [9, 2]))
    response = staff.post(url, data={**form, "criteria-0-weight": "10", "criteria-1-weight": "90"})
    assert response.status_code == 400 and REFUSED in page_text(response)
    assert _weights(app, world.phase_id) == published

    # Everything else of the phase can still be saved, with the criteria as they were.
    assert staff.post(url, data={**form, "title": "Fase 1: haalbaarheid"}).status_code == 302
    assert _weights(app, world.phase_id) == published
    with app.app_context():
        assert db.session.scalar(select(Phase.title).where(Phase.id == world.phase_id)) == "Fase 1: haalbaarheid"
