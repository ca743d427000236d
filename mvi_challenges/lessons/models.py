"""Lessons learned: what worked and what did not, per social value, after a contract or an
experiment ends or at a milestone, linked to the call, tender or contract it is about.

A lesson is public or internal. Internal lessons are for staff only: never on a public page, in
the search or in the open data (`visible_to_public` in services is the one filter for that).
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..calls.models import Call
from ..catalogue.models import Category, SocialValue
from ..core.db import Base, created_at, intpk, str_enum, utcnow
from ..monitoring.models import Contract, ProcurementRecord


class LessonMoment(enum.StrEnum):
    CONTRACT_ENDED = "contract_ended"
    EXPERIMENT_ENDED = "experiment_ended"
    MILESTONE = "milestone"


MOMENT_LABELS = {
    LessonMoment.CONTRACT_ENDED: _l("the contract ended"),
    LessonMoment.EXPERIMENT_ENDED: _l("the experiment ended"),
    LessonMoment.MILESTONE: _l("a milestone"),
}


class PaidOff(enum.StrEnum):
    """Did the experiment space (extra time, process money) pay off?"""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


PAID_OFF_LABELS = {PaidOff.YES: _l("yes"), PaidOff.PARTLY: _l("partly"), PaidOff.NO: _l("no")}


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_public_order", "is_public", "recorded_on", "id"),)

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(200))
    moment: Mapped[LessonMoment] = mapped_column(str_enum(LessonMoment))
    recorded_on: Mapped[dt.date]
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    social_value_id: Mapped[int] = mapped_column(ForeignKey("social_values.id"), index=True)
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_did_not: Mapped[str] = mapped_column(Text, default="")
    # What it is about (at least one): a call on this platform, a tender in the register, a contract.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("procurement_records.id", ondelete="SET NULL"),
                                                  index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"), index=True)
    # About a call's experiment space: did it pay off, and why (shown on the call after it ends).
    paid_off: Mapped[PaidOff | None] = mapped_column(str_enum(PaidOff))
    paid_off_explanation: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(lazy="joined")
    social_value: Mapped[SocialValue] = relationship(lazy="joined")
    call: Mapped[Call | None] = relationship()
    record: Mapped[ProcurementRecord | None] = relationship()
    contract: Mapped[Contract | None] = relationship()
    created_by: Mapped[User | None] = relationship()
