"""Leading principles shown on calls, category pages, the monitoring and the open data (issue #19,
part 2), with a known data set whose every figure would be wrong if a draft, another year, another
category or a call using two criteria of one principle were counted wrongly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.monitoring.models import ProcurementRecord

from ..factories import make_call, make_library, page_text, pick_criteria

THIS_YEAR = to_local(now_utc()).year


@pytest.fixture
def world(app: Flask, catalogue: SimpleNamespace) -> SimpleNamespace:
    library = make_library(app)
    c = library.criteria
    # Criteria are chosen before publishing (a category with a library requires them).
    a = make_call(app, title="Schone bouwlogistiek", level=3,
                  library=(c["MOB-1"], c["MOB-3"], c["MOB-3I"]))  # schoon x2, samen x1
    make_call(app, title="Emissievrije bussen", level=3, library=(c["MOB-2"], c["MOB-3"]))  # schoon x2
    ict = make_call(app, title="Eerlijke laptops", category="ict", level=2, library=(c["ICT-2"],))  # eerlijk x1
    draft = make_call(app, title="Nog een concept", status=CallStatus.DRAFT, level=3)
    pick_criteria(app, draft.id, [c["MOB-3"]])  # a draft: not counted
    old = make_call(app, title="Vorig jaar", level=3, library=(c["MOB-3"],))  # last year: counted there only
    last_year = dt.datetime(THIS_YEAR - 1, 6, 1, 10, tzinfo=dt.UTC)
    with app.app_context():
        db.session.execute(update(Call).where(Call.id == old.id).values(published_at=last_year))
        db.session.execute(update(ProcurementRecord).where(ProcurementRecord.call_id == old.id)
                           .values(published_on=last_year.date()))
        db.session.commit()
    return SimpleNamespace(library=library, a=a, ict=ict, old=old)


def _table(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_effort_per_principle_on_the_dashboard_and_its_csv(client_en: FlaskClient, world: SimpleNamespace) -> None:
    assert _table(client_en, f"/monitoring/tables/principles.csv?year={THIS_YEAR}") == [
        ["Leading principle", "Calls using its criteria", "Criteria chosen"],
        ["Clean and zero-emission", "2", "4"],
        ["Fair supply chain", "1", "1"],
        ["Innovating together", "1", "1"],
    ]
    assert _table(client_en, f"/monitoring/tables/principles.csv?year={THIS_YEAR - 1}")[1:] == [
        ["Clean and zero-emission", "1", "1"], ["Fair supply chain", "0", "0"], ["Innovating together", "0", "0"]]
    assert _table(client_en, f"/monitoring/tables/principles.csv?year={THIS_YEAR}&category=ict")[1:] == [
        ["Clean and zero-emission", "0", "0"], ["Fair supply chain", "1", "1"], ["Innovating together", "0", "0"]]
    page = page_text(client_en.get(f"/monitoring?year={THIS_YEAR}"))
    assert "Effort per leading principle" in page
    assert "Clean and zero-emission 2 4" in page


def test_principles_in_the_open_data(client: FlaskClient, world: SimpleNamespace) -> None:
    figures = client.get(f"/api/v1/monitoring?year={THIS_YEAR}").get_json()
    assert {row["principle"]["slug"]: (row["calls"], row["criteria_chosen"]) for row in figures["principles"]} == {
        "schoon": (2, 4), "samen": (1, 1), "eerlijk": (1, 1)}
    principles = {p["slug"]: p for p in client.get("/api/v1/principles").get_json()["principles"]}
    assert principles["schoon"]["social_values"] == ["klimaat"]
    assert principles["schoon"]["criteria_per_level"] == [
        {"level": 1, "criteria": 2}, {"level": 2, "criteria": 1}, {"level": 3, "criteria": 1}]
    assert principles["schoon"]["calls_per_year"][:2] == [
        {"year": THIS_YEAR, "calls": 2}, {"year": THIS_YEAR - 1, "calls": 1}]
    call = client.get(f"/api/v1/calls/{world.a.slug}").get_json()
    assert [c["code"] for c in call["library_criteria"]] == ["MOB-1", "MOB-3", "MOB-3I"]
    assert [p["slug"] for p in call["leading_principles"]] == ["schoon", "samen"]
    # The list shows the same (it reads library criteria only when a call of the page has any).
    listed = next(c for c in client.get("/api/v1/calls?per_page=100").get_json()["items"] if c["slug"] == world.a.slug)
    assert listed["library_criteria"] == call["library_criteria"]
    assert listed["leading_principles"] == call["leading_principles"]
    library = client.get("/api/v1/criteria?category=ict&level=2").get_json()["criteria"]
    assert [(c["code"], c["principle"], c["retired"]) for c in library] == [("ICT-2", "eerlijk", False)]


def test_principles_on_the_call_and_category_pages(client_en: FlaskClient, world: SimpleNamespace) -> None:
    call_page = page_text(client_en.get(f"/calls/{world.a.slug}"))
    assert "Leading principles Clean and zero-emission: About Clean and zero-emission. Innovating together" in call_page
    assert "Level 3 (MOB-3): Requirement MOB-3 in English." in call_page
    assert "Verified by: Proof MOB-3." in call_page
    category_page = page_text(client_en.get("/categories/ict"))
    assert "Leading principles Fair supply chain : About Fair supply chain." in category_page
    assert "Level 2 — significant Requirement ICT-2 in English." in category_page
    assert "MOB-" not in category_page and "Requirement MOB" not in category_page
    dutch = page_text(FlaskClient(client_en.application).get(f"/calls/{world.a.slug}"))
    assert "Eis MOB-3 in het Nederlands." in dutch
