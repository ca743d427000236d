"""The trust pages people meet are accessible: reset, two-step set-up, their data, the audit log."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from mvi_challenges.accounts.models import Role

from ..factories import make_user
from .conftest import axe_violations

pytestmark = pytest.mark.usefixtures("catalogue")


def test_trust_pages_have_no_accessibility_violations(app: Flask, page: Page) -> None:
    admin = make_user(app, Role.ADMIN, Role.STAFF)
    page.goto("/account/password-reset")
    assert axe_violations(page) == []
    page.get_by_label("Uw e-mailadres").fill("geen-adres")
    page.get_by_role("button", name="Stuur mij een link").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert axe_violations(page) == []
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(admin.email)
    page.get_by_label("Wachtwoord").fill(admin.password)
    page.get_by_role("button", name="Inloggen").click()
    for path in ("/account/two-step/setup", "/account/my-data", "/admin/audit", "/admin/retention", "/admin/users"):
        page.goto(path)
        assert axe_violations(page) == [], path
    page.goto("/account/two-step/setup")
    expect(page.get_by_role("img", name="QR-code om MVI Challenges toe te voegen aan uw authenticator-app")).to_be_visible()
    page.get_by_label("De code van 6 cijfers die uw app nu toont").fill("000000")
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    expect(page.get_by_role("alert")).to_contain_text("Die code klopt niet.")
    assert axe_violations(page) == []
