"""What waits for each person after logging in: one home per role.

Staff get a work list (questions to answer, calls closing this week, phases ready for a decision,
explanations due, contracts to record or to report on); jury members their juries with what is
left to declare and score; applicants their proposals and the open calls that fit them; everyone
their upcoming dialogues. Only reads: the areas' own services decide who may do what.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..accounts.models import User
from ..accounts.permissions import is_staff
from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call, CallStatus, Phase
from ..catalogue.models import Category
from ..consultations.permissions import can_answer
from ..consultations.services import open_for_organisation
from ..dialogues import lifecycle as dialogue_lifecycle
from ..dialogues.models import Dialogue, Registration
from ..evaluation.models import ConflictDeclaration, JuryMember, ScoreSheet, SheetStatus
from ..infra import fingerprint_cache
from ..monitoring import figures_version
from ..monitoring import services as monitoring
from ..monitoring.models import Contract, ResultUpdate
from ..proposals import lifecycle as proposal_lifecycle
from ..proposals.models import Proposal, Question
from ..proposals.services import open_calls_to_start, owner_key_for, proposals_of_owner_statement, submitted_titles

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


def _limited(session: Session, statements: tuple[Select[Any], Select[Any]], params: dict[str, Any],
             limit: int = WORK_LIST_LIMIT) -> WorkList:
    """The first rows (named tuples) of a possibly long list and its length, in two queries, never
    all rows. `statements`: the list and its count (_counted)."""
    stmt, count = statements
    total = session.scalar(count, params) or 0
    if not total:
        return WorkList([], 0)
    return WorkList(list(session.execute(stmt.limit(limit), params)), total)


def _counted(stmt: Select[Any]) -> tuple[Select[Any], Select[Any]]:
    return stmt, select(func.count()).select_from(stmt.order_by(None).subquery())


@dataclass
class StaffWork:
    """Each list holds plain rows with only what the work list shows (no ORM objects): at city scale
    loading whole calls, proposals with their texts and versions, and contracts was most of the page."""

    questions: WorkList  # of (call_id, title, count): calls with unanswered questions
    closing: WorkList  # of (call_id, title, phase_title, closes_at)
    to_decide: WorkList  # of (call_id, title, number, phase_title, count): proposals in evaluation
    explanations: WorkList  # of procurement records (id, title, manager_name)
    to_approve: WorkList  # of calls whose explanation waits for this manager
    contracts_to_record: WorkList  # of (proposal_id, record_id, title): the proposal's submitted title
    updates_due: WorkList  # of contracts (id, title, supplier_name)

    @property
    def empty(self) -> bool:
        return not (self.questions or self.closing or self.to_decide or self.explanations or self.to_approve
                    or self.contracts_to_record or self.updates_due)


class ExplanationToApprove(NamedTuple):
    """A call whose below-target explanation may wait for a manager's approval: the columns the
    lifecycle's explanation rules read (calls.lifecycle.awaits_my_approval asks them of this row as
    of a call) and what the work list shows, the writer's name included."""

    id: int
    title: str
    ambition_level: int
    target_level: int | None
    category_target_level: int
    manager_id: int | None
    level_explanation: str
    explanation_remark: str
    explanation_approved_at: dt.datetime | None
    explanation_approved_by_id: int | None
    explanation_written_by_id: int | None
    written_by_name: str | None

    @property
    def below_target(self) -> bool:
        """Call.below_target (the call's own target level, else its category's) of this row."""
        target = self.target_level if self.target_level is not None else self.category_target_level
        return self.ambition_level < target


@functools.cache
def _to_approve_statement() -> Select[Any]:
    """The candidates of a manager (bind `user_id`), as plain rows: loading them as Call objects with
    their categories was two thirds of the list's time (about 30 candidates at city scale)."""
    writer = aliased(User)
    return (select(Call.id, Call.title, Call.ambition_level, Call.target_level,
                   Category.target_level.label("category_target_level"), Call.manager_id, Call.level_explanation,
                   Call.explanation_remark, Call.explanation_approved_at, Call.explanation_approved_by_id,
                   Call.explanation_written_by_id, writer.name.label("written_by_name"))
            .join(Category, Category.id == Call.category_id)
            .outerjoin(writer, writer.id == Call.explanation_written_by_id)
            .where(Call.manager_id == bindparam("user_id"), Call.level_explanation != "",
                   Call.status.in_((CallStatus.DRAFT, CallStatus.PUBLISHED, CallStatus.CLOSED)))
            .order_by(Call.updated_at, Call.id))


