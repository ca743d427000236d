"""A resident on a phone: waitlist, promotion, input, and the report that says what was done with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues.models import Contribution, Dialogue

from ..factories import PASSWORD, login, make_call, make_dialogue, make_user
from .conftest import axe_violations, log_in

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture
def phone(browser, live_server: str, app: Flask) -> Iterator[Page]:
    app.config["WTF_CSRF_ENABLED"] = True
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_resident_on_a_phone_waitlist_promotion_input_and_report(app: Flask, phone: Page) -> None:
    call = make_call(app, title="Koele haltes Overvecht")
    dialogue = make_dialogue(app, title="Koele wijk Overvecht", capacity=1, starts_in=dt.timedelta(hours=5))
    early_bird = make_user(app, Role.CITIZEN)
    early = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False  # the other people here use the test client, without tokens
    login(early, early_bird)
    early.post(f"/dialogues/{dialogue.slug}/register")
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    app.config["WTF_CSRF_ENABLED"] = True
    resident = make_user(app, Role.CITIZEN, name="Ria Resident")

    page = phone
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(resident.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_text("Menu", exact=True).click()  # on a phone the menu is one button
    menu.get_by_role("link", name="Gesprekken").click()
    page.get_by_role("link", name="Koele wijk Overvecht").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Aanmelden voor de wachtlijst").click()
    expect(page.get_by_text("U staat op plaats 1 van de wachtlijst.").first).to_be_visible()

    app.config["WTF_CSRF_ENABLED"] = False
    early.post(f"/dialogues/{dialogue.slug}/cancel", data={"confirm": "yes"})  # a seat comes free
    app.config["WTF_CSRF_ENABLED"] = True
    page.reload()
    expect(page.get_by_text("U bent aangemeld.")).to_be_visible()

    page.get_by_role("textbox", name="Uw inbreng").fill("Meer bomen bij de bushaltes.")
    page.get_by_role("button", name="Inbreng versturen").click()
    expect(page.locator("#input").get_by_text("Meer bomen bij de bushaltes.")).to_be_visible()
    assert axe_violations(page) == []

    with app.app_context():  # the dialogue takes place; staff record the disposition and the report
        contribution = db.session.scalar(select(Contribution))
        target = db.session.get(Dialogue, dialogue.id)
        target.starts_at, target.ends_at = now_utc() - dt.timedelta(hours=3), now_utc() - dt.timedelta(hours=1)
        db.session.commit()
        contribution_id = contribution.id
    app.config["WTF_CSRF_ENABLED"] = False
    staff.post(f"/staff/contributions/{contribution_id}", data={
        f"c{contribution_id}-disposition": "adopted", f"c{contribution_id}-disposition_call_id": str(call.id),
        f"c{contribution_id}-disposition_reason": "Opgenomen in de uitvraag."})
    staff.post(f"/staff/dialogues/{dialogue.id}/report", data={"summary": "Schaduw is het belangrijkst.",
                                                                "followup_calls": [str(call.id)]})
    app.config["WTF_CSRF_ENABLED"] = True

    page.reload()
    report = page.locator("#report")
    expect(report.get_by_role("heading", name="Verslag")).to_be_visible()
    expect(report.get_by_text("Schaduw is het belangrijkst.")).to_be_visible()
    expect(report.get_by_text("overgenomen").first).to_be_visible()
    expect(report.get_by_role("link", name="Koele haltes Overvecht").first).to_be_visible()
    assert "Ria Resident" not in report.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth") is False
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_dialogue_pages_have_no_axe_violations(app: Flask, page: Page, language: str) -> None:
    dialogue = make_dialogue(app, kind="market", slot_minutes=20, online_url="https://meet.example/x")
    # A company and a staff member: two people (staff do not register for a market dialogue as a company).
    company, staff = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.STAFF)

    log_in(page, company, language)
    page.goto(f"/dialogues/{dialogue.slug}")
    page.locator("#registration form button[type=submit]").click()
    page.locator("#text").fill("Een idee")
    page.locator("#input form button[type=submit]").click()
    problems = []
    for url in ("/dialogues", "/dialogues?when=past", f"/dialogues/{dialogue.slug}"):
        page.goto(url)
        problems.extend(f"{url}: {v}" for v in axe_violations(page))
    log_in(page, staff, language)
    for url in (f"/dialogues/{dialogue.slug}", "/staff/dialogues",
                "/staff/dialogues/new", f"/staff/dialogues/{dialogue.id}", f"/staff/dialogues/{dialogue.id}/edit"):
        page.goto(url)
        problems.extend(f"{url}: {v}" for v in axe_violations(page))
    page.goto("/staff/dialogues/new")
    page.locator("form.form button[type=submit]").click()
    problems.extend(f"dialogue form with errors: {v}" for v in axe_violations(page))
    assert problems == []
