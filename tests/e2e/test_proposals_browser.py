"""An entrepreneur's way to a receipt, and the refusal one second too late, in a real browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import Proposal, ProposalStatus, Question

from ..factories import PASSWORD, PDF_BYTES, mailed_link, make_call, make_proposal, make_user
from .conftest import axe_violations, log_in

pytestmark = pytest.mark.usefixtures("catalogue")


def test_entrepreneur_registers_finds_a_call_drafts_attaches_submits_and_gets_a_receipt(
    app: Flask, page: Page, tmp_path
) -> None:
    make_call(app, title="Zero-emissie bouwlogistiek", category="mobiliteit")
    pdf = tmp_path / "begroting.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.goto("/account/register")
    page.get_by_label("Uw naam").fill("Olga Ondernemer")
    page.get_by_label("E-mailadres").fill("olga@example.org")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(PASSWORD)
    page.get_by_role("radio", name="Ondernemer (met een KvK-nummer)").check()
    page.get_by_label("KvK-nummer", exact=True).fill("4321 8765")
    page.get_by_label("Naam van de organisatie").fill("Groene Logistiek BV")
    page.locator("form.form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in uw mailbox")
    assert axe_violations(page) == []
    page.goto(mailed_link(app, "olga@example.org", "/account/confirm/"))
    assert axe_violations(page) == []
    page.get_by_label("Het wachtwoord dat u bij het registreren koos").fill(PASSWORD)
    page.get_by_role("button", name="Bevestigen en inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Uitvragen").click()
    page.get_by_role("textbox", name="Zoek op woord").fill("bouwlogistiek")
    page.get_by_role("button", name="Uitvragen tonen").click()
    page.get_by_role("link", name="Zero-emissie bouwlogistiek").click()
    page.get_by_role("button", name="Voorstel starten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw voorstel")
    assert axe_violations(page) == []

    page.get_by_label("Titel van uw voorstel").fill("Stille vrachtfietshub")
    page.get_by_label("Samenvatting").fill("Een hub aan de rand van de binnenstad.")
    page.get_by_label("Uw voorstel", exact=True).fill("## Aanpak\nVrachtfietsen voor de laatste kilometer.")
    page.get_by_label("Gevraagd budget", exact=False).fill("12.500")
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page.get_by_text("Uw concept is opgeslagen.")).to_be_visible()

    page.locator("input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name="Bijlage uploaden").click()
    expect(page.get_by_role("link", name="begroting.pdf downloaden")).to_be_visible()
    expect(page.get_by_label("Titel van uw voorstel")).to_have_value("Stille vrachtfietshub")

    page.get_by_role("button", name="Opslaan en indienen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ontvangstbevestiging: uw voorstel is ontvangen")
    digest = page.locator("code.digest").inner_text()
    assert len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
    expect(page.get_by_text("begroting.pdf")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Ga naar uw voorstel").click()
    expect(page.get_by_text("Inhoud komt overeen met de hashwaarde")).to_be_visible()
    assert axe_violations(page) == []


def test_late_submission_is_refused_in_the_browser_and_the_draft_survives(app: Flask, page: Page) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, title="Bijna op tijd")
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(owner.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    page.goto(f"/proposals/{made.id}/edit")
    page.get_by_label("Titel van uw voorstel").fill("Laatste zin erbij")
    with app.app_context():  # the clock passes the deadline while the form is open
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id))
        phase.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    page.get_by_role("button", name="Opslaan en indienen").click()
    expect(page.get_by_role("alert")).to_contain_text("is verstreken. Er is niets ingediend")
    expect(page.get_by_label("Titel van uw voorstel")).to_have_value("Laatste zin erbij")
    with app.app_context():
        proposal = db.session.get(Proposal, made.id)
        assert proposal.status is ProposalStatus.DRAFT and proposal.title == "Bijna op tijd"
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_proposal_pages_have_no_axe_violations(app: Flask, page: Page, language: str) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    # The applicant and a staff member: two people (staff never apply, tests/security/test_attack_staff_applying.py).
    owner, staff = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.STAFF)
    made = make_proposal(app, owner, call, submit=True, attachment=True)

    log_in(page, owner, language)
    page.goto(f"/calls/{call.slug}")
    page.locator("#text").fill("Een vraag?")
    page.locator("#questions form.form button[type=submit]").click()
    expect(page.get_by_text(re.compile(r"Your question has been sent|Uw vraag is verstuurd"))).to_be_visible()
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
    problems = []
    for url in (f"/calls/{call.slug}", f"/proposals/{made.id}/edit", f"/proposals/{made.id}",
                f"/proposals/{made.id}/receipt/1", "/my/proposals", f"/calls/{call.slug}/questions"):
        page.goto(url)
        problems.extend(f"{url}: {v}" for v in axe_violations(page))
    page.goto(f"/proposals/{made.id}/edit")
    page.locator("#requested_budget").fill("999999999")
    page.locator("button[value=save]").last.click()
    problems.extend(f"edit with errors: {v}" for v in axe_violations(page))
    log_in(page, staff, language)
    for url in (f"/staff/calls/{call.id}/proposals", f"/staff/calls/{call.id}/questions",
                f"/staff/questions/{question_id}"):
        page.goto(url)
        problems.extend(f"{url}: {v}" for v in axe_violations(page))
    assert problems == []