def explanations_to_approve(session: Session, user: Any) -> list[ExplanationToApprove]:
    """The calls whose below-target explanation waits for `user`'s approval as their manager. A
    manager has few calls: the lifecycle decides per call, so the rule is written once."""
    user_id = getattr(user, "id", None) if user is not None else None
    if user_id is None:
        return []
    candidates = [ExplanationToApprove(*row) for row in session.execute(_to_approve_statement(), {"user_id": user_id})]
    return [call for call in candidates if call_lifecycle.awaits_my_approval(call, user)]


@functools.cache
def _staff_statements() -> SimpleNamespace:
    """The work list's statements, built once per process (building them anew was a fifth of the
    page's Python time); the moment comes in as parameters: now, week (now + 7 days), due_before
    (now - RESULT_UPDATE_EVERY, a date) and today."""
    now, week, due_before, today = bindparam("now"), bindparam("week"), bindparam("due_before"), bindparam("today")
    questions = (select(Call.id.label("call_id"), Call.title, func.count(Question.id).label("count"))
                 .join(Question, Question.call_id == Call.id)
                 .where(Question.published_at.is_(None)).group_by(Call.id, Call.title)
                 .order_by(func.min(Question.asked_at)))
    closing = (select(Call.id.label("call_id"), Call.title, Phase.title.label("phase_title"), Phase.closes_at)
               .join(Phase, Phase.call_id == Call.id)
               .where(Call.status == CallStatus.PUBLISHED, Phase.closes_at > now, Phase.closes_at <= week)
               .order_by(Phase.closes_at))
    in_evaluation = (Proposal.phase_id == Phase.id, Proposal.status.in_(proposal_lifecycle.IN_EVALUATION))
    arrived = select(func.count(Proposal.id)).where(*in_evaluation).scalar_subquery()
    # At city scale hundreds of phases wait for a decision: counted and cut in SQL, and only the
    # shown ones counted (whether a phase has any proposal in evaluation is one index probe).
    to_decide = (select(Call.id.label("call_id"), Call.title, Phase.number, Phase.title.label("phase_title"),
                        arrived.label("count"))
                 .join(Phase, Phase.call_id == Call.id)
                 .where(Call.status.in_((CallStatus.PUBLISHED, CallStatus.CLOSED)), Phase.closes_at <= now,
                        Phase.decisions_published_at.is_(None), select(Proposal.id).where(*in_evaluation).exists())
                 .order_by(Phase.closes_at, Phase.id))
    # "No result update since `due_before`" as NOT EXISTS rather than comparing each contract's
    # latest update: the same contracts, one index probe each (PostgreSQL also stopped compiling it).
    reported_since = select(ResultUpdate.id).where(ResultUpdate.contract_id == Contract.id,
                                                   ResultUpdate.reported_on > due_before)
    updates_due = (select(Contract.id, Contract.title, Contract.supplier_name)
                   .where(Contract.signed_on <= due_before,
                          (Contract.ends_on.is_(None)) | (Contract.ends_on >= today), ~reported_since.exists())
                   .order_by(Contract.signed_on, Contract.id))
    return SimpleNamespace(questions=questions, closing=closing, to_decide=_counted(to_decide),
                           explanations=_counted(monitoring.records_lacking_explanation_rows_query()),
                           updates_due=_counted(updates_due))


