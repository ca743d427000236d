"""Result talks: figures from a known data set, per manager and per department, page, CSV and access.

Who would abuse it, and how: an entrepreneur or citizen reading the municipality's internal
figures (403); a person no longer on the staff reading their old talk (403); anyone using the
talk URL to learn the name of an arbitrary user id (404); a forged year (falls back quietly).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import delete, select

from mvi_challenges.accounts.models import Role, User, UserRole
from mvi_challenges.calls.models import Call
from mvi_challenges.catalogue.models import Category, Department, SocialValue
from mvi_challenges.core.db import db
from mvi_challenges.monitoring import services, talks
from mvi_challenges.monitoring.models import ProcurementRecord, TargetUnit

from ..factories import PASSWORD, login, make_call, make_user, page_text

YEAR = 2025
END = dt.date(2025, 12, 31)


def _get(model, slug: str):
    return db.session.scalar(select(model).where(model.slug == slug))


def _tender(manager: User | None, title: str, category: str, target: int, applied: int, explanation: str,
            department: str, published_on: dt.date, value: int | None) -> ProcurementRecord:
    return services.save_record(
        db.session, None, None, title=title, reference="", description="", category=_get(Category, category),
        department=_get(Department, department), manager=manager, target_level=target, applied_level=applied,
        explanation=explanation, published_on=published_on, estimated_value_cents=value)


def _contract(record: ProcurementRecord, title: str, value: int, signed: dt.date, ends: dt.date | None):
    return services.save_contract(db.session, None, None, record=record, proposal=None, supplier_name="Leverancier BV",
                                  title=title, value_cents=value, signed_on=signed, ends_on=ends)


def _report(contract, on: dt.date, measured: dict) -> None:
    services.add_result_update(db.session, None, contract, reported_on=on, today=dt.date(2026, 12, 1),
                               progress_percent=50, note="", measured=measured)


def build_world(app: Flask) -> SimpleNamespace:
    """Manager Anna (the call's manager, who approved its explanation) and manager Bram.

    Anna, 2025: the call (mobility, level 2 of target 3, explained and approved, 6 weeks and
    € 25.000 experiment space, phase budget € 50.000), a catering tender at target (€ 100.000),
    an ICT tender below target with an explanation (€ 50.000), a mobility tender below target
    without one; a catering tender of 2024 (not in the 2025 procurements, but its contract runs).
    Bram, 2025: one catering tender at target, with a contract."""
    call = make_call(app, title="Slimme laadpalen", category="mobiliteit", level=2, explanation="Markt nog niet zover.")
    bram_id = make_user(app, Role.STAFF, name="Bram Talk").id
    with app.app_context():
        row = db.session.get(Call, call.id)
        anna = row.manager
        anna.name = "Anna Talk"
        row.department = _get(Department, "ruimte")
        row.experiment_extra_weeks, row.experiment_budget_cents = 6, 25_000_00
        row.published_at = dt.datetime(2025, 5, 1, 10, tzinfo=dt.UTC)
        services.sync_call_record(db.session, row)
        bram = db.session.get(User, bram_id)
        r1 = _tender(anna, "Kantinecatering", "catering", 2, 2, "", "ruimte", dt.date(2025, 3, 1), 100_000_00)
        r2 = _tender(anna, "Laptops", "ict", 2, 1, "Markt te klein.", "ruimte", dt.date(2025, 6, 1), 50_000_00)
        r3 = _tender(anna, "Dienstauto's", "mobiliteit", 3, 1, "", "concernstaf", dt.date(2025, 9, 1), None)
        r4 = _tender(anna, "Koffie 2024", "catering", 2, 3, "", "ruimte", dt.date(2024, 12, 31), 1_000_00)
        r5 = _tender(bram, "Lunch van Bram", "catering", 2, 2, "", "concernstaf", dt.date(2025, 2, 1), 7_000_00)
        climate = _get(SocialValue, "klimaat")
        k1 = _contract(r4, "Koffiecontract", 80_000_00, dt.date(2025, 1, 15), None)
        co2 = services.add_target(db.session, None, k1, social_value=climate, indicator="CO2",
                                  unit=TargetUnit.TONNES_CO2, agreed_value=Decimal(120))
        share = services.add_target(db.session, None, k1, social_value=climate, indicator="Fairtrade",
                                    unit=TargetUnit.PERCENT, agreed_value=Decimal(10))
        _report(k1, dt.date(2025, 3, 1), {co2.id: Decimal(40)})
        _report(k1, dt.date(2025, 11, 1), {co2.id: Decimal(90), share.id: Decimal(12)})
        _report(k1, dt.date(2026, 2, 1), {co2.id: Decimal(130)})  # after the year: not in the 2025 talk
        k2 = _contract(r1, "Cateringcontract", 20_000_00, dt.date(2025, 4, 1), dt.date(2027, 1, 1))
        services.add_target(db.session, None, k2, social_value=climate, indicator="Uren SROI",
                            unit=TargetUnit.HOURS, agreed_value=Decimal(500))
        _contract(r2, "Oud laptopcontract", 5_000_00, dt.date(2023, 1, 1), dt.date(2024, 12, 31))  # ended
        _contract(r3, "Leasecontract", 10_000_00, dt.date(2025, 8, 1), None)
        _contract(r5, "Brams contract", 3_000_00, dt.date(2025, 3, 1), None)
        db.session.commit()
        return SimpleNamespace(call=call, anna=anna.id, bram=bram.id, ruimte=_get(Department, "ruimte").id,
                               concernstaf=_get(Department, "concernstaf").id)


@pytest.fixture
def world(app: Flask, catalogue) -> SimpleNamespace:
    return build_world(app)


def _talk(app: Flask, model, subject_id: int, year: int = YEAR, today: dt.date = dt.date(2026, 12, 7)):
    with app.app_context():
        talk = talks.result_talk(db.session, db.session.get(model, subject_id), year, today)
        return SimpleNamespace(
            titles=[r.title for r in talk.records], at_target=talk.at_target, share=talk.share_at_target,
            explained=talk.below_explained, unexplained=talk.below_unexplained, approved=talk.approved,
            estimated=talk.estimated_value_cents, experiments=[c.title for c in talk.experiments],
            weeks=talk.experiment_weeks, budget=talk.experiment_budget_cents,
            contracts=[row.contract.title for row in talk.contracts], value=talk.contract_value_cents,
            targets=[(t.target.indicator, t.realised, t.percent, t.met) for row in talk.contracts for t in row.targets],
            met=talk.targets_met, due=[row.contract.title for row in talk.open_updates],
            reference=talk.reference_day)


def test_manager_talk_counts_their_procurements_of_the_year(app: Flask, world) -> None:
    talk = _talk(app, User, world.anna)
    assert talk.titles == ["Kantinecatering", "Slimme laadpalen", "Laptops", "Dienstauto's"]  # by date; not 2024
    assert (talk.at_target, talk.share) == (1, 25)
    assert (talk.explained, talk.unexplained, talk.approved) == (2, 1, 1)  # only the call has an approval step
    assert talk.estimated == 100_000_00 + 50_000_00 + 50_000_00  # the call's phase budget; no value: 0
    assert (talk.experiments, talk.weeks, talk.budget) == (["Slimme laadpalen"], 6, 25_000_00)


def test_manager_talk_shows_contracts_that_ran_with_results_at_year_end(app: Flask, world) -> None:
    talk = _talk(app, User, world.anna)
    # The 2024 tender's contract runs in 2025; the contract that ended in 2024 and Bram's are left out.
    assert talk.contracts == ["Koffiecontract", "Cateringcontract", "Leasecontract"]
    assert talk.value == 80_000_00 + 20_000_00 + 10_000_00
    assert talk.targets == [("CO2", Decimal(90), 75, False), ("Fairtrade", Decimal(12), 120, True),
                            ("Uren SROI", None, None, False)]
    assert talk.met == 1
    # Nothing reported on the catering contract since 1 April (274 days by 31 December); the lease
    # contract was signed 152 days before; the coffee contract reported on 1 November.
    assert talk.due == ["Cateringcontract"]
    assert talk.reference == END


def test_talk_of_the_running_year_looks_from_today(app: Flask, world) -> None:
    talk = _talk(app, User, world.anna, year=2026, today=dt.date(2026, 9, 1))
    assert talk.titles == []
    # On 1 September 2026 the coffee contract's last report (1 February) is 212 days old: due.
    assert talk.targets[0] == ("CO2", Decimal(130), 108, True)
    assert talk.due == ["Koffiecontract", "Cateringcontract", "Leasecontract"]
    assert _talk(app, User, world.anna, year=2026, today=dt.date(2026, 7, 1)).due == [
        "Cateringcontract", "Leasecontract"]


def test_department_talk_counts_the_department_whoever_the_manager(app: Flask, world) -> None:
    ruimte = _talk(app, Department, world.ruimte)
    assert ruimte.titles == ["Kantinecatering", "Slimme laadpalen", "Laptops"]
    assert (ruimte.at_target, ruimte.share, ruimte.unexplained) == (1, 33, 0)
    assert ruimte.contracts == ["Koffiecontract", "Cateringcontract"]
    staff = _talk(app, Department, world.concernstaf)
    assert staff.titles == ["Lunch van Bram", "Dienstauto's"]
    assert (staff.at_target, staff.share, staff.unexplained) == (1, 50, 1)
    assert staff.contracts == ["Brams contract", "Leasecontract"]


def test_the_list_of_talks_per_year(app: Flask, world) -> None:
    with app.app_context():
        managers = [(row.subject.name, row.procurements, row.at_target, row.share_at_target, row.lacking_explanation)
                    for row in talks.managers_of_year(db.session, YEAR)]
        departments = [(row.subject.slug, row.procurements, row.at_target, row.lacking_explanation)
                       for row in talks.departments_of_year(db.session, YEAR)]
        earlier = [(row.subject.name, row.procurements) for row in talks.managers_of_year(db.session, 2024)]
    assert managers == [("Anna Talk", 4, 1, 25, 1), ("Bram Talk", 1, 1, 100, 0)]
    assert departments == [("concernstaf", 2, 1, 1), ("ruimte", 3, 1, 0)]
    assert earlier == [("Anna Talk", 1)]


def test_percent_rounds_half_up() -> None:
    assert talks.percent(1, 8) == 13  # 12.5
    assert talks.percent(1, 3) == 33
    assert talks.percent(0, 0) is None


# --- the pages ---------------------------------------------------------------------------------


def test_staff_read_the_talk_page_with_its_figures(app: Flask, client, world) -> None:
    login(client, make_user(app, Role.STAFF))
    response = client.get(f"/staff/monitoring/talks/managers/{world.anna}?year={YEAR}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Resultaatgesprek 2025: Anna Talk" in text
    for title in ("Kantinecatering", "Slimme laadpalen", "Laptops", "Dienstauto's", "Koffiecontract"):
        assert title in text
    assert "Lunch van Bram" not in text and "Koffie 2024" not in text and "Oud laptopcontract" not in text
    assert "1 (25%)" in text
    assert "75%" in text and "120%" in text
    assert '<option value="2025" selected>' in response.get_data(as_text=True)  # the chooser shows the year shown


def test_talk_list_links_each_manager_and_department(app: Flask, client, world) -> None:
    login(client, make_user(app, Role.ADMIN))
    html = client.get(f"/staff/monitoring/talks?year={YEAR}").get_data(as_text=True)
    assert f"/staff/monitoring/talks/managers/{world.anna}?year=2025" in html
    assert f"/staff/monitoring/talks/departments/{world.ruimte}?year=2025" in html


def test_an_unknown_year_falls_back_to_this_year(app: Flask, client, world) -> None:
    login(client, make_user(app, Role.STAFF))
    response = client.get(f"/staff/monitoring/talks/managers/{world.anna}?year=1999")
    assert response.status_code == 200
    assert f"Resultaatgesprek {dt.date.today().year}" in page_text(response)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_procurements_csv_has_a_row_per_procurement(app: Flask, client_en, world) -> None:
    login(client_en, make_user(app, Role.STAFF))
    rows = _csv(client_en.get(f"/staff/monitoring/talks/managers/{world.anna}/procurements.csv?year={YEAR}"))
    header, body = rows[0], rows[1:]
    assert header[:8] == ["Published on", "Title", "Reference", "Where", "Category", "Target level",
                          "Applied level", "At target level"]
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert list(by_title) == ["Kantinecatering", "Slimme laadpalen", "Laptops", "Dienstauto's"]
    call = by_title["Slimme laadpalen"]
    assert (call["Target level"], call["Applied level"], call["At target level"]) == ("3", "2", "no")
    assert call["Explanation approved by"] == "Anna Talk"
    assert (call["Experiment: extra weeks"], call["Experiment: budget (euros)"]) == ("6", "25000,00")
    assert by_title["Kantinecatering"]["At target level"] == "yes"
    assert by_title["Laptops"]["Explanation"] == "Markt te klein."
    assert by_title["Laptops"]["Estimated value (euros)"] == "50000,00"


def test_results_csv_has_a_row_per_target(app: Flask, client, world) -> None:
    login(client, make_user(app, Role.STAFF))
    rows = _csv(client.get(f"/staff/monitoring/talks/managers/{world.anna}/results.csv?year={YEAR}"))
    body = rows[1:]
    assert [(r[0], r[8], r[10], r[11], r[12]) for r in body] == [
        ("Koffiecontract", "CO2", "120,00", "90,00", "75"),
        ("Koffiecontract", "Fairtrade", "10,00", "12,00", "120"),
        ("Cateringcontract", "Uren SROI", "500,00", "", ""),
        ("Leasecontract", "", "", "", ""),
    ]
    assert [r[6] for r in body] == ["nee", "nee", "ja", "nee"]  # result update due (in Dutch: the default)
    department = _csv(client.get(f"/staff/monitoring/talks/departments/{world.concernstaf}/results.csv?year=2025"))
    assert [r[0] for r in department[1:]] == ["Brams contract", "Leasecontract"]


# --- who may see it ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [
    (None, 302), (Role.CITIZEN, 403), (Role.ENTREPRENEUR, 403), (Role.JURY, 403), (Role.STAFF, 200),
    (Role.ADMIN, 200)])
def test_who_may_see_a_talk(app: Flask, client, world, role, expected) -> None:
    if role is not None:
        login(client, make_user(app, role))
    for url in (f"/staff/monitoring/talks?year={YEAR}", f"/staff/monitoring/talks/managers/{world.anna}",
                f"/staff/monitoring/talks/departments/{world.ruimte}",
                f"/staff/monitoring/talks/managers/{world.anna}/procurements.csv",
                f"/staff/monitoring/talks/departments/{world.ruimte}/results.csv"):
        response = client.get(url)
        assert response.status_code == expected, url
        if expected != 200:
            assert "Anna Talk" not in response.get_data(as_text=True)


def test_a_manager_sees_their_own_talk_and_finds_it(app: Flask, client, world) -> None:
    with app.app_context():
        email = db.session.get(User, world.anna).email
    login(client, SimpleNamespace(email=email, password=PASSWORD))
    overview = client.get("/staff/monitoring").get_data(as_text=True)
    assert f"/staff/monitoring/talks/managers/{world.anna}" in overview
    assert client.get(f"/staff/monitoring/talks/managers/{world.anna}?year=2025").status_code == 200


def test_a_former_manager_without_the_staff_role_sees_no_talk(app: Flask, client, world) -> None:
    with app.app_context():
        anna = db.session.get(User, world.anna)
        email = anna.email
        db.session.execute(delete(UserRole).where(UserRole.user_id == anna.id))
        db.session.add(UserRole(user_id=anna.id, role=Role.CITIZEN))
        db.session.commit()
    login(client, SimpleNamespace(email=email, password=PASSWORD))
    assert client.get(f"/staff/monitoring/talks/managers/{world.anna}?year=2025").status_code == 403


def test_no_talk_for_someone_who_is_no_manager(app: Flask, client, world) -> None:
    """The URL must not tell staff the name behind any user id: a citizen has no talk."""
    citizen = make_user(app, Role.CITIZEN, name="Geheime Burger")
    login(client, make_user(app, Role.STAFF))
    response = client.get(f"/staff/monitoring/talks/managers/{citizen.id}")
    assert response.status_code == 404
    assert "Geheime Burger" not in response.get_data(as_text=True)
    assert client.get("/staff/monitoring/talks/departments/999999").status_code == 404
    assert client.get(f"/staff/monitoring/talks/teams/{world.ruimte}").status_code == 404


def test_a_talk_costs_the_same_queries_however_much_it_shows(app: Flask, client, world) -> None:
    """No query per procurement, contract or target: a manager with many is no slower to read."""
    from tests.perf.conftest import counted_queries

    login(client, make_user(app, Role.STAFF))
    url = f"/staff/monitoring/talks/managers/{world.anna}?year={YEAR}"

    def count() -> int:
        with app.app_context():
            engine = db.engine
        with counted_queries(engine) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    before = count()
    with app.app_context():
        anna, climate = db.session.get(User, world.anna), _get(SocialValue, "klimaat")
        for n in range(3):
            record = _tender(anna, f"Extra {n}", "ict", 2, 1, "Uitleg.", "ruimte", dt.date(2025, 7, 1), 1_00)
            contract = _contract(record, f"Extra contract {n}", 1_00, dt.date(2025, 7, 2), None)
            target = services.add_target(db.session, None, contract, social_value=climate, indicator="CO2",
                                         unit=TargetUnit.TONNES_CO2, agreed_value=Decimal(1))
            _report(contract, dt.date(2025, 8, 1), {target.id: Decimal(1)})
        db.session.commit()
    assert count() == before
