"""The demo's market consultations: one open for answers, and one whose summary led to a demo call.

Texts are Dutch, as the municipality writes them, with an English version (the held one's summary
too); the pages around them follow the visitor's language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.services import find_user_by_email
from ..calls.models import Call
from ..catalogue.models import Category
from ..core.timezones import LOCAL_TZ, local_to_utc, now_utc


def _local_noon(days: int) -> dt.datetime:
    today = now_utc().astimezone(LOCAL_TZ).date()
    return local_to_utc(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(12, 0)))


def seed_consultations(session: Session, staff: User) -> int:
    from ..consultations import services
    from ..consultations.models import Consultation, ConsultationStatus
    from ..dialogues.models import Disposition

    if session.scalar(select(Consultation.id).limit(1)) is not None:
        return 0
    olga = find_user_by_email(session, "ondernemer@demo.mvi.example")
    sam = find_user_by_email(session, "startup@demo.mvi.example")
    public_space = session.scalar(select(Category).where(Category.slug == "openbare-ruimte"))
    logistics_call = session.scalar(select(Call).where(Call.title == "Zero-emissie bouwlogistiek binnenstad"))
    now = now_utc()

    # Held and summarised: the challenge "Zero-emissie bouwlogistiek binnenstad" followed from it.
    start = now - dt.timedelta(days=60)
    held = services.save_consultation(
        session, staff, None, title="Marktconsultatie zero-emissie bouwlogistiek",
        body_source="De gemeente wil bouwlogistiek in de binnenstad **zonder uitstoot**. Voordat we een challenge "
                    "uitschrijven, vragen we de markt wat haalbaar is. Uw antwoorden leest alleen de gemeente; "
                    "de samenvatting publiceren we zonder namen.",
        category=public_space, closes_at=_local_noon(-40),
        questions=["Welke zero-emissievoertuigen voor bouwlogistiek zijn nu leverbaar?",
                   "Hoeveel pilotbudget is nodig om een hub een half jaar te laten draaien?",
                   "Welke eisen aan laad- en lostijden maken een pilot onhaalbaar?"],
        follow_up_call=logistics_call, now=start,
        title_en="Market consultation: zero-emission construction logistics",
        body_source_en="The municipality wants construction logistics in the city centre **without emissions**. "
                       "Before we issue a challenge, we ask the market what is feasible. Only the municipality "
                       "reads your answers; we publish the summary without names.",
        questions_en=["Which zero-emission vehicles for construction logistics can be delivered now?",
                      "How much pilot budget does a hub need to run for half a year?",
                      "Which requirements on loading and unloading times make a pilot unfeasible?"])
    services.transition_consultation(session, staff, held, ConsultationStatus.OPEN, start)
    for person, texts in ((olga, {1: "Elektrische bakwagens tot 12 ton; zwaarder pas vanaf 2028.",
                                  2: "Rond de € 15.000 per pilot voor een half jaar.",
                                  3: "Venstertijden vóór 11:00 uur."}),
                          (sam, {1: "Cargobikes met aanhanger voor kleine leveringen.", 2: "€ 10.000 tot € 20.000."})):
        if person is not None and person.organisation_id is not None:
            services.save_answers(session, person, held, texts, submit=True, now=start + dt.timedelta(days=3))
    after = held.closes_at + dt.timedelta(days=5)
    services.save_summary(session, staff, held, summary_source="Twee bedrijven antwoordden. Dank daarvoor!",
                          summary_source_en="Two companies answered. Thank you!",
                          themes=[services.ThemeInput("Voertuigen", Disposition.ADOPTED,
                                                      "De challenge staat zowel bakwagens als cargobikes toe.",
                                                      "Vehicles",
                                                      "The challenge allows both box trucks and cargo bikes."),
                                  services.ThemeInput("Pilotbudget", Disposition.ADOPTED,
                                                      "Drie pilots van € 15.000 elk.",
                                                      "Pilot budget", "Three pilots of € 15,000 each."),
                                  services.ThemeInput("Venstertijden", Disposition.CONSIDERED,
                                                      "We bespreken ruimere tijden voor zero-emissie met de "
                                                      "binnenstadsondernemers; de challenge wacht daar niet op.",
                                                      "Delivery time windows",
                                                      "We discuss wider times for zero emissions with the city "
                                                      "centre's businesses; the challenge does not wait for "
                                                      "that.")],
                          now=after)
    services.transition_consultation(session, staff, held, ConsultationStatus.SUMMARISED, after)

    # Open for answers: Olga's organisation has a draft.
    open_ = services.save_consultation(
        session, staff, None, title="Marktconsultatie circulaire fietspaden 2027–2031",
        body_source="Voor de fietspaden van 2027–2031 zoeken we **circulaire** materialen en slimme contractvormen. "
                    "Beantwoord de vragen vóór de uiterste termijn; het marktgesprek van dezelfde naam vult dit aan.",
        category=public_space, closes_at=_local_noon(21),
        questions=["Welke circulaire verhardingen heeft u toegepast, en waar?",
                   "Welke looptijd van het contract maakt hergebruik van materiaal rendabel?",
                   "Hoe meet u de CO2-uitstoot van aanleg en onderhoud?"],
        follow_up_call=None, now=now,
        title_en="Market consultation: circular cycle paths 2027–2031",
        body_source_en="For the cycle paths of 2027–2031 we look for **circular** materials and smart forms of "
                       "contract. Answer the questions before the deadline; the market dialogue of the same name "
                       "adds to this.",
        questions_en=["Which circular pavements have you used, and where?",
                      "Which contract term makes reusing material pay?",
                      "How do you measure the CO2 emissions of construction and maintenance?"])
    services.transition_consultation(session, staff, open_, ConsultationStatus.OPEN, now)
    if olga is not None and olga.organisation_id is not None:
        services.save_answers(session, olga, open_, {1: "Gerecycled asfalt op de Kanaalweg (2024)."},
                              submit=False, now=now)

    # A draft nobody outside the municipality sees yet.
    services.save_consultation(
        session, staff, None, title="Marktconsultatie schoonmaak met sociale return", body_source="Concept.",
        category=None, closes_at=_local_noon(60), questions=["Hoe geeft u werk aan mensen met afstand tot de "
                                                             "arbeidsmarkt?"],
        follow_up_call=None, now=now)
    session.flush()
    return 3
