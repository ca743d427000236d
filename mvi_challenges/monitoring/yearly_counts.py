"""The monitoring figures: effort next to results, per calendar year (Amsterdam time).

Each figure is one query with the same filters, so the dashboard, its CSV files and the open
data API show the same numbers. What is counted, precisely:
- calls published: calls whose publication falls in the year (a cancelled call still counts);
- experiment space: those calls granted extra time or a process budget, with the totals;
- dialogues held: published or reported dialogues that started in the year and have ended;
  with a department chosen, those whose related call belongs to the department;
- market consultations held: consultations opened to the market whose deadline fell in the year
  and has passed; with a department chosen, those whose follow-up call belongs to the department;
- participants: confirmed registrations of those dialogues, minus people marked absent;
- questions answered: answers published in the year;
- proposals received: proposals first submitted in the year (each phase counts on its own), once
  their phase's deadline has passed (before it the number of bids is sealed too);
- awards: proposals awarded in decisions published in the year;
- contracts: contracts signed in the year, with their value and agreed targets; realised is the
  latest measured value of each target (measurements are cumulative);
- effort per leading principle: calls published in the year that use at least one library
  criterion serving the principle (a call using two such criteria counts once), and how many
  of those criteria they chose together;
- procurements at target level: register entries (calls and external tenders) published in
  the year whose applied level is at least the target level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from ..calls.models import Call, CallStatus, Phase, call_library_criteria
from ..catalogue.models import Category, SocialValue
from ..consultations.models import Consultation, ConsultationStatus
from ..core.timezones import local_to_utc, to_local
from ..criteria.models import LeadingPrinciple, LibraryCriterion
from ..dialogues.models import Dialogue, DialogueStatus, Registration, RegistrationStatus
from ..evaluation.models import Decision, Outcome
from ..proposals import lifecycle as proposal_lifecycle
from ..proposals.models import Proposal, ProposalStatus, Question
from .models import Contract, ContractTarget, ProcurementRecord, TargetUnit
from .services import year_bounds

LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class DashboardFilters:
    year: int  # 0: all years (category pages show everything so far)
    category_id: int | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class TargetTotal:
    social_value: SocialValue
    unit: TargetUnit
    targets: int
    met: int
    agreed: Decimal | None  # None for percentages: they do not add up across contracts
    realised: Decimal | None


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    procurements: int
    at_target: int
    contracts: int
    contract_value_cents: int

    @property
    def share_at_target(self) -> int | None:
        return round(100 * self.at_target / self.procurements) if self.procurements else None


@dataclass(frozen=True)
class PrincipleRow:
    principle: LeadingPrinciple
    calls: int
    criteria_chosen: int


@dataclass
class Figures:
    filters: DashboardFilters
    calls_per_level: dict[int, int] = field(default_factory=dict)
    experiments: int = 0
    experiment_weeks: int = 0
    experiment_budget_cents: int = 0
    dialogues_held: int = 0
    consultations_held: int = 0
    participants: int = 0
    questions_answered: int = 0
    proposals_received: int = 0
    awards: int = 0
    contracts: int = 0
    contract_value_cents: int = 0
    procurements: int = 0
    procurements_at_target: int = 0
    targets: list[TargetTotal] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    principles: list[PrincipleRow] = field(default_factory=list)

    @property
    def calls_published(self) -> int:
        return sum(self.calls_per_level.values())

    @property
    def share_at_target(self) -> int | None:
        return round(100 * self.procurements_at_target / self.procurements) if self.procurements else None


def utc_year(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The local calendar year as UTC instants: New Year's night in Amsterdam is 23:00 UTC."""
    return local_to_utc(dt.datetime(year, 1, 1)), local_to_utc(dt.datetime(year + 1, 1, 1))


def _call_filters(stmt: Select, filters: DashboardFilters) -> Select:
    if filters.category_id is not None:
        stmt = stmt.where(Call.category_id == filters.category_id)
    if filters.department_id is not None:
        stmt = stmt.where(Call.department_id == filters.department_id)
    return stmt


def _record_filters(stmt: Select, filters: DashboardFilters) -> Select:
    if filters.category_id is not None:
        stmt = stmt.where(ProcurementRecord.category_id == filters.category_id)
    if filters.department_id is not None:
        stmt = stmt.where(ProcurementRecord.department_id == filters.department_id)
    return stmt


