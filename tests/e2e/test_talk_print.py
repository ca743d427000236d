"""A result talk is printed for the talk itself: no menu, no links to click, tables whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mvi_challenges.accounts.models import Role

from ..factories import PASSWORD, make_user
from ..monitoring.test_talks import build_world

pytestmark = pytest.mark.usefixtures("catalogue")
SHOTS = Path(__file__).parent / "screenshots"


def test_the_printed_talk_has_no_menu_and_whole_tables(app: Flask, page: Page) -> None:
    world = build_world(app)
    staff = make_user(app, Role.STAFF)
    page.goto("/account/login")
    page.locator("#email").fill(staff.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.goto(f"/staff/monitoring/talks/managers/{world.anna}?year=2025")
    expect(page.locator(".site-nav")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator("form.filter-form")).to_be_hidden()  # the year chooser and CSV links are for the screen
    expect(page.get_by_text("De inkopen als CSV")).to_be_hidden()
    expect(page.locator("h1")).to_have_text("Resultaatgesprek 2025: Anna Talk")
    # Tables are not cut off by a scroll box: every row is laid out in the printed page.
    clipped = page.evaluate("""() => [...document.querySelectorAll('.table-scroll')]
        .filter(box => box.scrollWidth > box.clientWidth + 1 || getComputedStyle(box).overflowX !== 'visible')
        .length""")
    assert clipped == 0
    rows = page.evaluate("""() => [...document.querySelectorAll('.talk-table tr')]
        .map(row => getComputedStyle(row).breakInside)""")
    assert rows and set(rows) == {"avoid"}
    SHOTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(SHOTS / "staff-nl-talk-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
