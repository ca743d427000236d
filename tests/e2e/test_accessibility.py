"""axe-core finds no WCAG 2.1 A/AA violations on any page of the site, in Dutch and English."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, CallStatus

from ..factories import PASSWORD, make_call, make_library, make_user, pick_criteria
from ..monitoring.test_talks import build_world as build_talks_world
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
    from ..calls.test_stages import make_staged_call, pitch_decided

    staged = pitch_decided(app, publish=True).call
    partnership = make_staged_call(app, CallKind.PARTNERSHIP, title="Circulaire kademuren")
    urls = ["/", "/calls", "/calls?state=open&kind=sbir", f"/calls/{call.slug}", "/account/login",
            "/calls?kind=staged_challenge", f"/calls/{staged.slug}", f"/calls/{staged.slug}/winners",
            f"/calls/{partnership.slug}",
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
    from ..calls.test_stages import make_staged_call

    staged = make_staged_call(app)
    partnership = make_staged_call(app, CallKind.PARTNERSHIP, title="Circulaire kademuren")
    talks = build_talks_world(app)  # result talks with figures in every section
    # The library after the calls above were published (a draft would first have to choose from it).
    library = make_library(app)
    pick_criteria(app, published.id, [library.criteria["MOB-3"], library.criteria["MOB-1"]])
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
            "/admin/catalogue/values/1", "/admin/catalogue/values/new",
            "/admin/library/", "/admin/library/criteria/new", f"/admin/library/criteria/{library.criteria['MOB-3']}",
            "/admin/library/principles", f"/admin/library/principles/{library.principles['schoon']}",
            "/admin/library/principles/new", "/admin/library/import", f"/staff/calls/{published.id}/criteria",
            f"/staff/calls/{draft.id}/criteria", "/categories/mobiliteit"]
    urls += ["/staff/monitoring", "/staff/monitoring/talks?year=2025",
             f"/staff/monitoring/talks/managers/{talks.anna}?year=2025",
             f"/staff/monitoring/talks/departments/{talks.concernstaf}?year=2025"]
    urls += [f"/staff/calls/{staged.id}", f"/staff/calls/{staged.id}/phases/2", f"/staff/calls/{staged.id}/phases/new",
             f"/staff/calls/{staged.id}/stages/2/pitch", f"/staff/calls/{partnership.id}/phases/2",
             "/staff/calls/new?kind=partnership", "/staff/pipeline", "/staff/pipeline/new", "/staff/lessons",
             "/staff/lessons/new"]
    problems = _sweep(page, urls)
    page.goto(f"/staff/calls/{draft.id}/criteria")
    page.locator("form.form button[type=submit]").click()  # nothing chosen: saved, back on the manage page
    problems.extend(f"manage page with library criteria message: {v}" for v in axe_violations(page))
    page.goto("/admin/library/import")
    page.set_input_files("#file", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                          "buffer": b"code;category;level;text_nl;text_en;verification_nl;"
                                                    b"verification_en;social_value;principle;retired\n"
                                                    b"X;nergens;7;;;;;;;\n"}])
    page.locator("form.form button[type=submit]").click()
    problems.extend(f"import with row errors: {v}" for v in axe_violations(page))
    page.goto("/admin/library/criteria/new")
    page.locator("form.form button[type=submit]").click()
    problems.extend(f"criterion form with errors: {v}" for v in axe_violations(page))
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


@pytest.mark.parametrize("language", ["nl", "en"])
def test_market_consultation_pages_have_no_axe_violations(app: Flask, page: Page, language: str) -> None:
    from .test_screenshots_browser import _consultation

    staff = make_user(app, Role.STAFF)
    consultation = _consultation(app, make_user(app, Role.ENTREPRENEUR))
    if language == "en":
        _switch_language(page, "English")
    problems = _sweep(page, ["/consultations", "/consultations?stage=open", f"/consultations/{consultation['open']}"])
    page.goto("/account/login")
    page.locator("#email").fill(staff.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    problems += _sweep(page, ["/staff/consultations", "/staff/consultations/new",
                              f"/staff/consultations/{consultation['open_id']}",
                              f"/staff/consultations/{consultation['held_id']}/responses",
                              f"/staff/consultations/{consultation['held_id']}/summary"])
    page.goto("/staff/consultations/new")
    page.locator("form.form button[type=submit]").click()
    problems.extend(f"consultation form with errors: {v}" for v in axe_violations(page))
    assert problems == []