def staff_work(session: Session, now: dt.datetime, user: Any = None) -> StaffWork:
    statements = _staff_statements()
    params = {"now": now, "week": now + dt.timedelta(days=7), "due_before": (now - RESULT_UPDATE_EVERY).date(),
              "today": now.date()}
    version = figures_version.current(session)  # first: what is read after it is at least as new
    explanations, contracts_to_record = _kept_monitoring_work(session, statements, version)
    by_the_clock = _kept_clock_work(session, statements, params, version)
    return StaffWork(questions=_first(session.execute(statements.questions).all()),
                     closing=_first(session.execute(statements.closing, params).all()),
                     to_decide=by_the_clock.to_decide,
                     explanations=explanations,
                     to_approve=_first(explanations_to_approve(session, user)),
                     contracts_to_record=contracts_to_record,
                     updates_due=by_the_clock.updates_due)


# What the kept lists below read besides what the dashboard counts: the version of the monitoring
# data is drawn anew by changes to these too (monitoring/figures_version.py).
figures_version.track(Call, ["title", "status"])
figures_version.track(Phase, ["closes_at", "title", "number", "decisions_published_at"])
figures_version.track(ResultUpdate)


@dataclass(frozen=True)
class _ClockWork:
    """The phases waiting for a decision and the contracts due for a result update, and until when
    they hold: the next moment a phase closes (None: none will); the day is in their key."""

    valid_until: dt.datetime | None
    to_decide: WorkList
    updates_due: WorkList


def _kept_clock_work(session: Session, statements: SimpleNamespace, params: dict[str, Any],
                     version: str) -> _ClockWork:
    """Counting the phases to decide and the contracts due reads every undecided phase and every
    running contract (12-14 ms each at scale 1 on PostgreSQL): kept under the monitoring data's version
    and the day, until the next phase closes."""
    now = params["now"]

    def compute() -> _ClockWork:
        next_close = session.scalar(
            select(func.min(Phase.closes_at)).join(Call, Phase.call_id == Call.id)
            .where(Call.status.in_((CallStatus.PUBLISHED, CallStatus.CLOSED)), Phase.closes_at > now,
                   Phase.decisions_published_at.is_(None)))
        return _ClockWork(next_close, _limited(session, statements.to_decide, params),
                          _limited(session, statements.updates_due, params))

    return fingerprint_cache.remember(
        f"work-clock|{version}|{params['today'].isoformat()}", compute,
        fresh=lambda kept: kept.valid_until is None or now < kept.valid_until)


def _kept_monitoring_work(session: Session, statements: SimpleNamespace, version: str) -> tuple[WorkList, WorkList]:
    """Register entries lacking an explanation and awards without a contract: they depend on the
    monitoring data alone (no clock), so they are kept under its version (monitoring/figures_version.py,
    read first, drawn anew by every change to what they read), as staff's monitoring page keeps them.
    Finding the awards without a contract walks every award: 25-45 ms at city scale per request."""

    def compute() -> tuple[WorkList, WorkList]:  # rows of named columns: kept as they are (they pickle)
        return _limited(session, statements.explanations, {}), _contracts_to_record(session)

    return fingerprint_cache.remember(f"work-monitoring|{version}", compute)


def _contracts_to_record(session: Session) -> WorkList:
    """Awards without a contract: their keys from the covering index ix_proposals_status_phase_call
    (cutting this list in SQL made SQLite walk the proposals in id order instead: slower, measured),
    then the submitted titles of the shown ones only."""
    keys = monitoring.awarded_without_contract_keys(session)
    shown = keys[:WORK_LIST_LIMIT]
    titles = submitted_titles(session, [key.proposal_id for key in shown])
    return WorkList([(key.proposal_id, key.record_id, titles[key.proposal_id]) for key in shown], len(keys))


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


@functools.cache
def _jury_members_statement() -> Select[Any]:
    """A person's jury memberships (bind user_id), newest first, with their phases and calls; built
    once per process, as the other statements read on every /my."""
    return (select(JuryMember).where(JuryMember.user_id == bindparam("user_id"))
            .options(selectinload(JuryMember.phase).selectinload(Phase.call)).order_by(JuryMember.id.desc()))


