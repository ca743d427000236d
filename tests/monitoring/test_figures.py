"""The dashboard's figures equal counts made independently from a known data set."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.catalogue.models import Category, Department
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.dialogues import services as dialogue_services
from mvi_challenges.dialogues.models import Dialogue
from mvi_challenges.monitoring import services
from mvi_challenges.monitoring.models import ProcurementRecord, TargetUnit
from mvi_challenges.proposals import services as proposal_services

from ..factories import decide_and_publish, make_call, make_dialogue, make_proposal, make_user

# (category, ambition level, department slug, status); the target levels are those of the seed:
# mobiliteit 3, catering 2, ict 2.
CALLS = [
    ("mobiliteit", 3, "ruimte", CallStatus.PUBLISHED),
    ("catering", 2, "concernstaf", CallStatus.PUBLISHED),
    ("ict", 1, "ruimte", CallStatus.PUBLISHED),
    ("mobiliteit", 2, None, CallStatus.CANCELLED),
    ("mobiliteit", 3, "ruimte", CallStatus.DRAFT),
]
TARGETS = {"mobiliteit": 3, "catering": 2, "ict": 2, "schoonmaak-facilitair": 2}
# External tenders: (category, target, applied, explanation, department, days ago)
TENDERS = [
    ("catering", 2, 1, "Looptijd huurcontract te kort.", "concernstaf", 0),
    ("schoonmaak-facilitair", 2, 2, "", "concernstaf", 400),
    ("ict", 2, 1, "", "ruimte", 0),
]


def _department(slug: str | None) -> Department | None:
    return db.session.scalar(select(Department).where(Department.slug == slug)) if slug else None


def build_world(app: Flask) -> SimpleNamespace:
    """Calls, proposals, an award, a held dialogue, tenders and contracts with results."""
    calls = []
    for category, level, department, status in CALLS:
        explanation = "Markt nog niet zover." if level < TARGETS[category] else ""
        call = make_call(app, category=category, level=level, status=status, explanation=explanation)
        with app.app_context():
            row = db.session.get(Call, call.id)
            row.department = _department(department)
            if status is CallStatus.PUBLISHED and level == 3:  # the mobility call experiments
                row.experiment_extra_weeks, row.experiment_budget_cents = 6, 25_000_00
            services.sync_call_record(db.session, row)
            db.session.commit()
        calls.append(call)
    first = calls[0]
    owners = [make_user(app, Role.ENTREPRENEUR) for _ in range(4)]
    proposals = [make_proposal(app, owner, first, submit=n < 3) for n, owner in enumerate(owners)]
    asker, staff = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.STAFF)
    with app.test_request_context():
        call_row = db.session.get(Call, first.id)
        for n in range(2):
            question = proposal_services.ask_question(db.session, db.session.get(User, asker.id), call_row,
                                                      f"Vraag {n}?", now_utc())
            proposal_services.answer_question(db.session, db.session.get(User, staff.id), question, text=question.text,
                                              answer_source="Antwoord.", publish=n == 0, now=now_utc())
        db.session.commit()
    # The fourth proposal is a draft: it is not decided (only submitted proposals are).
    decide_and_publish(app, first, {proposals[0].id: "awarded", proposals[1].id: "awarded",
                                    proposals[2].id: "not_awarded"}, days_ago=21)  # standstill over
    dialogue = make_dialogue(app, capacity=5, starts_in=dt.timedelta(days=3))
    people = [make_user(app, Role.CITIZEN) for _ in range(4)]
    with app.test_request_context():
        row = db.session.get(Dialogue, dialogue.id)
        row.category_id = db.session.scalar(select(Category.id).where(Category.slug == "mobiliteit"))
        row.related_call_id = first.id
        for person in people:
            dialogue_services.register(db.session, db.session.get(User, person.id), row, now_utc())
        registrations = dialogue_services.active_registrations(db.session, row)
        dialogue_services.mark_attendance(db.session, None, row, {r.id for r in registrations[:3]})
        # The dialogue took place this morning.
        row.starts_at = now_utc() - dt.timedelta(hours=3)
        row.ends_at = now_utc() - dt.timedelta(hours=1)
        row.registration_closes_at = row.starts_at - dt.timedelta(hours=1)
        held_year = to_local(row.starts_at).year
        db.session.commit()
    today = to_local(now_utc()).date()
    with app.test_request_context():
        records = []
        for category, target, applied, explanation, department, days_ago in TENDERS:
            records.append(services.save_record(
                db.session, None, None, title=f"Aanbesteding {category}", reference="", description="",
                category=db.session.scalar(select(Category).where(Category.slug == category)),
                department=_department(department), manager=None, target_level=target, applied_level=applied,
                explanation=explanation, published_on=today - dt.timedelta(days=days_ago),
                estimated_value_cents=None))
        catering = services.save_contract(
            db.session, None, None, record=records[0], proposal=None, supplier_name="Smaak BV", title="Catering",
            value_cents=100_000_00, signed_on=today, ends_on=None)
        plant = services.add_target(db.session, None, catering, social_value=_value("gezonde-leefomgeving"),
                                    indicator="Plantaardig", unit=TargetUnit.PERCENT, agreed_value=Decimal(60))
        hours = services.add_target(db.session, None, catering, social_value=_value("sociale-stad"),
                                    indicator="Social return", unit=TargetUnit.HOURS, agreed_value=Decimal(4000))
        for progress, plant_value, hours_value in ((20, "48", "1000"), (40, "65", None)):
            services.add_result_update(db.session, None, catering, reported_on=today, today=today,
                                       progress_percent=progress, note="",
                                       measured={plant.id: Decimal(plant_value),
                                                 hours.id: Decimal(hours_value) if hours_value else None})
        old = services.save_contract(
            db.session, None, None, record=records[1], proposal=None, supplier_name="Schoon BV", title="Schoonmaak",
            value_cents=50_000_00, signed_on=today - dt.timedelta(days=390), ends_on=None)
        services.add_target(db.session, None, old, social_value=_value("sociale-stad"), indicator="Banen",
                            unit=TargetUnit.PEOPLE, agreed_value=Decimal(3))
        platform_record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == first.id))
        from mvi_challenges.proposals.models import Proposal

        services.save_contract(
            db.session, None, None, record=platform_record, proposal=db.session.get(Proposal, proposals[0].id),
            supplier_name="", title="Pilot", value_cents=12_500_00, signed_on=today, ends_on=None)
        db.session.commit()
    return SimpleNamespace(calls=calls, year=to_local(now_utc()).year, held_year=held_year, today=today)


def _value(slug: str):
    from mvi_challenges.catalogue.models import SocialValue

    return db.session.scalar(select(SocialValue).where(SocialValue.slug == slug))


def _expected(year_is_this_year: bool, department: str | None = None) -> dict[str, object]:
    """The figures counted by hand from CALLS and TENDERS (this year, optionally one department)."""
    published = [c for c in CALLS if c[3] is not CallStatus.DRAFT and (department is None or c[2] == department)]
    per_level = {level: sum(1 for c in published if c[1] == level) for level in (1, 2, 3)}
    tenders = [t for t in TENDERS if t[5] == 0 and (department is None or t[4] == department)]
    entries = [(TARGETS[c[0]], c[1]) for c in published] + [(t[1], t[2]) for t in tenders]
    at_target = sum(1 for target, applied in entries if applied >= target)
    return {"per_level": per_level, "procurements": len(entries), "at_target": at_target}


def _table(html: str, name: str) -> list[list[str]]:
    body = html.split(f'id="table-{name}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S) for row in rows]
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row] for row in cells]


def _csv(client, name: str, query: str) -> list[list[str]]:
    response = client.get(f"/monitoring/tables/{name}.csv?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_dashboard_figures_equal_independent_counts(app: Flask, client_en) -> None:
    world = build_world(app)
    expected = _expected(True)
    response = client_en.get(f"/monitoring?year={world.year}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    levels = _table(html, "levels")[1:]
    assert [int(row[1]) for row in levels] == [expected["per_level"][n] for n in (1, 2, 3)]
    effort = {row[0]: row[1] for row in _table(html, "effort")[1:]}
    assert effort["Calls published"] == str(sum(expected["per_level"].values()))
    assert effort["Proposals received"] == "3"  # the draft is not received
    assert effort["Questions answered"] == "1"  # one answer published, one kept back
    assert effort["Calls granted experiment space"] == "1"
    assert effort["Extra weeks granted for experiments"] == "6"
    assert effort["Process budget granted for experiments"] == "€25,000"
    assert effort["Dialogues held"] == ("1" if world.held_year == world.year else "0")
    assert effort["Participants in dialogues"] == ("3" if world.held_year == world.year else "0")
    results = {row[0]: row[1] for row in _table(html, "results")[1:]}
    assert results["Proposals awarded"] == "2"
    assert results["Contracts signed"] == "2"  # the cleaning contract was signed last year
    assert results["Contract value"] == "€112,500"
    assert results["Procurements in the register"] == str(expected["procurements"])
    assert results["Procurements at or above the target level"] == str(expected["at_target"])
    assert results["Share at target level (%)"] == str(round(100 * expected["at_target"] / expected["procurements"]))

    targets = {(row[0], row[1]): row[2:] for row in _table(html, "targets")[1:]}
    # Percentages are not added up; the latest measurement (65 %) counts and meets 60 %.
    assert targets[("Healthy living environment", "percent")] == ["1", "1", "– not applicable", "– not applicable"]
    # Hours: the second report left hours unmeasured, so the first report's 1,000 stands.
    assert targets[("Social and healthy city", "hours")] == ["1", "0", "4,000", "1,000"]

    # The CSV holds the same numbers as the page.
    rows = _csv(client_en, "levels", f"year={world.year}")
    assert rows[0] == ["Ambition level", "Calls published"]
    assert [int(r[1]) for r in rows[1:]] == [expected["per_level"][n] for n in (1, 2, 3)]
    results_csv = {r[0]: r[1] for r in _csv(client_en, "results", f"year={world.year}")[1:]}
    assert results_csv["Contract value"] == "112500,00"


def test_dashboard_filters_by_department_and_category(app: Flask, client_en) -> None:
    world = build_world(app)
    expected = _expected(True, department="ruimte")
    html = client_en.get(f"/monitoring?year={world.year}&department=ruimte").get_data(as_text=True)
    assert [int(row[1]) for row in _table(html, "levels")[1:]] == [expected["per_level"][n] for n in (1, 2, 3)]
    results = {row[0]: row[1] for row in _table(html, "results")[1:]}
    assert results["Procurements in the register"] == str(expected["procurements"])
    assert results["Contract value"] == "€12,500"  # only the pilot of the mobility call

    html = client_en.get(f"/monitoring?year={world.year}&category=catering").get_data(as_text=True)
    categories = _table(html, "categories")[1:]
    assert [row[0] for row in categories] == ["Catering"]
    # The catering call (at target) and the catering tender (below).
    assert categories[0][2:5] == ["2", "1", "50%"]


def test_last_year_shows_only_last_years_tender(app: Flask, client_en) -> None:
    world = build_world(app)
    last_year = (world.today - dt.timedelta(days=400)).year
    html = client_en.get(f"/monitoring?year={last_year}").get_data(as_text=True)
    results = {row[0]: row[1] for row in _table(html, "results")[1:]}
    assert results["Procurements in the register"] == "1"  # the cleaning tender, at its target
    assert results["Share at target level (%)"] == "100"
    assert f'<option value="{last_year}" selected>' in html


def test_chart_is_accessible_svg_with_the_tables_numbers(app: Flask, client_en) -> None:
    world = build_world(app)
    html = client_en.get(f"/monitoring?year={world.year}").get_data(as_text=True)
    svg = html.split('id="chart-levels"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and 'aria-labelledby="chart-levels-title" aria-describedby="chart-levels-desc"' in svg
    assert f"<title id=\"chart-levels-title\">Calls published in {world.year} per ambition level</title>" in svg
    expected = _expected(True)["per_level"]
    assert f"Level 1: {expected[1]}; Level 2: {expected[2]}; Level 3: {expected[3]}" in svg
    assert svg.count("<rect") == 3
    assert 'href="#table-levels"' in html


def test_bad_filters_fall_back_instead_of_failing(app: Flask, client_en) -> None:
    build_world(app)
    for query in ("year=abc", "year=1800", "category=nope&department=nope", "year=99999999999999999999"):
        response = client_en.get(f"/monitoring?{query}")
        assert response.status_code == 200, query
        assert "Monitoring: effort and results" in response.get_data(as_text=True)
    assert client_en.get("/monitoring/tables/nonsense.csv").status_code == 404
