"""Issue #18 in the browser: staff issue a clarification note; a resident takes part in a draw by lot."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Eligibility
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues import services as dialogue_services
from mvi_challenges.dialogues.models import Dialogue, DialogueKind, DialogueStatus, Selection
from mvi_challenges.proposals.models import Question

from ..factories import PASSWORD, login, make_call, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def _log_in(page: Page, user) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()


def _fits_a_phone(page: Page) -> bool:
    page.set_viewport_size({"width": 375, "height": 740})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1100, "height": 900})
    return width <= 375


def test_staff_issue_a_clarification_note_that_everyone_can_read(app: Flask, page: Page) -> None:
    call = make_call(app, title="Schone bouwplaatsen")
    app.config["WTF_CSRF_ENABLED"] = False  # the asker and the answer go through the test client
    asker = app.test_client()
    login(asker, make_user(app, Role.ENTREPRENEUR))
    asker.post(f"/calls/{call.slug}/questions", data={"text": "Tellen elektrische kranen mee?"})
    staff_user = make_user(app, Role.STAFF)
    staff = app.test_client()
    login(staff, staff_user)
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
    staff.post(f"/staff/questions/{question_id}", data={
        f"q{question_id}-text": "Tellen elektrische kranen mee?", f"q{question_id}-answer_source": "Ja.",
        f"q{question_id}-publish": "y"})
    app.config["WTF_CSRF_ENABLED"] = True

    _log_in(page, staff_user)
    page.goto(f"/staff/calls/{call.id}/notes")
    assert axe_violations(page) == []
    page.get_by_label("Wijzigingen in de uitvraag (optioneel)").fill("- De deadline schuift een week op.")
    page.get_by_role("button", name="Nota van inlichtingen 1 uitbrengen").click()
    expect(page.get_by_role("heading", name="Nota van inlichtingen 1 uitbrengen?")).to_be_visible()
    page.get_by_role("button", name="Ja, breng nota van inlichtingen 1 uit").click()
    expect(page.get_by_text("Nota van inlichtingen 1 is uitgebracht.")).to_be_visible()

    page.goto(f"/calls/{call.slug}")
    page.get_by_role("link", name="Nota van inlichtingen 1", exact=True).click()
    expect(page.get_by_role("heading", name="Nota van inlichtingen 1", exact=True)).to_be_visible()
    expect(page.get_by_text("De deadline schuift een week op.")).to_be_visible()
    expect(page.get_by_text("Tellen elektrische kranen mee?")).to_be_visible()
    assert axe_violations(page) == []
    assert _fits_a_phone(page)  # the 64-character digest wraps


def test_a_resident_registers_for_a_draw_and_sees_the_outcome(app: Flask, page: Page) -> None:
    with app.test_request_context():
        now = now_utc()
        dialogue = dialogue_services.save_dialogue(
            db.session, None, None, kind=DialogueKind.CITY, title="Stadspanel warmte", body_source="Praat mee.",
            category=None, related_call=None, starts_at=now + dt.timedelta(days=5),
            ends_at=now + dt.timedelta(days=5, hours=2), address="Stadhuis", online_url="", capacity=1,
            registration_closes_at=now + dt.timedelta(days=4), eligibility=Eligibility.BOTH, slot_minutes=None,
            selection=Selection.LOT, lot_quotas={"district": {"overvecht": 1}})
        dialogue_services.transition_dialogue(db.session, None, dialogue, DialogueStatus.PUBLISHED, now=now)
        db.session.commit()
        slug, dialogue_id = dialogue.slug, dialogue.id
    resident = make_user(app, Role.CITIZEN)
    _log_in(page, resident)
    page.goto(f"/dialogues/{slug}")
    page.get_by_role("button", name="Aanmelden voor de loting").click()
    expect(page.get_by_text("Kies uw wijk.").first).to_be_visible()  # stated, not guessed
    page.get_by_label("Uw wijk").select_option("overvecht")
    page.get_by_role("button", name="Aanmelden voor de loting").click()
    expect(page.get_by_text("U staat aangemeld voor de loting als kandidaat 1.")).to_be_visible()
    assert axe_violations(page) == []

    with app.test_request_context():
        target = db.session.get(Dialogue, dialogue_id)
        target.registration_closes_at = now_utc() - dt.timedelta(minutes=1)
        dialogue_services.draw_lots(db.session, None, target, now_utc())
        db.session.commit()
    page.goto("/my")
    expect(page.get_by_text("ingeloot: u hebt een plaats")).to_be_visible()
    page.goto(f"/dialogues/{slug}")
    page.get_by_role("link", name="De gepubliceerde loting").click()
    expect(page.get_by_role("heading", name="Loting", exact=True)).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Overvecht")
    assert axe_violations(page) == []
    assert _fits_a_phone(page)