def calls_per_level(session: Session, filters: DashboardFilters) -> dict[int, int]:
    start, end = utc_year(filters.year)
    stmt = (select(Call.ambition_level, func.count(Call.id))
            .where(Call.status != CallStatus.DRAFT, Call.published_at >= start, Call.published_at < end)
            .group_by(Call.ambition_level))
    counted = {level: count for level, count in session.execute(_call_filters(stmt, filters))}
    return {level: counted.get(level, 0) for level in LEVELS}


def experiment_space(session: Session, filters: DashboardFilters) -> tuple[int, int, int]:
    """Calls published in the year that were granted experiment space: how many, weeks, budget."""
    start, end = utc_year(filters.year)
    granted = or_(Call.experiment_extra_weeks > 0, Call.experiment_budget_cents > 0, Call.experiment_note != "")
    stmt = (select(func.count(Call.id), func.coalesce(func.sum(Call.experiment_extra_weeks), 0),
                   func.coalesce(func.sum(Call.experiment_budget_cents), 0))
            .where(Call.status != CallStatus.DRAFT, Call.published_at >= start, Call.published_at < end, granted))
    count, weeks, cents = session.execute(_call_filters(stmt, filters)).one()
    return count, int(weeks), int(cents)


def _held_dialogues(filters: DashboardFilters, now: dt.datetime) -> Select:
    start, end = utc_year(filters.year)
    stmt = select(Dialogue.id).where(
        Dialogue.status.in_([DialogueStatus.PUBLISHED, DialogueStatus.REPORTED]),
        Dialogue.starts_at >= start, Dialogue.starts_at < end, Dialogue.ends_at <= now,
    )
    if filters.category_id is not None:
        stmt = stmt.where(Dialogue.category_id == filters.category_id)
    if filters.department_id is not None:
        stmt = stmt.where(Dialogue.related_call_id.in_(
            select(Call.id).where(Call.department_id == filters.department_id)))
    return stmt


def consultations_held(session: Session, filters: DashboardFilters, now: dt.datetime) -> int:
    """Market consultations whose deadline fell in the year and has passed: effort, like a dialogue held."""
    start, end = utc_year(filters.year)
    stmt = select(func.count(Consultation.id)).where(
        Consultation.status != ConsultationStatus.DRAFT, Consultation.closes_at >= start,
        Consultation.closes_at < end, Consultation.closes_at <= now)
    if filters.category_id is not None:
        stmt = stmt.where(Consultation.category_id == filters.category_id)
    if filters.department_id is not None:
        stmt = stmt.where(Consultation.follow_up_call_id.in_(
            select(Call.id).where(Call.department_id == filters.department_id)))
    return session.scalar(stmt) or 0


def dialogue_figures(session: Session, filters: DashboardFilters, now: dt.datetime) -> tuple[int, int]:
    held = _held_dialogues(filters, now)
    count = session.scalar(select(func.count()).select_from(held.subquery())) or 0
    participants = session.scalar(
        select(func.count(Registration.id)).where(
            Registration.dialogue_id.in_(held),
            Registration.status == RegistrationStatus.CONFIRMED,
            or_(Registration.attended.is_(None), Registration.attended.is_(True)),
        )
    ) or 0
    return count, participants


def questions_answered(session: Session, filters: DashboardFilters) -> int:
    start, end = utc_year(filters.year)
    stmt = (select(func.count(Question.id)).join(Call, Question.call_id == Call.id)
            .where(Question.published_at >= start, Question.published_at < end))
    return session.scalar(_call_filters(stmt, filters)) or 0


def proposals_received(session: Session, filters: DashboardFilters, now: dt.datetime) -> int:
    start, end = utc_year(filters.year)
    stmt = (select(func.count(Proposal.id)).join(Call, Proposal.call_id == Call.id)
            .where(Proposal.status != ProposalStatus.DRAFT, proposal_lifecycle.counted_in_public_figures(now),
                   Proposal.submitted_at >= start, Proposal.submitted_at < end))
    return session.scalar(_call_filters(stmt, filters)) or 0


def awards(session: Session, filters: DashboardFilters) -> int:
    start, end = utc_year(filters.year)
    stmt = (select(func.count(Decision.id))
            .join(Proposal, Decision.proposal_id == Proposal.id)
            .join(Phase, Proposal.phase_id == Phase.id)
            .join(Call, Proposal.call_id == Call.id)
            .where(Decision.outcome == Outcome.AWARDED,
                   Phase.decisions_published_at >= start, Phase.decisions_published_at < end))
    return session.scalar(_call_filters(stmt, filters)) or 0


