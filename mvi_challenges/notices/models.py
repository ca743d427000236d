"""A clarification note (nota van inlichtingen): a numbered, dated, immutable bundle of published
answers and listed changes to a call. Its items are copies, not references: what was issued stays
what it was, whatever happens to the questions afterwards."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..calls.models import Call
from ..core.db import Base, intpk


class ClarificationNote(Base):
    __tablename__ = "clarification_notes"
    # One "Nota van inlichtingen 2" per call: the database refuses a second, also in a race.
    __table_args__ = (UniqueConstraint("call_id", "number"),)

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    issued_at: Mapped[dt.datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Changes to the call, typed by staff (Markdown and its clean HTML).
    changes_source: Mapped[str] = mapped_column(Text, default="")
    changes_html: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the canonical JSON of the note (services.canonical_bytes): published, so anyone
    # can show that a copy is the note as issued.
    digest: Mapped[str] = mapped_column(String(64))

    call: Mapped[Call] = relationship()
    items: Mapped[list[ClarificationNoteItem]] = relationship(
        back_populates="note", order_by="ClarificationNoteItem.number", cascade="all, delete-orphan")


class ClarificationNoteItem(Base):
    """A question and its answer as they stood when the note was issued."""

    __tablename__ = "clarification_note_items"
    __table_args__ = (UniqueConstraint("note_id", "number"),)

    id: Mapped[intpk]
    note_id: Mapped[int] = mapped_column(ForeignKey("clarification_notes.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"), index=True)
    number: Mapped[int]  # the question's number, the same on every page
    question_text: Mapped[str] = mapped_column(Text)
    answer_source: Mapped[str] = mapped_column(Text)
    answer_html: Mapped[str] = mapped_column(Text)

    note: Mapped[ClarificationNote] = relationship(back_populates="items")
