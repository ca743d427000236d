"""Rules for the procurement register, contracts and result updates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from ..accounts.models import Organisation, User
from ..calls.models import Call, Phase
from ..calls.services import call_changed, process_changed
from ..catalogue.models import Category, Department, SocialValue
from ..core import audit
from ..core.errors import DomainError
from ..core.timezones import now_utc, to_local
from ..proposals.models import Proposal, ProposalStatus, ProposalVersion
from .models import Contract, ContractTarget, ProcurementRecord, ResultMeasurement, ResultUpdate, TargetUnit

# Stored (and published as open data) for a private person who won: their name is not public.
PRIVATE_SUPPLIER = "Particulier (naam niet gepubliceerd)"
MAX_CENTS = 10**15  # a thousand billion euros: beyond any municipal contract, within BIGINT


# --- the register ---------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The calendar year as [1 January, 1 January next year)."""
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def sync_call_record(session: Session, call: Call) -> ProcurementRecord | None:
    """Create or update the register entry of a published call; the call is the source."""
    if call.published_at is None:
        return None
    record = session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == call.id))
    if record is None:
        record = ProcurementRecord(call_id=call.id)
        session.add(record)
    record.title = call.title
    record.reference = call.slug
    record.description = call.summary
    record.category_id = call.category_id
    record.department_id = call.department_id
    record.manager_id = call.manager_id
    record.target_level = call.effective_target_level
    record.applied_level = call.ambition_level
    record.explanation = call.level_explanation
    record.published_on = to_local(call.published_at).date()
    record.estimated_value_cents = sum(phase.budget_cents for phase in call.phases) or None
    session.flush()
    return record


@call_changed.connect
def _keep_register_in_step(call: Call, session: Session, change: str, **_: Any) -> None:
    sync_call_record(session, call)


def where_in_scope(stmt: Select, dated: Any, *, year: int | None = None, category_id: int | None = None,
                   department_id: int | None = None, manager_id: int | None = None) -> Select:
    """The year, category, department (and manager) filter of everything that hangs off the register.

    One home for it, so the register page, the open data contracts and the result talks select
    alike. `dated` is the date column the year applies to (published on, signed on); the other
    filters are those of the procurement, so `stmt` must select or join ProcurementRecord."""
    if year is not None:
        start, end = year_bounds(year)
        stmt = stmt.where(dated >= start, dated < end)
    if category_id is not None:
        stmt = stmt.where(ProcurementRecord.category_id == category_id)
    if department_id is not None:
        stmt = stmt.where(ProcurementRecord.department_id == department_id)
    if manager_id is not None:
        stmt = stmt.where(ProcurementRecord.manager_id == manager_id)
    return stmt


@dataclass(frozen=True)
class RegisterFilters:
    year: int | None = None
    category_id: int | None = None
    department_id: int | None = None
    applied_level: int | None = None
    below_target: bool = False
    lacks_explanation: bool = False
    source: str | None = None  # "platform" | "external"


def register_query(filters: RegisterFilters) -> Select[tuple[ProcurementRecord]]:
    """Newest first; cancelled calls stay listed (the effort was made, the outcome is shown)."""
    # The call and its approver come along: the register shows who approved the explanation.
    stmt = select(ProcurementRecord).options(
        selectinload(ProcurementRecord.call).selectinload(Call.explanation_approved_by))
    return _in_register(stmt, filters)


def _in_register(stmt: Select[Any], filters: RegisterFilters) -> Select[Any]:
    """The register's filters and order, on a statement over procurement records."""
    stmt = where_in_scope(stmt, ProcurementRecord.published_on, year=filters.year,
                          category_id=filters.category_id, department_id=filters.department_id)
    if filters.applied_level is not None:
        stmt = stmt.where(ProcurementRecord.applied_level == filters.applied_level)
    if filters.below_target or filters.lacks_explanation:
        stmt = stmt.where(ProcurementRecord.applied_level < ProcurementRecord.target_level)
    if filters.lacks_explanation:
        stmt = stmt.where(ProcurementRecord.explanation == "")
    if filters.source == "platform":
        stmt = stmt.where(ProcurementRecord.call_id.is_not(None))
    elif filters.source == "external":
        stmt = stmt.where(ProcurementRecord.call_id.is_(None))
    return stmt.order_by(ProcurementRecord.published_on.desc(), ProcurementRecord.id.desc())


