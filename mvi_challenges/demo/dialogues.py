"""The demo's city and market dialogues, with registrations, input and a report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.services import find_user_by_email
from ..calls.models import Call, Eligibility
from ..catalogue.models import Category
from ..core.timezones import LOCAL_TZ, local_to_utc, now_utc
from .people import demo_residents


def _local_at(days: int, hour: int) -> dt.datetime:
    today = now_utc().astimezone(LOCAL_TZ).date()
    return local_to_utc(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, 0)))


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
    for resident in demo_residents(session, 70):  # a few seats left of 75
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


LOT_TITLE = "Stadspanel schone lucht"
# District and age group of the demo's lot candidates, in order of registration. Overvecht and the
# young and old are over-represented, so the quotas visibly matter; twelve candidates are in no
# capped group, so the draw can always fill all twelve seats within the quotas (lottery.choose
# would otherwise give the last seats to skipped candidates).
_CAPPED = (("overvecht", "16-29"), ("overvecht", "30-44"), ("overvecht", "65+"), ("overvecht", "16-29"),
           ("overvecht", "45-64"), ("overvecht", "16-29"), ("zuid", "16-29"), ("west", "65+"), ("oost", "16-29"),
           ("binnenstad", "65+"))
_FREE = (("zuid", "30-44"), ("west", "45-64"), ("oost", "30-44"), ("binnenstad", "45-64"), ("leidsche-rijn", "30-44"),
         ("noordwest", "45-64"), ("zuidwest", "30-44"), ("noordoost", "45-64"), ("vleuten-de-meern", "30-44"),
         ("zuid", "45-64"), ("west", "30-44"), ("leidsche-rijn", "45-64"))
_LOT_CANDIDATES = _CAPPED + _FREE

def seed_lot_dialogue(session: Session, staff: User) -> int:
    """A city dialogue that selects by lot with quotas: registration has closed and the lots have been
    drawn, with the demo resident among the registrants (issue #18, part 5). Its own check, so a
    database seeded before this dialogue existed gets it too."""
    from ..dialogues import services as dialogue_services
    from ..dialogues.models import Dialogue, DialogueKind, DialogueStatus, Selection

    if session.scalar(select(Dialogue.id).where(Dialogue.title == LOT_TITLE).limit(1)) is not None:
        return 0
    burger = find_user_by_email(session, "burger@demo.mvi.example")
    residents = list(session.scalars(select(User).where(User.email.like("bewoner%@demo.mvi.example"))
                                     .order_by(User.email).limit(len(_LOT_CANDIDATES) - 1)))
    now = now_utc()
    opened = now - dt.timedelta(days=14)
    dialogue = dialogue_services.save_dialogue(
        session, staff, None, kind=DialogueKind.CITY, title=LOT_TITLE,
        body_source="Twaalf inwoners, **gekozen door loting**, adviseren over schone lucht in de stad. "
                    "Per wijk en per leeftijdsgroep is een maximum aantal plaatsen, zodat niet één wijk "
                    "of generatie het panel vult.",
        category=session.scalar(select(Category).where(Category.slug == "openbare-ruimte")), related_call=None,
        starts_at=_local_at(8, 19), ends_at=_local_at(8, 21), address="Stadhuis, Korte Minrebroederstraat 2, Utrecht",
        online_url="", capacity=12, registration_closes_at=now - dt.timedelta(days=1), eligibility=Eligibility.BOTH,
        slot_minutes=None, selection=Selection.LOT,
        lot_quotas={"district": {"overvecht": 4}, "age_group": {"16-29": 3, "65+": 2}})
    dialogue_services.transition_dialogue(session, staff, dialogue, DialogueStatus.PUBLISHED, now=opened)
    for index, person in enumerate([burger, *residents]):
        district, age_group = _LOT_CANDIDATES[index]
        dialogue_services.register(session, person, dialogue, opened + dt.timedelta(hours=index),
                                   {"district": district, "age_group": age_group})
    dialogue_services.draw_lots(session, staff, dialogue, now)
    return 1

