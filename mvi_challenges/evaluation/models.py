from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..calls.models import Criterion, Phase
from ..core.db import Base, created_at, intpk, random_revision, str_enum, utcnow
from ..proposals.models import Proposal


class Outcome(enum.StrEnum):
    AWARDED = "awarded"
    SHORTLISTED = "shortlisted"
    ADVANCED = "advanced"
    NOT_AWARDED = "not_awarded"


class SheetStatus(enum.StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class JuryMember(Base):
    __tablename__ = "jury_members"
    __table_args__ = (UniqueConstraint("phase_id", "user_id"),)

    id: Mapped[intpk]
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[created_at]

    phase: Mapped[Phase] = relationship()
    user: Mapped[User] = relationship()


class ConflictDeclaration(Base):
    __tablename__ = "conflict_declarations"
    __table_args__ = (UniqueConstraint("member_id", "proposal_id"),
                      Index("ix_conflict_declarations_fingerprint", "member_id", "has_conflict", "revision"))

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(ForeignKey("jury_members.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    has_conflict: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Why staff lifted a declared conflict (empty unless lifted).
    lift_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    revision: Mapped[random_revision]

    member: Mapped[JuryMember] = relationship()


class ScoreSheet(Base):
    __tablename__ = "score_sheets"
    __table_args__ = (UniqueConstraint("member_id", "proposal_id"),
                      # The results' fingerprint (services.results_fingerprint) reads these from the index alone.
                      Index("ix_score_sheets_fingerprint", "member_id", "status", "revision"))

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(ForeignKey("jury_members.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    status: Mapped[SheetStatus] = mapped_column(str_enum(SheetStatus), default=SheetStatus.DRAFT)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finalised_at: Mapped[dt.datetime | None]
    revision: Mapped[random_revision]

    member: Mapped[JuryMember] = relationship()
    proposal: Mapped[Proposal] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="sheet", cascade="all, delete-orphan",
                                               lazy="selectin")

    @property
    def is_final(self) -> bool:
        """A sheet's life: draft → final, and nothing after (evaluation.services.save_sheet)."""
        return self.status is SheetStatus.FINAL


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id"),)

    id: Mapped[intpk]
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
    motivation: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class ConsensusScore(Base):
    __tablename__ = "consensus_scores"
    __table_args__ = (UniqueConstraint("proposal_id", "criterion_id"),
                      Index("ix_consensus_scores_fingerprint", "proposal_id", "revision"))

    id: Mapped[intpk]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[created_at]
    revision: Mapped[random_revision]


class Decision(Base):
    """The municipality's decision on a proposal, with the motivation that is published."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_fingerprint", "proposal_id", "revision"),)

    id: Mapped[intpk]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    motivation: Mapped[str] = mapped_column(Text)
    # Why a proposal below a knock-out minimum is awarded or advanced all the same (jury report).
    knockout_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The place of an awarded proposal in a stage with prizes per place (a staged challenge's pitch):
    # 1 is the winner; the prize is the stage's `prizes_cents[place - 1]`. None elsewhere.
    place: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revision: Mapped[random_revision]

    proposal: Mapped[Proposal] = relationship()
