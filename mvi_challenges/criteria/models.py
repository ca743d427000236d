"""The criteria library and the leading principles (issue #19, parts 1 and 2).

A library criterion belongs to one category and one ambition level (1 = the national minimum
criteria, 2 = significant, 3 = ambitious) and serves one social value and one leading principle.
Calls pick criteria from it (calls.models.call_library_criteria); the call's level then follows
from them (criteria.lifecycle.applied_level).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import Category, Localised, SocialValue
from ..core.db import Base, intpk

principle_social_values = Table(
    "principle_social_values",
    Base.metadata,
    Column("principle_id", ForeignKey("leading_principles.id", ondelete="CASCADE"), primary_key=True),
    Column("social_value_id", ForeignKey("social_values.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class LeadingPrinciple(Localised, Base):
    """A leading principle (leidend principe): a municipal ambition translated for procurement."""

    __tablename__ = "leading_principles"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_nl: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    description_nl: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Retired principles stay on the criteria and calls that used them (history) but are offered no more.
    retired_at: Mapped[dt.datetime | None]

    social_values: Mapped[list[SocialValue]] = relationship(
        secondary=principle_social_values, order_by=SocialValue.name_nl
    )

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class LibraryCriterion(Localised, Base):
    """One MVI criterion of the library, for one category at one ambition level."""

    __tablename__ = "library_criteria"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
        Index("ix_library_criteria_category_level", "category_id", "level"),
    )

    id: Mapped[intpk]
    # The stable key of a criterion: the CSV import updates the row with the same code.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    level: Mapped[int]
    text_nl: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    verification_nl: Mapped[str] = mapped_column(Text, default="")
    verification_en: Mapped[str] = mapped_column(Text, default="")
    social_value_id: Mapped[int] = mapped_column(ForeignKey("social_values.id"), index=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("leading_principles.id"), index=True)
    retired_at: Mapped[dt.datetime | None]

    category: Mapped[Category] = relationship(lazy="joined")
    social_value: Mapped[SocialValue] = relationship(lazy="joined")
    principle: Mapped[LeadingPrinciple] = relationship(lazy="joined")

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None
