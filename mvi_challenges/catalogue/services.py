"""Catalogue rules and the reference sets from the action plan."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import audit
from ..core.errors import DomainError
from ..core.sanitize import render_markdown
from ..core.slugs import unique_slug
from .models import Category, Department, SocialValue

# (slug, nl, en, target level, promising, tailored approach in Markdown)
CATEGORIES: tuple[tuple[str, str, str, int, bool, str], ...] = (
    ("openbare-ruimte", "Openbare ruimte en GWW (incl. groen)", "Public space and civil works (incl. green)", 3, True,
     "Circulair ontwerpen en bouwen, emissievrij materieel op de bouwplaats en meer groen. "
     "We vragen **levenscyclusprijzen** en belonen hergebruik van materialen."),
    ("gebouwen-energie", "Gebouwen en energie", "Buildings and energy", 3, True,
     "Energieneutraal en circulair bouwen en renoveren. We gebruiken de **MPG** en vragen "
     "materialenpaspoorten."),
    ("mobiliteit", "Mobiliteit en vervoer", "Mobility and transport", 3, True,
     "Zero-emissie vervoer en logistiek, in lijn met de milieuzone. We combineren stromen en "
     "dagen de markt uit op **schone logistiek**."),
    ("ict", "ICT en telecom", "ICT and telecom", 2, False,
     "Langere levensduur, refurbished apparatuur en ketenverantwoordelijkheid voor grondstoffen."),
    ("catering", "Catering", "Catering", 2, False,
     "Gezond, seizoensgebonden en plantaardig aanbod; minder verspilling en verpakking."),
    ("schoonmaak-facilitair", "Schoonmaak en facilitaire diensten", "Cleaning and facility services", 2, False,
     "Social return, goed werkgeverschap en duurzame middelen."),
    ("kantoorinrichting-kleding", "Kantoorinrichting en bedrijfskleding", "Office furniture and workwear", 3, True,
     "Circulair meubilair (hergebruik eerst) en eerlijke kleding met **ketenverantwoordelijkheid**."),
    ("zorg-sociaal-domein", "Zorg en sociaal domein", "Care and the social domain", 3, True,
     "Inclusie, werk voor mensen met een afstand tot de arbeidsmarkt en innovatie in zorg dicht bij huis."),
)

# (slug, nl, en, description nl, description en)
SOCIAL_VALUES: tuple[tuple[str, str, str, str, str], ...] = (
    ("klimaat", "Klimaat (CO2)", "Climate (CO2)", "Minder uitstoot van broeikasgassen.", "Lower greenhouse gas emissions."),
    ("circulaire-economie", "Circulaire economie", "Circular economy", "Hergebruik van grondstoffen en producten.", "Reuse of raw materials and products."),
    ("gezonde-leefomgeving", "Gezonde leefomgeving", "Healthy living environment", "Schone lucht, groen en water.", "Clean air, green and water."),
    ("sociale-stad", "Sociale en gezonde stad", "Social and healthy city", "Werk voor mensen met een afstand tot de arbeidsmarkt, social return.", "Work for people far from the labour market, social return."),
    ("ketenverantwoordelijkheid", "Ketenverantwoordelijkheid", "Supply-chain responsibility", "Eerlijke internationale arbeidsomstandigheden.", "Fair international working conditions."),
    ("diversiteit-inclusie", "Diversiteit en inclusie", "Diversity and inclusion", "Iedereen doet mee.", "Everyone takes part."),
    ("lokaal-mkb", "Lokaal en mkb", "Local and small enterprises", "Kansen voor lokale en kleine ondernemers.", "Opportunities for local and small businesses."),
    ("innovatie", "Innovatie", "Innovation", "Nieuwe oplossingen ontwikkelen en toepassen.", "Developing and applying new solutions."),
)


# The social values each category's tailored approach serves (category slug → value slugs).
CATEGORY_VALUES: dict[str, tuple[str, ...]] = {
    "openbare-ruimte": ("klimaat", "circulaire-economie", "gezonde-leefomgeving"),
    "gebouwen-energie": ("klimaat", "circulaire-economie"),
    "mobiliteit": ("klimaat", "gezonde-leefomgeving"),
    "ict": ("circulaire-economie", "ketenverantwoordelijkheid"),
    "catering": ("gezonde-leefomgeving", "klimaat", "lokaal-mkb"),
    "schoonmaak-facilitair": ("sociale-stad", "diversiteit-inclusie"),
    "kantoorinrichting-kleding": ("circulaire-economie", "ketenverantwoordelijkheid"),
    "zorg-sociaal-domein": ("sociale-stad", "diversiteit-inclusie", "innovatie"),
}

# (slug, nl, en): organisational units that own procurements.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("ruimte", "Ruimte", "Spatial planning"),
    ("stadsbedrijven", "Stadsbedrijven", "City operations"),
    ("maatschappelijke-ontwikkeling", "Maatschappelijke Ontwikkeling", "Social development"),
    ("concernstaf", "Concernstaf en Bedrijfsvoering", "Corporate staff and operations"),
)


def seed_catalogue(session: Session) -> None:
    """Insert the reference categories, social values and departments that are missing (idempotent)."""
    known = set(session.scalars(select(Category.slug)))
    for slug, nl, en, level, promising, approach in CATEGORIES:
        if slug not in known:
            session.add(Category(
                slug=slug, name_nl=nl, name_en=en, target_level=level, promising=promising,
                approach_source=approach, approach_html=render_markdown(approach),
            ))
    known = set(session.scalars(select(SocialValue.slug)))
    for slug, nl, en, description_nl, description_en in SOCIAL_VALUES:
        if slug not in known:
            session.add(SocialValue(
                slug=slug, name_nl=nl, name_en=en,
                description_nl=description_nl, description_en=description_en,
            ))
    session.flush()
    values = {value.slug: value for value in session.scalars(select(SocialValue))}
    for category in session.scalars(select(Category).where(Category.slug.in_(list(CATEGORY_VALUES)))):
        if not category.social_values:
            category.social_values = [values[slug] for slug in CATEGORY_VALUES[category.slug] if slug in values]
    known = set(session.scalars(select(Department.slug)))
    for slug, nl, en in DEPARTMENTS:
        if slug not in known:
            session.add(Department(slug=slug, name_nl=nl, name_en=en))
    session.flush()


def all_categories(session: Session, locale: str = "nl") -> list[Category]:
    """Sorted by the name the reader sees."""
    return sorted(session.scalars(select(Category)), key=lambda c: c.localised("name", locale).casefold())


def category_choices(session: Session, locale: str = "nl") -> list[tuple[str, str]]:
    """(slug, name the reader sees) of every category, sorted as `all_categories`: for a filter's
    options, from plain rows instead of objects."""
    rows = session.execute(select(Category.slug, Category.name_nl, Category.name_en))
    choices = [(slug, (name_en or name_nl) if locale != "nl" else name_nl) for slug, name_nl, name_en in rows]
    return sorted(choices, key=lambda choice: choice[1].casefold())


def all_social_values(session: Session, locale: str = "nl") -> list[SocialValue]:
    return sorted(session.scalars(select(SocialValue)), key=lambda v: v.localised("name", locale).casefold())


def find_category_by_slug(session: Session, slug: str) -> Category | None:
    return session.scalar(select(Category).where(Category.slug == slug))


def all_departments(session: Session, locale: str = "nl") -> list[Department]:
    return sorted(session.scalars(select(Department)), key=lambda d: d.localised("name", locale).casefold())


def department_choices(session: Session, locale: str) -> list[tuple[int, str]]:
    """Choices for a 'department responsible' select; 0 means not set."""
    return [(0, str(_l("— not set —")))] + [
        (department.id, department.localised("name", locale)) for department in all_departments(session, locale)]


def save_category(session: Session, actor: Any, category: Category | None, **fields: Any) -> Category:
    """Create or update a category. Side effect: audit `category.saved`."""
    level = fields["target_level"]
    if level not in (1, 2, 3):
        raise DomainError(_l("The ambition level is 1, 2 or 3."), field="target_level")
    if category is None:  # the slug is set once: links and the seed depend on it
        category = Category(slug=unique_slug(session, Category, fields["name_nl"], "categorie"))
        session.add(category)
    category.name_nl = fields["name_nl"].strip()
    category.name_en = fields["name_en"].strip()
    category.target_level = level
    category.promising = fields["promising"]
    category.approach_source = fields["approach_source"] or ""
    category.approach_html = render_markdown(category.approach_source)
    if "social_values" in fields:
        category.social_values = list(fields["social_values"])
    session.flush()
    audit.record(session, actor, "category.saved", category)
    return category


def save_social_value(
    session: Session, actor: Any, value: SocialValue | None, **fields: Any
) -> SocialValue:
    """Create or update a social value. Side effect: audit `social_value.saved`."""
    if value is None:
        value = SocialValue(slug=unique_slug(session, SocialValue, fields.get("name_nl") or "", "waarde"))
        session.add(value)
    for name in ("name_nl", "name_en", "description_nl", "description_en"):
        setattr(value, name, (fields.get(name) or "").strip())
    session.flush()
    audit.record(session, actor, "social_value.saved", value)
    return value


def save_department(session: Session, actor: Any, department: Department | None, *, name_nl: str,
                    name_en: str) -> Department:
    """Create or update a department. Side effect: audit `department.saved`."""
    if department is None:
        department = Department(slug=unique_slug(session, Department, name_nl, "afdeling"))
        session.add(department)
    department.name_nl = name_nl.strip()
    department.name_en = name_en.strip()
    session.flush()
    audit.record(session, actor, "department.saved", department)
    return department
