"""Issue #18 part 1 in the browser: staff run a challenge in rounds (open round → shortlist → pitch
slots → winners published) and an applicant sees only what they may; an innovation partnership
through selection and one R&D stage with a go and a no-go."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallKind
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues.models import Dialogue
from mvi_challenges.evaluation import services as evaluation

from ..calls.test_stages import close_stage, decide, entrepreneur, make_staged_call, open_stage
from ..factories import PASSWORD, make_proposal, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def _log_in(page: Page, user) -> None:
    page.context.clear_cookies()  # a new person at the same browser
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()


def _fits_a_phone(page: Page) -> bool:
    page.set_viewport_size({"width": 375, "height": 740})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1100, "height": 900})
    return width <= 375


def _decide_in_browser(page: Page, call, number: int, proposal_id: int, outcome: str) -> None:
    page.goto(f"/staff/calls/{call.id}/phases/{number}/results/{proposal_id}")
    page.get_by_role("group", name=f"Uitkomst voor voorstel {proposal_id}").get_by_label(outcome).check()
    page.get_by_label("Motivering (wordt gepubliceerd en naar de indiener gestuurd)").fill(
        f"Motivering voor {proposal_id}: sterk plan.")
    page.get_by_role("button", name=f"Besluit over voorstel {proposal_id} vastleggen").click()
    expect(page.get_by_text("Het besluit is vastgelegd.")).to_be_visible()


def test_staff_run_a_challenge_in_rounds_to_its_winners(app: Flask, page: Page) -> None:
    call = make_staged_call(app, title="Schone lucht rond scholen")
    on, off = entrepreneur(app, "Op de Lijst BV"), entrepreneur(app, "Er Af BV")
    first = make_proposal(app, on, call, submit=True, title="Luchtfilter bij het schoolhek")
    second = make_proposal(app, off, call, submit=True, title="Rookmelder")
    close_stage(app, call, 1)
    staff = make_user(app, Role.STAFF)

    # The open round: a shortlist, not an award.
    _log_in(page, staff)
    _decide_in_browser(page, call, 1, first.id, "op de shortlist voor de volgende ronde")
    _decide_in_browser(page, call, 1, second.id, "niet gegund")
    page.goto(f"/staff/calls/{call.id}/phases/1/results")
    page.get_by_role("button", name="Besluiten publiceren").click()
    page.get_by_role("button", name="Ja, publiceer de besluiten").click()
    open_stage(app, call, 2)

    # The pitch slots, planned by staff.
    page.goto(f"/staff/calls/{call.id}")
    page.get_by_role("link", name="Pitchtijden voor fase 2").click()
    assert axe_violations(page) == []
    page.get_by_label("Eerste pitch begint om").fill("2031-05-12T10:00")
    page.get_by_label("Laatste pitch eindigt om").fill("2031-05-12T11:00")
    page.get_by_label("Minuten per pitch (één tijdslot)").fill("20")
    page.get_by_label("Een tijd kiezen kan tot").fill("2031-05-11T12:00")
    page.get_by_label("Adres").fill("Stadskantoor, zaal 3")
    page.get_by_role("button", name="Pitchtijden publiceren").click()
    expect(page.get_by_text("De pitchtijden zijn gepubliceerd voor de shortlist.")).to_be_visible()
    with app.app_context():
        slug = db.session.scalar(select(Dialogue.slug).where(Dialogue.pitch_phase_id.is_not(None)))
    pitch_path = f"/dialogues/{slug}"

    # Not on the shortlist: told so, no button.
    _log_in(page, off)
    page.goto(pitch_path)
    expect(page.get_by_text("Alleen aanvragers op de shortlist voor de pitch kunnen een pitchtijd kiezen.")) \
        .to_be_visible()
    expect(page.get_by_role("button", name="Aanmelden voor dit gesprek")).to_have_count(0)

    # On the shortlist: registers and books a time.
    _log_in(page, on)
    page.goto(f"/proposals/{first.id}/decision")
    expect(page.get_by_text("op de shortlist voor de volgende ronde")).to_be_visible()
    page.goto(pitch_path)
    page.get_by_role("button", name="Aanmelden voor dit gesprek").click()
    page.get_by_label("Tijdstip voor uw één-op-ééngesprek").select_option(index=1)
    page.get_by_role("button", name="Dit tijdstip boeken").click()
    expect(page.get_by_text("Uw tijdstip is geboekt.")).to_be_visible()
    assert axe_violations(page) == []

    # The pitch: a proposal in stage 2, decided with a place; no winners page until published.
    pitched = make_proposal(app, on, call, phase_number=2, submit=True, title="Luchtfilter, uitgewerkt",
                            budget_cents=0)
    close_stage(app, call, 2)
    decide(app, call, 2, {pitched.id: ("awarded", 1)}, publish=False)
    assert page.goto(f"/calls/{call.slug}/winners").status == 404
    with app.app_context():
        evaluation.publish_decisions(db.session, None, db.session.get(Call, call.id).phases[1], now_utc())
        db.session.commit()
    page.context.clear_cookies()
    page.goto(f"/calls/{call.slug}")
    page.get_by_role("link", name="Bekijk de winnaars en waarom ze wonnen").click()
    expect(page.get_by_role("heading", name="Plaats 1: Luchtfilter, uitgewerkt")).to_be_visible()
    expect(page.get_by_text("€ 15.000")).to_be_visible()
    expect(page.get_by_text(f"Motivering voor {pitched.id}: sterk plan.")).to_be_visible()
    assert axe_violations(page) == []
    assert _fits_a_phone(page)


def test_an_innovation_partnership_through_selection_and_a_go_no_go(app: Flask, page: Page) -> None:
    call = make_staged_call(app, CallKind.PARTNERSHIP, title="Circulaire kademuren")
    go, stop = entrepreneur(app, "Kade Go BV"), entrepreneur(app, "Kade Stop BV")
    picks = [make_proposal(app, who, call, submit=True, title=f"Plan {n}") for n, who in enumerate((go, stop))]
    close_stage(app, call, 1)
    decide(app, call, 1, {p.id: ("advanced", None) for p in picks})
    open_stage(app, call, 2)
    rnd = [make_proposal(app, who, call, phase_number=2, submit=True, title=f"Proefvak {n}")
           for n, who in enumerate((go, stop))]
    close_stage(app, call, 2)
    staff = make_user(app, Role.STAFF)
    _log_in(page, staff)
    _decide_in_browser(page, call, 2, rnd[0].id, "go: door naar de volgende fase")
    _decide_in_browser(page, call, 2, rnd[1].id, "no-go: het partnerschap stopt hier")
    page.goto(f"/staff/calls/{call.id}/phases/2/results")
    page.get_by_role("button", name="Besluiten publiceren").click()
    page.get_by_role("button", name="Ja, publiceer de besluiten").click()

    _log_in(page, stop)
    page.goto(f"/proposals/{rnd[1].id}/decision")
    expect(page.get_by_text("no-go: het partnerschap stopt hier")).to_be_visible()
    expect(page.get_by_text(f"Motivering voor {rnd[1].id}: sterk plan.")).to_be_visible()
    page.goto(f"/calls/{call.slug}")
    expect(page.get_by_text("Doelen voor een go")).to_be_visible()
    expect(page.get_by_text("Een werkend proefvak van 10 meter.")).to_be_visible()
    assert axe_violations(page) == []
    assert _fits_a_phone(page)
