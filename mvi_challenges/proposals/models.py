from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..calls.models import Call, Phase
from ..core.db import Base, created_at, intpk, random_revision, str_enum, utcnow


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    UNDER_REVIEW = "under_review"
    ADVANCED = "advanced"
    SHORTLISTED = "shortlisted"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"


class Proposal(Base):
    """The working copy of a proposal; each submission freezes a ProposalVersion.

    `owner_key` is "org:<id>" for an organisation or "user:<id>" for a citizen: the unique
    constraint on (phase, owner_key) is what makes "one proposal per organisation (or per
    citizen) per phase" true even when two requests race.
    """

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("phase_id", "owner_key"),
        Index("ix_proposals_call_status", "call_id", "status"),
        # The dashboard counts proposals received per year, from this index alone.
        Index("ix_proposals_submitted", "submitted_at", "status", "call_id"),
        # The jury results' fingerprint: proposals of a phase, their status and last change, from the index.
        Index("ix_proposals_phase_fingerprint", "phase_id", "status", "revision"),
        # Awarded proposals still without a contract (staff's work list and monitoring page), from
        # the index alone: reading each awarded proposal's row took tens of ms at city scale.
        Index("ix_proposals_status_phase_call", "status", "phase_id", "call_id"),
        # An owner's proposals, newest change first (Mijn voorstellen, a citizen's /my): without it
        # every request scanned all proposals (10-18 ms each at city scale).
        Index("ix_proposals_owner_updated", "owner_key", "updated_at", "id"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"), index=True)
    owner_key: Mapped[str] = mapped_column(String(40))
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    previous_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    requested_budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus), default=ProposalStatus.DRAFT, index=True)
    submitted_at: Mapped[dt.datetime | None]
    # True when the working copy differs from the last submitted version.
    has_unsubmitted_changes: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    revision: Mapped[random_revision]

    call: Mapped[Call] = relationship()
    phase: Mapped[Phase] = relationship()
    submitter: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="proposal", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    partners: Mapped[list[ConsortiumPartner]] = relationship(
        back_populates="proposal", order_by="ConsortiumPartner.id", cascade="all, delete-orphan"
    )

    @property
    def current_attachments(self) -> list[Attachment]:
        return [a for a in self.attachments if a.removed_at is None]

    @property
    def latest_version(self) -> ProposalVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def submitted_title(self) -> str:
        """The title of the latest submitted version: what others may see, never the working copy."""
        latest = self.latest_version
        return latest.title if latest is not None else self.title


class ProposalVersion(Base):
    """A submitted version, frozen: what the jury evaluates and what the receipt proves."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[intpk]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    requested_budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    # [{"id", "filename", "sha256", "size"}] of the attachments at submission time.
    attachment_manifest: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"organisation_id", "name", "kvk_number", "role", "share_cents"}] of the confirmed consortium
    # partners at submission time: what the jury, the award and OCDS use (never the live invitations).
    consortium: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    submitted_at: Mapped[dt.datetime]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    digest: Mapped[str] = mapped_column(String(64))

    proposal: Mapped[Proposal] = relationship(back_populates="versions")


class PartnerStatus(enum.StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the lead took the invitation (or the partner) back


class ConsortiumPartner(Base):
    """A partner organisation in a proposal's consortium, from invitation to confirmation.

    The lead (the proposal's own organisation) names the partner by email address and/or KvK number
    and states its role and budget share; a member of that organisation confirms or declines through
    a signed, single-use link. `organisation_id` is set when it is answered: the unique constraint
    keeps an organisation from joining one proposal twice, also when two invitations race.
    """

    __tablename__ = "consortium_partners"
    __table_args__ = (UniqueConstraint("proposal_id", "organisation_id"),
                      Index("ix_consortium_partners_proposal_status", "proposal_id", "status"))

    id: Mapped[intpk]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    invited_email: Mapped[str] = mapped_column(String(320), default="")
    invited_kvk: Mapped[str] = mapped_column(String(8), default="", index=True)
    role: Mapped[str] = mapped_column(String(200))
    share_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PartnerStatus] = mapped_column(str_enum(PartnerStatus), default=PartnerStatus.INVITED)
    # The secret half of the invitation link; emptied when the link is used, so it works once.
    nonce: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    invited_at: Mapped[created_at]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    responded_at: Mapped[dt.datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    proposal: Mapped[Proposal] = relationship(back_populates="partners")
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def invited_as(self) -> str:
        """How the lead named the partner, for lists: the KvK number and/or the address."""
        return " · ".join(part for part in (self.invited_kvk, self.invited_email) if part)


class Attachment(Base):
    """A stored file. Removing it from a working copy only marks it: submitted versions keep it."""

    __tablename__ = "attachments"

    id: Mapped[intpk]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    # Not unique: a phase-2 proposal shares the (immutable) stored files of its phase-1 proposal.
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[created_at]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[dt.datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")


# The audit action of a correction to a published answer: its details keep the previous texts, and
# its time is when the public Q&A and the open data say the answer changed (no column of its own).
ANSWER_CHANGED = "question.answer_changed"


class Question(Base):
    """A question on a call (nota van inlichtingen). The asker is never shown to others."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_call_published", "call_id", "published_at"),
                      # A number is given once per call, at the first publication, and never reused.
                      UniqueConstraint("call_id", "number"))

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    asker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    answer_source: Mapped[str] = mapped_column(Text, default="")
    answer_html: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asked_at: Mapped[created_at]
    published_at: Mapped[dt.datetime | None]
    # "Vraag 7" everywhere (staff page, public notice, notes): set at the first publication.
    number: Mapped[int | None]
    # The clarification note (nota van inlichtingen) that took this answer in: then it is fixed.
    note_id: Mapped[int | None] = mapped_column(ForeignKey("clarification_notes.id", ondelete="SET NULL"),
                                                index=True)

    call: Mapped[Call] = relationship()


call_followers = Table(
    "call_followers",
    Base.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)
