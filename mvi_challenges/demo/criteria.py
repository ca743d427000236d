"""Demo leading principles and a criteria library for every category (Dutch and English).

The criteria are plausible, not official: level 1 paraphrases the kind of national minimum
criteria PIANOo publishes, levels 2 and 3 go further. The demo calls then pick criteria that give
them the level they had, so the demo shows the rule (criteria/lifecycle.py) at work.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..calls.models import Call
from ..calls.services import choose_library_criteria
from ..catalogue.models import Category, SocialValue
from ..criteria.models import LeadingPrinciple, LibraryCriterion
from ..criteria.services import CriterionInput, save_criterion, save_principle

# (slug-giving Dutch name, English name, description nl, description en, social value slugs)
PRINCIPLES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("Emissievrij en klimaatneutraal", "Zero-emission and climate-neutral",
     "We kopen in wat bijdraagt aan een klimaatneutraal Utrecht in 2030: geen uitstoot, zuinig met energie.",
     "We buy what helps Utrecht become climate-neutral by 2030: no emissions, frugal with energy.",
     ("klimaat", "gezonde-leefomgeving")),
    ("Circulair, tenzij", "Circular, unless",
     "Hergebruik gaat voor nieuw; wat nieuw is, is te hergebruiken en te repareren.",
     "Reuse comes before new; what is new can be reused and repaired.",
     ("circulaire-economie",)),
    ("Gezond en groen", "Healthy and green",
     "Schone lucht, meer groen en gezond voedsel in de stad.",
     "Clean air, more green and healthy food in the city.",
     ("gezonde-leefomgeving",)),
    ("Iedereen doet mee", "Everyone takes part",
     "Werk voor mensen met een afstand tot de arbeidsmarkt, diversiteit en inclusie in de uitvoering.",
     "Work for people far from the labour market, diversity and inclusion in delivery.",
     ("sociale-stad", "diversiteit-inclusie")),
    ("Eerlijke keten", "Fair supply chain",
     "Geen uitbuiting, kinderarbeid of milieuschade in de keten; we vragen transparantie.",
     "No exploitation, child labour or environmental harm in the chain; we ask for transparency.",
     ("ketenverantwoordelijkheid",)),
    ("Samen met de stad innoveren", "Innovating with the city",
     "Ruimte voor nieuwe oplossingen en voor lokale en kleine ondernemers.",
     "Room for new solutions and for local and small businesses.",
     ("innovatie", "lokaal-mkb")),
)

# Principle by its Dutch name's slug, as save_principle makes it.
P_CLIMATE, P_CIRCULAR, P_HEALTHY, P_INCLUSIVE, P_CHAIN, P_INNOVATE = (
    "emissievrij-en-klimaatneutraal", "circulair-tenzij", "gezond-en-groen", "iedereen-doet-mee", "eerlijke-keten",
    "samen-met-de-stad-innoveren")

# (code, category slug, level, text nl, text en, verification nl, verification en, value slug, principle slug)
CRITERIA: tuple[tuple[str, str, int, str, str, str, str, str, str], ...] = (
    # Public space and civil works
    ("GWW-1-01", "openbare-ruimte", 1,
     "De opdrachtnemer voldoet aan de minimumeisen voor grond-, weg- en waterbouw (o.a. duurzaam hout, "
     "secundaire granulaten).", "The contractor meets the minimum requirements for civil works (e.g. sustainable "
     "timber, secondary aggregates).", "Eigen verklaring en certificaten (FSC/PEFC).",
     "Self-declaration and certificates (FSC/PEFC).", "circulaire-economie", P_CIRCULAR),
    ("GWW-2-01", "openbare-ruimte", 2,
     "Ten minste 50% van het materieel op de bouwplaats is emissieloos.",
     "At least 50% of the equipment on site is zero-emission.",
     "Materieellijst bij start en controle op de bouwplaats.", "Equipment list at the start and checks on site.",
     "klimaat", P_CLIMATE),
    ("GWW-2-02", "openbare-ruimte", 2,
     "Het ontwerp voegt groen toe en houdt regenwater vast (klimaatadaptief).",
     "The design adds green and retains rainwater (climate-adaptive).",
     "Ontwerptoets door de gemeente.", "Design review by the municipality.", "gezonde-leefomgeving", P_HEALTHY),
    ("GWW-3-01", "openbare-ruimte", 3,
     "De inschrijver ontwikkelt samen met bewoners een natuurinclusieve oplossing en meet de biodiversiteit twee "
     "jaar lang.", "The tenderer develops a nature-inclusive solution with residents and measures biodiversity "
     "for two years.", "Monitoringsrapport na 12 en 24 maanden.", "Monitoring report after 12 and 24 months.",
     "gezonde-leefomgeving", P_HEALTHY),
    ("GWW-3-02", "openbare-ruimte", 3,
     "Het werk wordt volledig emissieloos uitgevoerd, inclusief aan- en afvoer.",
     "The work is carried out entirely zero-emission, supply and removal included.",
     "Emissieregistratie per week.", "Weekly emission records.", "klimaat", P_CLIMATE),
    # Buildings and energy
    ("GEB-1-01", "gebouwen-energie", 1,
     "Het gebouw voldoet aan de wettelijke milieuprestatie (MPG) en de minimumeisen voor energie.",
     "The building meets the statutory environmental performance (MPG) and the minimum energy requirements.",
     "MPG-berekening bij de aanvraag omgevingsvergunning.", "MPG calculation with the permit application.",
     "klimaat", P_CLIMATE),
    ("GEB-2-01", "gebouwen-energie", 2,
     "De MPG-score is ten minste 20% beter dan de wettelijke grens; er is een materialenpaspoort.",
     "The MPG score is at least 20% better than the legal limit; there is a materials passport.",
     "MPG-berekening en materialenpaspoort bij oplevering.", "MPG calculation and materials passport at delivery.",
     "circulaire-economie", P_CIRCULAR),
    ("GEB-3-01", "gebouwen-energie", 3,
     "Het gebouw is energiepositief en voor ten minste 50% uit hergebruikte of biobased materialen gebouwd.",
     "The building is energy-positive and built from at least 50% reused or bio-based materials.",
     "Meting van het energieverbruik in het eerste jaar; materialenpaspoort.",
     "Energy use measured in the first year; materials passport.", "klimaat", P_CLIMATE),
    # Mobility and transport
    ("MOB-1-01", "mobiliteit", 1,
     "Voertuigen voldoen ten minste aan Euro VI en aan de eisen van de Utrechtse milieuzone.",
     "Vehicles meet at least Euro VI and the rules of Utrecht's low-emission zone.",
     "Kentekenlijst.", "List of registration numbers.", "gezonde-leefomgeving", P_HEALTHY),
    ("MOB-2-01", "mobiliteit", 2,
     "Ritten binnen de ring zijn zero-emissie; de rest is ten minste Euro VI.",
     "Trips inside the ring road are zero-emission; the rest at least Euro VI.",
     "Ritregistratie per kwartaal.", "Quarterly trip records.", "klimaat", P_CLIMATE),
    ("MOB-3-01", "mobiliteit", 3,
     "Alle logistiek is zero-emissie en gebundeld via een hub; het aantal ritten daalt met ten minste 40%.",
     "All logistics are zero-emission and bundled through a hub; the number of trips falls by at least 40%.",
     "Ritregistratie en nulmeting; jaarlijkse rapportage.", "Trip records against a baseline; yearly report.",
     "klimaat", P_CLIMATE),
    ("MOB-3-02", "mobiliteit", 3,
     "De oplossing wordt met lokale ondernemers in een pilot beproefd voordat zij wordt opgeschaald.",
     "The solution is tried in a pilot with local businesses before it is scaled up.",
     "Pilotplan en evaluatierapport.", "Pilot plan and evaluation report.", "innovatie", P_INNOVATE),
    # ICT and telecom
    ("ICT-1-01", "ict", 1,
     "Apparatuur voldoet aan TCO Certified of gelijkwaardig en de leverancier neemt oude apparatuur terug.",
     "Equipment is TCO Certified or equivalent and the supplier takes old equipment back.",
     "Certificaat per product; terugnameverklaring.", "Certificate per product; take-back statement.",
     "circulaire-economie", P_CIRCULAR),
    ("ICT-2-01", "ict", 2,
     "Ten minste 30% van de laptops is refurbished; de garantie is vijf jaar.",
     "At least 30% of the laptops are refurbished; the warranty is five years.",
     "Leveringsoverzicht per jaar.", "Yearly delivery overview.", "circulaire-economie", P_CIRCULAR),
    ("ICT-2-02", "ict", 2,
     "De leverancier brengt risico's voor mensenrechten bij de winning van grondstoffen in kaart (IMVO).",
     "The supplier maps human-rights risks in the mining of raw materials (RBC due diligence).",
     "Due-diligencerapport volgens de OESO-richtlijnen.", "Due diligence report following the OECD guidelines.",
     "ketenverantwoordelijkheid", P_CHAIN),
    ("ICT-3-01", "ict", 3,
     "De leverancier werkt aantoonbaar met een eerlijke keten (bijv. conflictvrije mineralen, leefbaar loon) en "
     "verbetert die jaarlijks.", "The supplier demonstrably works with a fair chain (e.g. conflict-free minerals, "
     "living wage) and improves it yearly.", "Jaarlijks ketenrapport en audit door een derde.",
     "Yearly supply-chain report and third-party audit.", "ketenverantwoordelijkheid", P_CHAIN),
    # Catering
    ("CAT-1-01", "catering", 1,
     "Koffie, thee en cacao hebben een keurmerk voor eerlijke handel; er is een vegetarische keuze.",
     "Coffee, tea and cocoa carry a fair-trade label; there is a vegetarian choice.",
     "Keurmerken op de productlijst.", "Labels on the product list.", "ketenverantwoordelijkheid", P_CHAIN),
    ("CAT-2-01", "catering", 2,
     "Ten minste 60% van het aanbod is plantaardig en de voedselverspilling wordt gemeten en gehalveerd.",
     "At least 60% of the offer is plant-based and food waste is measured and halved.",
     "Kwartaalrapportage verspilling.", "Quarterly waste report.", "gezonde-leefomgeving", P_HEALTHY),
    ("CAT-3-01", "catering", 3,
     "Seizoensproducten komen voor ten minste 30% van lokale telers; verpakkingen zijn herbruikbaar.",
     "At least 30% of seasonal products come from local growers; packaging is reusable.",
     "Inkoopoverzicht per kwartaal.", "Quarterly purchase overview.", "lokaal-mkb", P_INNOVATE),
    # Cleaning and facility services
    ("SCH-1-01", "schoonmaak-facilitair", 1,
     "Schoonmaakmiddelen hebben een milieukeurmerk; de opdrachtnemer volgt de cao en de Code Verantwoordelijk "
     "Marktgedrag.", "Cleaning products carry an eco-label; the contractor follows the collective agreement and "
     "the Code of Responsible Market Conduct.", "Productlijst en eigen verklaring.",
     "Product list and self-declaration.", "sociale-stad", P_INCLUSIVE),
    ("SCH-2-01", "schoonmaak-facilitair", 2,
     "Ten minste 5% van de opdrachtwaarde wordt besteed aan social return.",
     "At least 5% of the contract value goes to social return.",
     "Social-returnmonitor van de gemeente.", "The municipality's social return monitor.", "sociale-stad",
     P_INCLUSIVE),
    ("SCH-3-01", "schoonmaak-facilitair", 3,
     "Ten minste 20% van de schoonmakers had een afstand tot de arbeidsmarkt en krijgt een vast contract en "
     "opleiding.", "At least 20% of the cleaners were far from the labour market and get a permanent contract "
     "and training.", "Personeelsoverzicht en jaarlijks gesprek.", "Staff overview and yearly review.",
     "diversiteit-inclusie", P_INCLUSIVE),
    # Office furniture and workwear
    ("KAN-1-01", "kantoorinrichting-kleding", 1,
     "Meubilair is van duurzaam hout en de leverancier neemt het aan het einde van de levensduur terug.",
     "Furniture is made of sustainable timber and the supplier takes it back at end of life.",
     "FSC/PEFC-certificaat; terugnameverklaring.", "FSC/PEFC certificate; take-back statement.",
     "circulaire-economie", P_CIRCULAR),
    ("KAN-2-01", "kantoorinrichting-kleding", 2,
     "Ten minste 50% van het meubilair is hergebruikt of gereviseerd.",
     "At least 50% of the furniture is reused or refurbished.",
     "Leveringsoverzicht met herkomst.", "Delivery overview with origin.", "circulaire-economie", P_CIRCULAR),
    ("KAN-2-02", "kantoorinrichting-kleding", 2,
     "Bedrijfskleding wordt gemaakt in fabrieken die lid zijn van een multistakeholderinitiatief (bijv. Fair Wear).",
     "Workwear is made in factories that belong to a multi-stakeholder initiative (e.g. Fair Wear).",
     "Lidmaatschapsbewijs en fabriekslijst.", "Proof of membership and list of factories.",
     "ketenverantwoordelijkheid", P_CHAIN),
    ("KAN-3-01", "kantoorinrichting-kleding", 3,
     "Kleding is voor ten minste 50% van gerecyclede vezels en wordt na gebruik tot nieuwe kleding verwerkt.",
     "Garments contain at least 50% recycled fibre and are turned into new garments after use.",
     "Materiaalpaspoort per kledingstuk; terugnamerapportage.", "Material passport per garment; take-back report.",
     "circulaire-economie", P_CIRCULAR),
    ("KAN-3-02", "kantoorinrichting-kleding", 3,
     "Meubilair wordt ontworpen en gemaakt door een lokale sociale onderneming.",
     "Furniture is designed and made by a local social enterprise.",
     "Contract met de sociale onderneming.", "Contract with the social enterprise.", "sociale-stad", P_INCLUSIVE),
    # Care and the social domain
    ("ZOR-1-01", "zorg-sociaal-domein", 1,
     "De aanbieder voldoet aan de kwaliteitseisen van de Wmo en houdt een cliëntenraad.",
     "The provider meets the quality requirements of the Social Support Act and has a client council.",
     "Kwaliteitsverklaring en jaarverslag.", "Quality statement and annual report.", "sociale-stad", P_INCLUSIVE),
    ("ZOR-2-01", "zorg-sociaal-domein", 2,
     "De aanbieder biedt werkplekken aan mensen met een afstand tot de arbeidsmarkt (ten minste 3 per jaar).",
     "The provider offers jobs to people far from the labour market (at least 3 a year).",
     "Social-returnmonitor.", "Social return monitor.", "sociale-stad", P_INCLUSIVE),
    ("ZOR-3-01", "zorg-sociaal-domein", 3,
     "De aanbieder ontwikkelt met bewoners een nieuwe vorm van zorg dicht bij huis en deelt wat werkt.",
     "The provider develops a new form of care close to home with residents and shares what works.",
     "Evaluatie met bewoners na een jaar; openbaar leerverslag.",
     "Evaluation with residents after a year; public learning report.", "innovatie", P_INNOVATE),
)

# Which library criteria the demo calls use: the level they give is the level each call already has.
CALL_CRITERIA: dict[str, tuple[str, ...]] = {
    "Zero-emissie bouwlogistiek binnenstad": ("MOB-1-01", "MOB-2-01", "MOB-3-01", "MOB-3-02"),
    "Hittestress Overvecht": ("GWW-2-02", "GWW-3-01"),
    "Biodiversiteit Lage Weide": ("GWW-1-01", "GWW-3-01"),
    "Circulair meubilair voor scholen": ("KAN-1-01", "KAN-2-01"),
    "Catering Stadskantoor 2027": ("CAT-1-01",),
    "Circulaire bedrijfskleding handhaving": ("KAN-2-02", "KAN-3-01"),
}


def seed_library(session: Session, actor: User | None = None) -> int:
    """The demo principles and criteria that are missing (idempotent); returns how many criteria were added."""
    if session.scalar(select(LeadingPrinciple.id).limit(1)) is None:
        values = {v.slug: v for v in session.scalars(select(SocialValue))}
        for nl, en, description_nl, description_en, value_slugs in PRINCIPLES:
            save_principle(session, actor, None, name_nl=nl, name_en=en, description_nl=description_nl,
                           description_en=description_en,
                           social_values=[values[slug] for slug in value_slugs if slug in values])
    known = set(session.scalars(select(LibraryCriterion.code)))
    categories = {c.slug: c for c in session.scalars(select(Category))}
    values = {v.slug: v for v in session.scalars(select(SocialValue))}
    principles = {p.slug: p for p in session.scalars(select(LeadingPrinciple))}
    added = 0
    for code, category, level, text_nl, text_en, check_nl, check_en, value, principle in CRITERIA:
        if code in known or category not in categories or principle not in principles:
            continue
        save_criterion(session, actor, None, CriterionInput(
            code=code, category=categories[category], level=level, text_nl=text_nl, text_en=text_en,
            verification_nl=check_nl, verification_en=check_en, social_value=values[value],
            principle=principles[principle]))
        added += 1
    session.flush()
    return added


def uses_library(title: str) -> bool:
    """Whether the demo call picks from the library; the others were made before the library existed."""
    return title in CALL_CRITERIA


def pick_call_criteria(session: Session, actor: User | None, call: Call) -> bool:
    """Give one demo call its library criteria, if it uses the library and has none yet.

    Runs before the call is published: a call in a category with a library is published only
    after its criteria were chosen (criteria/lifecycle.py).
    """
    codes = CALL_CRITERIA.get(call.title)
    if not codes or call.library_criteria or not call.is_editable:
        return False
    ids = list(session.scalars(select(LibraryCriterion.id).where(LibraryCriterion.code.in_(codes))))
    choose_library_criteria(session, actor, call, ids)
    return True


def seed_call_criteria(session: Session, actor: User | None) -> int:
    """Give existing demo calls their library criteria (a database seeded before the library)."""
    done = 0
    for title in CALL_CRITERIA:
        call = session.scalar(select(Call).where(Call.title == title))
        if call is not None and pick_call_criteria(session, actor, call):
            done += 1
    return done
