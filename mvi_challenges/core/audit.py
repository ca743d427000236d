"""Append-only audit log: who did what to which object, and when.

Services call `record(...)` inside their transaction, so an action and its audit entry are
committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, intpk, utcnow


class Actor(Protocol):
    """Who did it: a user (accounts.models.User), named by shape so the audit needs no area."""

    id: int


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[intpk]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    subject: Any,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event for `subject` (any mapped object with an `id`)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__name__,
        subject_id=getattr(subject, "id", None),
        details=details or {},
    )
    session.add(event)
    return event


def events_query(*, action: str = "", actor_id: int | None = None, subject_type: str = "",
                 subject_id: int | None = None, since: dt.datetime | None = None,
                 until: dt.datetime | None = None):
    """Newest first, filtered the way an administrator investigates: by kind of action (prefix,
    e.g. `user.` or `proposal.submitted`), by person, by object, by period."""
    from sqlalchemy import select

    from .db import escape_like

    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action.like(escape_like(action) + "%", escape="\\"))
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def known_actions(session: Session) -> list[str]:
    from sqlalchemy import select

    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def record_export(session: Session, actor: Actor, what: str, subject: Any) -> None:
    """Downloads of personal or unpublished data are disclosures: who took what, and when.

    Commits at once: an export view changes nothing else, and the record must stay even when
    the download is interrupted."""
    record(session, actor, f"export.{what}", subject)
    session.commit()
