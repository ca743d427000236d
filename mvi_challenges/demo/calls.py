"""The demo's calls (challenges and SBIR calls, with their phases), dates relative to today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.services import find_user_by_email
from ..calls.models import Call, CallKind, CallStatus, Eligibility, StageType
from ..calls.services import (
    CriterionInput,
    EnglishTexts,
    approve_explanation,
    save_call,
    save_phase,
    transition_call,
)
from ..catalogue.models import Category, SocialValue
from ..core.timezones import LOCAL_TZ, local_to_utc, now_utc
from .criteria import pick_call_criteria, uses_library


@dataclass(frozen=True)
class DemoPhase:
    title: str
    opens_in_days: int
    closes_in_days: int
    budget_euros: int
    max_awards: int
    criteria: tuple[tuple[str, int], ...]
    # The stage of the new kinds (calls/stages.py); None: the kind's default (challenge, SBIR phases).
    stage_type: StageType | None = None
    targets: str = ""
    prizes_euros: tuple[int, ...] = ()


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
    english: EnglishTexts | None = None  # None: the call is only in Dutch


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
        english=EnglishTexts(
            title="Zero-emission construction logistics in the city centre",
            summary="How do we bring building materials into the city centre without emissions and with fewer lorries?",
            body_source=(
                "## The challenge\nConstruction traffic is a major source of nitrogen and particulate matter in the "
                "city centre. We are looking for **zero-emission construction logistics**: hubs on the edge of town, "
                "light electric vehicles, smart planning.\n\n"
                "## What we offer\n- 3 pilots of €15,000\n- support from the municipality\n"
                "- the option to become a *launching customer*\n"
            ),
            prize_text="3 pilots of €15,000, with the option of a launching customer",
        ),
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
        english=EnglishTexts(
            title="Heat stress in Overvecht",
            summary="SBIR: innovations that measurably reduce heat stress in the Overvecht district.",
            body_source=(
                "## The problem\nIn summer, Overvecht gets up to 8 degrees warmer than the surrounding area. "
                "Residents in poor health suffer most.\n\n"
                "## Phases\n1. Feasibility study (5 × €40,000)\n2. Development and prototype (2 × €200,000)\n"
            ),
            prize_text="Phase 1: 5 × €40,000; phase 2: 2 × €200,000",
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
        english=EnglishTexts(
            title="Biodiversity at Lage Weide",
            summary="More biodiversity on the Lage Weide business park, together with the businesses there.",
            body_source="## The question\nDesign, with the businesses at Lage Weide, measures that measurably increase "
                        "biodiversity.\n",
            prize_text="€25,000 plus a public prize of €5,000",
        ),
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
        english=EnglishTexts(
            title="Circular furniture for schools",
            summary="Furniture for primary schools made from reused materials by makers from Utrecht.",
            body_source=("## The question\nHow do we furnish classrooms with circular furniture that lasts and can be "
                         "repaired locally?\n\n## What we offer\n- two pilots at schools\n- €20,000 per pilot\n"),
            prize_text="2 pilots of €20,000",
            level_explanation=("The market for circular school furniture is still small; this challenge explores "
                               "what is feasible at level 3."),
        ),
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
    DemoCall(
        title="Circulaire kademuren Oudegracht",
        kind=CallKind.PARTNERSHIP, category="openbare-ruimte", values=("circulaire-economie", "innovatie"), level=3,
        summary="Innovatiepartnerschap: samen een circulaire, monumentwaardige methode ontwikkelen om kademuren "
                "te herstellen, en die daarna inkopen.",
        body=(
            "## Waarom een innovatiepartnerschap\nDe kademuren langs de Oudegracht moeten de komende twintig jaar "
            "worden hersteld. Een circulaire methode bestaat nog niet. We selecteren eerst partners op hun "
            "geschiktheid, ontwikkelen daarna in twee stappen met doelen en een go/no-go per partner, en kopen "
            "tot slot het resultaat in zonder nieuwe aanbesteding (Aanbestedingswet art. 2.126a).\n"
        ),
        prize="Ontwikkelbudget €700.000 in twee stappen; daarna inkoop van het resultaat",
        phases=(
            DemoPhase("Selectie van partners", -5, 25, 0, 3, (
                ("Technische bekwaamheid", 40), ("Ervaring met monumenten", 30), ("Circulaire aanpak", 30)),
                stage_type=StageType.SELECTION),
            DemoPhase("O&O 1: proefvak", 45, 165, 300_000, 3, (
                ("Resultaat proefvak", 50), ("Hergebruik materiaal", 30), ("Kosten", 20)),
                stage_type=StageType.RND,
                targets="Een proefvak van 10 meter kademuur hersteld met ten minste 70% hergebruikt materiaal.\n"
                        "Kosten per meter hoogstens 120% van traditioneel herstel."),
            DemoPhase("O&O 2: opschalen", 180, 330, 400_000, 2, (
                ("Resultaat opschaling", 50), ("Hergebruik materiaal", 30), ("Kosten", 20)),
                stage_type=StageType.RND,
                targets="100 meter kademuur hersteld; 80% hergebruik; onderhoudsplan voor 50 jaar."),
            DemoPhase("Aankoop van het resultaat", 345, 375, 2_500_000, 1, (
                ("Prijs", 50), ("Kwaliteit", 50)), stage_type=StageType.PURCHASE),
        ),
        english=EnglishTexts(
            title="Circular quay walls on the Oudegracht",
            summary="Innovation partnership: develop a circular method to restore historic quay walls together, "
                    "then buy it.",
            body_source=(
                "## Why an innovation partnership\nThe quay walls along the Oudegracht must be restored over the "
                "next twenty years. No circular method exists yet. We first select partners on their suitability, "
                "then develop in two stages with targets and a go/no-go per partner, and finally buy the result "
                "without a new tender (Dutch Public Procurement Act, art. 2.126a).\n"
            ),
            prize_text="Development budget €700,000 in two stages; then purchase of the result",
        ),
    ),
    DemoCall(
        title="Stille bouwplaatsen",
        kind=CallKind.STAGED_CHALLENGE, category="mobiliteit", values=("gezonde-leefomgeving", "lokaal-mkb"),
        level=3,
        summary="Challenge in rondes, afgerond: minder geluidsoverlast van bouwplaatsen. De winnaars staan op de "
                "winnaarspagina.",
        body="## De uitdaging\nBouwen in een drukke stad zonder de buren wakker te houden.\n",
        prize="1e prijs €10.000, 2e prijs €5.000",
        # Both rounds lie in the past: the shortlist pitched and the winners are published.
        phases=(
            DemoPhase("Open ronde", -100, -70, 0, 2, (("Minder geluid", 50), ("Haalbaarheid", 50)),
                      stage_type=StageType.ROUND),
            DemoPhase("Pitch", -50, -40, 15_000, 2, (("Minder geluid", 40), ("Haalbaarheid", 30), ("Pitch", 30)),
                      stage_type=StageType.PITCH, prizes_euros=(10_000, 5_000)),
        ),
        status=CallStatus.DECIDED,
        english=EnglishTexts(
            title="Quiet building sites",
            summary="Challenge in rounds, completed: less noise from building sites. The winners are on the winners "
                    "page.",
            body_source="## The challenge\nBuilding in a busy city without keeping the neighbours awake.\n",
            prize_text="1st prize €10,000, 2nd prize €5,000",
        ),
    ),
    DemoCall(
        title="Schone lucht rond scholen",
        kind=CallKind.STAGED_CHALLENGE, category="mobiliteit", values=("gezonde-leefomgeving", "innovatie"), level=3,
        summary="Challenge in rondes: ideeën voor schonere lucht rond basisscholen. De beste vijf pitchen; drie "
                "prijzen.",
        body=(
            "## De uitdaging\nRond veel basisscholen is de lucht bij het halen en brengen slecht. "
            "In de open ronde dient iedereen een idee in; de jury kiest een shortlist van vijf, die hun idee "
            "pitchen. De winnaars staan op de openbare winnaarspagina met de motivering van de jury.\n"
        ),
        prize="1e prijs €15.000, 2e prijs €10.000, 3e prijs €5.000",
        eligibility=Eligibility.BOTH,
        phases=(
            DemoPhase("Open ronde", -10, 12, 0, 5, (
                ("Impact op luchtkwaliteit", 40), ("Haalbaarheid", 30), ("Originaliteit", 30)),
                stage_type=StageType.ROUND),
            DemoPhase("Pitch", 30, 40, 30_000, 3, (
                ("Impact op luchtkwaliteit", 40), ("Haalbaarheid", 30), ("Pitch en team", 30)),
                stage_type=StageType.PITCH, prizes_euros=(15_000, 10_000, 5_000)),
        ),
        english=EnglishTexts(
            title="Clean air around schools",
            summary="Challenge in rounds: ideas for cleaner air around primary schools. The best five pitch; three "
                    "prizes.",
            body_source=(
                "## The challenge\nAround many primary schools the air is poor at drop-off and pick-up time. "
                "In the open round anyone submits an idea; the jury picks a shortlist of five, who pitch their idea. "
                "The winners appear on the public winners page with the jury's motivation.\n"
            ),
            prize_text="1st prize €15,000, 2nd prize €10,000, 3rd prize €5,000",
        ),
    ),
)


def _noon_in(days: int) -> dt.datetime:
    today = now_utc().astimezone(LOCAL_TZ).date()
    return local_to_utc(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(12, 0)))


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


def _run_rounds_to_winners(session: Session, owner: User, call: Call) -> None:
    """A challenge in rounds run to its end in the past: both demo entrepreneurs submit, are
    shortlisted, pitch, and win places 1 and 2; the winners page is public."""
    from ..evaluation import services as evaluation
    from ..evaluation.models import Outcome
    from ..proposals import services as proposal_services

    entrants = (("startup@demo.mvi.example", "Geluidsscherm van stro", 1),
                ("ondernemer@demo.mvi.example", "Stille elektrische heipalen", 2))
    for stage in call.phases:
        moment = stage.opens_at + dt.timedelta(days=2)
        for email, title, _place in entrants:
            user = find_user_by_email(session, email)
            proposal = proposal_services.start_proposal(session, user, call, stage, moment)
            proposal_services.save_draft(session, user, proposal, title=title, summary=f"{title}: demo.",
                                         body_source="## Aanpak\nStil en schoon bouwen.",
                                         requested_budget_cents=0, now=moment)
            proposal_services.submit(session, user, proposal, moment)
        decided_at = stage.closes_at + dt.timedelta(days=3)
        for proposal in evaluation.phase_proposals(session, stage):
            place = next(p for _email, title, p in entrants if title == proposal.title)
            last = stage is call.phases[-1]
            evaluation.decide(
                session, owner, proposal, Outcome.AWARDED if last else Outcome.ADVANCED,
                "De jury vond dit het stilste en best uitvoerbare plan." if place == 1
                else "Sterk plan; net iets minder geluidsreductie dan de winnaar.",
                place=place if last else None, now=decided_at)
        evaluation.publish_decisions(session, owner, stage, decided_at)


# Approves the demo's below-target explanations: a manager other than their writer (four eyes).
DEMO_MANAGER = "admin@demo.mvi.example"


def seed_calls(session: Session, owner: User, *, with_library: bool) -> list[str]:
    """The demo calls that use the library (`with_library`), or those made before the library existed.

    A call in a category with a library is published only after picking its criteria, so the
    calls without library criteria are seeded (and published) before the library itself.
    """
    created = []
    manager = find_user_by_email(session, DEMO_MANAGER)
    for demo in DEMO_CALLS:
        if uses_library(demo.title) is not with_library:
            continue
        if session.scalar(select(Call.id).where(Call.title == demo.title)) is not None:
            continue
        category = session.scalar(select(Category).where(Category.slug == demo.category))
        values = list(session.scalars(select(SocialValue).where(SocialValue.slug.in_(demo.values))))
        call = save_call(
            session, owner, None, kind=demo.kind, title=demo.title, summary=demo.summary,
            body_source=demo.body, category=category, ambition_level=demo.level,
            level_explanation=demo.explanation, social_values=values, eligibility=demo.eligibility,
            prize_text=demo.prize, contact_name=owner.name, contact_email="mvi@utrecht.example",
            english=demo.english, manager=manager if demo.explanation else None,
        )
        if demo.explanation and manager is not None:
            # Approved before the publication moment below (a day before the first opening).
            first_open = min(_noon_in(p.opens_in_days) for p in demo.phases)
            approve_explanation(session, manager, call, now=min(first_open, now_utc()) - dt.timedelta(days=2))
        for phase in demo.phases:
            save_phase(
                session, owner, call, None, title=phase.title,
                opens_at=_noon_in(phase.opens_in_days), closes_at=_noon_in(phase.closes_in_days),
                budget_cents=phase.budget_euros * 100, max_awards=phase.max_awards, score_scale_max=10,
                criteria=[CriterionInput(name=name, weight=weight) for name, weight in phase.criteria],
                stage_type=phase.stage_type, targets=phase.targets,
                prizes_cents=[euros * 100 for euros in phase.prizes_euros],
            )
        pick_call_criteria(session, owner, call)  # before publishing: the level follows from them
        if demo.status is not CallStatus.DRAFT:
            # Publish as of the first opening day, so past deadlines in the demo are allowed.
            first_open = min(_noon_in(p.opens_in_days) for p in demo.phases)
            transition_call(session, owner, call, CallStatus.PUBLISHED,
                            now=min(first_open, now_utc()) - dt.timedelta(days=1))
        if demo.status is CallStatus.DECIDED:
            _run_rounds_to_winners(session, owner, call)
        if demo.status is CallStatus.CLOSED:
            _past_proposals(session, call, _noon_in(demo.phases[0].opens_in_days) + dt.timedelta(days=2))
            transition_call(session, owner, call, CallStatus.CLOSED)
        created.append(demo.title)
    return created
