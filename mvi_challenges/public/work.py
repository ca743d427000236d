"""What waits for each person after logging in: one home per role.

Staff get a work list (questions to answer, calls closing this week, phases ready for a decision,
explanations due, contracts to record or to report on); jury members their juries with what is
left to declare and score; applicants their proposals and the open calls that fit them; everyone
their upcoming dialogues. Only reads: the areas' own services decide who may do what.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from ..accounts.permissions import is_staff
from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call, CallStatus, Phase
from ..calls.services import open_calls_by_deadline
from ..consultations.permissions import can_answer
from ..consultations.services import open_for_organisation
from ..dialogues import lifecycle as dialogue_lifecycle
from ..dialogues.models import Dialogue, Registration
from ..evaluation.models import ConflictDeclaration, JuryMember, ScoreSheet, SheetStatus
from ..monitoring import services as monitoring
from ..monitoring.models import Contract, ResultUpdate
from ..proposals import lifecycle as proposal_lifecycle
from ..proposals.models import Proposal, Question
from ..proposals.services import eligibility_problem, owner_key_for, proposals_for_user_query

RESULT_UPDATE_EVERY = dt.timedelta(days=182)  # contracts report results at least twice a year


# Each list on the work list shows at most this many rows: at city scale there can be hundreds of
# explanations due; the rest is counted, with a link to the full list where one exists.
WORK_LIST_LIMIT = 10


@dataclass(frozen=True)
class WorkList:
    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        """How many rows are left out."""
        return self.total - len(self.rows)

    def __bool__(self) -> bool:
        return self.total > 0


def _first(rows: list[Any], limit: int = WORK_LIST_LIMIT) -> WorkList:
    return WorkList(rows[:limit], len(rows))


def _limited(session: Session, stmt: Select[Any], limit: int = WORK_LIST_LIMIT, *, rows: bool = False) -> WorkList:
    """The first rows of a possibly long list and its length, in two queries, never all rows.
    `rows`: keep each row as a tuple (a statement of several entities) instead of its first column."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if not total:
        return WorkList([], 0)
    limited = stmt.limit(limit)
    return WorkList([tuple(row) for row in session.execute(limited)] if rows else list(session.scalars(limited)),
                    total)


@dataclass
class StaffWork:
    questions: WorkList  # of (call, unanswered questions)
    closing: WorkList  # of (call, phase)
    to_decide: WorkList  # of (call, phase, proposals)
    explanations: WorkList  # of procurement records
    to_approve: WorkList  # of calls whose explanation waits for this manager
    contracts_to_record: WorkList  # of (proposal, record)
    updates_due: WorkList  # of contracts

    @property
    def empty(self) -> bool:
        return not (self.questions or self.closing or self.to_decide or self.explanations or self.to_approve
                    or self.contracts_to_record or self.updates_due)


def explanations_to_approve(session: Session, user: Any) -> list[Call]:
    """The calls whose below-target explanation waits for `user`'s approval as their manager. A
    manager has few calls: the lifecycle decides per call, so the rule is written once."""
    if user is None or getattr(user, "id", None) is None:
        return []
    candidates = session.scalars(
        select(Call).where(Call.manager_id == user.id, Call.level_explanation != "",
                           Call.status.in_((CallStatus.DRAFT, CallStatus.PUBLISHED, CallStatus.CLOSED)))
        .order_by(Call.updated_at, Call.id))
    return [call for call in candidates if call_lifecycle.awaits_my_approval(call, user)]


