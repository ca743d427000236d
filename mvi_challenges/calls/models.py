from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..catalogue.models import Category, Department, SocialValue
from ..core.db import Base, created_at, intpk, str_enum, utcnow
from ..criteria.models import LibraryCriterion


class CallKind(enum.StrEnum):
    """The procedure a call follows. Every kind is a sequence of stages (rows of `Phase` with a
    `StageType`); calls/stages.py says which stages each kind has and in what order."""

    CHALLENGE = "challenge"
    SBIR = "sbir"
    # Innovatiepartnerschap (Aanbestedingswet art. 2.126a): selection → R&D stages → purchase.
    PARTNERSHIP = "partnership"
    # A challenge in rounds: open round → (shortlist) → … → pitch with prizes per place.
    STAGED_CHALLENGE = "staged_challenge"


class StageType(enum.StrEnum):
    """What a stage (a `Phase` row) does in its procedure; calls/stages.py holds the rules per type."""

    PHASE = "phase"  # a challenge's single phase, an SBIR phase
    SELECTION = "selection"  # innovation partnership: selecting partners on suitability
    RND = "rnd"  # innovation partnership: research and development with targets, go/no-go per partner
    PURCHASE = "purchase"  # innovation partnership: buying the result, without a new tender
    ROUND = "round"  # staged challenge: an open round or a later round; its shortlist goes on
    PITCH = "pitch"  # staged challenge: the pitch in time slots; winners per place with a prize


class Eligibility(enum.StrEnum):
    ENTREPRENEURS = "entrepreneurs"
    CITIZENS = "citizens"
    BOTH = "both"


# Who may take part (in a call, a dialogue): one vocabulary for the forms of both areas.
ELIGIBILITY_CHOICES = [
    (Eligibility.ENTREPRENEURS.value, _l("Entrepreneurs")),
    (Eligibility.CITIZENS.value, _l("Citizens")),
    (Eligibility.BOTH.value, _l("Entrepreneurs and citizens")),
]


class CallStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    DECIDED = "decided"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"


class LocalText(NamedTuple):
    """A call's text in the language asked for, or the Dutch original with lang "nl" when no
    translation exists: the page marks it with that lang attribute (WCAG 3.1.2)."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


# A call's own public texts that may have an English version (`<field>_en` beside the Dutch one).
TRANSLATABLE_FIELDS = ("title", "summary", "body_html", "prize_text", "level_explanation")


def call_text(call: Any, field: str, locale: str) -> LocalText:
    """`field` of a call (or of any row with the same attribute names) in `locale`, Dutch as the
    fallback. English only exists as a whole: without an English title nothing English is shown."""
    dutch = getattr(call, field) or ""
    if locale != "nl" and getattr(call, "title_en", ""):
        translated = getattr(call, f"{field}_en", "") or ""
        if translated:
            return LocalText(translated, locale)
    return LocalText(dutch, "nl")
STATUS_LABELS = {
    CallStatus.DRAFT: _l("draft"),
    CallStatus.PUBLISHED: _l("published"),
    CallStatus.CLOSED: _l("closed"),
    CallStatus.DECIDED: _l("decided"),
    CallStatus.ARCHIVED: _l("archived"),
    CallStatus.CANCELLED: _l("cancelled"),
}


def status_label(status: CallStatus) -> str:
    return str(STATUS_LABELS[status])


class PublicState(enum.StrEnum):
    """What a visitor sees, derived from the status and the phase windows at a moment."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    DECIDED = "decided"
    CANCELLED = "cancelled"
    DRAFT = "draft"


