"""A market consultation end to end in the browser: staff write and open it, a company answers (a
draft, then submitted after the question), and after the deadline staff publish the summary."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.consultations.models import Consultation
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local

from ..factories import PASSWORD, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()


def test_staff_open_a_consultation_a_company_answers_and_staff_publish_the_summary(
        app: Flask, browser, live_server: str) -> None:
    staff = make_user(app, Role.STAFF)
    company = make_user(app, Role.ENTREPRENEUR, organisation_name="Fietspad BV")
    app.config["WTF_CSRF_ENABLED"] = True

    desk = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    desk.set_default_timeout(10_000)
    page = desk.new_page()
    _log_in(page, staff.email)
    page.goto("/language?lang=en&next=/staff/consultations")
    page.get_by_role("link", name="New market consultation").click()
    page.get_by_label("Title", exact=True).fill("Circulaire fietspaden")
    page.get_by_label("Consultation document", exact=True).fill("Wij zoeken **circulaire** materialen.")
    page.get_by_label("Questions", exact=True).fill("Welke materialen?\nWelke looptijd?")
    deadline = to_local(now_utc() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Deadline for answers").fill(deadline)
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("The consultation has been saved.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Open the consultation").click()
    expect(page.get_by_role("heading", name="What will happen")).to_be_visible()
    page.get_by_role("button", name="Yes, open the consultation").click()
    expect(page.get_by_text("The consultation is open.")).to_be_visible()

    phone = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True,
                                has_touch=True)
    phone.set_default_timeout(10_000)
    answerer = phone.new_page()
    _log_in(answerer, company.email)
    answerer.goto("/consultations")
    answerer.get_by_role("link", name="Circulaire fietspaden").click()
    assert axe_violations(answerer) == []
    answerer.get_by_role("link", name="Beantwoord de vragen").click()
    answerer.get_by_label("Antwoord op vraag 1").fill("Gerecycled asfalt")
    answerer.get_by_role("button", name="Concept opslaan").click()
    expect(answerer.get_by_text("Uw concept is opgeslagen.")).to_be_visible()
    expect(answerer.get_by_label("Antwoord op vraag 1")).to_have_value("Gerecycled asfalt")
    answerer.get_by_label("Antwoord op vraag 2").fill("Acht jaar")
    assert axe_violations(answerer) == []
    assert answerer.evaluate("document.documentElement.scrollWidth") <= 375
    answerer.get_by_role("button", name="Antwoorden indienen").click()
    answerer.get_by_role("button", name="Ja, dien de antwoorden in").click()
    expect(answerer.get_by_text("Uw antwoorden zijn ingediend.")).to_be_visible()
    expect(answerer.get_by_text("Acht jaar")).to_be_visible()
    expect(answerer.get_by_role("button", name="Antwoorden indienen")).to_have_count(0)
    phone.close()

    with app.app_context():  # the deadline passes
        consultation = db.session.scalar(select(Consultation))
        consultation.closes_at = now_utc() - dt.timedelta(minutes=1)
        db.session.commit()
        consultation_id, slug = consultation.id, consultation.slug
    page.goto(f"/staff/consultations/{consultation_id}/responses")
    expect(page.get_by_role("heading", name="Fietspad BV")).to_be_visible()
    page.get_by_role("link", name="Write the summary").click()
    page.get_by_label("Summary", exact=True).fill("Eén bedrijf antwoordde.")
    page.locator("#themes-0-title").fill("Materialen")
    page.locator("#themes-0-disposition").select_option("adopted")
    page.locator("#themes-0-action_source").fill("Gerecycled asfalt wordt een eis.")
    page.get_by_role("button", name="Save the summary").click()
    expect(page.get_by_text("The summary has been saved.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Publish the summary").click()
    page.get_by_role("button", name="Yes, publish the summary").click()
    expect(page.get_by_text("The summary has been published.")).to_be_visible()
    page.goto(f"/consultations/{slug}")
    expect(page.get_by_text("Gerecycled asfalt wordt een eis.")).to_be_visible()
    expect(page.get_by_text("adopted")).to_be_visible()
    assert axe_violations(page) == []
    desk.close()
