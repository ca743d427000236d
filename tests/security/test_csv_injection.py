"""CSV exports neutralise spreadsheet formulas: a cell that starts with = + - @ tab or CR gets a
leading quote, whatever field the text came from (OWASP CSV Injection). Each export is filled with
the formula payloads (payloads/csv_injection.txt) in every text column it has."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Phase
from mvi_challenges.calls.services import CriterionInput, save_phase
from mvi_challenges.catalogue import services as catalogue_services
from mvi_challenges.core.db import db
from mvi_challenges.core.exports import to_csv
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.dialogues import services as dialogues
from mvi_challenges.evaluation import services as evaluation
from mvi_challenges.monitoring import services as monitoring
from mvi_challenges.monitoring.models import TargetUnit
from mvi_challenges.proposals.models import Proposal

from ..factories import make_call, make_dialogue, make_proposal, make_user
from .corpus import CSV_PREFIXES, csv_payloads


def _cells(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row]


def assert_neutralised(cells: list[str], where: str, stored: list[str]) -> None:
    """No cell starts with a formula prefix, and each stored formula payload is there, quoted."""
    dangerous = [cell for cell in cells if cell.startswith(CSV_PREFIXES)]
    assert not dangerous, f"{where}: cells a spreadsheet would execute: {dangerous[:5]}"
    missing = [value for value in stored if value.startswith(CSV_PREFIXES) and "'" + value not in cells]
    assert not missing, f"{where}: formula payloads missing or not quoted: {missing[:5]}"


def _stored(value: str) -> str:
    return value.strip()  # what the services keep of a typed value


@pytest.mark.parametrize("payload", csv_payloads(), ids=[f"csv{n}" for n in range(len(csv_payloads()))])
def test_to_csv_quotes_every_formula_prefix(payload: str) -> None:
    cells = [cell for row in csv.reader(io.StringIO(to_csv([payload], [[payload, "x"]]).removeprefix("\ufeff"),
                                                    newline=""), delimiter=";") for cell in row]
    assert_neutralised(cells, "to_csv", [payload])


def test_proposals_and_scores_exports(app: Flask, catalogue, admin) -> None:
    payloads = csv_payloads()
    call = make_call(app, title="Uitvraag voor export")
    owners = [make_user(app, Role.ENTREPRENEUR, name=p, organisation_name=p) for p in payloads]
    proposals = [make_proposal(app, owner, call, submit=True, title=p) for owner, p in zip(owners, payloads, strict=True)]
    members = [make_user(app, Role.JURY, name=p) for p in payloads[:3]]
    with app.test_request_context():
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id))
        call_obj, actor = phase.call, db.session.get(User, admin.id)
        names = list({_stored(p).lower(): _stored(p) for p in payloads}.values())  # criterion names are unique
        weights = [100 // len(names)] * len(names)
        weights[-1] += 100 - sum(weights)
        save_phase(db.session, actor, call_obj, phase, title=phase.title, opens_at=phase.opens_at,
                   closes_at=phase.closes_at, budget_cents=phase.budget_cents, max_awards=phase.max_awards,
                   score_scale_max=10, criteria=[CriterionInput(p, w) for p, w in zip(names, weights, strict=True)])
        phase.closes_at = now_utc() - dt.timedelta(minutes=5)
        criteria = [c.id for c in phase.criteria]
        for member_user in members:
            member = evaluation.assign_member(db.session, actor, phase, email=member_user.email, name="",
                                              is_chair=False, secret_key=app.config["SECRET_KEY"])
            for made in proposals[:2]:
                proposal = db.session.get(Proposal, made.id)
                evaluation.declare(db.session, actor, member, proposal, has_conflict=False, reason="")
                inputs = {cid: evaluation.ScoreInput(5, p) for cid, p in zip(criteria, payloads, strict=False)}
                evaluation.save_sheet(db.session, actor, member, proposal, inputs, finalise=True, now=now_utc())
        db.session.commit()
    staff = admin.client
    cells = _cells(staff.get(f"/staff/calls/{call.id}/proposals.csv"))
    assert_neutralised(cells, "proposals.csv", [_stored(p) for p in payloads] + list(payloads))
    cells = _cells(staff.get(f"/staff/calls/{call.id}/phases/1/scores.csv"))
    assert_neutralised(cells, "scores.csv", [_stored(p) for p in payloads])


def test_attendees_export(app: Flask, catalogue, admin) -> None:
    payloads = csv_payloads()
    dialogue = make_dialogue(app, capacity=100)
    people = [make_user(app, Role.CITIZEN, name=p) for p in payloads]
    with app.test_request_context():
        from mvi_challenges.dialogues.models import Dialogue

        subject = db.session.get(Dialogue, dialogue.id)
        for person in people:
            dialogues.register(db.session, db.session.get(User, person.id), subject, now_utc())
        db.session.commit()
    cells = _cells(admin.client.get(f"/staff/dialogues/{dialogue.id}/attendees.csv"))
    assert_neutralised(cells, "attendees.csv", [_stored(p) for p in payloads])


def test_register_and_dashboard_exports(app: Flask, client, catalogue, admin) -> None:
    payloads = csv_payloads()
    today = to_local(now_utc()).date()
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        for payload in payloads:
            category = catalogue_services.save_category(db.session, actor, None, name_nl=payload, name_en=payload, target_level=2,
                                               promising=False, approach_source="")
            value = catalogue_services.save_social_value(db.session, actor, None, name_nl=payload, name_en=payload)
            record = monitoring.save_record(
                db.session, actor, None, title=payload, reference=payload[:80], description=payload,
                category=category, department=None, manager=None, target_level=2, applied_level=1, explanation=payload,
                published_on=today, estimated_value_cents=None)
            contract = monitoring.save_contract(db.session, actor, None, record=record, proposal=None,
                                                supplier_name=payload, title=payload, value_cents=100, signed_on=today,
                                                ends_on=None)
            monitoring.add_target(db.session, actor, contract, social_value=value, indicator=payload,
                                  unit=TargetUnit.PEOPLE, agreed_value=Decimal(1))
        db.session.commit()
    stored = [_stored(p) for p in payloads]
    assert_neutralised(_cells(client.get("/monitoring/register.csv")), "register.csv", stored)
    for table in ("categories", "targets"):
        assert_neutralised(_cells(client.get(f"/monitoring/tables/{table}.csv?year={today.year}")),
                           f"dashboard {table}.csv", stored)
    for table in ("levels", "effort", "results"):
        cells = _cells(client.get(f"/monitoring/tables/{table}.csv?year={today.year}"))
        assert not [cell for cell in cells if cell.startswith(CSV_PREFIXES)], table