def records_lacking_explanation_query() -> Select[tuple[ProcurementRecord]]:
    """Below the target level without an explanation, newest first (the register's "unexplained")."""
    return register_query(RegisterFilters(lacks_explanation=True)).options(selectinload(ProcurementRecord.manager))


def records_lacking_explanation_rows_query() -> Select[Any]:
    """The same records as plain rows (id, title, manager_name) for a list of links (staff's work list)."""
    manager = aliased(User)
    return _in_register(
        select(ProcurementRecord.id, ProcurementRecord.title, manager.name.label("manager_name"))
        .outerjoin(manager, manager.id == ProcurementRecord.manager_id),
        RegisterFilters(lacks_explanation=True))


def records_lacking_explanation(session: Session) -> list[ProcurementRecord]:
    return list(session.scalars(records_lacking_explanation_query()))


@dataclass(frozen=True)
class LackingExplanation:
    """A register entry below its target level without an explanation, as a list names it."""

    id: int
    call_id: int | None
    is_external: bool
    title: str
    category: tuple[str, str]  # name in Dutch and in English ("" when only in Dutch)
    applied_level: int
    target_level: int
    manager: str | None

    def category_name(self, locale: str) -> str:  # as Category.localised
        return (self.category[1] if locale != "nl" else "") or self.category[0]


def records_lacking_explanation_rows(session: Session) -> list[LackingExplanation]:
    """records_lacking_explanation as plain rows, in one query."""
    stmt = _in_register(
        select(ProcurementRecord.id, ProcurementRecord.call_id, ProcurementRecord.is_external,
               ProcurementRecord.title, Category.name_nl, Category.name_en, ProcurementRecord.applied_level,
               ProcurementRecord.target_level, User.name)
        .select_from(ProcurementRecord).join(Category, Category.id == ProcurementRecord.category_id)
        .outerjoin(User, User.id == ProcurementRecord.manager_id), RegisterFilters(lacks_explanation=True))
    return [LackingExplanation(id_, call_id, external, title, (name_nl, name_en), applied, target, manager)
            for id_, call_id, external, title, name_nl, name_en, applied, target, manager in session.execute(stmt)]


def _check_level(value: int, field: str) -> None:
    if value not in (1, 2, 3):
        raise DomainError(_l("The ambition level is 1, 2 or 3."), field=field)


def _check_cents(value: int | None, field: str) -> None:
    if value is not None and not 0 <= value < MAX_CENTS:
        raise DomainError(_l("Enter an amount between 0 and 1,000,000,000,000 euros."), field=field)


def save_record(
    session: Session,
    actor: Any,
    record: ProcurementRecord | None,
    *,
    title: str,
    reference: str,
    description: str,
    category: Category,
    department: Department | None,
    manager: User | None,
    target_level: int,
    applied_level: int,
    explanation: str,
    published_on: dt.date,
    estimated_value_cents: int | None,
) -> ProcurementRecord:
    """Create or update an external tender. Below target without explanation is allowed (the
    explanation may still be on its way) but such records are listed for staff until explained.
    Side effect: audit `procurement_record.saved`."""
    if record is not None and not record.is_external:
        raise DomainError(_l("This record follows its call: change the call instead."))
    _check_level(target_level, "target_level")
    _check_level(applied_level, "applied_level")
    _check_cents(estimated_value_cents, "estimated_value")
    if published_on > to_local(now_utc()).date():  # the register is about what happened
        raise DomainError(_l("The publication date cannot be in the future."), field="published_on")
    if record is None:
        record = ProcurementRecord(created_by_id=getattr(actor, "id", None))
        session.add(record)
    record.title = title.strip()
    record.reference = reference.strip()
    record.description = description.strip()
    record.category = category
    record.department = department
    record.manager = manager
    record.target_level = target_level
    record.applied_level = applied_level
    record.explanation = explanation.strip() if applied_level < target_level else ""
    record.published_on = published_on
    record.estimated_value_cents = estimated_value_cents
    session.flush()
    audit.record(session, actor, "procurement_record.saved", record)
    return record


