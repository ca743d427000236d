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
