"""Nothing typed is lost, in a real browser: pressing "Bijlage uploaden" while the budget is too
high keeps every typed text on the page, and the file is still added."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mvi_challenges.accounts.models import Role

from ..factories import PASSWORD, PDF_BYTES, make_call, make_proposal, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")
SHOTS = Path(__file__).parent / "screenshots"


def test_failed_upload_keeps_the_typed_text(app: Flask, page: Page, tmp_path) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, title="Eerste titel")
    pdf = tmp_path / "begroting.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(owner.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    page.goto(f"/proposals/{made.id}/edit")
    page.get_by_label("Titel van uw voorstel").fill("Stille vrachtfietshub")
    page.get_by_label("Samenvatting").fill("Een hub aan de rand van de binnenstad.")
    page.get_by_label("Uw voorstel", exact=True).fill("## Aanpak\nVrachtfietsen voor de laatste kilometer.")
    page.get_by_label("Gevraagd budget", exact=False).fill("999.999.999")
    page.locator("input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name="Bijlage uploaden").click()

    expect(page.get_by_text("Wat u typte is nog niet opgeslagen").first).to_be_visible()
    expect(page.get_by_label("Titel van uw voorstel")).to_have_value("Stille vrachtfietshub")
    expect(page.get_by_label("Samenvatting")).to_have_value("Een hub aan de rand van de binnenstad.")
    expect(page.get_by_label("Uw voorstel", exact=True)).to_have_value(
        "## Aanpak\nVrachtfietsen voor de laatste kilometer.")
    expect(page.get_by_label("Gevraagd budget", exact=False)).to_have_value("999.999.999")
    expect(page.get_by_role("link", name="begroting.pdf downloaden")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "proposal-upload-kept-1280.png"), full_page=True)
    assert axe_violations(page) == []

    # Correcting the budget and saving works from here: the form still saves the proposal.
    page.get_by_label("Gevraagd budget", exact=False).fill("12.500")
    page.get_by_role("button", name="Concept opslaan").last.click()
    expect(page.get_by_text("Uw concept is opgeslagen.")).to_be_visible()
    expect(page.get_by_label("Titel van uw voorstel")).to_have_value("Stille vrachtfietshub")
