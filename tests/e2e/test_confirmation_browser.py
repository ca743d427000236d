"""An irreversible action asks first in a real browser, without JavaScript: the question page says
what will happen, "No, go back" changes nothing, the confirm button acts."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import Proposal, ProposalStatus

from ..factories import PASSWORD, make_call, make_proposal, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")
SHOTS = Path(__file__).parent / "screenshots"


def test_withdrawing_asks_first_without_javascript(app: Flask, browser, live_server: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, title="Stille vrachtfietshub")
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(owner.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    page.goto(f"/proposals/{made.id}/edit")
    page.get_by_role("button", name="Mijn voorstel intrekken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw voorstel ‘Stille vrachtfietshub’ intrekken?")
    expect(page.get_by_text("Dit kunt u niet ongedaan maken.")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SHOTS / f"confirm-withdraw-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.get_by_role("link", name="Nee, ga terug").click()
    with app.app_context():
        assert db.session.get(Proposal, made.id).status is ProposalStatus.SUBMITTED
    page.get_by_role("button", name="Mijn voorstel intrekken").click()
    page.get_by_role("button", name="Ja, trek mijn voorstel in").click()
    expect(page.get_by_text("Uw voorstel is ingetrokken.").first).to_be_visible()
    with app.app_context():
        assert db.session.get(Proposal, made.id).status is ProposalStatus.WITHDRAWN
    context.close()


def test_the_question_page_has_no_axe_violations(app: Flask, page) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True)
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(owner.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    page.goto(f"/proposals/{made.id}/edit")
    page.get_by_role("button", name="Mijn voorstel intrekken").click()
    expect(page.get_by_role("button", name="Ja, trek mijn voorstel in")).to_be_visible()
    assert axe_violations(page) == []
