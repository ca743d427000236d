"""Result talks (resultaatgesprekken): what one manager or one department did for MVI in a year.

A talk reads the register and the contracts only, with the same scope filter as the register
(services.where_in_scope), so its figures agree with the register and the dashboard:
- procurements: register entries (calls and outside tenders) published in the year that the
  manager answers for (or that belong to the department);
- at target: applied level at least the target level; the share is rounded to a whole percent;
- explained / unexplained: below target with or without an explanation; approved: the call's
  manager approved the explanation (outside tenders have no approval step);
- experiment space: the calls among them that were granted extra weeks, budget or a note;
- contracts: contracts of the manager's (department's) procurements of any year that ran during
  the year; realised is the latest measurement reported on or before the end of the year
  (measurements are cumulative), so a talk about a past year does not change afterwards;
- open result updates: contracts still running on the reference day (the end of the year, or
  today for the current year) with nothing reported for more than RECENT_UPDATE_DAYS, counted
  from signing when nothing was ever reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import User
from ..calls.models import Call
from ..catalogue.models import Department
from .models import Contract, ContractTarget, ProcurementRecord, ResultUpdate
from .services import where_in_scope, year_bounds

# Half a year without a result update: the talk asks for one (results are reported twice a year).
RECENT_UPDATE_DAYS = 183


def percent(part: Decimal | int, whole: Decimal | int) -> int | None:
    """A share as a whole percent, rounded half up (as people round); None when there is no whole."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TargetRow:
    target: ContractTarget
    realised: Decimal | None

    @property
    def percent(self) -> int | None:
        return percent(self.realised, self.target.agreed_value) if self.realised is not None else None

    @property
    def met(self) -> bool:
        return self.realised is not None and self.realised >= self.target.agreed_value


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    targets: list[TargetRow]
    last_reported_on: dt.date | None
    update_due: bool


@dataclass
class ResultTalk:
    """The figures of one talk; `subject` is the manager (User) or the Department."""

    subject: User | Department
    year: int
    reference_day: dt.date
    records: list[ProcurementRecord] = field(default_factory=list)
    contracts: list[ContractRow] = field(default_factory=list)

    @property
    def at_target(self) -> int:
        return sum(1 for r in self.records if not r.below_target)

    @property
    def share_at_target(self) -> int | None:
        return percent(self.at_target, len(self.records))

    @property
    def below_explained(self) -> int:
        return sum(1 for r in self.records if r.below_target and not r.lacks_explanation)

    @property
    def below_unexplained(self) -> int:
        return sum(1 for r in self.records if r.lacks_explanation)

    @property
    def approved(self) -> int:
        return sum(1 for r in self.records if r.explanation_approval is not None)

    @property
    def estimated_value_cents(self) -> int:
        return sum(r.estimated_value_cents or 0 for r in self.records)

    @property
    def experiments(self) -> list[Call]:
        return [r.call for r in self.records if r.call is not None and r.call.has_experiment_space]

    @property
    def experiment_weeks(self) -> int:
        return sum(call.experiment_extra_weeks for call in self.experiments)

    @property
    def experiment_budget_cents(self) -> int:
        return sum(call.experiment_budget_cents for call in self.experiments)

    @property
    def contract_value_cents(self) -> int:
        return sum(row.contract.value_cents for row in self.contracts)

    @property
    def targets(self) -> int:
        return sum(len(row.targets) for row in self.contracts)

    @property
    def targets_met(self) -> int:
        return sum(1 for row in self.contracts for target in row.targets if target.met)

    @property
    def open_updates(self) -> list[ContractRow]:
        return [row for row in self.contracts if row.update_due]


def reference_day(year: int, today: dt.date) -> dt.date:
    """The day a talk looks from: the last day of the year, or today while the year runs."""
    return min(today, dt.date(year, 12, 31))


def _records(session: Session, year: int, *, manager_id: int | None, department_id: int | None
             ) -> list[ProcurementRecord]:
    stmt = select(ProcurementRecord).options(
        selectinload(ProcurementRecord.call).selectinload(Call.explanation_approved_by))
    stmt = where_in_scope(stmt, ProcurementRecord.published_on, year=year, manager_id=manager_id,
                          department_id=department_id)
    return list(session.scalars(stmt.order_by(ProcurementRecord.published_on, ProcurementRecord.id)))


