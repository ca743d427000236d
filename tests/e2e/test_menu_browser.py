"""The menu by role: on a desktop (1280 px) it fits one line for every role, staff's pages under
one "Manage" button; on a phone (375 px) it is one "Menu" button that opens without JavaScript."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mvi_challenges.accounts.models import Role

from ..factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("catalogue")


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()


def _rows(page: Page, selector: str) -> int:
    """How many lines the visible menu items take."""
    return page.evaluate(f"""new Set([...document.querySelectorAll('{selector} > li')]
        .filter(li => li.offsetParent !== null).map(li => li.getBoundingClientRect().top)).size""")


@pytest.mark.parametrize("roles", [(), (Role.ENTREPRENEUR,), (Role.JURY,), (Role.STAFF,), (Role.ADMIN, Role.STAFF)],
                         ids=["visitor", "entrepreneur", "jury", "staff", "admin"])
def test_the_menu_fits_one_line_on_a_desktop_and_one_button_on_a_phone(
        app: Flask, browser, live_server: str, roles: tuple[Role, ...]) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    for width, javascript in ((1280, True), (375, False)):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800},
                                      java_script_enabled=javascript)
        page = context.new_page()
        if roles:
            _log_in(page, make_user(app, *roles).email)
        page.goto("/calls")
        if width == 1280:
            assert _rows(page, ".site-nav__list--bar") == 1
            expect(page.locator(".site-nav__toggle")).to_be_hidden()
            if Role.STAFF in roles:
                manage_calls = page.get_by_role("link", name="Uitvragen beheren")
                expect(manage_calls).to_be_hidden()  # folded under "Beheren" until asked for
                page.locator(".site-nav__list--bar summary", has_text="Beheren").click()
                manage_calls.click()
                expect(page).to_have_url(f"{live_server}/staff/calls")
        else:
            toggle = page.locator(".site-nav__toggle")
            expect(toggle).to_be_visible()
            expect(page.get_by_role("link", name="Gesprekken", exact=True)).to_be_hidden()
            toggle.click()  # a <summary>: opens without JavaScript
            expect(page.get_by_role("link", name="Gesprekken", exact=True)).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        context.close()
