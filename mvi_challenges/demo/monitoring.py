"""The demo's departments, external tenders in the register and contracts with results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..calls.models import Call
from ..catalogue.models import Category, SocialValue
from ..core.timezones import LOCAL_TZ, now_utc

DEMO_DEPARTMENTS = {
    "openbare-ruimte": "ruimte", "mobiliteit": "ruimte", "gebouwen-energie": "stadsbedrijven",
    "zorg-sociaal-domein": "maatschappelijke-ontwikkeling",
}

# Tenders outside the platform, spread over last year and this one (days before today):
# (title, reference, category, target, applied, explanation, days ago, estimated euros, contract)
DEMO_TENDERS: tuple[tuple[str, str, str, int, int, str, int, int, bool], ...] = (
    ("Catering stadskantoor en stadhuis 2026–2030", "TN-2026-0141", "catering", 2, 1,
     "De looptijd van het huurcontract van de bedrijfsrestaurants eindigt binnen twee jaar; een ambitieuzer "
     "concept (eigen keuken, lokale keten) vraagt investeringen die niet terugverdiend kunnen worden. We passen "
     "de landelijke minimumeisen toe en starten een marktconsultatie voor de aanbesteding van 2028.",
     120, 1_800_000, True),
    ("Schoonmaak gemeentelijke gebouwen", "TN-2025-0877", "schoonmaak-facilitair", 2, 2, "", 300, 2_400_000, True),
    ("Elektrische bedrijfswagens Stadsbedrijven", "TN-2025-0533", "mobiliteit", 3, 3, "", 420, 3_100_000, True),
    ("Werkplekinrichting stadskantoor", "TN-2025-0210", "kantoorinrichting-kleding", 3, 3, "", 500, 650_000, False),
    ("Vervanging laptops en telefoons", "TN-2026-0302", "ict", 2, 1, "", 40, 1_200_000, False),
)


def _year_ago(days: int) -> dt.date:
    return now_utc().astimezone(LOCAL_TZ).date() - dt.timedelta(days=days)


def seed_monitoring(session: Session, staff: User) -> int:
    """Departments and managers on the demo calls, external tenders (the catering tender below
    target with its explanation; one still unexplained) and contracts with targets and results."""
    from ..catalogue.models import Department
    from ..monitoring import services as monitoring
    from ..monitoring.models import Contract, ProcurementRecord, TargetUnit
    from ..proposals.models import Proposal, ProposalStatus

    if session.scalar(select(Contract.id).limit(1)) is not None:
        return 0
    departments = {d.slug: d for d in session.scalars(select(Department))}
    values = {v.slug: v for v in session.scalars(select(SocialValue))}
    for call in session.scalars(select(Call).where(Call.published_at.is_not(None))):
        call.department = departments[DEMO_DEPARTMENTS.get(call.category.slug, "concernstaf")]
        call.manager = call.manager or staff  # a below-target call keeps the manager who approved it
        monitoring.sync_call_record(session, call)
    created = 0
    for title, reference, slug, target, applied, explanation, days, euros, with_contract in DEMO_TENDERS:
        category = session.scalar(select(Category).where(Category.slug == slug))
        record = monitoring.save_record(
            session, staff, None, title=title, reference=reference, description="", category=category,
            department=departments[DEMO_DEPARTMENTS.get(slug, "concernstaf")], manager=staff,
            target_level=target, applied_level=applied, explanation=explanation,
            published_on=_year_ago(days), estimated_value_cents=euros * 100,
        )
        if with_contract:
            _demo_contract(session, staff, record, None, days - 60, euros, values, TargetUnit, monitoring)
        created += 1
    awarded = session.scalars(select(Proposal).where(Proposal.status == ProposalStatus.AWARDED)).all()
    for proposal in awarded:
        record = session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == proposal.call_id))
        _demo_contract(session, staff, record, proposal, 0, 12_500, values, TargetUnit, monitoring)
    return created


def _demo_contract(session, staff, record, proposal, days_ago, euros, values, units, monitoring) -> None:
    signed = _year_ago(max(days_ago, 0))
    today = _year_ago(0)
    supplier = "" if proposal is not None else {
        "catering": "Smaak van Utrecht Catering BV", "schoonmaak-facilitair": "Schoon & Sociaal BV",
        "mobiliteit": "E-Fleet Nederland BV",
    }.get(record.category.slug, "Leverancier BV")
    contract = monitoring.save_contract(
        session, staff, None, record=record, proposal=proposal, supplier_name=supplier,
        title=record.title if proposal is None else f"Pilot: {proposal.title}", value_cents=euros * 100,
        signed_on=signed, ends_on=signed + dt.timedelta(days=4 * 365),
    )
    targets = {
        "catering": [("gezonde-leefomgeving", "Aandeel plantaardige maaltijden", units.PERCENT, "60", "48"),
                     ("sociale-stad", "Social return: uren werk voor mensen met afstand", units.HOURS, "4000", "1350")],
        "schoonmaak-facilitair": [("sociale-stad", "Social return: banen", units.PEOPLE, "12", "12")],
        "mobiliteit": [("klimaat", "CO2 vermeden door elektrisch rijden", units.TONNES_CO2, "180", "96.5")],
        "openbare-ruimte": [("gezonde-leefomgeving", "Vierkante meter bloemrijke berm", units.ITEMS, "5000", "0")],
    }.get(record.category.slug, [])
    made = [monitoring.add_target(session, staff, contract, social_value=values[slug], indicator=indicator,
                                  unit=unit, agreed_value=Decimal(agreed))
            for slug, indicator, unit, agreed, _ in targets]
    realised = {target.id: Decimal(row[4]) for target, row in zip(made, targets, strict=True)}
    if days_ago > 30:
        monitoring.add_result_update(
            session, staff, contract, reported_on=signed + (today - signed) / 2, today=today, progress_percent=25,
            note="Eerste halfjaarrapportage.", measured={key: value / 2 for key, value in realised.items()})
        monitoring.add_result_update(
            session, staff, contract, reported_on=today, today=today, progress_percent=50,
            note="Tussenstand volgens de contractrapportage.", measured=realised)
    else:  # a pilot that has just started
        monitoring.add_result_update(session, staff, contract, reported_on=today, today=today, progress_percent=5,
                                     note="Startbijeenkomst gehouden; de eerste metingen volgen.", measured=realised)
