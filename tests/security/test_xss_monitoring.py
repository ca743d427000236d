"""Monitoring: the comply-or-explain register (title, reference, description, explanation),
contracts (title, supplier), agreed targets (indicator) and result notes, on the public register
and contract pages and on the staff pages and forms.

Records, contracts and targets are made through the services, one per chunk of their short
fields; a record lists its contracts and a contract its targets, so those pages show many chunks
at once. Result notes and a refused record go through the real forms.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import User
from mvi_challenges.catalogue.models import Category, SocialValue
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.monitoring import services
from mvi_challenges.monitoring.models import ResultUpdate, TargetUnit

from .checks import Findings
from .corpus import SAMPLE_STRIDE, all_payloads, cycle, pack

PER_PARENT = 20  # contracts per record, targets per contract


def test_monitoring_texts_are_escaped_everywhere(app: Flask, client, catalogue, admin) -> None:
    short, references = pack(200, single_line=True), pack(80, single_line=True)
    descriptions, explanations, notes = pack(5000), pack(5000), pack(5000)
    n = len(short)
    today = to_local(now_utc()).date()
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        category = db.session.scalar(select(Category).where(Category.slug == "ict"))  # target level 2
        value = db.session.scalar(select(SocialValue).limit(1))
        records = []
        for i in range(max(n, len(references))):
            explained = i < len(explanations)
            records.append(services.save_record(
                db.session, actor, None, title=short[i % n], reference=cycle(references, i, ""),
                description=cycle(descriptions, i, ""), category=category, department=None, manager=None,
                target_level=2, applied_level=1 if explained else 2,
                explanation=cycle(explanations, i, ""), published_on=today - dt.timedelta(days=i),
                estimated_value_cents=100_000))
        contracts = [services.save_contract(
            db.session, actor, None, record=records[i // PER_PARENT], proposal=None, supplier_name=short[(i + 1) % n],
            title=short[i], value_cents=500_000, signed_on=today - dt.timedelta(days=30), ends_on=None)
            for i in range(n)]
        for i in range(n):
            services.add_target(db.session, actor, contracts[i // PER_PARENT], social_value=value, indicator=short[i],
                                unit=TargetUnit.PEOPLE, agreed_value=Decimal(10))
        db.session.commit()
        record_ids, contract_ids = [r.id for r in records], [c.id for c in contracts]
        first_targets = [t.id for t in contracts[0].targets]

    staff = admin.client
    payloads = all_payloads()
    findings = Findings()
    for note in notes:  # result notes through the real form, with a measurement per target
        data = {"reported_on": today.isoformat(), "progress_percent": "40", "note": note}
        data.update({f"target_{target_id}": "3" for target_id in first_targets})
        sent = staff.post(f"/staff/monitoring/contracts/{contract_ids[0]}/updates", data=data)
        if sent.status_code != 302:
            findings.page(sent, "reporting a result", payloads, status=302)
    refused = staff.post("/staff/monitoring/records/new", data={
        "title": short[0], "reference": references[0], "description": descriptions[0], "explanation": explanations[0],
        "category_id": "0", "target_level": "2", "applied_level": "1", "published_on": ""})
    findings.page(refused, "refused record form", payloads, status=400)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ResultUpdate.id))) == len(notes), "the notes were saved"

    with_contracts = math.ceil(n / PER_PARENT)
    for page in range(1, math.ceil(len(record_ids) / app.config["PAGE_SIZE"]) + 1):
        findings.page(client.get(f"/monitoring/register?page={page}"), f"register page {page}", payloads)
    for index, record_id in enumerate(record_ids):
        if index < max(with_contracts, len(descriptions), len(explanations)) or index % SAMPLE_STRIDE == 0:
            findings.page(client.get(f"/monitoring/register/{record_id}"), f"register record {index}", payloads)
            findings.page(staff.get(f"/staff/monitoring/records/{record_id}"), f"record form {index}", payloads)
    for index, contract_id in enumerate(contract_ids):
        if index < with_contracts or index % SAMPLE_STRIDE == 0:
            findings.page(client.get(f"/monitoring/contracts/{contract_id}"), f"contract {index}", payloads)
            findings.page(staff.get(f"/staff/monitoring/contracts/{contract_id}"), f"staff contract {index}", payloads)
            findings.page(staff.get(f"/staff/monitoring/contracts/{contract_id}/edit"), f"contract form {index}",
                          payloads)
    for url in ("/staff/monitoring", "/monitoring", f"/monitoring?year={today.year}"):
        findings.page(staff.get(url), url, payloads)
    findings.check()


def test_vulnerability_result_form_label_shows_the_target_indicator_as_html(app: Flask, catalogue, admin) -> None:
    """VULNERABILITY (stored XSS on a staff page), found by this suite; this test fails until fixed.

    mvi_challenges/monitoring/forms.py `result_update_form` labels each measurement field with
    `lazy_gettext("Realised so far: %(indicator)s (%(unit)s)", indicator=target.indicator)`.
    Flask-Babel's LazyString has `__html__`, so WTForms' Label (markupsafe.escape) treats the
    interpolated indicator as trusted HTML: an indicator `<script>…` runs on
    /staff/monitoring/contracts/<id> for every staff member who opens the contract.
    Fix: build the label as a plain string (`flask_babel.gettext(...)`, or `str(_l(...))`), so it
    is escaped like any other text.
    """
    today = to_local(now_utc()).date()
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        category = db.session.scalar(select(Category).where(Category.slug == "ict"))
        value = db.session.scalar(select(SocialValue).limit(1))
        record = services.save_record(db.session, actor, None, title="Aanbesteding", reference="", description="",
                                      category=category, department=None, manager=None, target_level=2,
                                      applied_level=2, explanation="", published_on=today, estimated_value_cents=None)
        contract = services.save_contract(db.session, actor, None, record=record, proposal=None, supplier_name="BV",
                                          title="Contract", value_cents=100, signed_on=today, ends_on=None)
        services.add_target(db.session, actor, contract, social_value=value, indicator="<script>alert(1)</script>",
                            unit=TargetUnit.PEOPLE, agreed_value=Decimal(1))
        db.session.commit()
        contract_id = contract.id
    findings = Findings()
    findings.page(admin.client.get(f"/staff/monitoring/contracts/{contract_id}"), "staff contract page")
    findings.check()