def _running_contracts(session: Session, year: int, *, manager_id: int | None, department_id: int | None
                       ) -> list[Contract]:
    start, end = year_bounds(year)
    stmt = (select(Contract).join(ProcurementRecord, Contract.record_id == ProcurementRecord.id)
            .where(Contract.signed_on < end, or_(Contract.ends_on.is_(None), Contract.ends_on >= start))
            .options(selectinload(Contract.targets),
                     selectinload(Contract.updates).selectinload(ResultUpdate.measurements)))
    stmt = where_in_scope(stmt, Contract.signed_on, manager_id=manager_id, department_id=department_id)
    return list(session.scalars(stmt.order_by(Contract.signed_on, Contract.id)).unique())


def _contract_row(contract: Contract, year_end: dt.date, reference: dt.date) -> ContractRow:
    # Updates come in date order (the relationship's order_by); later ones hold the cumulative values.
    reported = [u for u in contract.updates if u.reported_on < year_end]
    realised: dict[int, Decimal] = {}
    for update in reported:
        for measurement in update.measurements:
            realised[measurement.target_id] = measurement.value
    last = reported[-1].reported_on if reported else None
    running = contract.signed_on <= reference and (contract.ends_on is None or contract.ends_on >= reference)
    since = max(last or contract.signed_on, contract.signed_on)
    due = running and (reference - since).days > RECENT_UPDATE_DAYS
    return ContractRow(contract, [TargetRow(t, realised.get(t.id)) for t in contract.targets], last, due)


def result_talk(session: Session, subject: User | Department, year: int, today: dt.date) -> ResultTalk:
    """The talk with a manager (a User) or about a department, for one calendar year."""
    scope = {"manager_id": subject.id, "department_id": None} if isinstance(subject, User) \
        else {"manager_id": None, "department_id": subject.id}
    reference = reference_day(year, today)
    _start, year_end = year_bounds(year)
    talk = ResultTalk(subject, year, reference, records=_records(session, year, **scope))
    talk.contracts = [_contract_row(c, year_end, reference)
                      for c in _running_contracts(session, year, **scope)]
    return talk


# --- the list of talks: who has procurements in the year ---------------------------------------


@dataclass(frozen=True)
class TalkSummary:
    subject: User | Department
    procurements: int
    at_target: int
    lacking_explanation: int

    @property
    def share_at_target(self) -> int | None:
        return percent(self.at_target, self.procurements)


def _summaries(session: Session, subject_model: type, key, year: int) -> list[TalkSummary]:
    below = ProcurementRecord.applied_level < ProcurementRecord.target_level
    stmt = (select(subject_model, func.count(ProcurementRecord.id),
                   func.sum(case((below, 0), else_=1)),
                   func.sum(case((and_(below, ProcurementRecord.explanation == ""), 1), else_=0)))
            .join(ProcurementRecord, key == subject_model.id)
            .group_by(subject_model.id).order_by(subject_model.id))
    stmt = where_in_scope(stmt, ProcurementRecord.published_on, year=year)
    rows = [TalkSummary(subject, count, int(at or 0), int(lacking or 0))
            for subject, count, at, lacking in session.execute(stmt)]
    return sorted(rows, key=lambda row: (_name(row.subject).casefold(), row.subject.id))


def _name(subject: User | Department) -> str:
    return subject.name if isinstance(subject, User) else subject.name_nl


def managers_of_year(session: Session, year: int) -> list[TalkSummary]:
    """Per responsible manager: their procurements published in the year (a talk each)."""
    return _summaries(session, User, ProcurementRecord.manager_id, year)


def departments_of_year(session: Session, year: int) -> list[TalkSummary]:
    return _summaries(session, Department, ProcurementRecord.department_id, year)


def is_manager(session: Session, user_id: int) -> bool:
    """Whether the person answers for any procurement in the register (so has talks to see)."""
    return session.scalar(select(ProcurementRecord.id).where(ProcurementRecord.manager_id == user_id).limit(1)) \
        is not None
