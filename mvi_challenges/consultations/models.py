"""A market consultation: the document, its numbered questions, the organisations' written answers
and the published summary per theme.

The dispositions of the summary are the dialogues' (`dialogues.models.Disposition`): what was done
with input is one vocabulary, whether the input came from a dialogue or a consultation.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..calls.models import Call, LocalText, call_text
from ..catalogue.models import Category
from ..core.db import Base, created_at, intpk, str_enum, utcnow
from ..dialogues.models import Disposition


class ConsultationStatus(enum.StrEnum):
    """Stored states. "Closed" is not stored: it follows from the deadline (lifecycle.stage)."""

    DRAFT = "draft"
    OPEN = "open"
    SUMMARISED = "summarised"


class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_status_closes_at", "status", "closes_at"),
                      Index("ix_consultations_closes_at_id", "closes_at", "id"))  # the public list's order

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The English version (migration 0030): shown on English pages only when the title has one, as
    # for calls (calls.models.call_text); empty means "only in Dutch".
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body_source_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_html_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Answers are accepted while the server's clock is before this moment (UTC).
    closes_at: Mapped[dt.datetime]
    status: Mapped[ConsultationStatus] = mapped_column(str_enum(ConsultationStatus),
                                                      default=ConsultationStatus.DRAFT, index=True)
    published_at: Mapped[dt.datetime | None]
    # The call that follows from the consultation. The link lives here, not on the call, so the
    # calls area does not depend on this one; the call page shows it through a call panel.
    follow_up_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    summary_source: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    # The summary in English (migration 0031), shown with the rest of the English version
    # (consultation_text(c, "summary_html", locale)); empty means "only in Dutch".
    summary_source_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    summary_html_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    summary_published_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    follow_up_call: Mapped[Call | None] = relationship()
    questions: Mapped[list[ConsultationQuestion]] = relationship(
        back_populates="consultation", order_by="ConsultationQuestion.number", cascade="all, delete-orphan")
    documents: Mapped[list[ConsultationDocument]] = relationship(
        back_populates="consultation", order_by="ConsultationDocument.id", cascade="all, delete-orphan")
    themes: Mapped[list[ConsultationTheme]] = relationship(
        back_populates="consultation", order_by="ConsultationTheme.position", cascade="all, delete-orphan")


class ConsultationQuestion(Base):
    __tablename__ = "consultation_questions"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[intpk]
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3 … as printed in the document and in every answer and export
    text: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="", server_default="")

    consultation: Mapped[Consultation] = relationship(back_populates="questions")


class ConsultationDocument(Base):
    __tablename__ = "consultation_documents"

    id: Mapped[intpk]
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_at: Mapped[created_at]

    consultation: Mapped[Consultation] = relationship(back_populates="documents")


class ConsultationResponse(Base):
    """The written answers of one organisation. Unique per consultation and organisation: two tabs
    or a second click of the same organisation find the same response, never a second one."""

    __tablename__ = "consultation_responses"
    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id"),)

    id: Mapped[intpk]
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    status: Mapped[ResponseStatus] = mapped_column(str_enum(ResponseStatus), default=ResponseStatus.DRAFT)
    # Raised by every save: the form carries the revision it was opened at, so a save from an older tab
    # (or a colleague's) does not silently overwrite newer answers (services.save_answers).
    revision: Mapped[int] = mapped_column(default=0)
    last_edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    consultation: Mapped[Consultation] = relationship()
    organisation: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    answers: Mapped[list[ConsultationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan")


class ConsultationAnswer(Base):
    __tablename__ = "consultation_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[intpk]
    response_id: Mapped[int] = mapped_column(ForeignKey("consultation_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")

    response: Mapped[ConsultationResponse] = relationship(back_populates="answers")
    question: Mapped[ConsultationQuestion] = relationship()


class ConsultationTheme(Base):
    """One theme of the published summary: what the market said and what the municipality does with it."""

    __tablename__ = "consultation_themes"

    id: Mapped[intpk]
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    disposition: Mapped[Disposition] = mapped_column(str_enum(Disposition))
    action_source: Mapped[str] = mapped_column(Text, default="")
    action_html: Mapped[str] = mapped_column(Text, default="")
    # The theme in English (migration 0031): it exists with its English title (theme_text).
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    action_source_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    action_html_en: Mapped[str] = mapped_column(Text, default="", server_default="")

    consultation: Mapped[Consultation] = relationship(back_populates="themes")


def has_english(consultation: Consultation) -> bool:
    """Whether the consultation has its English version: English exists as a whole, with its title."""
    return bool(consultation.title_en)


def summary_has_english(consultation: Consultation) -> bool:
    """Whether the summary text is in English too (consultation_text(c, "summary_html", locale) shows it)."""
    return has_english(consultation) and bool(consultation.summary_html_en)


def question_has_english(question: ConsultationQuestion) -> bool:
    """Whether the question is in English: it has an English text and the consultation its English version."""
    return bool(question.text_en) and has_english(question.consultation)


def theme_has_english(theme: ConsultationTheme) -> bool:
    """Whether a theme of the summary is in English: with its English title, in a consultation with its
    English version."""
    return bool(theme.title_en) and has_english(theme.consultation)


def consultation_text(consultation: Consultation, field: str, locale: str) -> LocalText:
    """A consultation's own text in `locale` with the language it is in (for the lang attribute):
    English only exists as a whole, with its title, as for calls."""
    return call_text(consultation, field, locale)


def question_text(question: ConsultationQuestion, locale: str) -> LocalText:
    """A question in `locale`: its English version when the consultation has one, else the Dutch."""
    if locale != "nl" and question_has_english(question):
        return LocalText(question.text_en, locale)
    return LocalText(question.text, "nl")


def theme_text(theme: ConsultationTheme, field: str, locale: str) -> LocalText:
    """A theme's title or action (`field`: "title" or "action_html") in `locale`: a theme exists in
    English as a whole, with its English title, and only when the consultation has its English version."""
    if locale != "nl" and theme_has_english(theme):
        return LocalText(getattr(theme, f"{field}_en"), locale)
    return LocalText(getattr(theme, field), "nl")
