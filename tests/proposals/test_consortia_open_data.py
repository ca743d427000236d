"""A consortium in the open data: every partner of a published winning proposal, never before."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role

from ..api.test_ocds import assert_valid_package
from ..factories import add_partners, close_phase, decide_and_publish, make_call, make_proposal, make_user


def _award_releases(client: FlaskClient) -> list[dict]:
    package = client.get("/api/v1/ocds/releases.json").get_json()
    assert_valid_package(package)
    return [release for release in package["releases"] if "award" in release["tag"]]


def test_partners_are_tenderers_and_suppliers_of_a_published_award_only(app: Flask, client: FlaskClient,
                                                                        catalogue) -> None:
    call = make_call(app)
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Hittebouw BV")
    university = make_user(app, Role.ENTREPRENEUR, organisation_name="Universiteit Utrecht")
    proposal = make_proposal(app, lead, call, budget_cents=1_000_000)
    add_partners(app, proposal, [(university, 400_000)])
    close_phase(app, call)
    text = client.get("/api/v1/ocds/releases.json").get_data(as_text=True)
    assert "Universiteit Utrecht" not in text and "Hittebouw" not in text  # nothing decided and published yet
    decide_and_publish(app, call, {proposal.id: "awarded"})
    [release] = _award_releases(client)
    parties = {party["name"]: party for party in release["parties"]}
    assert parties["Hittebouw BV"]["roles"] == ["tenderer", "supplier"]
    assert parties["Hittebouw BV"]["mvi"] == {"consortiumRole": "lead", "share": {"amount": 6000, "currency": "EUR"}}
    assert parties["Universiteit Utrecht"]["roles"] == ["tenderer", "supplier"]
    assert parties["Universiteit Utrecht"]["mvi"]["share"] == {"amount": 4000, "currency": "EUR"}
    [award] = release["awards"]
    assert [supplier["name"] for supplier in award["suppliers"]] == ["Hittebouw BV", "Universiteit Utrecht"]
    assert award["value"] == {"amount": 10000, "currency": "EUR"}


def test_a_proposal_without_partners_keeps_its_single_supplier(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app)
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Alleen BV")
    proposal = make_proposal(app, lead, call, submit=True)
    decide_and_publish(app, call, {proposal.id: "awarded"})
    [release] = _award_releases(client)
    assert [party["roles"] for party in release["parties"] if party["name"] == "Alleen BV"] == [["supplier"]]
    assert [s["name"] for s in release["awards"][0]["suppliers"]] == ["Alleen BV"]


def test_the_decisions_api_lists_the_partners_as_documented(app: Flask, client: FlaskClient, catalogue) -> None:
    from ..api.conftest import OpenApi

    call = make_call(app)
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Hittebouw BV")
    university = make_user(app, Role.ENTREPRENEUR, organisation_name="Universiteit Utrecht")
    proposal = make_proposal(app, lead, call, budget_cents=1_000_000)
    add_partners(app, proposal, [(university, 400_000)])
    decide_and_publish(app, call, {proposal.id: "awarded"})
    body = client.get("/api/v1/decisions").get_json()
    OpenApi(client.get("/api/v1/openapi.json").get_json()).check("/decisions", body)
    [decision] = body["items"][0]["decisions"]
    assert decision["organisation"] == "Hittebouw BV"
    assert decision["consortium"] == [{"organisation": "Universiteit Utrecht", "role": "Kennispartner",
                                       "share": {"amount_cents": 400_000, "amount": "4000.00", "currency": "EUR"}}]


def test_a_consortium_contract_shows_each_partners_part_of_its_value(app: Flask, client: FlaskClient,
                                                                      catalogue) -> None:
    import datetime as dt

    from sqlalchemy import select

    from mvi_challenges.core.db import db
    from mvi_challenges.monitoring import services as monitoring
    from mvi_challenges.monitoring.models import ProcurementRecord
    from mvi_challenges.proposals import services
    from mvi_challenges.proposals.models import Proposal

    call = make_call(app)
    lead = make_user(app, Role.ENTREPRENEUR, organisation_name="Hittebouw BV")
    university = make_user(app, Role.ENTREPRENEUR, organisation_name="Universiteit Utrecht")
    proposal = make_proposal(app, lead, call, budget_cents=1_000_000)
    add_partners(app, proposal, [(university, 333_333)])
    decide_and_publish(app, call, {proposal.id: "awarded"}, days_ago=30)
    with app.test_request_context():
        record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == call.id))
        contract = monitoring.save_contract(
            db.session, None, None, record=record, proposal=db.session.get(Proposal, proposal.id),
            supplier_name="Hittebouw BV", title="Koele pleinen", value_cents=900_001,
            signed_on=dt.date.today(), ends_on=None)
        db.session.commit()
        parts = [share["amount_cents"] for share in
                 services.shares_of_amount(db.session.get(Proposal, proposal.id), 900_001)]
        contract_id = contract.id
    assert sum(parts) == 900_001 and parts == [600_001, 300_000]
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/monitoring/contracts/{contract_id}").get_data(as_text=True)
    assert "Universiteit Utrecht" in page and "€3,000" in page.replace("&nbsp;", "").replace("€ ", "€")
