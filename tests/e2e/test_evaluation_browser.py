"""A jury member declares, scores and finalises in a blind review; the chair sees a flag; staff
publish the decisions. axe-core checks every page on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db

from ..factories import PASSWORD, close_phase, login, make_call, make_proposal, make_user
from .conftest import axe_violations, log_in

pytestmark = pytest.mark.usefixtures("catalogue")


def _log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.goto("/")
    page.get_by_role("button", name="English").click()


def test_blind_jury_scores_chair_sees_flag_staff_publish(app: Flask, page: Page) -> None:
    call = make_call(app, kind=CallKind.SBIR, title="Hittestress Overvecht")
    owners = [make_user(app, Role.ENTREPRENEUR, organisation_name=f"Geheime Firma {n}") for n in range(2)]
    proposals = [make_proposal(app, owner, call, submit=True, attachment=True, title=f"Koel plan {n}")
                 for n, owner in enumerate(owners)]
    close_phase(app, call)  # the jury opens the proposals after the deadline
    staff, chair, juror = (make_user(app, Role.STAFF), make_user(app, Role.JURY, name="Carla Chair"),
                           make_user(app, Role.JURY, name="Joris Jurylid"))
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    login(client, staff)
    client.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": chair.email, "is_chair": "y"})
    client.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    client.post(f"/staff/calls/{call.id}/phases/1/jury/settings", data={"blind_review": "y", "threshold": "3"})
    app.config["WTF_CSRF_ENABLED"] = True

    def score(email: str, impact: str, conflict_on: int | None = None) -> None:
        _log_in(page, email)
        page.get_by_role("link", name="My juries").click()
        page.get_by_role("link", name="Hittestress Overvecht — Fase 1").click()
        content = page.content()
        assert "Geheime Firma" not in content and "Koel plan" not in content
        for made in proposals:
            label = f"Proposal {made.id}"
            if made.id == conflict_on:
                page.get_by_role("radio", name=f"Conflict of interest with {label}", exact=True).check()
                page.locator(f"#reason-{made.id}").fill("Oud-collega")
            else:
                page.get_by_role("radio", name=f"No conflict of interest with {label}", exact=True).check()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Save declarations").click()
        target = proposals[0]
        page.get_by_role("link", name=f"Open and score Proposal {target.id}").click()
        assert "Geheime Firma" not in page.content()
        page.get_by_label("Score for Impact (0 to 10)").fill(impact)
        page.get_by_label("Motivation for Impact").fill("Veel effect op de wijk.")
        page.get_by_label("Score for Haalbaarheid (0 to 10)").fill("6")
        page.get_by_label("Motivation for Haalbaarheid").fill("Haalbaar met de buurt.")
        page.get_by_role("button", name="Save as draft").click()
        expect(page.get_by_text("Your scores have been saved.")).to_be_visible()
        page.get_by_role("button", name="Finalise my scores").click()
        page.get_by_role("button", name="Yes, finalise my scores").click()  # it asks first
        expect(page.get_by_role("heading", name="Your scores (final)")).to_be_visible()
        assert axe_violations(page) == []

    score(juror.email, "2", conflict_on=proposals[1].id)
    score(chair.email, "9")
    expect(page.get_by_text("Member 1: Impact 2, Haalbaarheid 6")).to_be_visible()  # after finalising only

    page.goto("/jury")
    page.get_by_role("link", name="progress and results").click()
    expect(page.get_by_text("Flagged for discussion").first).to_be_visible()
    assert "Geheime Firma" not in page.content()
    assert axe_violations(page) == []
    page.get_by_role("link", name=f"Proposal {proposals[0].id}", exact=True).click()  # the chair opens one
    assert "Geheime Firma" not in page.content() and "Koel plan" not in page.content()
    page.get_by_label("Consensus score for Impact (0 to 10)").fill("6")
    page.get_by_label("Reason for the consensus on Impact").fill("Besproken in de jury.")
    page.get_by_role("button", name="Save consensus on Impact").click()
    expect(page.get_by_text("The consensus score has been saved.")).to_be_visible()
    expect(page.get_by_text("6: Besproken in de jury.")).to_be_visible()
    assert axe_violations(page) == []

    with app.app_context():  # the deadline passes; staff decide and publish
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id, Phase.number == 1))
        phase.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    _log_in(page, staff.email)
    page.goto(f"/staff/calls/{call.id}/phases/1/results")
    assert axe_violations(page) == []
    for title, made, outcome, motivation in (("Koel plan 0", proposals[0], "awarded", "Grote impact op hitte."),
                                             ("Koel plan 1", proposals[1], "not awarded", "Te weinig onderbouwd.")):
        page.goto(f"/staff/calls/{call.id}/phases/1/results")
        page.get_by_role("link", name=title, exact=True).click()  # staff see the titles
        page.get_by_role("radio", name=outcome, exact=True).check()
        page.get_by_label("Motivation (published and sent to the applicant)").fill(motivation)
        page.get_by_role("button", name=f"Record the decision on proposal {made.id}").click()
        expect(page.get_by_text("The decision has been recorded.")).to_be_visible()
        assert axe_violations(page) == []
    page.get_by_role("link", name="Back to the ranking").click()
    page.get_by_role("button", name="Publish the decisions").click()
    page.get_by_role("button", name="Yes, publish the decisions").click()  # it asks first
    expect(page.get_by_text("The decisions have been published")).to_be_visible()
    page.goto(f"/calls/{call.slug}")
    expect(page.get_by_text("Grote impact op hitte.")).to_be_visible()
    expect(page.get_by_text("1 jury member recused themselves", exact=False)).to_be_visible()
    assert "Joris Jurylid" not in page.content()  # blind review: recusals by count only
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_staff_jury_pages_have_no_axe_violations(app: Flask, page: Page, language: str) -> None:
    call = make_call(app)
    staff = make_user(app, Role.STAFF, Role.JURY)
    log_in(page, staff, language)
    page.goto(f"/staff/calls/{call.id}/phases/1/jury")
    page.locator("#email").fill(staff.email)
    page.locator("#is_chair").check()
    page.locator("form.form button[type=submit]").first.click()
    problems = []
    for url in (f"/staff/calls/{call.id}/phases/1/jury", f"/staff/calls/{call.id}/phases/1/results", "/jury"):
        page.goto(url)
        problems.extend(f"{url}: {v}" for v in axe_violations(page))
    assert problems == []