call_social_values = Table(
    "call_social_values",
    Base.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("social_value_id", ForeignKey("social_values.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


# The criteria a call picked from the library (issue #19): its ambition level follows from them
# (criteria.lifecycle.applied_level). A call without any keeps its stored, declared level.
call_library_criteria = Table(
    "call_library_criteria",
    Base.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("criterion_id", ForeignKey("library_criteria.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("ambition_level BETWEEN 1 AND 3", name="ambition_level_range"),
        Index("ix_calls_status_published_at", "status", "published_at"),
        # The public list's order, with status so that pages and counts are read from the index alone.
        Index("ix_calls_public_order", "published_at", "id", "status"),
        Index("ix_calls_open_data_order", "id", "status", "published_at"),  # OCDS pages in id order
        # Staff's call list, most recently changed first: read in index order, not 10,000 calls sorted.
        Index("ix_calls_staff_order", "updated_at", "id"),
        # The list filtered by kind and level (the filters people combine most): counted and paged in
        # order from this index alone; without it PostgreSQL read and sorted every call (8-16 ms at scale 1).
        Index("ix_calls_kind_level_order", "kind", "ambition_level", "published_at", "id", "status"),
    )

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[CallKind] = mapped_column(str_enum(CallKind), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600))
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    ambition_level: Mapped[int] = mapped_column(index=True)
    # Comply or explain: why the call is below its category's target level (public).
    level_explanation: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[Eligibility] = mapped_column(str_enum(Eligibility))
    prize_text: Mapped[str] = mapped_column(String(300), default="")
    # The English version of the public texts (optional; the Dutch ones above are the original).
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    summary_en: Mapped[str] = mapped_column(String(600), default="", server_default="")
    body_source_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_html_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    prize_text_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    level_explanation_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    status: Mapped[CallStatus] = mapped_column(str_enum(CallStatus), default=CallStatus.DRAFT, index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None]
    # The category's target level, frozen when the call is published: comply-or-explain is judged
    # against the target that applied then, not against a later change of the category.
    target_level: Mapped[int | None]
    # Questions (nota van inlichtingen) can be asked until this moment; None: until the deadline.
    questions_close_at: Mapped[dt.datetime | None]
    # Who answers for the call in monitoring: an organisational unit and a responsible manager.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Experiment space granted for an innovative procurement (reported in monitoring).
    experiment_extra_weeks: Mapped[int] = mapped_column(default=0, server_default="0")
    experiment_budget_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    experiment_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Calendar days between publishing the decisions and signing a contract (the Alcatel period):
    # losing applicants can object in that time.
    standstill_days: Mapped[int] = mapped_column(default=20, server_default="20")
    # Comply or explain, four eyes: the call's manager approves a below-target explanation (or sends
    # it back with a remark) before publication; editing the explanation withdraws the approval.
    # calls/lifecycle.py reads these; services.save_call and the approval services write them.
    explanation_written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    explanation_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    explanation_approved_at: Mapped[dt.datetime | None]
    explanation_remark: Mapped[str] = mapped_column(Text, default="", server_default="")

    category: Mapped[Category] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    explanation_written_by: Mapped[User | None] = relationship(foreign_keys=[explanation_written_by_id])
    explanation_approved_by: Mapped[User | None] = relationship(foreign_keys=[explanation_approved_by_id])
    social_values: Mapped[list[SocialValue]] = relationship(
        secondary=call_social_values, order_by=SocialValue.name_nl
    )
    library_criteria: Mapped[list[LibraryCriterion]] = relationship(
        secondary=call_library_criteria, order_by=(LibraryCriterion.level, LibraryCriterion.code)
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="call", order_by="Phase.number", cascade="all, delete-orphan"
    )
    documents: Mapped[list[CallDocument]] = relationship(
        back_populates="call", order_by="CallDocument.id", cascade="all, delete-orphan"
    )

    def text(self, field: str, locale: str) -> LocalText:
        return call_text(self, field, locale)

    @property
    def has_english(self) -> bool:
        return bool(self.title_en)

    @property
    def effective_target_level(self) -> int:
        if self.target_level is not None:  # the category is not even loaded for a published call
            return effective_target_level_of(self.target_level, 0)
        return effective_target_level_of(None, self.category.target_level)

    @property
    def below_target(self) -> bool:
        return self.ambition_level < self.effective_target_level

    @property
    def has_experiment_space(self) -> bool:
        return bool(self.experiment_extra_weeks or self.experiment_budget_cents or self.experiment_note)

    @property
    def is_editable(self) -> bool:
        return self.status in (CallStatus.DRAFT, CallStatus.PUBLISHED, CallStatus.CLOSED)

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.status is not CallStatus.DRAFT

    def public_state(self, now: dt.datetime) -> PublicState:
        return public_state_of(self.status, self.phases, now)

    def current_phase(self, now: dt.datetime) -> Phase | None:
        return next((phase for phase in self.phases if phase.is_open(now)), None)

    def questions_open(self, now: dt.datetime) -> bool:
        if self.status is not CallStatus.PUBLISHED:
            return False
        limit = self.questions_close_at or self.next_deadline(now)
        return limit is not None and now < limit

    def next_deadline(self, now: dt.datetime) -> dt.datetime | None:
        return next_deadline_of(self.phases, now)


def effective_target_level_of(target_level: int | None, category_target_level: int) -> int:
    """The target level a call is judged against: the one frozen when it was published, else its
    category's (`Call.effective_target_level`, and for the plain rows of a list)."""
    return target_level if target_level is not None else category_target_level


class PhaseWindow(Protocol):
    """What the public state needs of a phase: a `Phase`, or a plain row of its two moments."""

    @property
    def opens_at(self) -> dt.datetime: ...

    @property
    def closes_at(self) -> dt.datetime: ...


def public_state_of(status: CallStatus, phases: Sequence[PhaseWindow], now: dt.datetime) -> PublicState:
    """What a visitor sees of a call with this status and these phases (in number order) at `now`.

    The one rule, for a loaded `Call` (`Call.public_state`) and for the plain rows of a list
    (calls/cards.py), so that a list never needs the call objects to say it."""
    if status is CallStatus.DRAFT:
        return PublicState.DRAFT
    if status is CallStatus.CANCELLED:
        return PublicState.CANCELLED
    if status in (CallStatus.DECIDED, CallStatus.ARCHIVED):
        return PublicState.DECIDED
    if status is CallStatus.CLOSED or not phases:
        return PublicState.CLOSED
    if any(phase.opens_at <= now < phase.closes_at for phase in phases):  # Phase.is_open
        return PublicState.OPEN
    if phases[0].opens_at > now:
        return PublicState.UPCOMING
    return PublicState.CLOSED


def next_deadline_of(phases: Sequence[PhaseWindow], now: dt.datetime) -> dt.datetime | None:
    """The nearest closing time of these phases still ahead of `now`, or None."""
    upcoming = [phase.closes_at for phase in phases if phase.closes_at > now]
    return min(upcoming) if upcoming else None


class Phase(Base):
    __tablename__ = "phases"
    __table_args__ = (
        UniqueConstraint("call_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 8", name="number_range"),
        CheckConstraint("budget_cents >= 0", name="budget_not_negative"),
        Index("ix_phases_window", "opens_at", "closes_at"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime] = mapped_column(index=True)
    budget_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    max_awards: Mapped[int] = mapped_column(default=1)
    score_scale_max: Mapped[int] = mapped_column(default=10)
    # Evaluation settings: names hidden from the jury; spread on a criterion that flags a proposal.
    blind_review: Mapped[bool] = mapped_column(default=False)
    disagreement_threshold: Mapped[int] = mapped_column(default=3)
    decisions_published_at: Mapped[dt.datetime | None] = mapped_column(index=True)  # awards per year
    # When the sealed proposals were first read after the closing time (the opening of the bids).
    opened_at: Mapped[dt.datetime | None]
    # The stage's role in its procedure (calls/stages.py); challenge and SBIR phases are PHASE.
    stage_type: Mapped[StageType] = mapped_column(str_enum(StageType), default=StageType.PHASE,
                                                  server_default=StageType.PHASE.value)
    # R&D stage of an innovation partnership: the targets a partner must reach for a "go" (public).
    targets: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Pitch stage of a staged challenge: the prize per place in cents, first place first (public).
    prizes_cents: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")

    call: Mapped[Call] = relationship(back_populates="phases")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="phase", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @property
    def standstill_ends_at(self) -> dt.datetime | None:
        """The end of the standstill period after the decisions were published: until then no
        contract is signed, so that an applicant who objects can still be heard."""
        if self.decisions_published_at is None:
            return None
        return self.decisions_published_at + dt.timedelta(days=self.call.standstill_days)

    @property
    def total_weight(self) -> int:
        return sum(criterion.weight for criterion in self.criteria)


class Criterion(Base):
    __tablename__ = "criteria"
    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),)

    id: Mapped[intpk]
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int]
    # Knock-out: a proposal scoring below this on the criterion is out, whatever its total.
    knockout_minimum: Mapped[int | None]

    phase: Mapped[Phase] = relationship(back_populates="criteria")


class CallDocument(Base):
    __tablename__ = "call_documents"

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_at: Mapped[created_at]

    call: Mapped[Call] = relationship(back_populates="documents")
