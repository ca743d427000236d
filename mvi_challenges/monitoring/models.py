"""Procurement records, contracts, agreed targets and measured results.

The comply-or-explain register has one `ProcurementRecord` per procurement: for a call on this
platform it is created when the call is published and kept in step with the call (the call is
the source of its category, frozen target level, ambition level and explanation); a tender
outside the platform is entered by staff. Contracts and dashboards read the one register.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call
from ..catalogue.models import Category, Department, SocialValue
from ..core.data_versions import DataVersion
from ..core.db import Base, Hundredths, created_at, intpk, str_enum, utcnow
from ..proposals.models import Proposal


class TargetUnit(enum.StrEnum):
    TONNES_CO2 = "tonnes_co2"
    PERCENT = "percent"
    EUROS = "euros"
    HOURS = "hours"
    PEOPLE = "people"
    ITEMS = "items"
    @property
    def is_additive(self) -> bool:
        """Percentages of different contracts cannot be added up; the other units can."""
        return self is not TargetUnit.PERCENT


UNIT_LABELS = {
    TargetUnit.TONNES_CO2: _l("tonnes CO2 avoided"),
    TargetUnit.PERCENT: _l("percent"),
    TargetUnit.EUROS: _l("euros"),
    TargetUnit.HOURS: _l("hours"),
    TargetUnit.PEOPLE: _l("people"),
    TargetUnit.ITEMS: _l("items"),
}


class ProcurementRecord(Base):
    """A procurement in the comply-or-explain register: a published call or an external tender."""

    __tablename__ = "procurement_records"
    __table_args__ = (
        CheckConstraint("target_level BETWEEN 1 AND 3", name="target_level_range"),
        CheckConstraint("applied_level BETWEEN 1 AND 3", name="applied_level_range"),
        Index("ix_procurement_records_published_on", "published_on"),
    )

    id: Mapped[intpk]
    # Set for a call on this platform; None for a tender entered by staff.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    reference: Mapped[str] = mapped_column(String(100), default="")  # a call's slug, or a TenderNed number
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The category's target when the tender was published, and the level actually applied.
    target_level: Mapped[int]
    applied_level: Mapped[int]
    # Required (and public) when applied < target; may be pending, which staff see listed.
    explanation: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[dt.date]
    estimated_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    call: Mapped[Call | None] = relationship()
    category: Mapped[Category] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])

    @hybrid_property
    def is_external(self) -> bool:
        return self.call_id is None

    @is_external.inplace.expression
    @classmethod
    def _is_external_expression(cls) -> ColumnElement[bool]:
        return cls.call_id.is_(None)

    @property
    def below_target(self) -> bool:
        return self.applied_level < self.target_level

    @property
    def lacks_explanation(self) -> bool:
        return self.below_target and not self.explanation.strip()

    @property
    def explanation_approval(self) -> tuple[User, dt.datetime] | None:
        """Who approved the explanation of a call on this platform, and when (the register shows
        it); None for a tender outside the platform, or while the approval is missing."""
        call = self.call
        if call is None or not self.below_target or call.explanation_approved_by is None \
                or call.explanation_approved_at is None \
                or call_lifecycle.explanation_state(call) is not call_lifecycle.ExplanationState.APPROVED:
            return None
        return call.explanation_approved_by, call.explanation_approved_at


class Contract(Base):
    """A contract that came out of a procurement: an awarded proposal of a call, or an external tender."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("value_cents >= 0", name="value_not_negative"),
        Index("ix_contracts_signed_on", "signed_on"),
    )

    id: Mapped[intpk]
    record_id: Mapped[int] = mapped_column(ForeignKey("procurement_records.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"), unique=True)
    supplier_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    supplier_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    value_cents: Mapped[int] = mapped_column(BigInteger)
    signed_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    record: Mapped[ProcurementRecord] = relationship(lazy="joined")
    proposal: Mapped[Proposal | None] = relationship()
    supplier_organisation: Mapped[Organisation | None] = relationship()
    targets: Mapped[list[ContractTarget]] = relationship(
        back_populates="contract", order_by="ContractTarget.id", cascade="all, delete-orphan"
    )
    updates: Mapped[list[ResultUpdate]] = relationship(
        back_populates="contract", order_by="(ResultUpdate.reported_on, ResultUpdate.id)",
        cascade="all, delete-orphan",
    )

    @hybrid_property
    def has_private_supplier(self) -> bool:
        """A citizen's awarded proposal: the supplier is a private person, not named in public."""
        return self.proposal_id is not None and self.supplier_organisation_id is None

    @has_private_supplier.inplace.expression
    @classmethod
    def _has_private_supplier_expression(cls) -> ColumnElement[bool]:
        """The same rule in SQL, for lists that read plain rows."""
        return and_(cls.proposal_id.is_not(None), cls.supplier_organisation_id.is_(None))

    @property
    def latest_update(self) -> ResultUpdate | None:
        return self.updates[-1] if self.updates else None

    @property
    def progress_percent(self) -> int:
        latest = self.latest_update
        return latest.progress_percent if latest is not None else 0


class ContractTarget(Base):
    """An agreed target for one social value, e.g. 120 tonnes CO2 avoided."""

    __tablename__ = "contract_targets"

    id: Mapped[intpk]
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    social_value_id: Mapped[int] = mapped_column(ForeignKey("social_values.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(200))
    unit: Mapped[TargetUnit] = mapped_column(str_enum(TargetUnit))
    agreed_value: Mapped[Decimal] = mapped_column(Hundredths)
    # The value of the latest report (by report date, then entry order), kept in step on write by
    # services.refresh_latest_measured: the dashboard adds targets up in SQL with it instead
    # of reading every measurement per request.
    latest_measured: Mapped[Decimal | None] = mapped_column(Hundredths)

    contract: Mapped[Contract] = relationship(back_populates="targets")
    social_value: Mapped[SocialValue] = relationship(lazy="joined")

    @property
    def realised_value(self) -> Decimal | None:
        """Measurements are cumulative to date: the latest one is what has been realised."""
        for update in reversed(self.contract.updates):
            for measurement in update.measurements:
                if measurement.target_id == self.id:
                    return measurement.value
        return None

    @property
    def is_met(self) -> bool:
        realised = self.realised_value
        return realised is not None and realised >= self.agreed_value


class ResultUpdate(Base):
    """A dated progress report on a contract with the outcomes measured so far."""

    __tablename__ = "result_updates"
    __table_args__ = (CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),)

    id: Mapped[intpk]
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    reported_on: Mapped[dt.date]
    progress_percent: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    contract: Mapped[Contract] = relationship(back_populates="updates")
    measurements: Mapped[list[ResultMeasurement]] = relationship(
        back_populates="update", cascade="all, delete-orphan", lazy="selectin"
    )


class ResultMeasurement(Base):
    __tablename__ = "result_measurements"
    __table_args__ = (UniqueConstraint("update_id", "target_id"),)

    id: Mapped[intpk]
    update_id: Mapped[int] = mapped_column(ForeignKey("result_updates.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("contract_targets.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal] = mapped_column(Hundredths)

    update: Mapped[ResultUpdate] = relationship(back_populates="measurements")
    target: Mapped[ContractTarget] = relationship()


FiguresVersion = DataVersion  # the monitoring set's row lives in core/data_versions.py with the others'
