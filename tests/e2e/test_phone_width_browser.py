"""No page of any role is wider than a 375 px phone. A phone widens its layout viewport to the
content, so `innerWidth` hides overflow: compare the document's scrollWidth with screen.width."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page

from mvi_challenges.accounts.models import Role

from ..factories import PASSWORD, make_call, make_dialogue, make_proposal, make_user

pytestmark = pytest.mark.usefixtures("catalogue")
SHOTS = Path(__file__).parent / "screenshots"

PUBLIC = ["/", "/calls", "/dialogues", "/monitoring", "/monitoring/register", "/accessibility", "/privacy",
          "/categories", "/open-data", "/account/login", "/account/register"]
STAFF = ["/staff/calls", "/staff/dialogues", "/staff/calls/new", "/staff/dialogues/new", "/staff/monitoring",
         "/account"]
ENTREPRENEUR = ["/my/proposals", "/account"]


@pytest.fixture
def phone(browser, live_server: str, app: Flask):
    app.config["WTF_CSRF_ENABLED"] = True
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740},
                                  screen={"width": 375, "height": 740}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def _log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()


def _too_wide(page: Page, paths: list[str], name: str) -> list[str]:
    SHOTS.mkdir(exist_ok=True)
    wide = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        widths = page.evaluate("() => [document.documentElement.scrollWidth, screen.width]")
        if widths[0] > widths[1]:
            wide.append(f"{path}: {widths[0]} px on a {widths[1]} px screen")
        slug = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(SHOTS / f"phone-{name}-{slug}-375.png"), full_page=True)
    return wide


def test_no_page_of_any_role_is_wider_than_a_phone(app: Flask, phone: Page) -> None:
    call = make_call(app, title="Zero-emissie bouwlogistiek binnenstad met een heel lange titel")
    dialogue = make_dialogue(app, title="Hoe koopt Utrecht eerlijk in?")
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, title="Stille vrachtfietshub")
    wide = _too_wide(phone, [*PUBLIC, f"/calls/{call.slug}", f"/dialogues/{dialogue.slug}"], "visitor")
    _log_in(phone, owner.email)
    wide += _too_wide(phone, [*ENTREPRENEUR, f"/proposals/{made.id}/edit"], "entrepreneur")
    staff = make_user(app, Role.STAFF, Role.ADMIN)
    _log_in(phone, staff.email)
    wide += _too_wide(phone, [*STAFF, f"/staff/calls/{call.id}", "/admin/users", "/admin/audit"], "staff")
    assert wide == [], "\n".join(wide)