def _contracts_in_year(stmt: Select, filters: DashboardFilters) -> Select:
    """`stmt` (selecting from contracts) narrowed to the contracts signed in the year, joined to their
    register entry for its filters (one join: an `IN (subquery)` of contract ids read the table twice)."""
    stmt = stmt.join(ProcurementRecord, Contract.record_id == ProcurementRecord.id)
    if filters.year:
        start, end = year_bounds(filters.year)
        stmt = stmt.where(Contract.signed_on >= start, Contract.signed_on < end)
    return _record_filters(stmt, filters)


def contract_figures(session: Session, filters: DashboardFilters) -> tuple[int, int]:
    count, value = session.execute(_contracts_in_year(
        select(func.count(Contract.id), func.coalesce(func.sum(Contract.value_cents), 0)).select_from(Contract),
        filters)).one()
    return count, int(value)


def target_totals(session: Session, filters: DashboardFilters) -> list[TargetTotal]:
    """Agreed and realised per social value and unit, added up in SQL (GROUP BY).

    A year holds thousands of targets at city scale. Reading them and every measurement to find
    each target's latest took most of the dashboard's time; the latest measured value is now kept
    on the target when a result is reported (services.refresh_latest_measured), so one grouped
    query over the year's targets gives the totals."""
    measured = ContractTarget.latest_measured
    stmt = (select(ContractTarget.social_value_id, ContractTarget.unit, func.count(ContractTarget.id),
                   func.sum(case((measured >= ContractTarget.agreed_value, 1), else_=0)),
                   func.sum(ContractTarget.agreed_value), func.coalesce(func.sum(measured), 0))
            .group_by(ContractTarget.social_value_id, ContractTarget.unit))
    stmt = _contracts_in_year(stmt.join(Contract, ContractTarget.contract_id == Contract.id), filters)
    rows = session.execute(stmt).all()
    if not rows:
        return []
    values = {v.id: v for v in session.scalars(select(SocialValue).where(
        SocialValue.id.in_({row[0] for row in rows})))}
    totals = []
    for value_id, unit, count, met, agreed, realised in rows:
        additive = unit.is_additive
        totals.append(TargetTotal(values[value_id], unit, count, int(met or 0),
                                  _hundredths(agreed) if additive else None,
                                  _hundredths(realised) if additive else None))
    return sorted(totals, key=lambda total: (total.social_value.name_nl, total.unit.value))


def _hundredths(total: Decimal | int | None) -> Decimal:
    """A SUM over a Hundredths column comes back converted; a COALESCE default of 0 may not."""
    if total is None:
        return Decimal("0.00")
    return total if isinstance(total, Decimal) else (Decimal(int(total)) / 100).quantize(Decimal("0.01"))


def category_rows(session: Session, filters: DashboardFilters) -> list[CategoryRow]:
    start, end = year_bounds(filters.year) if filters.year else (dt.date.min, dt.date.max)
    in_year = and_(ProcurementRecord.published_on >= start, ProcurementRecord.published_on < end)
    records = _record_filters(
        select(ProcurementRecord.category_id, func.count(ProcurementRecord.id),
               func.sum(case((ProcurementRecord.applied_level >= ProcurementRecord.target_level, 1), else_=0)))
        .where(in_year).group_by(ProcurementRecord.category_id), filters)
    counted = {row[0]: (row[1], int(row[2] or 0)) for row in session.execute(records)}
    contract_stmt = _contracts_in_year(
        select(ProcurementRecord.category_id, func.count(Contract.id), func.sum(Contract.value_cents))
        .select_from(Contract).group_by(ProcurementRecord.category_id), filters)
    contracted = {row[0]: (row[1], int(row[2] or 0)) for row in session.execute(contract_stmt)}
    categories = session.scalars(select(Category)).all()
    if filters.category_id is not None:
        categories = [c for c in categories if c.id == filters.category_id]
    return [
        CategoryRow(category, *counted.get(category.id, (0, 0)), *contracted.get(category.id, (0, 0)))
        for category in categories
    ]


