"""Fictional demo data from BRIEF.md, with dates relative to today so the demo stays alive.

Everything goes through the domain services, so the demo obeys the same rules as real use.
Running it twice adds nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import KvkStatus, Organisation, Role, User
from ..accounts.services import create_user, find_user_by_email
from ..accounts.two_step import TWO_STEP_ROLES, enrol_demo_account
from ..calls.models import Call, CallKind, CallStatus, Eligibility
from ..calls.services import CriterionInput, save_call, save_phase, transition_call
from ..catalogue.models import Category, SocialValue
from ..catalogue.services import seed_catalogue
from ..core.timezones import LOCAL_TZ, local_to_utc, now_utc

DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - documented in the README, demo only

DEMO_USERS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("admin@demo.mvi.example", "Anna Admin", (Role.ADMIN, Role.STAFF)),
    ("inkoper@demo.mvi.example", "Ilse Inkoper", (Role.STAFF,)),
    ("jury@demo.mvi.example", "Jan Jurylid", (Role.JURY,)),
    ("ondernemer@demo.mvi.example", "Olga Ondernemer", (Role.ENTREPRENEUR,)),
    ("startup@demo.mvi.example", "Sam Starter", (Role.ENTREPRENEUR,)),
    ("burger@demo.mvi.example", "Bram Burger", (Role.CITIZEN,)),
    ("jury2@demo.mvi.example", "Jet Jurylid", (Role.JURY,)),
)


@dataclass(frozen=True)
class DemoPhase:
    title: str
    opens_in_days: int
    closes_in_days: int
    budget_euros: int
    max_awards: int
    criteria: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DemoCall:
    title: str
    kind: CallKind
    category: str
    values: tuple[str, ...]
    level: int
    summary: str
    body: str
    prize: str
    phases: tuple[DemoPhase, ...]
    status: CallStatus = CallStatus.PUBLISHED
    explanation: str = ""
    eligibility: Eligibility = Eligibility.ENTREPRENEURS


DEMO_CALLS: tuple[DemoCall, ...] = (
    DemoCall(
        title="Zero-emissie bouwlogistiek binnenstad",
        kind=CallKind.CHALLENGE, category="mobiliteit", values=("gezonde-leefomgeving", "klimaat"), level=3,
        summary="Hoe krijgen we bouwmaterialen de binnenstad in zonder uitstoot en met minder vrachtverkeer?",
        body=(
            "## De uitdaging\nBouwverkeer is een grote bron van stikstof en fijnstof in de binnenstad. "
            "We zoeken oplossingen voor **emissievrije bouwlogistiek**: hubs aan de rand van de stad, "
            "lichte elektrische voertuigen, slimme planning.\n\n"
            "## Wat bieden we\n- 3 pilots van €15.000\n- begeleiding door de gemeente\n"
            "- optie om *launching customer* te worden\n"
        ),
        prize="3 pilots van €15.000, met optie op launching customer",
        phases=(DemoPhase("Voorstellen", -12, 2, 45_000, 3, (
            ("Impact op luchtkwaliteit", 30), ("Haalbaarheid", 25), ("Opschaalbaarheid", 20),
            ("Team", 15), ("Lokale werkgelegenheid", 10))),),
    ),
    DemoCall(
        title="Hittestress Overvecht",
        kind=CallKind.SBIR, category="openbare-ruimte", values=("gezonde-leefomgeving", "innovatie"), level=3,
        summary="SBIR: innovaties die hittestress in de wijk Overvecht meetbaar verminderen.",
        body=(
            "## Probleem\nIn Overvecht wordt het in de zomer tot 8 graden warmer dan in het omliggende gebied. "
            "Bewoners met een kwetsbare gezondheid hebben daar het meest last van.\n\n"
            "## Fasering\n1. Haalbaarheidsonderzoek (5 × €40.000)\n2. Ontwikkeling en prototype (2 × €200.000)\n"
        ),
        prize="Fase 1: 5 × €40.000; fase 2: 2 × €200.000",
        phases=(
            # Phase 1 has closed: the (blind) jury is scoring it; phase 2 is ahead.
            DemoPhase("Fase 1: haalbaarheid", -45, -3, 200_000, 5, (
                ("Impact", 40), ("Technische haalbaarheid", 30), ("Economisch perspectief", 30))),
            DemoPhase("Fase 2: ontwikkeling en prototype", 60, 150, 400_000, 2, (
                ("Impact", 30), ("Technische haalbaarheid", 30), ("Economisch perspectief", 40))),
        ),
    ),
    DemoCall(
        title="Biodiversiteit Lage Weide",
        kind=CallKind.CHALLENGE, category="openbare-ruimte", values=("gezonde-leefomgeving", "circulaire-economie"),
        level=3,
        summary="Meer biodiversiteit op bedrijventerrein Lage Weide, samen met de ondernemers daar.",
        body="## Vraag\nOntwerp met ondernemers op Lage Weide ingrepen die de biodiversiteit meetbaar vergroten.\n",
        prize="€25.000 plus een publieksprijs van €5.000",
        # Closed long enough ago that the decisions are published and the standstill period is over.
        phases=(DemoPhase("Voorstellen", -90, -40, 30_000, 2, (
            ("Ecologische waarde", 35), ("Co-creatie", 25), ("Circulariteit", 20), ("Kosten", 20))),),
        status=CallStatus.CLOSED,
        eligibility=Eligibility.BOTH,
    ),
    DemoCall(
        # Open, and nobody has started on it yet: the demo entrepreneur can try submitting here.
        title="Circulair meubilair voor scholen",
        kind=CallKind.CHALLENGE, category="kantoorinrichting-kleding", values=("circulaire-economie", "lokaal-mkb"),
        level=2,
        summary="Meubilair voor basisscholen uit hergebruikte materialen, gemaakt door Utrechtse makers.",
        body=("## Vraag\nHoe richten we klaslokalen in met circulair meubilair dat lang meegaat en lokaal "
              "gerepareerd kan worden?\n\n## Wat bieden we\n- twee pilots op scholen\n- €20.000 per pilot\n"),
        prize="2 pilots van €20.000",
        explanation=("De markt voor circulair schoolmeubilair is nog klein; deze challenge verkent wat op "
                     "niveau 3 haalbaar is."),
        phases=(DemoPhase("Voorstellen", -2, 35, 40_000, 2, (
            ("Circulariteit", 40), ("Lokale maakindustrie", 30), ("Kosten", 30))),),
        eligibility=Eligibility.BOTH,
    ),
    DemoCall(
        title="Catering Stadskantoor 2027",
        kind=CallKind.CHALLENGE, category="catering", values=("gezonde-leefomgeving", "lokaal-mkb"), level=1,
        summary="Ideeën voor gezonde, plantaardige catering in het Stadskantoor, met lokale leveranciers.",
        body="## Vraag\nWe zoeken ideeën voor een gezond en betaalbaar aanbod in het bedrijfsrestaurant.\n",
        prize="Één pilot van €10.000",
        explanation=(
            "Het lopende contract loopt binnen vier maanden af; voor een aanbesteding op niveau 2 is "
            "geen tijd voor de benodigde marktconsultatie. Dit ideeënproces bereidt die voor."
        ),
        phases=(DemoPhase("Voorstellen", 14, 45, 10_000, 1, (("Gezondheid", 50), ("Lokaal", 30), ("Kosten", 20))),),
    ),
    DemoCall(
        title="Circulaire bedrijfskleding handhaving",
        kind=CallKind.CHALLENGE, category="kantoorinrichting-kleding", values=("circulaire-economie",), level=3,
        summary="Concept: uniformen voor handhavers uit gerecyclede vezels.",
        body="Concepttekst, nog niet gepubliceerd.",
        prize="",
        phases=(),
        status=CallStatus.DRAFT,
    ),
)


def _noon_in(days: int) -> dt.datetime:
    today = now_utc().astimezone(LOCAL_TZ).date()
    return local_to_utc(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(12, 0)))


DEMO_ORGANISATIONS = {
    "ondernemer@demo.mvi.example": ("Groene Logistiek Utrecht BV", "12345678"),
    "startup@demo.mvi.example": ("Koele Wijk Start-up", "87654321"),
}


def _organisation(session: Session, name: str, kvk: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.kvk_number == kvk))
    if organisation is None:
        organisation = Organisation(name=name, kvk_number=kvk, kvk_status=KvkStatus.VERIFIED)  # checked by hand
        session.add(organisation)
    return organisation


def seed_users(session: Session) -> list[str]:
    created = []
    for email, name, roles in DEMO_USERS:
        if find_user_by_email(session, email) is None:
            organisation = _organisation(session, *DEMO_ORGANISATIONS[email]) if email in DEMO_ORGANISATIONS else None
            user = create_user(session, email=email, password=DEMO_PASSWORD, name=name, roles=roles,
                               organisation=organisation)
            if set(roles) & TWO_STEP_ROLES:
                enrol_demo_account(user, now_utc())
            created.append(email)
    return created


def _past_proposals(session: Session, call: Call, moment: dt.datetime) -> None:
    """Proposals submitted while a (now closed) demo call was open, so it can show decisions."""
    from ..proposals import services as proposal_services

    for email, title in (("ondernemer@demo.mvi.example", "Bloemrijke bermen met ondernemers"),
                         ("startup@demo.mvi.example", "Insectenhotels uit restmateriaal")):
        user = find_user_by_email(session, email)
        proposal = proposal_services.start_proposal(session, user, call, call.phases[0], moment)
        proposal_services.save_draft(session, user, proposal, title=title, summary=f"{title}: demo.",
                                     body_source="## Aanpak\nSamen met de ondernemers op Lage Weide.",
                                     requested_budget_cents=1_250_000, now=moment)
        proposal_services.submit(session, user, proposal, moment)


def seed_evaluation(session: Session, staff: User) -> int:
    """The demo jury: a blind SBIR phase after its deadline with sheets (one strong disagreement),
    an open challenge whose jury waits for the deadline, and the closed challenge with published
    decisions."""
    from ..evaluation import services as evaluation
    from ..evaluation.models import JuryMember, Outcome

    if session.scalar(select(JuryMember.id).limit(1)) is not None:
        return 0
    from flask import current_app

    secret = current_app.config["SECRET_KEY"]  # both demo members exist, so no invitation is sent
    jan = find_user_by_email(session, "jury@demo.mvi.example")
    jet = find_user_by_email(session, "jury2@demo.mvi.example")
    calls = {c.title: c for c in session.scalars(select(Call))}
    now = now_utc()
    for title, blind in (("Hittestress Overvecht", True), ("Zero-emissie bouwlogistiek binnenstad", False),
                         ("Biodiversiteit Lage Weide", False)):
        phase = calls[title].phases[0]
        sealed = phase.closes_at > now  # an open call's jury waits for the deadline
        evaluation.save_settings(session, staff, phase, blind_review=blind, threshold=3)
        chair = evaluation.assign_member(session, staff, phase, email=jan.email, name="", is_chair=True,
                                         secret_key=secret)
        member = evaluation.assign_member(session, staff, phase, email=jet.email, name="", is_chair=False,
                                          secret_key=secret)
        criteria = phase.criteria
        for rank, proposal in enumerate([] if sealed else evaluation.phase_proposals(session, phase)):
            for juror, user, base in ((chair, jan, [8, 7, 6, 7, 5]), (member, jet, [3, 7, 6, 7, 5])):
                values = [max(0, value - rank) for value in base]  # later proposals score a little lower
                evaluation.declare(session, user, juror, proposal, has_conflict=False, reason="")
                if title == "Hittestress Overvecht" and juror is member:
                    continue  # Jet has not finished this one yet
                inputs = {c.id: evaluation.ScoreInput(values[i % len(values)], "Demo-motivering.")
                          for i, c in enumerate(criteria)}
                evaluation.save_sheet(session, user, juror, proposal, inputs, finalise=True, now=now)
    closed = calls["Biodiversiteit Lage Weide"].phases[0]
    first, second = evaluation.phase_proposals(session, closed)
    evaluation.decide(session, staff, first, Outcome.AWARDED, "Sterke ecologische waarde en veel co-creatie.",
                      now=now)
    evaluation.decide(session, staff, second, Outcome.NOT_AWARDED, "Goed idee, maar weinig effect op biodiversiteit.",
                      now=now)
    # Published four weeks ago: the standstill period is over, so the contract can be shown signed.
    evaluation.publish_decisions(session, staff, closed, now - dt.timedelta(days=28))
    return 3


def seed_proposals_and_questions(session: Session) -> int:
    """Proposals in several states and questions, answered and open, on the open demo calls."""
    from ..proposals import services as proposal_services
    from ..proposals.models import Proposal

    logistics = session.scalar(select(Call).where(Call.title == "Zero-emissie bouwlogistiek binnenstad"))
    heat = session.scalar(select(Call).where(Call.title == "Hittestress Overvecht"))
    if session.scalar(select(Proposal.id).where(Proposal.call_id == logistics.id).limit(1)) is not None:
        return 0
    olga = find_user_by_email(session, "ondernemer@demo.mvi.example")
    sam = find_user_by_email(session, "startup@demo.mvi.example")
    staff = find_user_by_email(session, "inkoper@demo.mvi.example")
    now = now_utc()
    plans = (
        (olga, logistics, "Stille vrachtfietshub Lage Weide", 1_500_000, "submit"),
        (sam, logistics, "Elektrische bouwbus", 1_200_000, "draft"),
        (olga, heat, "Koele daken met sensoren", 4_000_000, "submit"),
        (sam, heat, "Schaduwnetten in Overvecht", 3_500_000, "withdraw"),
    )
    count = 0
    for user, call, title, budget, outcome in plans:
        phase = call.phases[0]
        # Proposals on a phase that has closed were written while it was open.
        moment = now if phase.is_open(now) else phase.opens_at + dt.timedelta(days=3)
        proposal = proposal_services.start_proposal(session, user, call, phase, moment)
        proposal_services.save_draft(
            session, user, proposal, title=title, summary=f"{title}: een demo-voorstel.",
            body_source="## Aanpak\nWe beginnen klein en meten het effect.\n\n## Team\nVijf mensen uit Utrecht.",
            requested_budget_cents=budget, now=moment)
        if outcome in ("submit", "withdraw"):
            proposal_services.submit(session, user, proposal, moment)
        if outcome == "withdraw":
            proposal_services.withdraw(session, user, proposal, moment)
        count += 1
    answered = proposal_services.ask_question(session, sam, logistics, "Mag de hub buiten de gemeentegrens liggen?",
                                              now)
    proposal_services.answer_question(session, staff, answered, text=answered.text, answer_source=(
        "Ja, als de laatste kilometers **emissievrij** binnen de gemeente worden gereden."), publish=True, now=now)
    proposal_services.ask_question(session, olga, heat, "Tellen metingen van bewoners mee als data?", now)
    return count


def seed_calls(session: Session, owner: User) -> list[str]:
    created = []
    for demo in DEMO_CALLS:
        if session.scalar(select(Call.id).where(Call.title == demo.title)) is not None:
            continue
        category = session.scalar(select(Category).where(Category.slug == demo.category))
        values = list(session.scalars(select(SocialValue).where(SocialValue.slug.in_(demo.values))))
        call = save_call(
            session, owner, None, kind=demo.kind, title=demo.title, summary=demo.summary,
            body_source=demo.body, category=category, ambition_level=demo.level,
            level_explanation=demo.explanation, social_values=values, eligibility=demo.eligibility,
            prize_text=demo.prize, contact_name=owner.name, contact_email="mvi@utrecht.example",
        )
        for phase in demo.phases:
            save_phase(
                session, owner, call, None, title=phase.title,
                opens_at=_noon_in(phase.opens_in_days), closes_at=_noon_in(phase.closes_in_days),
                budget_cents=phase.budget_euros * 100, max_awards=phase.max_awards, score_scale_max=10,
                criteria=[CriterionInput(name=name, weight=weight) for name, weight in phase.criteria],
            )
        if demo.status is not CallStatus.DRAFT:
            # Publish as of the first opening day, so past deadlines in the demo are allowed.
            first_open = min(_noon_in(p.opens_in_days) for p in demo.phases)
            transition_call(session, owner, call, CallStatus.PUBLISHED,
                            now=min(first_open, now_utc()) - dt.timedelta(days=1))
        if demo.status is CallStatus.CLOSED:
            _past_proposals(session, call, _noon_in(demo.phases[0].opens_in_days) + dt.timedelta(days=2))
            transition_call(session, owner, call, CallStatus.CLOSED)
        created.append(demo.title)
    return created


def _local_at(days: int, hour: int) -> dt.datetime:
    today = now_utc().astimezone(LOCAL_TZ).date()
    return local_to_utc(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, 0)))


def _demo_residents(session: Session, count: int) -> list[User]:
    """Many demo residents at once: one password hash shared, so seeding stays quick."""
    from werkzeug.security import generate_password_hash

    from ..accounts.models import UserRole

    password_hash = generate_password_hash(DEMO_PASSWORD)
    residents = []
    for n in range(1, count + 1):
        resident = User(email=f"bewoner{n:02d}@demo.mvi.example", name=f"Bewoner {n}", password_hash=password_hash,
                        email_confirmed_at=now_utc())
        resident.role_rows = [UserRole(role=Role.CITIZEN)]
        session.add(resident)
        residents.append(resident)
    session.flush()
    return residents


def seed_dialogues(session: Session, staff: User) -> int:
    """An upcoming city dialogue with a few seats left, a full market dialogue with a waitlist, and a
    past dialogue with a published report whose input led to a demo call."""
    from ..dialogues import services as dialogue_services
    from ..dialogues.models import Dialogue, DialogueKind, DialogueStatus, Disposition, Registration

    if session.scalar(select(Dialogue.id).limit(1)) is not None:
        return 0
    burger = find_user_by_email(session, "burger@demo.mvi.example")
    olga = find_user_by_email(session, "ondernemer@demo.mvi.example")
    sam = find_user_by_email(session, "startup@demo.mvi.example")
    chain = session.scalar(select(Category).where(Category.slug == "schoonmaak-facilitair"))
    public_space = session.scalar(select(Category).where(Category.slug == "openbare-ruimte"))
    heat_call = session.scalar(select(Call).where(Call.title == "Hittestress Overvecht"))
    now = now_utc()
    city = dialogue_services.save_dialogue(
        session, staff, None, kind=DialogueKind.CITY, title="Hoe koopt Utrecht eerlijk in?",
        body_source="Zestig inwoners en vijftien ondernemers praten met experts over **ketenverantwoordelijkheid**: "
                    "hoe weten we dat wat de gemeente koopt eerlijk gemaakt is? Binnen zes weken volgt een verslag.",
        category=chain, related_call=None, starts_at=_local_at(10, 19), ends_at=_local_at(10, 21),
        address="Stadhuis, Korte Minrebroederstraat 2, Utrecht", online_url="", capacity=75,
        registration_closes_at=_local_at(9, 12), eligibility=Eligibility.BOTH, slot_minutes=None)
    market = dialogue_services.save_dialogue(
        session, staff, None, kind=DialogueKind.MARKET, title="Circulaire fietspaden 2027–2031",
        body_source="Marktgesprek over circulaire fietspaden: korte één-op-ééngesprekken van 20 minuten. "
                    "Alle partijen krijgen dezelfde informatie; binnen vier weken volgt een verslag.",
        category=public_space, related_call=None, starts_at=_local_at(14, 13), ends_at=_local_at(14, 15),
        address="Stadskantoor, Stadsplateau 1, Utrecht", online_url="https://meet.utrecht.example/fietspaden",
        capacity=1, registration_closes_at=_local_at(13, 12), eligibility=Eligibility.ENTREPRENEURS,
        slot_minutes=20)
    past = dialogue_services.save_dialogue(
        session, staff, None, kind=DialogueKind.CITY, title="Koele wijk Overvecht",
        body_source="Bewoners van Overvecht vertelden waar het in de zomer te heet wordt.",
        category=public_space, related_call=heat_call, starts_at=now - dt.timedelta(days=40),
        ends_at=now - dt.timedelta(days=40) + dt.timedelta(hours=2), address="Buurthuis De Boog, Overvecht",
        online_url="", capacity=40, registration_closes_at=now - dt.timedelta(days=41), eligibility=Eligibility.BOTH,
        slot_minutes=None)
    for dialogue in (city, market, past):
        dialogue_services.transition_dialogue(session, staff, dialogue, DialogueStatus.PUBLISHED,
                                              now=now - dt.timedelta(days=50))
    dialogue_services.register(session, burger, city, now)
    dialogue_services.register(session, olga, city, now)
    for resident in _demo_residents(session, 70):  # a few seats left of 75
        dialogue_services.register(session, resident, city, now)
    first = dialogue_services.register(session, olga, market, now)
    dialogue_services.book_slot(session, olga, first, market.slots()[0])
    dialogue_services.register(session, sam, market, now)  # the market dialogue is full: Sam waits
    # The past dialogue: registered then, input with dispositions, report published.
    for position, user in enumerate((burger, sam), start=1):
        session.add(Registration(dialogue_id=past.id, user_id=user.id, status=dialogue_services.ACTIVE[0],
                                 position=position, attended=True))
    session.flush()
    ideas = [
        (burger, "Meer bomen bij de bushaltes aan de Einsteindreef.", Disposition.ADOPTED, heat_call,
         "Opgenomen als eis in de SBIR-uitvraag Hittestress Overvecht."),
        (sam, "Koele plekken in de bibliotheek openstellen op hete dagen.", Disposition.CONSIDERED, None,
         "Meegenomen in het hitteplan van de wijk."),
        (burger, "Airco in alle woningen betalen.", Disposition.NOT_ADOPTED, None,
         "Dat past niet bij de klimaatdoelen en is geen inkoopvraag."),
    ]
    for user, text, disposition, call, reason in ideas:
        contribution = dialogue_services.add_contribution(session, user, past, text)
        dialogue_services.set_disposition(session, staff, contribution, disposition=disposition, reason=reason,
                                          call=call)
    dialogue_services.publish_report(
        session, staff, past, now=now,
        summary="Veertig bewoners dachten mee. De belangrijkste les: **schaduw** op looproutes en bij haltes.",
        followup_calls=[heat_call])
    return 3


# Category slug → department slug, for the demo's owners in monitoring.
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
        call.manager = staff
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


def seed_demo(session: Session) -> str:
    seed_catalogue(session)
    users = seed_users(session)
    session.flush()
    owner = find_user_by_email(session, "inkoper@demo.mvi.example")
    calls = seed_calls(session, owner)
    session.flush()
    proposals = seed_proposals_and_questions(session)
    dialogues = seed_dialogues(session, owner)
    juries = seed_evaluation(session, owner)
    tenders = seed_monitoring(session, owner)
    return (f"demo data: {len(users)} users, {len(calls)} calls, {proposals} proposals, {dialogues} dialogues, "
            f"{juries} juries and {tenders} external tenders added "
            f"(demo password for every demo user: {DEMO_PASSWORD})")
