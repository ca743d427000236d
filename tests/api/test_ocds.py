"""The OCDS release package, validated offline against the OCDS 1.1.5 schemas (copied into tests/api)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft4Validator, FormatChecker
from sqlalchemy import delete

from mvi_challenges.core.db import db

from . import world

# Unchanged copies of the OCDS 1.1.5 schemas (Apache 2.0, see the README there): the tests run offline.
STANDARD = Path(__file__).resolve().parent / "ocds-1.1.5"


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((STANDARD / name).read_text(encoding="utf-8"))


def _problems(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = Draft4Validator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def assert_valid_package(package: dict[str, Any]) -> None:
    """The envelope's own fields against the package schema, then each release against the release schema."""
    envelope = copy.deepcopy(_schema("release-package-schema.json"))
    envelope["properties"]["releases"]["items"] = {"type": "object"}  # the URL $ref cannot be followed offline
    assert _problems(envelope, package) == []
    release_schema = _schema("dereferenced-release-schema.json")
    for release in package["releases"]:
        assert _problems(release_schema, release) == [], release["id"]


def _package(client: FlaskClient, url: str = "/api/v1/ocds/releases.json") -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def _by_id(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {release["id"]: release for release in package["releases"]}


def test_the_validation_is_not_toothless() -> None:
    """Formats are checked (rfc3339/rfc3986 validators are installed), and a broken release fails."""
    release_schema = _schema("dereferenced-release-schema.json")
    broken = {"ocid": "x", "id": "1", "date": "yesterday", "tag": ["nonsense"], "initiationType": "tender",
              "tender": {"id": "t", "status": "open", "documents": [{"id": "d", "url": "not a url"}]}}
    problems = " ".join(_problems(release_schema, broken))
    for part in ("date", "tag/0", "tender/status", "tender/documents/0/url"):
        assert part in problems, part


def test_package_is_valid_ocds(client: FlaskClient, populated: SimpleNamespace) -> None:
    package = _package(client)
    assert package["version"] == "1.1" and package["publisher"]["name"] == "Gemeente Utrecht"
    assert package["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert package["publicationPolicy"].endswith("/open-data")
    # Every stage of the SBIR call, and three amendments of its tender (closing phase 1 early moved its
    # deadline; the dialogue report added a market study; the market consultation held after the call
    # was published added its planning); the cancelled call; the open call.
    assert len(package["releases"]) == 7 + 3 + 2 + 1
    assert_valid_package(package)
    ids = [release["id"] for release in package["releases"]]
    assert len(ids) == len(set(ids))


def test_a_call_goes_through_every_stage(client: FlaskClient, populated: SimpleNamespace) -> None:
    package = _package(client)
    ocid = f"ocds-mviutr-call-{populated.sbir.id}"
    mine = [r for r in package["releases"] if r["ocid"] == ocid]
    tags = Counter(tag for release in mine for tag in release["tag"])
    assert tags == Counter({"tender": 1, "tenderUpdate": 2, "award": 1, "contract": 1, "implementation": 2,
                            "tenderAmendment": 3})
    assert [r["date"] for r in mine] == sorted(r["date"] for r in mine)  # oldest first
    releases = _by_id(package)

    # As published, before anyone asked a question or the dialogue reported:
    assert {d["documentType"] for d in releases[f"{ocid}-tender"]["tender"]["documents"]} == {"tenderNotice"}
    # The tender as it is now: its latest statement (the amendments after the dialogue report and
    # after the market consultation that prepared the call).
    latest = [r for r in mine if "tender" in r][-1]
    assert latest["id"] == f"{ocid}-tender-decided-amendment-2" and latest["tag"] == ["tenderAmendment"]
    tender = latest["tender"]
    assert tender["status"] == "complete" and tender["procurementMethod"] == "open"
    assert tender["awardCriteria"] == "ratedCriteria"
    assert "Impact 60% (minimum 4)" in tender["awardCriteriaDetails"]
    assert tender["value"] == {"amount": 100000.0, "currency": "EUR"}
    assert tender["tenderPeriod"]["startDate"] < tender["tenderPeriod"]["endDate"]
    assert {d["documentType"] for d in tender["documents"]} == {"tenderNotice", "biddingDocuments", "clarifications",
                                                                "marketStudies"}
    clarifications = next(d for d in tender["documents"] if d["documentType"] == "clarifications")
    assert clarifications["url"].endswith(f"/calls/{populated.sbir.slug}/questions")
    assert tender["mvi"]["ambitionLevel"] == 3 and tender["mvi"]["targetLevel"] == 3
    assert {v["id"] for v in tender["mvi"]["socialValues"]} == {"klimaat", "circulaire-economie"}
    assert [[c["weight"] for c in p["criteria"]] for p in tender["mvi"]["phases"]] == [[60, 40], [60, 40]]
    assert releases[f"{ocid}-tender-decided"]["tender"]["status"] == "complete"
    assert releases[f"{ocid}-tender-closed"]["tag"] == ["tenderUpdate"]

    award_release = releases[f"{ocid}-award-phase-1"]
    awards = {a["title"]: a for a in award_release["awards"]}
    assert set(awards) == {"Plan Alfa", "Plan van een inwoner"}  # funded; not the shortlisted one
    alfa = awards["Plan Alfa"]
    assert alfa["status"] == "active" and alfa["value"] == {"amount": 10000.0, "currency": "EUR"}
    assert [s["name"] for s in alfa["suppliers"]] == ["Bedrijf Alfa"]
    assert "suppliers" not in awards["Plan van een inwoner"]  # a private person is not named
    party_ids = {p["id"] for p in award_release["parties"]}
    assert {s["id"] for s in alfa["suppliers"]} <= party_ids and "gemeente-utrecht" in party_ids

    contract_release = releases[f"{ocid}-contract-{populated.records.contract}"]
    contract = contract_release["contracts"][0]
    assert contract["awardID"] == alfa["id"] and "awards" not in contract_release
    assert contract["value"] == {"amount": 10000.0, "currency": "EUR"} and contract["status"] == "active"
    assert [t["agreedValue"] for t in contract["mvi"]["targets"]] == ["120.50", "5.00"]
    updates = [r for r in mine if r["tag"] == ["implementation"]]
    milestones = [r["contracts"][0]["implementation"]["milestones"][0] for r in updates]
    assert [m["description"] for m in milestones] == ["Eerste meting.", "Tweede meting."]
    assert milestones[0]["mvi"]["measurements"][0] == {"targetId": "target-1", "indicator": "CO2 vermeden",
                                                      "unit": "tonnes_co2", "value": "40.25"}
    assert all(r["contracts"][0]["id"] == contract["id"] for r in updates)


def test_cancelled_and_open_calls(client: FlaskClient, populated: SimpleNamespace) -> None:
    releases = _by_id(_package(client))
    cancelled = f"ocds-mviutr-call-{populated.cancelled.id}"
    cancellation = releases[f"{cancelled}-tender-cancelled"]
    assert cancellation["tag"] == ["tenderCancellation"] and cancellation["tender"]["status"] == "cancelled"
    assert cancellation["tender"]["mvi"]["statusReason"] == "Geen budget meer."
    below = f"ocds-mviutr-call-{populated.below.id}"
    assert [r["tag"] for r in releases.values() if r["ocid"] == below] == [["tender"]]
    assert releases[f"{below}-tender"]["tender"]["mvi"]["levelExplanation"] == "De markt is er nog niet klaar voor."
    assert not any(r["ocid"] == f"ocds-mviutr-call-{populated.draft.id}" for r in releases.values())
    # The contract of the tender outside the platform has no call, so no contracting process here.
    assert "Schoon BV" not in json.dumps(list(releases.values()))


def test_contract_without_a_published_award_carries_its_own(app: Flask, client: FlaskClient,
                                                             populated: SimpleNamespace) -> None:
    from mvi_challenges.api.releases import record_releases
    from mvi_challenges.calls.models import Call
    from mvi_challenges.core.db import db
    from mvi_challenges.monitoring.models import Contract

    with app.app_context():
        db.session.get(Contract, populated.records.contract).proposal_id = None
        record_releases(db.session, [db.session.get(Call, populated.sbir.id)])  # as the contract services do
        db.session.commit()
    package = _package(client)
    assert_valid_package(package)
    ocid = f"ocds-mviutr-call-{populated.sbir.id}"
    releases = _by_id(package)
    release = releases[f"{ocid}-contract-{populated.records.contract}-amendment-1"]
    assert release["tag"] == ["contractAmendment"]
    # The contract as first published still follows from the award: a release never changes.
    assert releases[f"{ocid}-contract-{populated.records.contract}"]["contracts"][0]["awardID"].startswith("award-")
    award = release["awards"][0]
    assert release["contracts"][0]["awardID"] == award["id"]
    assert award["suppliers"][0]["name"] == "Bedrijf Alfa"
    assert {p["id"] for p in release["parties"]} >= {s["id"] for s in award["suppliers"]}


def test_ids_are_stable_and_the_prefix_is_configurable(app: Flask, client: FlaskClient,
                                                       populated: SimpleNamespace) -> None:
    from mvi_challenges.api.models import OcdsRelease

    first = client.get("/api/v1/ocds/releases.json")
    assert client.get("/api/v1/ocds/releases.json").headers["ETag"] == first.headers["ETag"]
    # The prefix is part of every stored ocid: it is set once, before releases are written (an
    # ocid never changes). Written afresh under another prefix, the ids follow it.
    app.config["OCDS_PREFIX"] = "ocds-abc123"
    try:
        with app.app_context():
            db.session.execute(delete(OcdsRelease))
            db.session.commit()
        package = _package(client)  # the page writes the missing releases
    finally:
        app.config.pop("OCDS_PREFIX")
    assert {r["ocid"] for r in package["releases"]} == {f"ocds-abc123-call-{c.id}" for c in
                                                        (populated.sbir, populated.cancelled, populated.below)}
    # Written in one go there is nothing to amend: every stage once, with the same ids.
    assert [r["id"].replace("ocds-abc123", "ocds-mviutr") for r in package["releases"]] == \
        [r["id"] for r in first.get_json()["releases"] if "-amendment-" not in r["id"]]


def test_the_package_pages_by_call(app: Flask, client: FlaskClient, populated: SimpleNamespace) -> None:
    first = _package(client, "/api/v1/ocds/releases.json?per_page=1")
    assert {r["ocid"] for r in first["releases"]} == {f"ocds-mviutr-call-{populated.sbir.id}"}
    assert "prev" not in first["links"] and "page=2" in first["links"]["next"]
    assert first["uri"].endswith("/api/v1/ocds/releases.json?page=1&per_page=1")
    seen = {r["ocid"] for r in first["releases"]}
    url = first["links"]["next"]
    while url:
        parts = urlsplit(url)
        page = _package(client, f"{parts.path}?{parts.query}")
        assert_valid_package(page)
        seen |= {r["ocid"] for r in page["releases"]}
        url = page["links"].get("next")
    assert len(seen) == 3
    response = client.get("/api/v1/ocds/releases.json?per_page=1&page=4")
    assert response.status_code == 404 and response.get_json()["parameter"] == "page"


def test_no_private_data_in_ocds(client: FlaskClient, populated: SimpleNamespace) -> None:
    text = client.get("/api/v1/ocds/releases.json").get_data(as_text=True)
    for secret in (world.SECRET_ADDRESS, world.SECRET_URL, world.CONTACT_EMAIL, world.MANAGER_NAME, world.JUROR_NAME,
                   "Carla Burger", "Plan Gamma", "Plan Delta"):
        assert secret not in text, secret


def test_a_market_consultation_is_planning_of_the_call_that_follows(client: FlaskClient,
                                                                   populated: SimpleNamespace) -> None:
    """A consultation is market engagement before a contracting process: `planning.documents` of type
    `marketStudies` in the follow-up call's releases; it has no release (no ocid) of its own."""
    package = _package(client)
    assert_valid_package(package)
    ocid = f"ocds-mviutr-call-{populated.sbir.id}"
    mine = [r for r in package["releases"] if r["ocid"] == ocid]
    # The consultation was held after the call was published: the tender release stays as it was
    # written (releases are immutable) and a later amendment carries the planning.
    assert "planning" not in next(r for r in mine if r["id"] == f"{ocid}-tender")
    documents = [r for r in mine if "planning" in r][-1]["planning"]["documents"]
    assert [d["documentType"] for d in documents] == ["marketStudies", "marketStudies"]
    assert documents[0]["url"].endswith(f"/consultations/{populated.consultation.slug}")
    assert documents[1]["url"].endswith(f"/consultations/{populated.consultation.slug}#summary")
    assert all("consultation" not in r["ocid"] for r in package["releases"])


def test_a_corrected_answer_dates_the_clarifications_anew(app: Flask, client: FlaskClient, catalogue) -> None:
    """The Q&A page is a tender document: a correction of a published answer changes it as a new
    answer does, so the open data records a new statement of the tender with the new date."""
    import time

    from sqlalchemy import select

    from mvi_challenges.accounts.models import Role
    from mvi_challenges.proposals.models import Question

    from ..factories import login, make_call, make_user

    call = make_call(app)
    asker, staff = app.test_client(), app.test_client()
    login(asker, make_user(app, Role.ENTREPRENEUR))
    login(staff, make_user(app, Role.STAFF))
    asker.post(f"/calls/{call.slug}/questions", data={"text": "Mag het budget hoger?"})
    with app.app_context():
        qid = db.session.scalar(select(Question.id).where(Question.call_id == call.id))
    form = {f"q{qid}-text": "Mag het budget hoger?", f"q{qid}-answer_source": "Nee.", f"q{qid}-publish": "y"}
    assert staff.post(f"/staff/questions/{qid}", data=form).status_code == 302

    def clarifications_dated() -> str:
        mine = [r for r in _package(client)["releases"] if r["ocid"].endswith(f"-call-{call.id}") and "tender" in r]
        return next(d for d in mine[-1]["tender"]["documents"] if d["documentType"] == "clarifications")["dateModified"]

    before = clarifications_dated()
    time.sleep(1.05)  # the dates have whole seconds
    assert staff.post(f"/staff/questions/{qid}", data={**form, f"q{qid}-answer_source": "Nee, zie §3."}).status_code == 302
    assert clarifications_dated() > before