def principle_rows(session: Session, filters: DashboardFilters) -> list[PrincipleRow]:
    """Effort per leading principle: every principle in use, and the calls of the year using it.

    A retired principle is listed only when calls of the year still use it (history stays visible).
    """
    stmt = (select(LibraryCriterion.principle_id, func.count(distinct(Call.id)), func.count())
            .select_from(call_library_criteria)
            .join(Call, Call.id == call_library_criteria.c.call_id)
            .join(LibraryCriterion, LibraryCriterion.id == call_library_criteria.c.criterion_id)
            .where(Call.status != CallStatus.DRAFT, Call.published_at.is_not(None))
            .group_by(LibraryCriterion.principle_id))
    if filters.year:
        start, end = utc_year(filters.year)
        stmt = stmt.where(Call.published_at >= start, Call.published_at < end)
    counted = {principle_id: (calls, chosen) for principle_id, calls, chosen in
               session.execute(_call_filters(stmt, filters))}
    principles = session.scalars(select(LeadingPrinciple).order_by(LeadingPrinciple.slug))
    return [PrincipleRow(p, *counted.get(p.id, (0, 0))) for p in principles if not p.is_retired or p.id in counted]


def dashboard(session: Session, filters: DashboardFilters, now: dt.datetime) -> Figures:
    figures = Figures(filters=filters)
    figures.calls_per_level = calls_per_level(session, filters)
    figures.experiments, figures.experiment_weeks, figures.experiment_budget_cents = experiment_space(session, filters)
    figures.dialogues_held, figures.participants = dialogue_figures(session, filters, now)
    figures.consultations_held = consultations_held(session, filters, now)
    figures.questions_answered = questions_answered(session, filters)
    figures.proposals_received = proposals_received(session, filters, now)
    figures.awards = awards(session, filters)
    figures.contracts, figures.contract_value_cents = contract_figures(session, filters)
    figures.targets = target_totals(session, filters)
    figures.categories = category_rows(session, filters)
    figures.principles = principle_rows(session, filters)
    figures.procurements = sum(row.procurements for row in figures.categories)
    figures.procurements_at_target = sum(row.at_target for row in figures.categories)
    return figures


def available_years(session: Session, now: dt.datetime) -> list[int]:
    """From the first year with a register entry or a published call up to this year, newest first."""
    this_year = to_local(now).year
    first_record = session.scalar(select(func.min(ProcurementRecord.published_on)))
    first = first_record.year if first_record is not None else this_year
    return list(range(this_year, min(first, this_year) - 1, -1))


@dataclass
class CategoryOverview:
    """What a category's public page shows: its calls, dialogues, market consultations and results so far."""

    calls: list[Call]
    call_count: int
    dialogues: list[Dialogue]
    row: CategoryRow
    contracts: list[Contract]
    targets: list[TargetTotal]
    consultations: list[Consultation] = field(default_factory=list)


def category_overview(session: Session, category: Category, limit: int = 10) -> CategoryOverview:
    calls_stmt = select(Call).where(Call.category_id == category.id, Call.status != CallStatus.DRAFT,
                                    Call.published_at.is_not(None))
    call_count = session.scalar(select(func.count()).select_from(calls_stmt.subquery())) or 0
    calls = session.scalars(calls_stmt.order_by(Call.published_at.desc(), Call.id.desc()).limit(limit)).all()
    dialogues = session.scalars(
        select(Dialogue).where(Dialogue.category_id == category.id, Dialogue.status != DialogueStatus.DRAFT,
                               Dialogue.published_at.is_not(None))
        .order_by(Dialogue.starts_at.desc(), Dialogue.id.desc()).limit(limit)
    ).all()
    everything = DashboardFilters(year=0, category_id=category.id)
    rows = category_rows(session, everything)
    contracts = session.scalars(
        select(Contract).join(ProcurementRecord, Contract.record_id == ProcurementRecord.id)
        .where(ProcurementRecord.category_id == category.id)
        .order_by(Contract.signed_on.desc(), Contract.id.desc()).limit(limit)
    ).all()
    consultations = session.scalars(
        select(Consultation).where(Consultation.category_id == category.id,
                                   Consultation.status != ConsultationStatus.DRAFT)
        .order_by(Consultation.closes_at.desc(), Consultation.id.desc()).limit(limit)
    ).all()
    return CategoryOverview(list(calls), call_count, list(dialogues), rows[0], list(contracts),
                            target_totals(session, everything), list(consultations))
