"""A consortium in a real browser: the lead invites, the partner confirms and reads, the lead submits;
every page of it without axe violations, in Dutch and English, not wider than a phone."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mvi_challenges.accounts.models import Role

from ..factories import PASSWORD, mailed_link, make_call, make_proposal, make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def _log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()


def _fits(page: Page) -> None:
    scroll, width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= width, f"{page.url}: {scroll} px wide on {width} px"


def test_lead_invites_partner_confirms_and_reads_then_the_lead_submits(app: Flask, page: Page) -> None:
    call = make_call(app, title="Hittestress Overvecht")
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Koele Wijk Start-up")
    partner = make_user(app, Role.ENTREPRENEUR, organisation_name="Kennisinstituut Stadsklimaat", kvk="30276543")
    proposal = make_proposal(app, lead, call, title="Koele daken met sensoren", budget_cents=4_000_000)

    _log_in(page, lead.email)
    page.goto(f"/proposals/{proposal.id}/edit")
    page.get_by_role("link", name="Nodig partners uit en bekijk hun antwoorden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consortium")
    # Everything missing at once, next to the fields; what was typed stays.
    page.get_by_label("E-mailadres van de contactpersoon van de partner").fill(partner.email)
    page.get_by_role("button", name="Verstuur de uitnodiging").click()
    expect(page.locator("#role-error, .field-error").first).to_be_visible()
    expect(page.get_by_label("E-mailadres van de contactpersoon van de partner")).to_have_value(partner.email)
    assert axe_violations(page) == []
    page.get_by_label("KvK-nummer van de partnerorganisatie").fill("30276543")
    page.get_by_label("Rol in het consortium").fill("Kennisinstelling: metingen")
    page.get_by_label("Budgetaandeel van de partner (euro)").fill("12.000")
    page.get_by_role("button", name="Verstuur de uitnodiging").click()
    expect(page.get_by_text("De uitnodiging is verstuurd.")).to_be_visible()
    expect(page.locator(".partner-list")).to_contain_text("Uitgenodigd; wacht op antwoord")
    assert axe_violations(page) == []

    _log_in(page, partner.email)
    page.goto(mailed_link(app, partner.email, "/consortium/invitations/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Uitnodiging voor een consortium")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Bevestig ons deel").click()
    expect(page.get_by_text("U hebt uw deel bevestigd.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koele daken met sensoren")
    expect(page.get_by_text("Kennisinstituut Stadsklimaat").first).to_be_visible()
    assert axe_violations(page) == []
    page.goto(f"/proposals/{proposal.id}/edit")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Uw voorstel")  # a partner reads, never edits

    _log_in(page, lead.email)
    page.goto(f"/proposals/{proposal.id}/consortium")
    expect(page.locator("dl.data-list")).to_contain_text("28.000")  # the lead's own share: what remains
    page.goto(f"/proposals/{proposal.id}/edit")
    page.get_by_role("button", name="Opslaan en indienen").click()
    expect(page.get_by_text("SHA-256").first).to_be_visible()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_consortium_pages_fit_a_phone_and_have_no_axe_violations(app: Flask, browser, live_server: str,
                                                                   language: str) -> None:
    from ..factories import add_partners

    call = make_call(app, title="Hittestress Overvecht")
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Koele Wijk Start-up")
    partner = make_user(app, Role.ENTREPRENEUR,
                        organisation_name="Kennisinstituut Stadsklimaat Utrecht voor Klimaatbestendige Binnensteden")
    invitee = make_user(app, Role.ENTREPRENEUR, organisation_name="Groene Handen")
    proposal = make_proposal(app, lead, call, title="Koele daken met sensoren", budget_cents=4_000_000)
    add_partners(app, proposal, [(partner, 1_200_000)], submit=False)
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800},
                                  screen={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    _log_in(page, lead.email)
    page.goto(f"/language?lang={language}&next=/")
    problems = []
    for path in (f"/proposals/{proposal.id}/consortium", f"/proposals/{proposal.id}/edit",
                 f"/proposals/{proposal.id}"):
        page.goto(path)
        _fits(page)
        problems += [f"{path}: {v}" for v in axe_violations(page)]
    page.goto(f"/proposals/{proposal.id}/consortium")
    page.locator("#email").fill(invitee.email)
    page.locator("#role").fill("Beplanting")
    page.locator("#share").fill("1.000")
    page.locator("form.form button[type=submit]").click()
    link = mailed_link(app, invitee.email, "/consortium/invitations/")
    _log_in(page, invitee.email)
    page.goto(f"/language?lang={language}&next=/")
    page.goto(link)
    _fits(page)
    problems += [f"invitation: {v}" for v in axe_violations(page)]
    _log_in(page, partner.email)
    page.goto(f"/language?lang={language}&next=/")
    for path in (f"/proposals/{proposal.id}", "/my/proposals"):
        page.goto(path)
        _fits(page)
        problems += [f"partner {path}: {v}" for v in axe_violations(page)]
    context.close()
    assert problems == []
