"""axe-core finds no WCAG 2.1 A/AA violations on any page of the site, in Dutch and English."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, CallStatus

from ..factories import PASSWORD, make_call, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def _sweep(page: Page, urls: list[str]) -> list[str]:
    problems = []
    for url in urls:
        page.goto(url)
        problems.extend(f"{url}: {violation}" for violation in axe_violations(page))
    return problems


def _switch_language(page: Page, button: str) -> None:
    page.goto("/")
    page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_public_pages_have_no_axe_violations(app: Flask, page: Page, language: str) -> None:
    call = make_call(app, kind=CallKind.SBIR, level=1, explanation="Uitleg waarom niet niveau 3.")
    if language == "en":
        _switch_language(page, "English")
    urls = ["/", "/calls", "/calls?state=open&kind=sbir", f"/calls/{call.slug}", "/account/login",
            "/account/register", "/privacy", "/accessibility", "/does-not-exist", "/pipeline", "/pipeline/follow",
            "/lessons", "/pipeline/unsubscribe/forged"]
    problems = _sweep(page, urls)
    # A form with errors: the error summary and the invalid fields must be accessible too.
    page.goto("/account/register")
    page.locator("form.form button[type=submit]").click()
    problems.extend(f"register with errors: {v}" for v in axe_violations(page))
    assert problems == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_staff_and_admin_pages_have_no_axe_violations(app: Flask, page: Page, language: str) -> None:
    admin = make_user(app, Role.ADMIN, Role.STAFF)
    published = make_call(app, kind=CallKind.SBIR)
    draft = make_call(app, status=CallStatus.DRAFT)
    page.goto("/account/login")
    page.locator("#email").fill(admin.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    if language == "en":
        _switch_language(page, "English")
    urls = ["/account", "/my", "/staff/calls", "/staff/calls/new?kind=challenge", f"/staff/calls/{published.id}",
            f"/staff/calls/{published.id}/edit", f"/staff/calls/{published.id}/phases/1",
            f"/staff/calls/{draft.id}", f"/staff/calls/{draft.id}/phases/new", f"/calls/{draft.slug}",
            "/admin/users", "/admin/catalogue/", "/admin/catalogue/categories/1", "/admin/catalogue/categories/new",
            "/admin/catalogue/values/1", "/admin/catalogue/values/new", "/staff/pipeline", "/staff/pipeline/new",
            "/staff/lessons", "/staff/lessons/new"]
    problems = _sweep(page, urls)
    page.goto("/staff/calls/new?kind=sbir")
    page.locator("form.form button[type=submit]").click()
    problems.extend(f"call form with errors: {v}" for v in axe_violations(page))
    for form_page in ("/staff/pipeline/new", "/staff/lessons/new"):
        page.goto(form_page)
        page.locator("form.form button[type=submit]").click()
        problems.extend(f"{form_page} with errors: {v}" for v in axe_violations(page))
    assert problems == []


def test_phone_viewport_home_and_call_page(app: Flask, browser, live_server: str) -> None:
    call = make_call(app)
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        problems = _sweep(page, ["/", f"/calls/{call.slug}", "/calls"])
        overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    finally:
        context.close()
    assert problems == []
    assert overflow is False  # no sideways scrolling on a phone
