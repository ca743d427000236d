"""What a visitor and a staff member do, in a real browser, checked with axe-core on the way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, CallStatus

from ..factories import PASSWORD, make_call, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")  # lands on Mijn pagina


def test_visitor_finds_a_call_through_the_filters(app: Flask, page: Page) -> None:
    make_call(app, title="Schone bouwlogistiek", category="mobiliteit")
    make_call(app, title="Hittestress Overvecht", kind=CallKind.SBIR, category="openbare-ruimte",
              values=("gezonde-leefomgeving",))
    make_call(app, title="Oude hittevraag", category="openbare-ruimte", opens_in=dt.timedelta(days=-20),
              closes_in=dt.timedelta(days=-1))
    page.goto("/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Uitvragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenges en SBIR-uitvragen")
    page.get_by_label("Categorie", exact=True).select_option(label="Openbare ruimte en GWW (incl. groen)")
    page.get_by_label("Status").select_option(value="open")
    page.get_by_role("button", name="Uitvragen tonen").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("1 uitvraag"))).to_be_visible()
    results = page.get_by_role("list", name=re.compile("uitvraag"))
    expect(results.get_by_role("link")).to_have_count(1)
    results.get_by_role("link", name="Hittestress Overvecht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hittestress Overvecht")
    expect(page.get_by_role("table").first).to_contain_text("Impact")
    assert axe_violations(page) == []


def test_staff_creates_and_publishes_an_sbir_call_with_two_phases(app: Flask, page: Page) -> None:
    staff = make_user(app, Role.STAFF)
    _log_in(page, staff.email)
    page.get_by_role("button", name="English").click()
    page.locator(".site-nav__list--bar summary", has_text="Manage").click()  # staff pages are under "Manage"
    page.get_by_role("link", name="Manage calls").click()
    page.get_by_role("link", name="New SBIR call").click()
    expect(page.get_by_role("radio", name="SBIR call")).to_be_checked()
    page.get_by_label("Title", exact=True).fill("Slimme hittesensoren")
    page.get_by_label("Summary", exact=True).fill("Sensoren die hitte in de wijk meten.")
    page.get_by_label("Main text", exact=True).fill("## Vraag\nMeet de hitte.")
    page.get_by_label("Category", exact=True).select_option(label="Public space and civil works (incl. green) — target level 3")
    page.get_by_role("checkbox", name="Healthy living environment").check()
    page.get_by_role("radio", name="3 – ambitious: challenge the market maximally").check()  # nothing chosen for you
    page.get_by_role("button", name="Save call").click()
    expect(page.get_by_text("The call has been saved.")).to_be_visible()

    today = dt.date.today()
    phases = [
        ("Phase 1: feasibility", today + dt.timedelta(days=1), today + dt.timedelta(days=30), "200000", "5",
         [("Impact", "40"), ("Technical feasibility", "30"), ("Economic perspective", "30")]),
        ("Phase 2: development and prototype", today + dt.timedelta(days=60), today + dt.timedelta(days=120),
         "400000", "2", [("Impact", "30"), ("Technical feasibility", "30"), ("Economic perspective", "40")]),
    ]
    for number, (title, opens, closes, budget, awards, criteria) in enumerate(phases, start=1):
        page.get_by_role("link", name=f"Add phase {number}").click()
        expect(page.get_by_label("Phase title")).to_have_value(title)
        page.get_by_label("Opens at").fill(f"{opens.isoformat()}T09:00")
        page.get_by_label("Deadline").fill(f"{closes.isoformat()}T12:00")
        page.get_by_label("Budget for this phase (euros)").fill(budget)
        page.get_by_label("Maximum number of awards").fill(awards)
        for index, (name, weight) in enumerate(criteria, start=1):
            page.get_by_label(f"Name of criterion {index}", exact=True).fill(name)
            page.get_by_label(f"Weight of criterion {index} (%)", exact=True).fill(weight)
        page.get_by_role("button", name="Save phase").click()
        expect(page.get_by_text("The phase has been saved.")).to_be_visible()

    assert axe_violations(page) == []
    page.get_by_role("button", name="Publish call").click()
    page.get_by_role("button", name="Yes, publish the call").click()  # it asks first
    expect(page.get_by_text("The call has been published.")).to_be_visible()
    page.get_by_role("link", name="View the public page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slimme hittesensoren")
    expect(page.get_by_role("heading", name="Phase 2: development and prototype")).to_be_visible()
    expect(page.get_by_text("€400,000")).to_be_visible()


def test_phase_form_error_is_shown_and_focusable(app: Flask, page: Page) -> None:
    staff = make_user(app, Role.STAFF)
    call = make_call(app, kind=CallKind.SBIR, phases=0, status=CallStatus.DRAFT)
    _log_in(page, staff.email)
    page.goto(f"/staff/calls/{call.id}/phases/new")
    page.get_by_label("Opent op").fill("2027-01-10T09:00")
    page.get_by_label("Deadline").fill("2027-02-10T12:00")
    page.get_by_label("Budget voor deze fase (euro)").fill("40000")
    page.get_by_label("Naam van criterium 1", exact=True).fill("Impact")
    page.get_by_label("Weging van criterium 1 (%)", exact=True).fill("70")
    page.get_by_role("button", name="Fase opslaan").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("70")
    expect(page.get_by_label("Weging van criterium 1 (%)", exact=True)).to_have_value("70")
    assert axe_violations(page) == []
