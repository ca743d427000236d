from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..calls.models import Call, Eligibility, LocalText, Phase, call_text
from ..catalogue.models import Category
from ..core.db import Base, created_at, intpk, str_enum, utcnow


class DialogueKind(enum.StrEnum):
    CITY = "city"
    MARKET = "market"


class DialogueStatus(enum.StrEnum):
    """Stored states; 'registration closed' and 'held' follow from the times (see `phase`)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    REPORTED = "reported"
    CANCELLED = "cancelled"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    # Registered for a dialogue that selects by lot, waiting for the draw.
    CANDIDATE = "candidate"


class Selection(enum.StrEnum):
    """How seats are given: in order of registration, or by a published lottery after registration
    closes (city dialogues; see dialogues/lottery.py)."""

    FIRST_COME = "first_come"
    LOT = "lot"


class Disposition(enum.StrEnum):
    ADOPTED = "adopted"
    CONSIDERED = "considered"
    NOT_ADOPTED = "not_adopted"


# What was done with input, in words: shared by dialogue input and market consultation themes.
DISPOSITION_LABELS = {
    Disposition.ADOPTED: _l("adopted"),
    Disposition.CONSIDERED: _l("taken into account"),
    Disposition.NOT_ADOPTED: _l("not adopted"),
}


dialogue_followup_calls = Table(
    "dialogue_followup_calls",
    Base.metadata,
    Column("dialogue_id", ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True),
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Dialogue(Base):
    __tablename__ = "dialogues"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        Index("ix_dialogues_status_starts_at", "status", "starts_at"),
        Index("ix_dialogues_starts_at_id", "starts_at", "id"),  # the public list's order
        # Partial: only pitch sessions have it. A full index would be chosen for the public list's
        # "pitch_phase_id IS NULL" and make the database sort every dialogue (tests/perf/test_indexes).
        Index("ix_dialogues_pitch_phase_id", "pitch_phase_id", sqlite_where=text("pitch_phase_id IS NOT NULL"),
              postgresql_where=text("pitch_phase_id IS NOT NULL")),
    )

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[DialogueKind] = mapped_column(str_enum(DialogueKind), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    related_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    # Shown to registered (confirmed) people only.
    address: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int]
    registration_closes_at: Mapped[dt.datetime]
    eligibility: Mapped[Eligibility] = mapped_column(str_enum(Eligibility))
    # Market dialogues may offer one-to-one slots of this many minutes between start and end.
    slot_minutes: Mapped[int | None]
    status: Mapped[DialogueStatus] = mapped_column(str_enum(DialogueStatus), default=DialogueStatus.DRAFT, index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime | None]
    report_source: Mapped[str] = mapped_column(Text, default="")
    report_html: Mapped[str] = mapped_column(Text, default="")
    report_published_at: Mapped[dt.datetime | None]
    # The English version (migration 0033), as for calls and consultations: shown on English pages only
    # when the title has one (dialogue_text); empty means "only in Dutch". The English report, written
    # with the Dutch one, exists only beside an English title (services.report_english_problem).
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body_source_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_html_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    report_source_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    report_html_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Bumped by every registration change: the UPDATE takes the row lock that keeps seats exact.
    seats_version: Mapped[int] = mapped_column(default=0)
    selection: Mapped[Selection] = mapped_column(str_enum(Selection), default=Selection.FIRST_COME,
                                                 server_default=Selection.FIRST_COME.value)
    # Selection by lot: at most this many seats per group, e.g. {"district": {"overvecht": 3}, "age_group": {...}};
    # registrants state the characteristics that have quotas.
    lot_quotas: Mapped[dict | None] = mapped_column(JSON)
    # A random value fixed when selection by lot is chosen; only its SHA-256 (the commitment) is
    # shown until the draw, after which the value itself is published (lottery.py explains why).
    lot_secret: Mapped[str | None] = mapped_column(String(64))
    lot_commitment: Mapped[str | None] = mapped_column(String(64))
    # The pitch of a staged challenge's pitch stage: its one-to-one slots are the pitch times, and
    # only applicants admitted to that stage (shortlisted in the round before) may register.
    pitch_phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"))
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    pitch_phase: Mapped[Phase | None] = relationship()
    related_call: Mapped[Call | None] = relationship()
    followup_calls: Mapped[list[Call]] = relationship(secondary=dialogue_followup_calls)

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.status is not DialogueStatus.DRAFT

    def registration_open(self, now: dt.datetime) -> bool:
        return self.status is DialogueStatus.PUBLISHED and now < self.registration_closes_at and now < self.starts_at

    def is_past(self, now: dt.datetime) -> bool:
        return self.ends_at <= now

    def slots(self) -> list[dt.datetime]:
        if not self.slot_minutes:
            return []
        step = dt.timedelta(minutes=self.slot_minutes)
        moments, moment = [], self.starts_at
        while moment + step <= self.ends_at:
            moments.append(moment)
            moment += step
        return moments


def has_english(dialogue: Dialogue) -> bool:
    """Whether the dialogue has its English version: English exists as a whole, with its title."""
    return bool(dialogue.title_en)


def report_has_english(dialogue: Dialogue) -> bool:
    """Whether the report is in English too (dialogue_text(d, "report_html", locale) shows it)."""
    return has_english(dialogue) and bool(dialogue.report_html_en)


def dialogue_text(dialogue: Any, field: str, locale: str) -> LocalText:
    """A dialogue's own text (`field`: "title", "body_html" or "report_html") in `locale`, with the
    language it is in for the lang attribute. `dialogue` may be a row with the same attribute names (the
    public list's). English only exists as a whole, with its title, as for calls and consultations; an
    empty English text is shown in Dutch."""
    return call_text(dialogue, field, locale)


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("dialogue_id", "user_id"),
        UniqueConstraint("dialogue_id", "slot_start"),  # NULLs are distinct: only booked slots clash
        Index("ix_registrations_dialogue_status", "dialogue_id", "status", "position"),
    )

    id: Mapped[intpk]
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))
    # Order of arrival; the waitlist is served in this order.
    position: Mapped[int]
    created_at: Mapped[created_at]
    cancelled_at: Mapped[dt.datetime | None]
    attended: Mapped[bool | None]
    reminded_at: Mapped[dt.datetime | None]
    slot_start: Mapped[dt.datetime | None]
    # Stated at registration when the dialogue draws lots with quotas (lottery.DISTRICTS, AGE_GROUPS).
    district: Mapped[str | None] = mapped_column(String(40))
    age_group: Mapped[str | None] = mapped_column(String(20))
    # Place in the drawn order (1 = drawn first): the reserve list is served in this order.
    lot_rank: Mapped[int | None]

    dialogue: Mapped[Dialogue] = relationship()
    user: Mapped[User] = relationship()


class Contribution(Base):
    __tablename__ = "contributions"

    id: Mapped[intpk]
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text_source: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    disposition: Mapped[Disposition | None] = mapped_column(str_enum(Disposition))
    disposition_reason: Mapped[str] = mapped_column(Text, default="")
    disposition_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))

    dialogue: Mapped[Dialogue] = relationship()
    disposition_call: Mapped[Call | None] = relationship()

    @property
    def is_hidden(self) -> bool:
        return self.hidden_reason is not None


class LotDraw(Base):
    """The one draw of a dialogue that selects by lot, with everything needed to recompute it."""

    __tablename__ = "lot_draws"

    id: Mapped[intpk]
    # Unique: a dialogue is drawn once; a second draw at the same moment is refused by the database.
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"), unique=True)
    drawn_at: Mapped[dt.datetime]
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    algorithm: Mapped[str] = mapped_column(String(40))
    secret: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int]
    quotas: Mapped[dict] = mapped_column(JSON)
    # [{"number": 3, "district": "overvecht", "age_group": "30-44"}, ...] in number order.
    candidates: Mapped[list] = mapped_column(JSON)
    order: Mapped[list] = mapped_column(JSON)  # candidate numbers in drawn order
    selected: Mapped[list] = mapped_column(JSON)  # candidate numbers given a seat, in drawn order

    dialogue: Mapped[Dialogue] = relationship()