def awarded_without_contract_query() -> Select[tuple[Proposal, ProcurementRecord]]:
    """Awarded proposals for which no contract has been recorded yet, with their register entry."""
    return (_awards_without_contract(select(Proposal, ProcurementRecord))
            # the pages name each by its submitted title (Proposal.submitted_title): its versions
            .options(selectinload(Proposal.organisation), selectinload(Proposal.versions))
            .order_by(Proposal.id))


def awarded_without_contract(session: Session) -> list[tuple[Proposal, ProcurementRecord]]:
    return [(proposal, record) for proposal, record in session.execute(awarded_without_contract_query())]


def awarded_without_contract_keys(session: Session) -> list[Any]:
    """The same awards as (proposal_id, record_id) rows in proposal order, read from the indexes
    alone (no proposal's row, text or versions): for a list that shows a few and counts the rest.
    Sorted here: ORDER BY made SQLite walk ix_proposals_status and read each awarded proposal's row
    for its phase and call (2.9 against 1.1 ms at bench scale 0.1) instead of the covering index."""
    rows = session.execute(_awards_without_contract(
        select(Proposal.id.label("proposal_id"), ProcurementRecord.id.label("record_id"))))
    return sorted(rows, key=lambda row: row.proposal_id)


def _awards_without_contract(stmt: Select[Any]) -> Select[Any]:
    return (stmt.select_from(Proposal).join(Phase, Proposal.phase_id == Phase.id)
            .join(ProcurementRecord, ProcurementRecord.call_id == Proposal.call_id)
            .outerjoin(Contract, Contract.proposal_id == Proposal.id)
            .where(*_published_award_conditions(), Contract.id.is_(None)))


@dataclass(frozen=True)
class AwaitingContract:
    """An awarded proposal without a contract, as a list names it."""

    proposal_id: int
    title: str  # of the latest submitted version (Proposal.submitted_title)
    organisation: str  # "" for a private person
    record_id: int
    record_title: str


def awarded_without_contract_rows(session: Session) -> list[AwaitingContract]:
    """awarded_without_contract as plain rows, in one query: the submitted title is read in SQL
    (the latest version's, as Proposal.submitted_title) instead of loading every version."""
    submitted_title = func.coalesce(
        select(ProposalVersion.title).where(ProposalVersion.proposal_id == Proposal.id)
        .order_by(ProposalVersion.number.desc()).limit(1).scalar_subquery(), Proposal.title)
    stmt = (_awarded_and_published(
                select(Proposal.id, submitted_title, func.coalesce(Organisation.name, ""), ProcurementRecord.id,
                       ProcurementRecord.title).select_from(Proposal))
            .join(ProcurementRecord, ProcurementRecord.call_id == Proposal.call_id)
            .outerjoin(Contract, Contract.proposal_id == Proposal.id)
            .outerjoin(Organisation, Organisation.id == Proposal.organisation_id)
            .where(Contract.id.is_(None))
            .order_by(Proposal.id))
    return [AwaitingContract(*row) for row in session.execute(stmt)]


# --- contracts ------------------------------------------------------------------------------


def awarded_proposals(session: Session, record: ProcurementRecord) -> list[Proposal]:
    """The proposals of the record's call that may become a contract."""
    if record.call_id is None:
        return []
    stmt = (_published_awards().where(Proposal.call_id == record.call_id)
            .options(selectinload(Proposal.organisation), selectinload(Proposal.versions)).order_by(Proposal.id))
    return list(session.scalars(stmt))


def _published_awards() -> Select[tuple[Proposal]]:
    """Awarded proposals whose decision has been published: before that, an award is not public and
    may still change, so no contract can be recorded for it."""
    return select(Proposal).join(Phase, Proposal.phase_id == Phase.id).where(*_published_award_conditions())


def _published_award_conditions() -> tuple[Any, ...]:
    """Of proposals joined with their phase: awarded, and the decision published."""
    return Proposal.status == ProposalStatus.AWARDED, Phase.decisions_published_at.is_not(None)


