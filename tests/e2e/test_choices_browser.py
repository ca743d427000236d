"""A chosen radio button or checkbox looks chosen, on every kind of form with choices: the pixels
of the control and its label differ before and after choosing (not focused, not hovered, so the
difference is the chosen state alone). Screenshots go to tests/e2e/screenshots/ (not committed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db

from ..factories import PASSWORD, login, make_call, make_proposal, make_user

pytestmark = pytest.mark.usefixtures("catalogue")
SHOTS = Path(__file__).parent / "screenshots"


def _log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.goto("/")
    page.get_by_role("button", name="English").click()


def _pixels(page: Page, control: Locator) -> bytes:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    return control.locator("xpath=..").screenshot(animations="disabled", caret="hide")


def assert_choosing_shows(page: Page, control: Locator, name: str) -> None:
    """`control` is an unchecked radio or checkbox; choosing it must change how it looks."""
    expect(control).not_to_be_checked()
    before = _pixels(page, control)
    control.check()
    expect(control).to_be_checked()
    after = _pixels(page, control)
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / f"choice-{name}-before.png").write_bytes(before)
    (SHOTS / f"choice-{name}-after.png").write_bytes(after)
    assert before != after, f"{name}: a chosen control looks the same as an unchosen one"


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})


def test_register_account_type_shows_the_choice_and_reveals_the_organisation(page: Page) -> None:
    page.goto("/account/register")
    kvk = page.get_by_label("KvK-nummer", exact=True)
    expect(kvk).to_be_hidden()  # nothing chosen yet: no fields of an entrepreneur
    assert_choosing_shows(page, page.get_by_role("radio", name="Inwoner (u woont in Utrecht)"), "register-resident")
    expect(kvk).to_be_hidden()
    page.get_by_role("radio", name="Ondernemer (met een KvK-nummer)").check()
    expect(kvk).to_be_visible()  # CSS only: no script on this page
    _shoot(page, "register-entrepreneur")


def test_register_works_without_javascript(browser, live_server: str, app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/account/register")
    page.get_by_role("radio", name="Ondernemer (met een KvK-nummer)").check()
    expect(page.get_by_label("KvK-nummer", exact=True)).to_be_visible()
    context.close()


def test_call_form_ambition_level_and_social_values_show_the_choice(app: Flask, page: Page) -> None:
    staff = make_user(app, Role.STAFF)
    _log_in(page, staff.email)
    page.goto("/staff/calls/new")
    assert_choosing_shows(page, page.get_by_role("radio", name="2", exact=False).first, "call-ambition-level")
    assert_choosing_shows(page, page.get_by_role("checkbox", name="Climate (CO2)"), "call-social-value")
    _shoot(page, "call-form")


def test_conflict_declaration_and_decision_outcome_show_the_choice(app: Flask, page: Page) -> None:
    call = make_call(app, kind=CallKind.SBIR, title="Hittestress Overvecht")
    proposal = make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True, title="Koel plan")
    staff, juror = make_user(app, Role.STAFF), make_user(app, Role.JURY)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    login(client, staff)
    client.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():  # the jury declares and scores once the deadline has passed
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id, Phase.number == 1))
        phase.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    _log_in(page, juror.email)
    page.get_by_role("link", name="My juries").click()
    page.get_by_role("link", name="Hittestress Overvecht — Fase 1").click()
    assert_choosing_shows(page, page.get_by_role("radio", name="No conflict of interest with Koel plan",
                                                 exact=False).first, "jury-declaration")
    _shoot(page, "jury-declaration")

    _log_in(page, staff.email)
    page.goto(f"/staff/calls/{call.id}/phases/1/results/{proposal.id}")
    assert_choosing_shows(page, page.get_by_role("radio", name="awarded", exact=True), "decision-outcome")
    _shoot(page, "decision-outcome")
