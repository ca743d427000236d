"""The demo's procurement pipeline and lessons learned (issue #19, parts 6 and 7)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..calls.models import Call
from ..catalogue.models import Category, SocialValue
from ..core.timezones import LOCAL_TZ, now_utc
from ..lessons.models import Lesson, LessonMoment, PaidOff
from ..lessons.services import LessonInput, save_lesson
from ..pipeline.models import PlannedPurchase, ValueClass
from ..pipeline.services import PlanInput, save_planned_purchase

# (title, category, quarters ahead, value class, level, social values, explanation, public)
DEMO_PLANS: tuple[tuple[str, str, int, ValueClass, int, tuple[str, ...], str, bool], ...] = (
    ("Emissievrije veegwagens Stadsbedrijven", "mobiliteit", 1, ValueClass.FROM_1M, 3, ("klimaat",), "", True),
    ("Circulair meubilair wijkbureaus", "kantoorinrichting-kleding", 2, ValueClass.FROM_221K, 3,
     ("circulaire-economie",), "", True),
    ("Schoonmaak sportaccommodaties met social return", "schoonmaak-facilitair", 2, ValueClass.FROM_1M, 2,
     ("sociale-stad",), "", True),
    ("Groenonderhoud Leidsche Rijn", "openbare-ruimte", 3, ValueClass.OVER_5M, 3,
     ("gezonde-leefomgeving", "klimaat"), "", True),
    ("Licenties samenwerkingssoftware", "ict", 4, ValueClass.FROM_221K, 1, ("ketenverantwoordelijkheid",),
     "Een verlenging van twee jaar binnen een bestaande raamovereenkomst; de markt voor open alternatieven "
     "verkennen we in een marktconsultatie in 2027.", False),
)

# (title, category, social value, worked, did not, moment, paid off + why, call title)
DEMO_LESSONS = (
    ("Marktconsultatie vooraf maakte de uitvraag scherper", "openbare-ruimte", "klimaat",
     "Drie gesprekken met aannemers lieten zien dat elektrisch materieel al beschikbaar is; de eisen werden "
     "daardoor ambitieuzer zonder dat de prijs steeg.",
     "De termijn voor de pilots was te kort voor het leveren van laadinfrastructuur.",
     LessonMoment.EXPERIMENT_ENDED, (PaidOff.PARTLY, "De extra weken hielpen; het procesgeld was te krap voor "
                                     "de begeleiding van de pilots."), "Zero-emissie bouwlogistiek binnenstad"),
    ("Social return werkt beter met een vaste begeleider", "schoonmaak-facilitair", "sociale-stad",
     "Een vaste werkbegeleider bij de leverancier hield alle vijf medewerkers binnen.",
     "De rapportage per kwartaal kwam te laat om bij te sturen.", LessonMoment.MILESTONE, None, None),
)


def _quarter_ahead(quarters: int) -> tuple[int, int]:
    today = now_utc().astimezone(LOCAL_TZ).date()
    index = today.year * 4 + (today.month - 1) // 3 + quarters
    return index // 4, index % 4 + 1


def seed_pipeline(session: Session, staff: User | None) -> int:
    """Planned purchases (one internal) and two lessons; nothing when the pipeline has items already."""
    if session.scalar(select(func.count(PlannedPurchase.id))):
        return 0
    values = {v.slug: v for v in session.scalars(select(SocialValue))}
    categories = {c.slug: c for c in session.scalars(select(Category))}
    for title, category, ahead, value_class, level, value_slugs, explanation, public in DEMO_PLANS:
        year, quarter = _quarter_ahead(ahead)
        save_planned_purchase(session, staff, None, PlanInput(
            title=title, description=f"{title}: de gemeente verwacht deze inkoop te starten in {year}-K{quarter}.",
            category=categories[category], expected_year=year, expected_quarter=quarter, value_class=value_class,
            intended_level=level, social_values=[values[s] for s in value_slugs], level_explanation=explanation,
            contact_name="Team Inkoop", contact_email="inkoop@utrecht.example", is_public=public))
    if not session.scalar(select(func.count(Lesson.id))):
        for title, category, value, worked, did_not, moment, paid_off, call_title in DEMO_LESSONS:
            call = session.scalar(select(Call).where(Call.title == call_title)) if call_title else None
            save_lesson(session, staff, None, LessonInput(
                title=title, moment=moment, recorded_on=now_utc().astimezone(LOCAL_TZ).date() - dt.timedelta(days=30),
                social_value=values[value], what_worked=worked, what_did_not=did_not, category=categories[category],
                call=call, paid_off=paid_off[0] if paid_off and call else None,
                paid_off_explanation=paid_off[1] if paid_off and call else "", is_public=True))
    return len(DEMO_PLANS)