def _awarded_and_published(stmt: Select[Any]) -> Select[Any]:
    """`stmt` (selecting from proposals) narrowed to _published_awards."""
    return stmt.join(Phase, Proposal.phase_id == Phase.id).where(*_published_award_conditions())


def is_published_award(proposal: Proposal) -> bool:
    return proposal.status is ProposalStatus.AWARDED and proposal.phase.decisions_published_at is not None


def _announce_contract(session: Session, contract: Contract) -> None:
    """A contract of a call, or its targets or results, changed: that call's contracting process did."""
    call = contract.record.call if contract.record is not None else None
    if call is not None:
        process_changed.send(call, session=session, change="contract")


def save_contract(
    session: Session,
    actor: Any,
    contract: Contract | None,
    *,
    record: ProcurementRecord,
    proposal: Proposal | None,
    supplier_name: str,
    title: str,
    value_cents: int,
    signed_on: dt.date,
    ends_on: dt.date | None,
    now: dt.datetime | None = None,
) -> Contract:
    """Create or update a contract. An award's contract waits for the end of the standstill
    period, so that applicants who object can still be heard. Side effect: audit `contract.saved`."""
    if proposal is not None and (proposal.call_id != record.call_id or not is_published_award(proposal)):
        raise DomainError(_l("Choose a proposal that was awarded in this call."), field="proposal_id")
    standstill_end = proposal.phase.standstill_ends_at if proposal is not None else None
    # Creating or editing alike: an award's contract is never dated, nor recorded, within the period.
    if standstill_end is not None and (
            (now or now_utc()) < standstill_end or signed_on < to_local(standstill_end).date()):
        from ..core.formatting import local_datetime

        raise DomainError(_l("The standstill period after the decision runs until %(end)s: a contract for this "
                             "award can be recorded from then on, signed on that day or later.",
                             end=local_datetime(standstill_end, "long")), field="signed_on")
    _check_cents(value_cents, "value")
    if ends_on is not None and ends_on < signed_on:
        raise DomainError(_l("The end date cannot be before the date of signing."), field="ends_on")
    if contract is not None and contract.updates and signed_on > contract.updates[0].reported_on:
        raise DomainError(_l("Results have been reported before this date; the contract was signed earlier."),
                          field="signed_on")
    organisation: Organisation | None = proposal.organisation if proposal is not None else None
    if proposal is not None and organisation is None:
        name = PRIVATE_SUPPLIER  # a citizen who won is not named in public pages or open data
    else:
        name = supplier_name.strip() or (organisation.name if organisation is not None else "")
    if not name:
        raise DomainError(_l("Enter the supplier's name."), field="supplier_name")
    if contract is None:
        contract = Contract()
        session.add(contract)
    contract.record = record
    contract.proposal = proposal
    contract.supplier_organisation = organisation
    contract.supplier_name = name
    contract.title = title.strip()
    contract.value_cents = value_cents
    contract.signed_on = signed_on
    contract.ends_on = ends_on
    session.flush()
    audit.record(session, actor, "contract.saved", contract)
    _announce_contract(session, contract)
    return contract


def contracts_of(session: Session, record: ProcurementRecord) -> list[Contract]:
    stmt = (select(Contract).where(Contract.record_id == record.id)
            .options(selectinload(Contract.updates)).order_by(Contract.signed_on, Contract.id))
    return list(session.scalars(stmt))


def latest_contracts(session: Session, limit: int) -> list[Contract]:
    stmt = select(Contract).order_by(Contract.signed_on.desc(), Contract.id.desc()).limit(limit)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ContractLine:
    """A contract as a list names it."""

    id: int
    title: str
    supplier_name: str
    has_private_supplier: bool
    value_cents: int
    signed_on: dt.date


def latest_contract_lines(session: Session, limit: int) -> list[ContractLine]:
    """latest_contracts as plain rows: the few columns a list shows, without the joined register entry."""
    stmt = (select(Contract.id, Contract.title, Contract.supplier_name, Contract.has_private_supplier,
                   Contract.value_cents, Contract.signed_on)
            .order_by(Contract.signed_on.desc(), Contract.id.desc()).limit(limit))
    return [ContractLine(*row) for row in session.execute(stmt)]


