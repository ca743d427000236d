"""A consortium in the open data: every partner of a published winning proposal, never before."""

from __future__ import annotations

import json

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


def _consortium_of_three(app: Flask, call, names: tuple[str, str, str], title: str):
    lead, first, second = (make_user(app, Role.ENTREPRENEUR, organisation_name=name) for name in names)
    proposal = make_proposal(app, lead, call, budget_cents=1_000_000, title=title)
    add_partners(app, proposal, [(first, 300_000), (second, 200_000)])
    return proposal


def _sign_contract(app: Flask, call, proposal, value_cents: int) -> int:
    import datetime as dt

    from sqlalchemy import select

    from mvi_challenges.core.db import db
    from mvi_challenges.monitoring import services as monitoring
    from mvi_challenges.monitoring.models import ProcurementRecord
    from mvi_challenges.proposals.models import Proposal

    with app.test_request_context():
        record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == call.id))
        contract = monitoring.save_contract(
            db.session, None, None, record=record, proposal=db.session.get(Proposal, proposal.id),
            supplier_name="", title="Koele pleinen", value_cents=value_cents, signed_on=dt.date.today(), ends_on=None)
        db.session.commit()
        return contract.id


def test_a_consortium_of_three_is_the_same_in_award_contract_and_parties(app: Flask, client: FlaskClient,
                                                                          catalogue) -> None:
    """The contract release names the whole consortium the award names, as the same parties with the
    same roles (a compiled record merges parties by id and replaces their roles), and each member's
    part of the contract's value; the consortium that lost is named nowhere."""
    call = make_call(app)
    won = _consortium_of_three(app, call, ("Hittebouw BV", "Universiteit Utrecht", "Groen Dak BV"), "Koele pleinen")
    lost = _consortium_of_three(app, call, ("Verloren BV", "Hogeschool Nergens", "Stille Partner BV"), "Plan B")
    decide_and_publish(app, call, {won.id: "awarded", lost.id: "not_awarded"}, days_ago=30)
    contract_id = _sign_contract(app, call, won, 900_001)
    package = client.get("/api/v1/ocds/releases.json").get_json()
    assert_valid_package(package)
    releases = {release["id"]: release for release in package["releases"]}
    ocid = f"ocds-mviutr-call-{call.id}"
    award_release = releases[f"{ocid}-award-phase-1"]
    contract_release = releases[f"{ocid}-contract-{contract_id}"]

    [award] = award_release["awards"]
    [contract] = contract_release["contracts"]
    assert contract["awardID"] == award["id"]
    members = ["Hittebouw BV", "Universiteit Utrecht", "Groen Dak BV"]
    assert [supplier["name"] for supplier in award["suppliers"]] == members
    # The contract release's parties: the buyer and exactly the award's suppliers, as in the award release.
    award_parties = {party["id"]: party for party in award_release["parties"]}
    contract_parties = {party["id"]: party for party in contract_release["parties"]}
    assert set(contract_parties) == {"gemeente-utrecht"} | {supplier["id"] for supplier in award["suppliers"]}
    assert contract_parties == {key: award_parties[key] for key in contract_parties}
    assert [contract_parties[supplier["id"]]["roles"] for supplier in award["suppliers"]] == \
        [["tenderer", "supplier"]] * 3
    # Each member's part of the contract's value, by its share of the submitted budget (5 : 3 : 2).
    shares = contract["mvi"]["shares"]
    assert [share["partyId"] for share in shares] == [supplier["id"] for supplier in award["suppliers"]]
    assert [share["value"]["amount"] for share in shares] == [4500.01, 2700.0, 1800.0]
    # The same party has the same roles in every release of the process.
    roles: dict[str, list[list[str]]] = {}
    for release in package["releases"]:
        for party in release.get("parties", []):
            roles.setdefault(party["id"], []).append(party["roles"])
    assert all(all(found == seen[0] for found in seen) for seen in roles.values()), roles
    text = json.dumps(package)
    for name in ("Verloren BV", "Hogeschool Nergens", "Stille Partner BV", "Plan B"):
        assert name not in text, name


def test_a_consortiums_contract_names_no_partner_before_the_decisions_are_published(
        app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app)
    proposal = _consortium_of_three(app, call, ("Hittebouw BV", "Universiteit Utrecht", "Groen Dak BV"),
                                    "Koele pleinen")
    close_phase(app, call)
    text = client.get("/api/v1/ocds/releases.json").get_data(as_text=True)
    for name in ("Hittebouw BV", "Universiteit Utrecht", "Groen Dak BV", "Koele pleinen"):
        assert name not in text, name
    decide_and_publish(app, call, {proposal.id: "awarded"})
    assert "Groen Dak BV" in client.get("/api/v1/ocds/releases.json").get_data(as_text=True)
