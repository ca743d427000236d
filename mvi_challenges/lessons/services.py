"""Lesson rules: recording, the public filter, search, and what the call page and dashboard show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call, PublicState
from ..catalogue.models import Category, SocialValue
from ..core import audit
from ..core.db import escape_like
from ..core.errors import DomainError
from ..core.timezones import now_utc, to_local
from ..monitoring.models import Contract, ProcurementRecord
from .models import Lesson, LessonMoment, PaidOff

MAX_QUERY = 200


@dataclass(frozen=True)
class LessonInput:
    title: str
    moment: LessonMoment
    recorded_on: dt.date
    social_value: SocialValue
    what_worked: str
    what_did_not: str
    category: Category | None = None
    call: Call | None = None
    record: ProcurementRecord | None = None
    contract: Contract | None = None
    paid_off: PaidOff | None = None
    paid_off_explanation: str = ""
    is_public: bool = False


def _category_of(data: LessonInput) -> Category:
    """The category follows from what the lesson is about; typed only when nothing is linked."""
    for linked in (data.call, data.record, data.contract.record if data.contract else None):
        if linked is not None:
            return linked.category
    if data.category is None:
        raise DomainError(_l("Choose a category, or link a call, tender or contract."), field="category_id")
    return data.category


def _check(data: LessonInput) -> None:
    if not data.what_worked.strip() and not data.what_did_not.strip():
        raise DomainError(_l("Write what worked or what did not, or both."), field="what_worked")
    if data.recorded_on > to_local(now_utc()).date():
        raise DomainError(_l("The date cannot be in the future."), field="recorded_on")
    if data.paid_off is not None:
        if data.call is None:
            raise DomainError(_l("Whether experiment space paid off is said about a call: link the call."),
                              field="call_id")
        if not data.paid_off_explanation.strip():
            raise DomainError(_l("Explain why it did or did not pay off."), field="paid_off_explanation")


def save_lesson(session: Session, actor: Any, lesson: Lesson | None, data: LessonInput) -> Lesson:
    """Create or update a lesson. Side effect: audit `lesson.saved`."""
    _check(data)
    category = _category_of(data)
    if lesson is None:
        lesson = Lesson(created_by_id=getattr(actor, "id", None))
        session.add(lesson)
    lesson.title = data.title.strip()
    lesson.moment = data.moment
    lesson.recorded_on = data.recorded_on
    lesson.category = category
    lesson.social_value = data.social_value
    lesson.what_worked = data.what_worked.strip()
    lesson.what_did_not = data.what_did_not.strip()
    lesson.call = data.call
    lesson.record = data.record
    lesson.contract = data.contract
    lesson.paid_off = data.paid_off
    lesson.paid_off_explanation = data.paid_off_explanation.strip() if data.paid_off else ""
    lesson.is_public = data.is_public
    session.flush()
    audit.record(session, actor, "lesson.saved", lesson)
    return lesson


# --- reading ---------------------------------------------------------------------------------


def visible_to_public():
    """The one filter that keeps internal lessons out of every public page, the search and the API."""
    return Lesson.is_public.is_(True)


@dataclass(frozen=True)
class LessonFilters:
    text: str = ""
    category_slug: str = ""
    value_slug: str = ""


def search_query(filters: LessonFilters, *, public: bool = True) -> Select[tuple[Lesson]]:
    """Lessons matching the words typed (LIKE, % and _ taken literally) and the filters, newest first."""
    stmt = select(Lesson).order_by(Lesson.recorded_on.desc(), Lesson.id.desc())
    if public:
        stmt = stmt.where(visible_to_public())
    text = filters.text.strip()[:MAX_QUERY]
    if text:
        pattern = f"%{escape_like(text)}%"
        stmt = stmt.where(or_(Lesson.title.ilike(pattern, escape="\\"), Lesson.what_worked.ilike(pattern, escape="\\"),
                              Lesson.what_did_not.ilike(pattern, escape="\\"),
                              Lesson.paid_off_explanation.ilike(pattern, escape="\\")))
    if filters.category_slug:
        stmt = stmt.where(Lesson.category_id.in_(select(Category.id).where(Category.slug == filters.category_slug)))
    if filters.value_slug:
        stmt = stmt.where(Lesson.social_value_id.in_(
            select(SocialValue.id).where(SocialValue.slug == filters.value_slug)))
    return stmt


def public_lessons_for_category(session: Session, category: Category, limit: int = 10) -> list[Lesson]:
    return list(session.scalars(search_query(LessonFilters(category_slug=category.slug)).limit(limit)))


def call_has_ended(call: Call, now: dt.datetime | None = None) -> bool:
    """After its last phase closed (closed, decided, archived): only then is "did it pay off" told."""
    if not call.is_public or call_lifecycle.is_cancelled(call):
        return False
    return call.public_state(now or now_utc()) in (PublicState.CLOSED, PublicState.DECIDED)


def experiment_verdicts(session: Session, call: Call) -> list[Lesson]:
    """Public lessons saying whether this call's experiment space paid off, once the call has ended."""
    if not call_has_ended(call):
        return []
    return list(session.scalars(select(Lesson).where(visible_to_public(), Lesson.call_id == call.id,
                                                     Lesson.paid_off.is_not(None)).order_by(Lesson.id)))


def counts_per_value(session: Session, category_id: int | None = None) -> list[tuple[SocialValue, int]]:
    """Public lessons per social value, for the dashboard."""
    stmt = (select(SocialValue, func.count(Lesson.id)).join(Lesson, Lesson.social_value_id == SocialValue.id)
            .where(visible_to_public()).group_by(SocialValue.id).order_by(SocialValue.name_nl))
    if category_id is not None:
        stmt = stmt.where(Lesson.category_id == category_id)
    return [(value, count) for value, count in session.execute(stmt).all()]


def paid_off_counts(session: Session, category_id: int | None = None) -> dict[PaidOff, int]:
    """Public verdicts on experiment space: how often it paid off, partly or not."""
    stmt = select(Lesson.paid_off, func.count(Lesson.id)).where(visible_to_public(), Lesson.paid_off.is_not(None))
    if category_id is not None:
        stmt = stmt.where(Lesson.category_id == category_id)
    rows = session.execute(stmt.group_by(Lesson.paid_off))
    found = {PaidOff(value): count for value, count in rows}
    return {verdict: found.get(verdict, 0) for verdict in PaidOff}