def jury_work(session: Session, user: Any, now: dt.datetime) -> list[JuryWork]:
    """Per jury of this person whose decisions are not published yet: the proposals in evaluation,
    how many are left to declare on, and to score. Four queries however many juries (not four each)."""
    members = [member for member in session.scalars(_jury_members_statement(), {"user_id": user.id})
               if member.phase.decisions_published_at is None]  # finished: nothing waits
    if not members:
        return []
    in_evaluation = Proposal.status.in_(proposal_lifecycle.IN_EVALUATION)
    member_ids = [member.id for member in members]
    totals = {phase_id: count for phase_id, count in session.execute(
        select(Proposal.phase_id, func.count(Proposal.id))
        .where(Proposal.phase_id.in_({member.phase_id for member in members}), in_evaluation)
        .group_by(Proposal.phase_id))}
    # Of each member's declarations and sheets, those on proposals in evaluation in the member's phase.
    declared = {member_id: (count, clear) for member_id, count, clear in session.execute(
        select(ConflictDeclaration.member_id, func.count(ConflictDeclaration.id),
               func.count(case((ConflictDeclaration.has_conflict.is_(False), 1))))
        .join(JuryMember, JuryMember.id == ConflictDeclaration.member_id)
        .join(Proposal, Proposal.id == ConflictDeclaration.proposal_id)
        .where(ConflictDeclaration.member_id.in_(member_ids), Proposal.phase_id == JuryMember.phase_id, in_evaluation)
        .group_by(ConflictDeclaration.member_id))}
    final = {member_id: count for member_id, count in session.execute(
        select(ScoreSheet.member_id, func.count(ScoreSheet.id))
        .join(JuryMember, JuryMember.id == ScoreSheet.member_id)
        .join(Proposal, Proposal.id == ScoreSheet.proposal_id)
        .where(ScoreSheet.member_id.in_(member_ids), Proposal.phase_id == JuryMember.phase_id, in_evaluation,
               ScoreSheet.status == SheetStatus.FINAL)
        .group_by(ScoreSheet.member_id))}
    work = []
    for member in members:
        total = totals.get(member.phase_id, 0)
        count, clear = declared.get(member.id, (0, 0))
        work.append(JuryWork(member, proposal_lifecycle.is_sealed(member.phase, now), total, total - count,
                             max(clear - final.get(member.id, 0), 0)))
    return work


def my_proposals(session: Session, user: Any, limit: int = 10) -> list[Proposal]:
    return list(session.scalars(proposals_of_owner_statement(), {"owner_key": owner_key_for(user), "limit": limit}))


def open_calls_for(session: Session, user: Any, now: dt.datetime, limit: int = 6) -> list[Any]:
    """Open calls this person may submit on and has not started on yet: rows (slug, title, title_en,
    closes_at) of the calls with their open phase's deadline."""
    return open_calls_to_start(session, user, now, limit=limit)


def my_dialogues(session: Session, user: Any, now: dt.datetime) -> list[Any]:
    """Upcoming dialogues this person is registered for (confirmed or on the waiting list), as rows
    (slug, title, starts_at, and the registration's status and lot_rank, which the registration
    guards read) rather than whole dialogues with their texts."""
    return list(session.execute(_my_dialogues_statement(), {"user_id": user.id, "now": now}))


@functools.cache
def _my_dialogues_statement() -> Select[Any]:
    return (select(Dialogue.slug, Dialogue.title, Dialogue.title_en, Dialogue.starts_at, Registration.status,
                   Registration.lot_rank)
            .join(Registration, Registration.dialogue_id == Dialogue.id)
            .where(Registration.user_id == bindparam("user_id"), Registration.status.in_(dialogue_lifecycle.ACTIVE),
                   Dialogue.ends_at > bindparam("now"))
            .order_by(Dialogue.starts_at))


def my_consultations(session: Session, user: Any, now: dt.datetime) -> list:
    """Open market consultations with the state of this entrepreneur's organisation's answers."""
    return open_for_organisation(session, user.organisation_id, now) if can_answer(user) else []


def shows_staff_work(user: Any) -> bool:
    return is_staff(user)
