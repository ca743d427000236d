"""Planned purchases (the procurement pipeline) as OCDS planning processes.

Who would abuse it and how: a supplier reads the OCDS package hoping for what the public pipeline
does not show (a plan staff keep internal, the contact person, the exact estimate, the draft call a
plan became, what staff changed while making a plan internal again); a reader who saved a planning
release finds another content under the same id, or finds it gone after the plan changed.
"""

from __future__ import annotations

import datetime as dt
import json
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.api.models import OcdsRelease
from mvi_challenges.api.releases import backfill
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.calls.services import CriterionInput, save_phase, transition_call
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.pipeline.models import PlannedPurchase
from tests.perf.conftest import counted_queries

from ..factories import login, make_call, make_user
from ..pipeline.test_pipeline import NEXT_YEAR, plan_form, staff_client
from .test_ocds import assert_valid_package

URL = "/api/v1/ocds/releases.json"


def _plan(app: Flask, client: FlaskClient, catalogue, **overrides) -> int:
    response = client.post("/staff/pipeline/new", data=plan_form(catalogue, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with app.app_context():
        return db.session.scalar(select(PlannedPurchase.id).order_by(PlannedPurchase.id.desc()))


def _package(client: FlaskClient, url: str = URL) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    package = response.get_json()
    assert_valid_package(package)
    return package


def _planning(package: dict) -> dict[str, dict]:
    """The latest planning release of each plan (a plan's releases come oldest first)."""
    return {release["ocid"]: release for release in package["releases"]
            if release["tag"][0] in ("planning", "planningUpdate")}


def _plan_releases(package: dict, plan_id: int) -> list[dict]:
    return [release for release in package["releases"] if release["ocid"] == f"ocds-mviutr-plan-{plan_id}"]


def _stored_count(app: Flask, plan_id: int) -> int:
    with app.app_context():
        return len(db.session.scalars(select(OcdsRelease.id).where(OcdsRelease.planned_purchase_id == plan_id)).all())


def _publish(app: Flask, call_id: int) -> str:
    with app.test_request_context():
        call = db.session.get(Call, call_id)
        save_phase(db.session, None, call, None, title="Fase 1", opens_at=now_utc() - dt.timedelta(hours=1),
                   closes_at=now_utc() + dt.timedelta(days=20), budget_cents=100, max_awards=1,
                   score_scale_max=10, criteria=[CriterionInput("Impact", 100)])
        transition_call(db.session, None, call, CallStatus.PUBLISHED, now=now_utc() - dt.timedelta(minutes=5))
        db.session.commit()
        return call.slug


def test_a_public_plan_is_a_planning_release_with_only_what_the_pipeline_shows(app: Flask, catalogue) -> None:
    staff = staff_client(app)
    plan_id = _plan(app, staff, catalogue)
    _plan(app, staff, catalogue, title="Geheim plan", is_public=None)
    below_id = _plan(app, staff, catalogue, title="Kantine", category_id=catalogue.categories["catering"].id,
                     intended_level="1", level_explanation="Er is nog geen aanbod op niveau 3.", value_class="under_50k")
    package = _package(app.test_client())
    planning = _planning(package)
    assert set(planning) == {f"ocds-mviutr-plan-{plan_id}", f"ocds-mviutr-plan-{below_id}"}
    release = planning[f"ocds-mviutr-plan-{plan_id}"]
    assert release["id"] == f"ocds-mviutr-plan-{plan_id}-planning" and release["tag"] == ["planning"]
    tender = release["tender"]
    assert tender["status"] == "planning" and tender["title"] == "Elektrische veegwagens"
    assert tender["description"] == "Vier veegwagens, emissievrij."
    assert tender["mvi"]["valueClass"] == {"id": "221k_1m", "minimum": 221_000, "maximum": 1_000_000,
                                           "currency": "EUR"}
    assert tender["mvi"]["expectedQuarter"] == f"{NEXT_YEAR}-Q2" and tender["mvi"]["state"] == "planned"
    assert [v["id"] for v in tender["mvi"]["socialValues"]] == ["klimaat"] and tender["mvi"]["call"] is None
    assert "amount" not in release["planning"]["budget"]
    assert release["planning"]["budget"]["description"].startswith("Waardeklasse: € 221.000 tot € 1.000.000")
    [milestone] = release["planning"]["milestones"]
    assert milestone["status"] == "scheduled" and milestone["dueDate"] == f"{NEXT_YEAR}-06-29T22:00:00Z"
    assert "rationale" not in release["planning"]
    below = planning[f"ocds-mviutr-plan-{below_id}"]
    assert below["planning"]["rationale"] == "Er is nog geen aanbod op niveau 3."
    assert below["tender"]["mvi"]["belowTarget"] is True
    text = json.dumps(package)
    for secret in ("Geheim plan", "ilse@utrecht.example", "Ilse"):
        assert secret not in text, secret


def test_the_expected_quarter_is_due_at_its_end(app: Flask, catalogue) -> None:
    staff = staff_client(app)
    _plan(app, staff, catalogue, expected_quarter="4")
    [release] = _planning(_package(app.test_client())).values()
    # 31 December, midnight in Amsterdam (winter time): 23:00 UTC the day before.
    assert release["planning"]["milestones"][0]["dueDate"] == f"{NEXT_YEAR}-12-30T23:00:00Z"


def test_a_plan_that_became_a_call_is_linked_once_the_call_is_public(app: Flask, catalogue) -> None:
    staff = staff_client(app)
    plan_id = _plan(app, staff, catalogue)
    assert staff.post(f"/staff/pipeline/{plan_id}/start-call", data={"confirm": "yes"}).status_code == 302
    with app.app_context():
        call_id = db.session.scalar(select(PlannedPurchase.call_id).where(PlannedPurchase.id == plan_id))
    public = app.test_client()
    # A draft call: neither named in the plan's release nor a process of its own.
    package = _package(public)
    plan_release = _planning(package)[f"ocds-mviutr-plan-{plan_id}"]
    assert plan_release["tender"]["mvi"]["call"] is None and plan_release["tender"]["mvi"]["state"] == "planned"
    assert f"ocds-mviutr-call-{call_id}" not in json.dumps(package)
    _publish(app, call_id)
    package = _package(public)
    call_ocid = f"ocds-mviutr-call-{call_id}"
    [tender_release] = [r for r in package["releases"] if r["ocid"] == call_ocid]
    assert tender_release["relatedProcesses"] == [{
        "id": f"plan-{plan_id}", "relationship": ["planning"], "title": "Elektrische veegwagens", "scheme": "ocid",
        "identifier": f"ocds-mviutr-plan-{plan_id}", "uri": tender_release["relatedProcesses"][0]["uri"]}]
    assert tender_release["relatedProcesses"][0]["uri"].endswith(URL)
    started = _planning(package)[f"ocds-mviutr-plan-{plan_id}"]
    assert started["tender"]["mvi"]["call"]["ocid"] == call_ocid and started["tender"]["mvi"]["state"] == "started"
    assert started["planning"]["milestones"][0]["status"] == "met"
    # Another content, another release (written when the call was published): the one read before
    # stays in the package as it was.
    assert _plan_releases(package, plan_id) == [plan_release, started]
    assert started["id"] == f"ocds-mviutr-plan-{plan_id}-planning-amendment-1" and started["tag"] == ["planningUpdate"]
    assert started["date"] >= plan_release["date"]


def test_an_edited_plan_is_a_second_release_and_the_first_stays(app: Flask, catalogue) -> None:
    staff = staff_client(app)
    plan_id = _plan(app, staff, catalogue)
    ocid = f"ocds-mviutr-plan-{plan_id}"
    public = app.test_client()
    [first] = _plan_releases(_package(public), plan_id)
    assert first["id"] == f"{ocid}-planning" and first["tender"]["title"] == "Elektrische veegwagens"
    assert _plan_releases(_package(public), plan_id) == [first]  # read again: the same release
    time.sleep(1.1)  # release dates are whole seconds
    assert staff.post(f"/staff/pipeline/{plan_id}", data=plan_form(catalogue, title="Vijf veegwagens")).status_code \
        == 302
    package = _package(public)
    stored_first, second = _plan_releases(package, plan_id)
    assert stored_first == first  # byte for byte what was read before the edit
    assert second["id"] == f"{ocid}-planning-amendment-1" and second["tag"] == ["planningUpdate"]
    assert second["tender"]["title"] == "Vijf veegwagens" and second["date"] > first["date"]
    assert package["publishedDate"] == second["date"]
    # Saving without a change says nothing new.
    assert staff.post(f"/staff/pipeline/{plan_id}", data=plan_form(catalogue, title="Vijf veegwagens")).status_code \
        == 302
    assert _plan_releases(_package(public), plan_id) == [first, second]


def test_an_internal_plan_never_has_a_release(app: Flask, catalogue) -> None:
    staff = staff_client(app)
    plan_id = _plan(app, staff, catalogue, title="Geheim plan", is_public=None)
    assert staff.post(f"/staff/pipeline/{plan_id}", data=plan_form(catalogue, title="Nog geheimer plan",
                                                                     is_public=None)).status_code == 302
    with app.app_context():
        assert backfill(db.session) == 0
    assert _stored_count(app, plan_id) == 0
    text = app.test_client().get(URL).get_data(as_text=True)
    assert f"ocds-mviutr-plan-{plan_id}" not in text and "geheim" not in text.lower()


def test_a_plan_made_internal_again_is_withdrawn_and_its_releases_stay(app: Flask, catalogue) -> None:
    """Staff keep an uncertain plan internal after all: what was published stays published, a release
    says the planning process is withdrawn, and nothing they changed while hiding it is shown."""
    staff = staff_client(app)
    plan_id = _plan(app, staff, catalogue)
    ocid = f"ocds-mviutr-plan-{plan_id}"
    public = app.test_client()
    [first] = _plan_releases(_package(public), plan_id)
    hidden = plan_form(catalogue, title="Veegwagens, misschien", expected_quarter="4", is_public=None)
    assert staff.post(f"/staff/pipeline/{plan_id}", data=hidden).status_code == 302
    package = _package(public)
    still_first, withdrawn = _plan_releases(package, plan_id)
    assert still_first == first
    assert withdrawn == {"ocid": ocid, "id": f"{ocid}-planning-amendment-1", "date": withdrawn["date"],
                         "tag": ["planningUpdate"], "initiationType": "tender", "language": "nl",
                         "tender": {"id": f"plan-{plan_id}", "status": "withdrawn"}}
    assert "misschien" not in json.dumps(package) and f"{NEXT_YEAR}-Q4" not in json.dumps(package)
    # Saved again while internal: nothing more to say.
    assert staff.post(f"/staff/pipeline/{plan_id}", data=hidden).status_code == 302
    assert _plan_releases(_package(public), plan_id) == [first, withdrawn]
    # Public again: a new planning release with what it is now.
    assert staff.post(f"/staff/pipeline/{plan_id}",
                      data=plan_form(catalogue, title="Veegwagens, toch", expected_quarter="4")).status_code == 302
    *earlier, back = _plan_releases(_package(public), plan_id)
    assert earlier == [first, withdrawn]
    assert back["id"] == f"{ocid}-planning-amendment-2" and back["tender"]["status"] == "planning"
    assert back["tender"]["title"] == "Veegwagens, toch" and back["tender"]["mvi"]["expectedQuarter"] == f"{NEXT_YEAR}-Q4"


def test_a_plan_started_as_an_outside_tender_says_so_in_a_new_release(app: Flask, catalogue) -> None:
    staff = staff_client(app)
    plan_id = _plan(app, staff, catalogue)
    public = app.test_client()
    [first] = _plan_releases(_package(public), plan_id)
    assert staff.post(f"/staff/pipeline/{plan_id}/start-tender",
                      data={"confirm": "yes", "reference": "TN-1"}).status_code == 302
    stored_first, started = _plan_releases(_package(public), plan_id)
    assert stored_first == first and first["tender"]["mvi"]["state"] == "planned"
    assert started["tender"]["mvi"]["state"] == "started" and started["tag"] == ["planningUpdate"]


def test_a_public_plan_from_before_the_store_is_written_once(app: Flask, catalogue) -> None:
    """Plans public before their releases were stored: the package page (or `flask ocds-backfill`)
    writes their first planning release, once."""
    staff = staff_client(app)
    plans = [_plan(app, staff, catalogue, title=f"Plan {n}") for n in range(2)]
    with app.app_context():
        db.session.execute(OcdsRelease.__table__.delete())
        db.session.commit()
        assert backfill(db.session) == 2
        db.session.commit()
        assert backfill(db.session) == 0
        db.session.execute(OcdsRelease.__table__.delete().where(OcdsRelease.planned_purchase_id == plans[0]))
        db.session.commit()
    public = app.test_client()
    first = _package(public)
    assert [len(_plan_releases(first, plan_id)) for plan_id in plans] == [1, 1]  # the page wrote the missing one
    assert _package(public) == first
    assert [_stored_count(app, plan_id) for plan_id in plans] == [1, 1]


def test_plans_fill_the_pages_after_the_calls(app: Flask, catalogue) -> None:
    calls = [make_call(app, title=f"Uitvraag {n}") for n in range(3)]
    staff = staff_client(app)
    plans = [_plan(app, staff, catalogue, title=f"Plan {n}") for n in range(3)]
    public = app.test_client()
    seen = []
    for page in (1, 2, 3):
        package = _package(public, f"{URL}?per_page=2&page={page}")
        seen.append(sorted({release["ocid"] for release in package["releases"]}))
        assert ("next" in package.get("links", {})) is (page < 3)
    assert seen == [sorted(f"ocds-mviutr-call-{c.id}" for c in calls[:2]),
                    sorted([f"ocds-mviutr-call-{calls[2].id}", f"ocds-mviutr-plan-{plans[0]}"]),
                    sorted(f"ocds-mviutr-plan-{p}" for p in plans[1:])]
    response = public.get(f"{URL}?per_page=2&page=4")
    assert response.status_code == 404 and response.get_json()["parameter"] == "page"


def test_a_page_of_plans_costs_the_same_queries_however_many(app: Flask, catalogue) -> None:
    """The package counts calls and plans in one query; a page of plans reads them with their category,
    department and call in one query and their social values in one more; a page of calls only is the
    three queries it always was."""
    calls = [make_call(app, title=f"Uitvraag {n}") for n in range(2)]
    staff = staff_client(app)
    for n in range(7):
        _plan(app, staff, catalogue, title=f"Plan {n}", department_id=0)
    public = app.test_client()
    public.get(URL)  # the calls' releases are written once (_fill_missing); then only read
    with app.app_context():
        engine = db.engine

    def count(url: str) -> tuple[int, list[str]]:
        with counted_queries(engine) as statements:
            assert public.get(url).status_code == 200
        return len(statements), statements

    calls_only, statements = count(f"{URL}?per_page=2&page=1")
    assert calls_only == 3, statements
    two_plans, statements = count(f"{URL}?per_page=2&page=2")
    assert two_plans == 3, statements
    five_plans, statements = count(f"{URL}?per_page=5&page=2")
    assert five_plans == 3, statements
    mixed, statements = count(f"{URL}?per_page=9&page=1")  # two calls and seven plans
    assert mixed == 5, statements
    assert len(calls) == 2


def test_the_open_data_page_and_openapi_mention_the_planned_purchases(client: FlaskClient, catalogue) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert "planned purchases" in document["paths"]["/ocds/releases.json"]["get"]["summary"]
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "each public planned purchase of the procurement pipeline as a planning release" in \
        client.get("/open-data").get_data(as_text=True)
    client.post("/language", data={"lang": "nl", "next": "/"})
    assert "elke openbare geplande inkoop uit de inkoopplanning" in client.get("/open-data").get_data(as_text=True)


def test_plan_without_calls_is_the_first_page(app: Flask, catalogue) -> None:
    staff = staff_client(app)
    plan_id = _plan(app, staff, catalogue)
    package = _package(app.test_client())
    assert [release["ocid"] for release in package["releases"]] == [f"ocds-mviutr-plan-{plan_id}"]
    assert package["publishedDate"] == package["releases"][0]["date"]


def test_no_staff_on_the_planning_side(app: Flask, catalogue) -> None:
    """The plan's author is staff; nothing of the account is in the release."""
    author = make_user(app, Role.STAFF, name="Stafke Schrijver")
    client = app.test_client()
    login(client, author)
    _plan(app, client, catalogue)
    assert "Stafke" not in app.test_client().get(URL).get_data(as_text=True)
