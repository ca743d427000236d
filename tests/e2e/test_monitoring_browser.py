"""A visitor reads the monitoring dashboard: changes year and category, reads a chart and its table."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.monitoring.models import Contract

from ..factories import make_user
from ..monitoring.test_figures import _expected, build_world
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def test_visitor_changes_year_and_category_and_reads_chart_and_table(app: Flask, page: Page) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the world is built with the test client
    world = build_world(app)
    app.config["WTF_CSRF_ENABLED"] = True
    page.goto("/monitoring")
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(world.year))
    assert axe_violations(page) == []

    # The chart is an image with a name a screen reader announces, and its table says the same.
    expected = _expected(True)["per_level"]
    chart = page.get_by_role("img", name=f"Gepubliceerde uitvragen in {world.year} per ambitieniveau")
    expect(chart).to_be_visible()
    table = page.locator("#table-levels")
    for level in (1, 2, 3):
        row = table.get_by_role("row", name=f"Niveau {level}")
        expect(row.get_by_role("cell")).to_have_text(str(expected[level]))

    # Last year, keyboard only: choose in the select, then press the button.
    last_year = (world.today - dt.timedelta(days=400)).year
    page.get_by_label("Jaar").select_option(str(last_year))
    page.get_by_role("button", name="Toon cijfers").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(last_year))
    results = page.locator("#table-results")
    expect(results.get_by_role("row", name="Inkopen in het register").get_by_role("cell")).to_have_text("1")

    # This year, catering only: one call at target and one tender below it.
    page.get_by_label("Jaar").select_option(str(world.year))
    page.get_by_label("Categorie").select_option(label="Catering")
    page.get_by_role("button", name="Toon cijfers").click()
    categories = page.locator("#table-categories")
    expect(categories.get_by_role("row")).to_have_count(2)
    expect(categories.get_by_role("row", name="Catering").get_by_role("cell").nth(3)).to_have_text("50%")
    expect(page.locator("#chart-categories desc")).to_contain_text("Catering: 50% van 2")
    assert axe_violations(page) == []

    # The same page in English, and the table as CSV from its link.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Monitoring: effort and results {world.year}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Procurements at target level per category” as CSV").click()
    assert download.value.suggested_filename == f"monitoring-categories-{world.year}-catering.csv"
    assert axe_violations(page) == []


def test_register_contract_and_category_pages_are_accessible(app: Flask, page: Page) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    world = build_world(app)
    staff = make_user(app, Role.STAFF)
    with app.app_context():
        contract_id = db.session.scalar(select(Contract.id).where(Contract.title == "Catering"))
    app.config["WTF_CSRF_ENABLED"] = True
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/monitoring/register", "/categories/catering", f"/monitoring/contracts/{contract_id}",
                 f"/calls/{world.calls[2].slug}/mvi-paragraph"):
        page.goto(path)
        assert axe_violations(page) == [], path
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(staff.email)
    page.get_by_label("Wachtwoord").fill(staff.password)
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"/staff/monitoring/contracts/{contract_id}")
    assert axe_violations(page) == []
    # A wrong number keeps what was typed and names the field.
    page.get_by_label("Meetdatum").fill(world.today.isoformat())
    page.get_by_label("Voortgang van het contract (%)").fill("120")
    page.get_by_role("button", name="Resultaat opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Vul een voortgang in van 0 tot 100 procent.")
    expect(page.get_by_label("Meetdatum")).to_have_value(world.today.isoformat())
    assert axe_violations(page) == []
