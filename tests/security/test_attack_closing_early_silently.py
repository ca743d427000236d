"""A running phase closed early without a word, tried as a civil servant.

Abuser: a procurement officer whose favourite has submitted closes the open phase days before its
published deadline ("Close the open phase now"), leaving the reason empty although the field says
"Reason (published)": the applicants still writing lose their days and read no explanation,
followers are told nothing they can weigh, and the audit log holds an empty reason. Cancelling
already required one. Found open, closed in calls/lifecycle.py (`early_close_refusal`), asked by
calls/services.py `close_early` and `transition_call` (the status route too).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallKind, CallStatus
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc

from ..factories import make_call, make_user, page_text
from .conftest import logged_in

REFUSED = "Give the reason for closing the phase early; it is published."


def _open_phases(app: Flask, call_id: int) -> tuple[CallStatus, int]:
    with app.app_context():
        call = db.session.get(Call, call_id)
        return call.status, sum(phase.is_open(now_utc()) for phase in call.phases)


def test_closing_a_phase_early_needs_a_published_reason(app: Flask, catalogue) -> None:
    staff = logged_in(app, make_user(app, Role.STAFF), lang="en")
    for kind in (CallKind.SBIR, CallKind.CHALLENGE):  # a first phase of several, and the last phase
        call = make_call(app, kind=kind)
        refused = staff.post(f"/staff/calls/{call.id}/close", data={"close-reason": "   "})
        assert refused.status_code == 400
        assert REFUSED in page_text(refused)
        assert 'aria-invalid="true"' in refused.get_data(as_text=True)  # next to its field
        assert _open_phases(app, call.id) == (CallStatus.PUBLISHED, 1)

        closed = staff.post(f"/staff/calls/{call.id}/close", data={"close-reason": "Genoeg voorstellen ontvangen."})
        assert closed.status_code == 302
        assert _open_phases(app, call.id)[1] == 0
        with app.app_context():
            details = db.session.scalar(select(AuditEvent.details).where(
                AuditEvent.action == "phase.closed_early", AuditEvent.details["call_id"].as_integer() == call.id))
        assert details["reason"] == "Genoeg voorstellen ontvangen."
    # The call closed with its last phase: the reason is on its page.
    assert "Genoeg voorstellen ontvangen." in page_text(app.test_client().get(f"/calls/{call.slug}"))


def test_the_status_route_does_not_close_a_running_phase_without_a_reason(app: Flask, catalogue) -> None:
    call = make_call(app)
    staff = logged_in(app, make_user(app, Role.STAFF), lang="en")
    refused = staff.post(f"/staff/calls/{call.id}/status/closed", data={})
    assert refused.status_code == 400 and REFUSED in page_text(refused)
    assert _open_phases(app, call.id) == (CallStatus.PUBLISHED, 1)


def test_the_reason_of_a_phase_closed_early_is_on_the_public_page_of_the_running_call(app: Flask, catalogue) -> None:
    """An SBIR call stays published when its first phase closes early: the applicants who lost days
    read why on the call's page (it was only in the audit log and the followers' mail)."""
    call = make_call(app, kind=CallKind.SBIR)
    staff = logged_in(app, make_user(app, Role.STAFF), lang="en")
    visitor = app.test_client()
    assert "closed early" not in page_text(visitor.get(f"/calls/{call.slug}"))
    closed = staff.post(f"/staff/calls/{call.id}/close", data={"close-reason": "Het budget is al verdeeld."})
    assert closed.status_code == 302
    assert _open_phases(app, call.id) == (CallStatus.PUBLISHED, 0)
    page = page_text(visitor.get(f"/calls/{call.slug}"))
    assert "Een fase van deze uitvraag is eerder gesloten dan gepland" in page and "Het budget is al verdeeld." in page
    visitor.post("/language", data={"lang": "en", "next": "/"})
    assert "A phase of this call was closed early" in page_text(visitor.get(f"/calls/{call.slug}"))
