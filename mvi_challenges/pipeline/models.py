"""Planned purchases (the procurement pipeline, "inkoopplanning") and who follows what.

A planned purchase says what the municipality expects to buy, when (a quarter) and roughly for
how much (a value class: a range, never the exact estimate, which would weaken the tender), at
which ambition level and for which social values, so the market can prepare. When it starts it
becomes a draft call on this platform or an outside tender in the register; both keep a link.

A follow is one address's interest in one category or one social value, confirmed by mail
(double opt-in) before any digest goes to it.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..calls.models import Call
from ..catalogue.models import Category, Department, SocialValue
from ..core.db import Base, created_at, intpk, str_enum, utcnow
from ..monitoring.models import ProcurementRecord


class ValueClass(enum.StrEnum):
    """Ranges around the European thresholds: enough to prepare, no exact budget given away."""

    UNDER_50K = "under_50k"
    FROM_50K = "50k_221k"
    FROM_221K = "221k_1m"
    FROM_1M = "1m_5m"
    OVER_5M = "over_5m"


VALUE_CLASS_LABELS = {
    ValueClass.UNDER_50K: _l("under € 50,000"),
    ValueClass.FROM_50K: _l("€ 50,000 – € 221,000"),
    ValueClass.FROM_221K: _l("€ 221,000 – € 1 million"),
    ValueClass.FROM_1M: _l("€ 1 million – € 5 million"),
    ValueClass.OVER_5M: _l("over € 5 million"),
}


planned_purchase_social_values = Table(
    "planned_purchase_social_values",
    Base.metadata,
    Column("planned_purchase_id", ForeignKey("planned_purchases.id", ondelete="CASCADE"), primary_key=True),
    Column("social_value_id", ForeignKey("social_values.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class PlannedPurchase(Base):
    __tablename__ = "planned_purchases"
    __table_args__ = (
        CheckConstraint("expected_quarter BETWEEN 1 AND 4", name="quarter_range"),
        CheckConstraint("intended_level BETWEEN 1 AND 3", name="intended_level_range"),
        # The public list: shown items in the order of their expected start.
        Index("ix_planned_purchases_public_order", "is_public", "expected_year", "expected_quarter", "id"),
    )

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    expected_year: Mapped[int]
    expected_quarter: Mapped[int]
    value_class: Mapped[ValueClass] = mapped_column(str_enum(ValueClass))
    intended_level: Mapped[int]
    # Comply or explain already in the plan: the draft call it becomes needs it anyway.
    level_explanation: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      index=True)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    # Staff may keep an item internal while it is still uncertain.
    is_public: Mapped[bool] = mapped_column(default=True)
    # When it became public: what a digest counts as "newly planned".
    announced_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # What it became: a call on this platform (a draft at first) or a tender outside it.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), unique=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("procurement_records.id", ondelete="SET NULL"),
                                                  unique=True)
    started_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship()
    call: Mapped[Call | None] = relationship()
    record: Mapped[ProcurementRecord | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    social_values: Mapped[list[SocialValue]] = relationship(
        secondary=planned_purchase_social_values, order_by=SocialValue.name_nl
    )

    @property
    def quarter_key(self) -> str:
        return f"{self.expected_year}-Q{self.expected_quarter}"

    def text(self, field: str, locale: str) -> str:
        """English only as a whole, as for calls: without an English title, the Dutch texts."""
        if locale != "nl" and self.title_en:
            return getattr(self, f"{field}_en") or getattr(self, field)
        return getattr(self, field)


class TopicKind(enum.StrEnum):
    CATEGORY = "category"
    SOCIAL_VALUE = "social_value"


class Follow(Base):
    """One address following one category or social value. Unconfirmed follows get nothing."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("email", "topic_kind", "topic_id"),)

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(320), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic_kind: Mapped[TopicKind] = mapped_column(str_enum(TopicKind))
    topic_id: Mapped[int]
    # Random, part of every signed link for this follow: a link stays valid for this follow only,
    # not for a later follow of the same topic by the same address.
    secret: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # News after this moment goes into the next digest.
    digested_until: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