def _check_amount(unit: TargetUnit, value: Decimal, field: str) -> None:
    if value < 0:
        raise DomainError(_l("Enter a number of 0 or more."), field=field)
    if unit is TargetUnit.PERCENT and value > 100:
        raise DomainError(_l("A percentage is at most 100."), field=field)
    if value >= Decimal(10**12):
        raise DomainError(_l("That number is too large."), field=field)


def add_target(
    session: Session, actor: Any, contract: Contract, *, social_value: SocialValue, indicator: str,
    unit: TargetUnit, agreed_value: Decimal,
) -> ContractTarget:
    """Side effect: audit `contract.target_added`."""
    _check_amount(unit, agreed_value, "agreed_value")
    if agreed_value == 0:
        raise DomainError(_l("An agreed target is more than 0."), field="agreed_value")
    target = ContractTarget(social_value=social_value, indicator=indicator.strip(), unit=unit,
                            agreed_value=agreed_value)
    contract.targets.append(target)
    session.flush()
    audit.record(session, actor, "contract.target_added", contract, {"target": target.id})
    _announce_contract(session, contract)
    return target


def remove_target(session: Session, actor: Any, target: ContractTarget) -> None:
    """A target with reported results is history and stays. Side effect: audit."""
    measured = session.scalar(select(ResultMeasurement.id).where(ResultMeasurement.target_id == target.id).limit(1))
    if measured is not None:
        raise DomainError(_l("Results have been reported on this target, so it stays."))
    contract = target.contract
    contract.targets.remove(target)
    session.flush()
    audit.record(session, actor, "contract.target_removed", contract, {"indicator": target.indicator})
    _announce_contract(session, contract)


def refresh_latest_measured(session: Session, contract_id: int | None = None) -> None:
    """Set each target's `latest_measured` to the value of its latest report (by report date, then
    entry order: measurements are cumulative), for one contract or, without one, for all (data
    written around the services, such as the bench's)."""
    latest = (select(ResultMeasurement.value)
              .join(ResultUpdate, ResultMeasurement.update_id == ResultUpdate.id)
              .where(ResultMeasurement.target_id == ContractTarget.id)
              .order_by(ResultUpdate.reported_on.desc(), ResultUpdate.id.desc())
              .limit(1).scalar_subquery())
    stmt = update(ContractTarget).values(latest_measured=latest).execution_options(synchronize_session=False)
    if contract_id is not None:
        stmt = stmt.where(ContractTarget.contract_id == contract_id)
    session.execute(stmt)


def add_result_update(
    session: Session,
    actor: Any,
    contract: Contract,
    *,
    reported_on: dt.date,
    today: dt.date,
    progress_percent: int,
    note: str,
    measured: Mapping[int, Decimal | None],
) -> ResultUpdate:
    """A dated report with cumulative outcomes per target. Side effect: audit `contract.result_reported`."""
    if reported_on < contract.signed_on:
        raise DomainError(_l("A result is reported on or after the date the contract was signed."),
                          field="reported_on")
    if reported_on > today:
        raise DomainError(_l("A result cannot be reported for a date in the future."), field="reported_on")
    if not 0 <= progress_percent <= 100:
        raise DomainError(_l("Progress is between 0 and 100%."), field="progress_percent")
    targets = {target.id: target for target in contract.targets}
    update = ResultUpdate(reported_on=reported_on, progress_percent=progress_percent, note=note.strip(),
                          created_by_id=getattr(actor, "id", None))
    for target_id, value in measured.items():
        if value is None or target_id not in targets:
            continue
        _check_amount(targets[target_id].unit, value, f"target_{target_id}")
        update.measurements.append(ResultMeasurement(target_id=target_id, value=value))
    contract.updates.append(update)
    session.flush()
    session.expire(contract, ["updates"])  # reload in date order: a late report may be about an earlier date
    refresh_latest_measured(session, contract_id=contract.id)
    for target in contract.targets:
        session.expire(target, ["latest_measured"])
    audit.record(session, actor, "contract.result_reported", contract, {"update": update.id})
    _announce_contract(session, contract)
    return update
