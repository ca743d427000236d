"""The comply-or-explain register, contracts with targets and results, as staff and visitors use them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallStatus
from mvi_challenges.catalogue.models import Category, Department
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.monitoring.models import Contract, ProcurementRecord

from ..factories import decide_and_publish, login, make_call, make_proposal, make_user, page_text


def _staff(app: Flask, name: str = "Ilse Inkoper"):
    staff = make_user(app, Role.STAFF, name=name)
    client = app.test_client()
    login(client, staff)
    client.post("/language", data={"lang": "en", "next": "/"})
    return client, staff


def _ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        categories = {c.slug: c.id for c in db.session.scalars(select(Category))}
        departments = {d.slug: d.id for d in db.session.scalars(select(Department))}
    return {**categories, **{f"dept:{k}": v for k, v in departments.items()}}


def _tender_form(ids: dict[str, int], **overrides: str) -> dict[str, str]:
    data = {"title": "Catering stadhuis", "reference": "TN-1", "description": "", "category_id": str(ids["catering"]),
            "department_id": str(ids["dept:concernstaf"]), "manager_id": "0", "target_level": "2",
            "applied_level": "1", "explanation": "", "published_on": "2026-03-02", "estimated_value": "1.800.000"}
    data.update(overrides)
    return data


def test_publishing_a_call_enters_it_in_the_register_and_edits_follow(app: Flask, client_en, catalogue) -> None:
    call = make_call(app, category="ict", level=1, explanation="De markt is er nog niet klaar voor.")
    with app.app_context():
        record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == call.id))
        assert (record.target_level, record.applied_level, record.explanation) == (
            2, 1, "De markt is er nog niet klaar voor.")
    staff, staff_user = _staff(app, "Mira Manager")
    ids = _ids(app)
    edit = staff.get(f"/staff/calls/{call.id}/edit")
    assert "Responsible manager" in page_text(edit) and "Mira Manager" in page_text(edit)
    response = staff.post(f"/staff/calls/{call.id}/edit", data={
        "kind": "challenge", "title": call.title, "summary": "Kort.", "body_source": "Tekst.",
        "category_id": str(ids["ict"]), "ambition_level": "1", "level_explanation": "Nieuwe uitleg van de keuze.",
        "social_values": str(catalogue.values["klimaat"]), "eligibility": "both", "prize_text": "",
        "contact_name": "", "contact_email": "", "department_id": str(ids["dept:ruimte"]),
        "manager_id": str(staff_user.id), "experiment_extra_weeks": "6", "experiment_budget": "25.000",
        "experiment_note": "Extra tijd voor co-creatie.",
    })
    assert response.status_code == 302, page_text(response)
    page = page_text(client_en.get("/monitoring/register?level=1"))
    assert call.title in page and "Nieuwe uitleg van de keuze." in page
    with app.app_context():
        record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == call.id))
        assert record.department.slug == "ruimte" and record.manager_id == staff_user.id
    # The entry of a call is changed through the call, not as a tender.
    response = staff.get(f"/staff/monitoring/records/{record.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/calls/{call.id}/edit")
    overview = page_text(staff.get("/staff/monitoring"))
    assert "Mira Manager" in overview


def test_external_tender_below_target_is_listed_until_explained(app: Flask, client_en, catalogue) -> None:
    staff, _user = _staff(app)
    ids = _ids(app)
    response = staff.post("/staff/monitoring/records/new", data=_tender_form(ids), follow_redirects=True)
    assert "still lacks an explanation" in page_text(response)
    assert "The explanation is still to follow." in page_text(response)
    overview = page_text(staff.get("/staff/monitoring"))
    assert "Add the explanation for “Catering stadhuis”" in overview
    assert "Catering stadhuis" in page_text(client_en.get("/monitoring/register?below=unexplained"))
    with app.app_context():
        record_id = db.session.scalar(select(ProcurementRecord.id))
    response = staff.post(f"/staff/monitoring/records/{record_id}", data=_tender_form(
        ids, explanation="Huurcontract loopt af; minimumeisen toegepast."), follow_redirects=True)
    assert "Huurcontract loopt af" in page_text(response)
    assert "Every procurement below its target level has an explanation." in page_text(staff.get("/staff/monitoring"))
    assert "No procurements match" in page_text(client_en.get("/monitoring/register?below=unexplained"))
    public = page_text(client_en.get("/monitoring/register?source=external&category=catering"))
    assert "Catering stadhuis" in public and "Huurcontract loopt af" in public


def test_tender_form_keeps_input_and_explains_errors(app: Flask, catalogue) -> None:
    staff, _user = _staff(app)
    ids = _ids(app)
    response = staff.post("/staff/monitoring/records/new", data=_tender_form(
        ids, published_on="31-02-2026", estimated_value="lots", applied_level="7", title="Mijn =tender"))
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter a date, for example 2027-03-01." in text
    assert "Enter an amount in euros" in text
    assert 'value="Mijn =tender"' in response.get_data(as_text=True)
    assert 'value="31-02-2026"' in response.get_data(as_text=True)
    future = staff.post("/staff/monitoring/records/new", data=_tender_form(ids, published_on="2099-01-01"))
    assert "The publication date cannot be in the future." in page_text(future)
    with app.app_context():
        assert db.session.scalar(select(ProcurementRecord.id)) is None


def test_register_csv_is_formula_safe_and_filtered(app: Flask, client_en, catalogue) -> None:
    staff, _user = _staff(app)
    ids = _ids(app)
    staff.post("/staff/monitoring/records/new", data=_tender_form(ids, title="=HYPERLINK(1)", explanation="Reden."))
    staff.post("/staff/monitoring/records/new", data=_tender_form(
        ids, title="Schoonmaak", category_id=str(ids["schoonmaak-facilitair"]), applied_level="2"))
    response = client_en.get("/monitoring/register.csv?below=below")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["Published on", "Title"]
    assert [row[1] for row in rows[1:]] == ["'=HYPERLINK(1)"]
    assert rows[1][-1] == "1800000,00"


def _awarded_world(app: Flask):
    call = make_call(app, category="mobiliteit", level=3)
    owner = make_user(app, Role.ENTREPRENEUR, organisation_name="Groene Logistiek BV")
    loser = make_user(app, Role.ENTREPRENEUR)
    won = make_proposal(app, owner, call, submit=True, title="Elektrische bakfietsen")
    lost = make_proposal(app, loser, call, submit=True)
    decide_and_publish(app, call, {won.id: "awarded", lost.id: "not_awarded"}, days_ago=21)  # standstill over
    with app.app_context():
        record_id = db.session.scalar(select(ProcurementRecord.id).where(ProcurementRecord.call_id == call.id))
    return call, won, record_id


def test_contract_from_an_awarded_proposal_with_targets_and_results(app: Flask, client_en, catalogue) -> None:
    call, won, record_id = _awarded_world(app)
    staff, _user = _staff(app)
    overview = page_text(staff.get("/staff/monitoring"))
    assert "Record the contract for “Elektrische bakfietsen”" in overview
    form = staff.get(f"/staff/monitoring/records/{record_id}/contracts/new?proposal={won.id}")
    assert f'<option selected value="{won.id}">' in form.get_data(as_text=True)
    today = to_local(now_utc()).date()
    response = staff.post(f"/staff/monitoring/records/{record_id}/contracts/new", data={
        "proposal_id": str(won.id), "supplier_name": "", "title": "Pilot bakfietsen", "value": "15.000",
        "signed_on": today.isoformat(), "ends_on": ""}, follow_redirects=True)
    assert "The contract has been saved." in page_text(response)
    with app.app_context():
        contract = db.session.scalar(select(Contract))
        contract_id, supplier = contract.id, contract.supplier_name
    assert supplier == "Groene Logistiek BV"
    assert "Every awarded proposal has a contract recorded." in page_text(staff.get("/staff/monitoring"))

    base = f"/staff/monitoring/contracts/{contract_id}"
    bad = staff.post(f"{base}/targets", data={"social_value_id": str(catalogue.values["klimaat"]),
                                              "indicator": "Zero-emissie ritten", "unit": "percent",
                                              "agreed_value": "120"})
    assert bad.status_code == 400 and "A percentage is at most 100." in page_text(bad)
    assert 'value="Zero-emissie ritten"' in bad.get_data(as_text=True)
    staff.post(f"{base}/targets", data={"social_value_id": str(catalogue.values["klimaat"]),
                                        "indicator": "Zero-emissie ritten", "unit": "percent", "agreed_value": "90"})
    staff.post(f"{base}/targets", data={"social_value_id": str(catalogue.values["klimaat"]),
                                        "indicator": "CO2 vermeden", "unit": "tonnes_co2", "agreed_value": "12,5"})
    with app.app_context():
        targets = {t.indicator: t.id for t in db.session.get(Contract, contract_id).targets}
    future = staff.post(f"{base}/updates", data={
        "reported_on": (today + dt.timedelta(days=2)).isoformat(), "progress_percent": "10", "note": "Vooruit",
        f"target_{targets['CO2 vermeden']}": "3"})
    assert future.status_code == 400
    assert "A result cannot be reported for a date in the future." in page_text(future)
    early = staff.post(f"{base}/updates", data={
        "reported_on": (today - dt.timedelta(days=2)).isoformat(), "progress_percent": "10"})
    assert "on or after the date the contract was signed" in page_text(early)
    too_much = staff.post(f"{base}/updates", data={"reported_on": today.isoformat(), "progress_percent": "150"})
    assert "Enter a progress from 0 to 100 percent." in page_text(too_much)
    response = staff.post(f"{base}/updates", data={
        "reported_on": today.isoformat(), "progress_percent": "30", "note": "Eerste maand.",
        f"target_{targets['CO2 vermeden']}": "13,25"}, follow_redirects=True)
    assert "The result has been recorded." in page_text(response)

    public = page_text(client_en.get(f"/monitoring/contracts/{contract_id}"))
    assert "13.25 tonnes CO2 avoided" in public and "met" in public
    assert "not measured yet" in public  # the zero-emission share was not measured
    assert "30%" in public
    # A measured target stays; an unmeasured one can go.
    response = staff.post(f"{base}/targets/{targets['CO2 vermeden']}/remove", follow_redirects=True)
    assert "Results have been reported on this target, so it stays." in page_text(response)
    response = staff.post(f"{base}/targets/{targets['Zero-emissie ritten']}/remove", follow_redirects=True)
    assert "The target has been removed." in page_text(response)
    assert "Zero-emissie ritten" not in page_text(client_en.get(f"/monitoring/contracts/{contract_id}"))
    # The record and the call's category page show the contract.
    assert "Pilot bakfietsen" in page_text(client_en.get(f"/monitoring/register/{record_id}"))
    category = page_text(client_en.get("/categories/mobiliteit"))
    assert "Pilot bakfietsen" in category and call.title in category


def test_contract_form_refuses_a_proposal_of_another_call_and_bad_dates(app: Flask, catalogue) -> None:
    _call, _won, record_id = _awarded_world(app)
    staff, _user = _staff(app)
    response = staff.post(f"/staff/monitoring/records/{record_id}/contracts/new", data={
        "proposal_id": "999999", "supplier_name": "", "title": "X", "value": "10", "signed_on": "2026-05-01",
        "ends_on": "2026-04-01"})
    assert response.status_code == 400
    assert "Not a valid choice" in page_text(response) or "Choose" in page_text(response)
    response = staff.post(f"/staff/monitoring/records/{record_id}/contracts/new", data={
        "proposal_id": "0", "supplier_name": "", "title": "X", "value": "10", "signed_on": "2026-05-01",
        "ends_on": "2026-04-01"})
    text = page_text(response)
    assert "The end date cannot be before the date of signing." in text or "Enter the supplier's name." in text
    with app.app_context():
        assert db.session.scalar(select(Contract.id)) is None


def test_category_page_and_mvi_paragraph(app: Flask, client_en, catalogue) -> None:
    call = make_call(app, category="ict", level=1, explanation="Nog te weinig aanbod.")
    staff, _user = _staff(app)
    ids = _ids(app)
    staff.post(f"/staff/calls/{call.id}/edit", data={
        "kind": "challenge", "title": call.title, "summary": "Kort.", "body_source": "Tekst.",
        "category_id": str(ids["ict"]), "ambition_level": "1", "level_explanation": "Nog te weinig aanbod.",
        "social_values": str(catalogue.values["klimaat"]), "eligibility": "both", "department_id": "0",
        "manager_id": "0", "experiment_extra_weeks": "4", "experiment_budget": "20.000", "experiment_note": "Pilot."})
    page = page_text(client_en.get("/categories/ict"))
    assert "Target ambition level 2" in page and "Tailored MVI approach" in page
    assert "Circular economy" in page and call.title in page
    html = page_text(client_en.get(f"/calls/{call.slug}/mvi-paragraph"))
    for expected in ("Ambition level applied 1", "Nog te weinig aanbod.", "Impact 60%", "Haalbaarheid 40%",
                     "4 extra weeks, process budget €20,000. Pilot."):
        assert expected in html, expected
    text = client_en.get(f"/calls/{call.slug}/mvi-paragraph.txt")
    assert text.mimetype == "text/plain"
    body = text.get_data(as_text=True)
    assert "- Impact: 60% (knock-out below 4)" in body and "Explanation (comply or explain): Nog te weinig" in body
    assert "<" not in body
    draft = make_call(app, status=CallStatus.DRAFT)
    assert client_en.get(f"/calls/{draft.slug}/mvi-paragraph").status_code == 404
    assert client_en.get("/categories/no-such-category").status_code == 404


def test_no_contract_before_the_award_is_published_and_a_private_winner_stays_unnamed(
        app: Flask, client_en, catalogue) -> None:
    from mvi_challenges.evaluation import services as evaluation
    from mvi_challenges.evaluation.models import Outcome
    from mvi_challenges.proposals.models import Proposal

    call = make_call(app, category="mobiliteit", level=3)
    citizen = make_user(app, Role.CITIZEN, name="Bea Bewoner")
    proposal = make_proposal(app, citizen, call, submit=True, title="Buurtbakfiets")
    with app.test_request_context():
        row = db.session.get(Proposal, proposal.id)
        row.phase.closes_at = now_utc() - dt.timedelta(days=22)
        evaluation.decide(db.session, None, row, Outcome.AWARDED, "Mooi plan.")
        db.session.commit()
        record_id = db.session.scalar(select(ProcurementRecord.id).where(ProcurementRecord.call_id == call.id))
    staff, _user = _staff(app)
    # Decided but not published: not public yet, and it may still change.
    assert "Every awarded proposal has a contract recorded." in page_text(staff.get("/staff/monitoring"))
    today = to_local(now_utc()).date().isoformat()
    form = {"proposal_id": str(proposal.id), "supplier_name": "", "title": "Pilot", "value": "5.000",
            "signed_on": today, "ends_on": ""}
    refused = staff.post(f"/staff/monitoring/records/{record_id}/contracts/new", data=form)
    assert refused.status_code == 400
    with app.test_request_context():
        # Published three weeks ago: the standstill period is over.
        evaluation.publish_decisions(db.session, None, db.session.get(Proposal, proposal.id).phase,
                                     now_utc() - dt.timedelta(days=21))
        db.session.commit()
    assert "Record the contract for “Buurtbakfiets”" in page_text(staff.get("/staff/monitoring"))
    choices = page_text(staff.get(f"/staff/monitoring/records/{record_id}/contracts/new"))
    assert "Buurtbakfiets — a private person" in choices and "Bea Bewoner" not in choices
    response = staff.post(f"/staff/monitoring/records/{record_id}/contracts/new", data=form, follow_redirects=True)
    assert "The contract has been saved." in page_text(response)
    with app.app_context():
        contract_id = db.session.scalar(select(Contract.id))
    public = page_text(client_en.get(f"/monitoring/contracts/{contract_id}"))
    assert "a private person (name not published)" in public and "Bea Bewoner" not in public
    assert "Bea Bewoner" not in client_en.get("/api/v1/contracts").get_data(as_text=True)


def test_the_manager_is_named_in_the_mvi_paragraph_for_staff_only(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    staff, staff_user = _staff(app, "Mira Manager")
    with app.app_context():
        from mvi_challenges.accounts.models import User
        from mvi_challenges.calls.models import Call

        db.session.get(Call, call.id).manager = db.session.get(User, staff_user.id)
        db.session.commit()
    assert "Mira Manager" in page_text(staff.get(f"/calls/{call.slug}/mvi-paragraph"))
    assert "Mira Manager" in staff.get(f"/calls/{call.slug}/mvi-paragraph.txt").get_data(as_text=True)
    assert "Mira Manager" not in page_text(client_en.get(f"/calls/{call.slug}/mvi-paragraph"))
    assert "Mira Manager" not in client_en.get(f"/calls/{call.slug}/mvi-paragraph.txt").get_data(as_text=True)


def test_odd_query_keys_never_reach_link_building(app: Flask, client_en, catalogue) -> None:
    for n in range(25):  # more than one page
        make_call(app, title=f"Uitvraag {n:02d}", category="ict", level=2)
    for path in ("/monitoring/register", "/calls"):
        response = client_en.get(f"{path}?_method=POST&_external=1&category=ict&page=2")
        assert response.status_code == 200, path
        links = re.findall(r'href="([^"]*page=[^"]*)"', response.get_data(as_text=True))
        assert links and all("_method" not in link and "_external" not in link for link in links)
        assert all("category=ict" in link for link in links)  # the real filter is carried along


@pytest.mark.parametrize(("typed", "expected"), [
    ("1250", "1250"), ("12,5", "12.5"), ("12.50", "12.50"), ("1.250.000", "1250000"), ("1.250,5", "1250.5"),
    ("1,250.75", "1250.75"), ("1.250", None), ("12,345", None), ("0,125", None), ("-5", None), ("veel", None),
])
def test_quantities_are_read_without_guessing_a_thousands_separator(typed: str, expected: str | None) -> None:
    from decimal import Decimal

    from mvi_challenges.core.fields import parse_quantity

    if expected is None:
        with pytest.raises(ValueError):
            parse_quantity(typed)
    else:
        assert parse_quantity(typed) == Decimal(expected)
