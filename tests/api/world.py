"""A populated data set for the open data tests: every dataset has rows, and one SBIR call goes
through all OCDS stages (tender, award, contract, implementation)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call, CallDocument, CallKind, CallStatus
from mvi_challenges.calls.services import close_early, transition_call
from mvi_challenges.catalogue.models import Department, SocialValue
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.dialogues import services as dialogue_services
from mvi_challenges.dialogues.models import Contribution, Dialogue, Disposition, Registration, RegistrationStatus
from mvi_challenges.evaluation import services as evaluation
from mvi_challenges.evaluation.models import (
    ConflictDeclaration,
    ConsensusScore,
    JuryMember,
    Outcome,
    Score,
    ScoreSheet,
    SheetStatus,
)
from mvi_challenges.monitoring import services as monitoring
from mvi_challenges.monitoring.models import TargetUnit
from mvi_challenges.proposals.models import Proposal, Question

from ..factories import make_call, make_dialogue, make_proposal, make_user

SECRET_ADDRESS = "Geheime Zaal 7, Stadhuis"
SECRET_URL = "https://meet.example/geheim-123"
CONTACT_EMAIL = "ilse@utrecht.example"
MANAGER_NAME = "Manon Manager"
JUROR_NAME = "Joris Jurylid"
HIDDEN_INPUT = "Deze inbreng is verborgen door de moderator."


def build(app: Flask) -> SimpleNamespace:
    sbir = make_call(app, kind=CallKind.SBIR, title="Schone bouwplaats", category="openbare-ruimte",
                     values=("klimaat", "circulaire-economie"), opens_in=-dt.timedelta(days=40))
    cancelled = make_call(app, title="Afgeblazen uitvraag", status=CallStatus.CANCELLED)
    below = make_call(app, title="Slimme kantine", category="catering", level=1,
                      explanation="De markt is er nog niet klaar voor.", values=("sociale-stad",))
    draft = make_call(app, title="Geheim concept", status=CallStatus.DRAFT)
    owners = [make_user(app, Role.ENTREPRENEUR, organisation_name=name) for name in ("Bedrijf Alfa", "Bedrijf Gamma",
                                                                                    "Bedrijf Delta")]
    citizen = make_user(app, Role.CITIZEN, name="Carla Burger")
    proposals = {
        "awarded": make_proposal(app, owners[0], sbir, submit=True, title="Plan Alfa"),
        "advanced": make_proposal(app, citizen, sbir, submit=True, title="Plan van een inwoner"),
        "shortlisted": make_proposal(app, owners[1], sbir, submit=True, title="Plan Gamma"),
        "not_awarded": make_proposal(app, owners[2], sbir, submit=True, title="Plan Delta"),
    }
    with app.test_request_context():
        _call_details(sbir.id, below.id)
        _evaluate(sbir.id, proposals)
        _close_and_decide(sbir.id)
        records = _monitoring(sbir.id, cancelled.id, below.id, proposals["awarded"].id)
        db.session.commit()
    dialogue = _dialogue(app, sbir.id)
    consultation = _consultation(app, sbir.id, owners[0])
    return SimpleNamespace(sbir=sbir, cancelled=cancelled, below=below, draft=draft, proposals=proposals,
                           dialogue=dialogue, records=records, consultation=consultation)


PRIVATE_ANSWER = "Ons geheime recept voor schone bouwplaatsen"


def _consultation(app: Flask, call_id: int, answerer: SimpleNamespace) -> SimpleNamespace:
    """A market consultation that prepared the SBIR call: answered privately, summary published."""
    from mvi_challenges.accounts.models import User
    from mvi_challenges.consultations import services as consultation_services
    from mvi_challenges.consultations.models import Consultation, ConsultationStatus

    with app.test_request_context():
        now = now_utc()
        made = consultation_services.save_consultation(
            db.session, None, None, title="Schone bouwplaats: wat kan de markt?", body_source="Wij vragen **u**.",
            category=None, closes_at=now + dt.timedelta(days=1), questions=["Wat is haalbaar?", "Wanneer?"],
            follow_up_call=db.session.get(Call, call_id), now=now)
        consultation_services.transition_consultation(db.session, None, made, ConsultationStatus.OPEN, now)
        consultation_services.save_answers(db.session, db.session.get(User, answerer.id), made,
                                           {1: PRIVATE_ANSWER, 2: "Over een jaar"}, submit=True, now=now)
        later = now + dt.timedelta(days=2)
        consultation_services.save_summary(db.session, None, made, summary_source="Tien bedrijven antwoordden.",
                                           themes=[consultation_services.ThemeInput(
                                               "Haalbaarheid", Disposition.ADOPTED, "Fasering in de uitvraag.")],
                                           now=later)
        consultation_services.transition_consultation(db.session, None, made, ConsultationStatus.SUMMARISED, later)
        made.published_at = made.summary_published_at = now - dt.timedelta(days=1)
        made.closes_at = now - dt.timedelta(hours=1)
        db.session.commit()
        draft = consultation_services.save_consultation(
            db.session, None, None, title="Geheime consultatie", body_source="", category=None,
            closes_at=now + dt.timedelta(days=5), questions=["Vraag?"], follow_up_call=None, now=now)
        db.session.commit()
        return SimpleNamespace(slug=made.slug, id=made.id, draft_slug=db.session.get(Consultation, draft.id).slug)


def _call_details(sbir_id: int, below_id: int) -> None:
    """A document, a published and an unpublished answer, a department and a responsible manager."""
    sbir = db.session.get(Call, sbir_id)
    manager = User(email=f"manon{uuid.uuid4().hex[:8]}@utrecht.example", name=MANAGER_NAME, password_hash="x")
    db.session.add(manager)
    sbir.department = db.session.scalar(select(Department).where(Department.slug == "ruimte"))
    sbir.standstill_days = 3  # a short standstill period: the contract below is signed 20 days ago
    sbir.manager = manager
    db.session.get(Call, below_id).department = sbir.department
    db.session.add(CallDocument(call_id=sbir_id, title="Programma van eisen", filename="pve.pdf",
                                content_type="application/pdf", size=1234, sha256="a" * 64, storage_key=uuid.uuid4().hex))
    now = now_utc()
    db.session.add(Question(call_id=sbir_id, text="Mag een consortium meedoen?", answer_source="Ja.",
                            answer_html="<p>Ja.</p>", published_at=now - dt.timedelta(hours=2)))
    db.session.add(Question(call_id=sbir_id, text="Nog niet beantwoord"))
    db.session.flush()


def _evaluate(call_id: int, proposals: dict[str, SimpleNamespace]) -> None:
    """Two jurors score phase 1 (one recuses for a proposal); the decisions are published."""
    call = db.session.get(Call, call_id)
    now = now_utc()
    # The jury judges after the deadline; phase 2 is still ahead, so the call stays published.
    close_early(db.session, None, call, reason="Genoeg voorstellen voor fase 1.", now=now - dt.timedelta(days=26))
    phase = call.phases[0]
    jurors = [make_jury_member(phase.id, name) for name in (JUROR_NAME, "Tweede Jurylid")]
    by_key = {key: db.session.get(Proposal, made.id) for key, made in proposals.items()}
    conflicted = (jurors[1].id, by_key["advanced"].id)
    for juror in jurors:
        for proposal in by_key.values():
            has_conflict = (juror.id, proposal.id) == conflicted
            db.session.add(ConflictDeclaration(member_id=juror.id, proposal_id=proposal.id, has_conflict=has_conflict,
                                               reason="Oud-collega" if has_conflict else ""))
            if has_conflict:
                continue
            sheet = ScoreSheet(member_id=juror.id, proposal_id=proposal.id, status=SheetStatus.FINAL,
                               finalised_at=now_utc())
            sheet.scores = [Score(criterion_id=c.id, value=8 if juror is jurors[0] else 6, motivation="Goed.")
                            for c in phase.criteria]
            db.session.add(sheet)
    db.session.add(ConsensusScore(proposal_id=by_key["awarded"].id, criterion_id=phase.criteria[0].id, value=9,
                                  reason="Na overleg."))
    db.session.flush()
    outcomes = {"awarded": Outcome.AWARDED, "advanced": Outcome.ADVANCED, "shortlisted": Outcome.SHORTLISTED,
                "not_awarded": Outcome.NOT_AWARDED}
    for key, outcome in outcomes.items():
        evaluation.decide(db.session, None, by_key[key], outcome, f"Motivatie voor {key}.")
    # Published long enough ago that the standstill period (20 days) is over before the contract.
    evaluation.publish_decisions(db.session, None, phase, now - dt.timedelta(days=25))


def make_jury_member(phase_id: int, name: str) -> JuryMember:
    user = User(email=f"{name.split()[0].lower()}{uuid.uuid4().hex[:8]}@jury.example", name=name, password_hash="x")
    db.session.add(user)
    db.session.flush()
    member = JuryMember(phase_id=phase_id, user_id=user.id)
    db.session.add(member)
    db.session.flush()
    return member


def _close_and_decide(call_id: int) -> None:
    call = db.session.get(Call, call_id)
    transition_call(db.session, None, call, CallStatus.CLOSED, reason="Genoeg voorstellen.")
    transition_call(db.session, None, call, CallStatus.DECIDED)


def _monitoring(sbir_id: int, cancelled_id: int, below_id: int, awarded_id: int) -> SimpleNamespace:
    """Register entries for the public calls and an external tender; two contracts with results."""
    records = {name: monitoring.sync_call_record(db.session, db.session.get(Call, call_id))
               for name, call_id in (("sbir", sbir_id), ("cancelled", cancelled_id), ("below", below_id))}
    sbir = db.session.get(Call, sbir_id)
    today = to_local(now_utc()).date()
    external = monitoring.save_record(
        db.session, None, None, title="Aanbesteding schoonmaak", reference="EXT-2025-01", description="Elders.",
        category=sbir.category, department=sbir.department, manager=sbir.manager, target_level=3, applied_level=2,
        explanation="", published_on=today - dt.timedelta(days=30), estimated_value_cents=12_345_678)
    awarded = db.session.get(Proposal, awarded_id)
    contract = monitoring.save_contract(
        db.session, None, None, record=records["sbir"], proposal=awarded, supplier_name="", title="Haalbaarheid Alfa",
        value_cents=1_000_000, signed_on=today - dt.timedelta(days=20), ends_on=today + dt.timedelta(days=300))
    climate = db.session.scalar(select(SocialValue).where(SocialValue.slug == "klimaat"))
    social = db.session.scalar(select(SocialValue).where(SocialValue.slug == "sociale-stad"))
    co2 = monitoring.add_target(db.session, None, contract, social_value=climate, indicator="CO2 vermeden",
                                unit=TargetUnit.TONNES_CO2, agreed_value=Decimal("120.50"))
    share = monitoring.add_target(db.session, None, contract, social_value=social, indicator="Social return",
                                  unit=TargetUnit.PERCENT, agreed_value=Decimal("5"))
    monitoring.add_result_update(db.session, None, contract, reported_on=today - dt.timedelta(days=10), today=today,
                                 progress_percent=30, note="Eerste meting.",
                                 measured={co2.id: Decimal("40.25"), share.id: Decimal("2")})
    monitoring.add_result_update(db.session, None, contract, reported_on=today - dt.timedelta(days=1), today=today,
                                 progress_percent=60, note="Tweede meting.", measured={co2.id: Decimal("130")})
    elsewhere = monitoring.save_contract(
        db.session, None, None, record=external, proposal=None, supplier_name="Schoon BV", title="Schoonmaak",
        value_cents=50_000_000, signed_on=today - dt.timedelta(days=5), ends_on=None)
    return SimpleNamespace(sbir=records["sbir"].id, external=external.id, contract=contract.id,
                           external_contract=elsewhere.id)


def _dialogue(app: Flask, call_id: int) -> SimpleNamespace:
    """A market dialogue held last week that prepared the SBIR call, with its report."""
    made = make_dialogue(app, title="Marktconsultatie bouwplaats", kind="market", starts_in=-dt.timedelta(days=7),
                         address=SECRET_ADDRESS, online_url=SECRET_URL)
    make_dialogue(app, title="Nog geheim gesprek", publish=False)
    upcoming = make_dialogue(app, title="Stadsgesprek voedsel", starts_in=dt.timedelta(days=14))
    participant = make_user(app, Role.CITIZEN, name="Piet Participant")
    with app.test_request_context():
        dialogue = db.session.get(Dialogue, made.id)
        dialogue.related_call_id = call_id
        db.session.add(Registration(dialogue_id=dialogue.id, user_id=participant.id, status=RegistrationStatus.CONFIRMED,
                                    position=1))
        db.session.add(Contribution(dialogue_id=dialogue.id, user_id=participant.id, text_source="Meer hergebruik",
                                    text_html="<p>Meer hergebruik</p>", disposition=Disposition.ADOPTED,
                                    disposition_reason="Staat in de uitvraag.", disposition_call_id=call_id))
        db.session.add(Contribution(dialogue_id=dialogue.id, user_id=participant.id, text_source=HIDDEN_INPUT,
                                    text_html=f"<p>{HIDDEN_INPUT}</p>", hidden_reason="Persoonlijke gegevens"))
        db.session.flush()
        dialogue_services.publish_report(db.session, None, dialogue, summary="We hoorden **veel**.",
                                         followup_calls=[db.session.get(Call, call_id)], now=now_utc())
        db.session.commit()
    return SimpleNamespace(reported=made, upcoming=upcoming)