def staff_work(session: Session, now: dt.datetime, user: Any = None) -> StaffWork:
    week = now + dt.timedelta(days=7)
    questions = session.execute(
        select(Call, func.count(Question.id)).join(Question, Question.call_id == Call.id)
        .where(Question.published_at.is_(None)).group_by(Call.id).order_by(func.min(Question.asked_at))).all()
    closing = session.execute(
        select(Call, Phase).join(Phase, Phase.call_id == Call.id)
        .where(Call.status == CallStatus.PUBLISHED, Phase.closes_at > now, Phase.closes_at <= week)
        .order_by(Phase.closes_at)).all()
    arrived = (select(func.count(Proposal.id))
               .where(Proposal.phase_id == Phase.id, Proposal.status.in_(proposal_lifecycle.IN_EVALUATION))
               .scalar_subquery())
    # At city scale hundreds of phases wait for a decision: counted and cut in SQL, and only the
    # shown ones loaded (loading every call and phase took most of this page's time).
    to_decide = (select(Call, Phase, arrived).join(Phase, Phase.call_id == Call.id)
                 .where(Call.status.in_((CallStatus.PUBLISHED, CallStatus.CLOSED)), Phase.closes_at <= now,
                        Phase.decisions_published_at.is_(None), arrived > 0)
                 .order_by(Phase.closes_at, Phase.id))
    last_update = (select(func.max(ResultUpdate.reported_on)).where(ResultUpdate.contract_id == Contract.id)
                   .scalar_subquery())
    due_before = (now - RESULT_UPDATE_EVERY).date()
    updates_due = (select(Contract).where(Contract.signed_on <= due_before,
                                          (Contract.ends_on.is_(None)) | (Contract.ends_on >= now.date()),
                                          (last_update.is_(None)) | (last_update <= due_before))
                   .order_by(Contract.signed_on, Contract.id))
    return StaffWork(questions=_first([(c, n) for c, n in questions]), closing=_first([(c, p) for c, p in closing]),
                     to_decide=_limited(session, to_decide, rows=True),
                     explanations=_limited(session, monitoring.records_lacking_explanation_query()),
                     to_approve=_first(explanations_to_approve(session, user)),
                     # Few rows, read from the covering index ix_proposals_status_phase_call: cutting this list
                     # in SQL made SQLite walk the proposals in id order instead (slower, measured).
                     contracts_to_record=_first(monitoring.awarded_without_contract(session)),
                     updates_due=_limited(session, updates_due))


@dataclass(frozen=True)
class JuryWork:
    member: JuryMember
    sealed: bool
    proposals: int
    undeclared: int
    to_score: int  # declared without a conflict, sheet not final yet

    @property
    def done(self) -> bool:
        return not self.sealed and self.undeclared == 0 and self.to_score == 0


def jury_work(session: Session, user: Any, now: dt.datetime) -> list[JuryWork]:
    members = session.scalars(select(JuryMember).where(JuryMember.user_id == user.id)
                              .options(selectinload(JuryMember.phase).selectinload(Phase.call))
                              .order_by(JuryMember.id.desc())).all()
    work = []
    for member in members:
        phase = member.phase
        if phase.decisions_published_at is not None:
            continue  # finished: nothing waits
        in_phase = select(Proposal.id).where(Proposal.phase_id == phase.id,
                                             Proposal.status.in_(proposal_lifecycle.IN_EVALUATION))
        total = session.scalar(select(func.count()).select_from(in_phase.subquery())) or 0
        declared = session.scalar(select(func.count(ConflictDeclaration.id)).where(
            ConflictDeclaration.member_id == member.id, ConflictDeclaration.proposal_id.in_(in_phase))) or 0
        clear = session.scalar(select(func.count(ConflictDeclaration.id)).where(
            ConflictDeclaration.member_id == member.id, ConflictDeclaration.proposal_id.in_(in_phase),
            ConflictDeclaration.has_conflict.is_(False))) or 0
        final = session.scalar(select(func.count(ScoreSheet.id)).where(
            ScoreSheet.member_id == member.id, ScoreSheet.proposal_id.in_(in_phase),
            ScoreSheet.status == SheetStatus.FINAL)) or 0
        work.append(JuryWork(member, proposal_lifecycle.is_sealed(phase, now), total, total - declared,
                             max(clear - final, 0)))
    return work


def my_proposals(session: Session, user: Any, limit: int = 10) -> list[Proposal]:
    return list(session.scalars(proposals_for_user_query(user).limit(limit)))


def open_calls_for(session: Session, user: Any, now: dt.datetime, limit: int = 6) -> list[tuple[Call, Phase]]:
    """Open calls this person may submit on and has not started on yet."""
    started = set(session.scalars(select(Proposal.phase_id).where(Proposal.owner_key == owner_key_for(user))))
    fitting = [(call, phase) for call, phase in open_calls_by_deadline(session, now, limit=50)
               if phase.id not in started and eligibility_problem(call, user) is None]
    return fitting[:limit]


def my_dialogues(session: Session, user: Any, now: dt.datetime) -> list[tuple[Dialogue, Registration]]:
    """Upcoming dialogues this person is registered for (confirmed or on the waiting list)."""
    rows = session.execute(
        select(Dialogue, Registration).join(Registration, Registration.dialogue_id == Dialogue.id)
        .where(Registration.user_id == user.id, Registration.status.in_(dialogue_lifecycle.ACTIVE),
               Dialogue.ends_at > now)
        .order_by(Dialogue.starts_at)).all()
    return [(dialogue, registration) for dialogue, registration in rows]


def my_consultations(session: Session, user: Any, now: dt.datetime) -> list:
    """Open market consultations with the state of this entrepreneur's organisation's answers."""
    return open_for_organisation(session, user.organisation_id, now) if can_answer(user) else []


def shows_staff_work(user: Any) -> bool:
    return is_staff(user)
