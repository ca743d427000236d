from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, intpk

# The ambition levels of the MVI approach (a category's target, a call's chosen level): one
# vocabulary for the forms of every area and for the templates (level_label).
LEVEL_CHOICES = [
    ("1", _l("1 – basic: at least the national (PIANOo) minimum criteria")),
    ("2", _l("2 – significant")),
    ("3", _l("3 – ambitious: challenge the market maximally")),
]
LEVEL_LABELS = {
    1: _l("basic: at least the national minimum criteria"),
    2: _l("significant"),
    3: _l("ambitious: the market is challenged maximally"),
}


class Localised:
    """Models with `<field>_nl` and `<field>_en` columns; Dutch is the fallback."""

    def localised(self, field: str, locale: str) -> str:
        value = getattr(self, f"{field}_{locale}", None) if locale != "nl" else None
        return value or getattr(self, f"{field}_nl")


category_social_values = Table(
    "category_social_values",
    Base.metadata,
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Column("social_value_id", ForeignKey("social_values.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Category(Localised, Base):
    """A product group (PIANOo cluster) with its target ambition level and tailored approach."""

    __tablename__ = "categories"
    __table_args__ = (CheckConstraint("target_level BETWEEN 1 AND 3", name="target_level_range"),)

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    target_level: Mapped[int] = mapped_column(default=1)
    promising: Mapped[bool] = mapped_column(default=False)
    approach_source: Mapped[str] = mapped_column(Text, default="")
    approach_html: Mapped[str] = mapped_column(Text, default="")

    # The social values the category's tailored approach serves (shown on its public page).
    social_values: Mapped[list[SocialValue]] = relationship(
        secondary=category_social_values, order_by="SocialValue.name_nl"
    )


class SocialValue(Localised, Base):
    __tablename__ = "social_values"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_nl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_nl: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")


class Department(Localised, Base):
    """An organisational unit of the municipality that owns calls and procurements.

    Monitoring is read per department (and per responsible manager): the action plan puts MVI
    in the managers' result talks.
    """

    __tablename__ = "departments"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_nl: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
