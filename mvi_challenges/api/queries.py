"""Queries behind the open data API: only what the public pages show, in a fixed number of queries.

Every loader takes a whole page of objects at once (IN lists, selectinload), so a page of 100
items costs the same handful of queries as a page of 1.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ..calls.models import (
    Call,
    CallDocument,
    CallStatus,
    Criterion,
    Phase,
    call_library_criteria,
    call_social_values,
)
from ..calls.services import CallFilters, public_calls_query, visible_to_public
from ..catalogue.models import Category, Department, SocialValue
from ..core.audit import AuditEvent
from ..criteria.models import LeadingPrinciple, LibraryCriterion
from ..dialogues import services as dialogue_services
from ..dialogues.models import Contribution, Dialogue, DialogueKind, DialogueStatus
from ..dialogues.services import confirmed_counts
from ..evaluation.aggregation import CriterionSpec, ProposalResult, SheetScores, aggregate
from ..evaluation.models import (
    ConflictDeclaration,
    ConsensusScore,
    Decision,
    JuryMember,
    Outcome,
    ScoreSheet,
    SheetStatus,
)
from ..evaluation.services import IN_EVALUATION
from ..monitoring.models import Contract, ContractTarget, ProcurementRecord, ResultUpdate
from ..monitoring.services import where_in_scope
from ..notices.models import ClarificationNote
from ..proposals.lifecycle import submitted_budget_cents
from ..proposals.models import ANSWER_CHANGED, Proposal, Question

Json = dict[str, Any]

# The outcomes the call page lists under "Decisions" (evaluation/_decisions_panel.html).
SHOWN_OUTCOMES = (Outcome.AWARDED, Outcome.ADVANCED, Outcome.SHORTLISTED)
# The outcomes that are funded from the phase budget (evaluation.services.decide counts these): OCDS awards.
FUNDED_OUTCOMES = (Outcome.AWARDED, Outcome.ADVANCED)


# --- calls --------------------------------------------------------------------------------


def _call_details() -> tuple:
    return (
        selectinload(Call.phases).selectinload(Phase.criteria),
        selectinload(Call.social_values),
        selectinload(Call.documents),
        selectinload(Call.department),
        selectinload(Call.library_criteria),
    )


def calls_query(filters: CallFilters, now: dt.datetime) -> Select[tuple[Call]]:
    """The public call list of the site, in its order: a page reads only its keys from this
    (pagination.KeyedPagination) and its calls as plain rows (`public_call_data`)."""
    return public_calls_query(filters, now)


class CallData(NamedTuple):
    """A public call as its JSON shows it (serializers.call), in plain rows of just those columns:
    a page of 20 calls used to load 20 whole `Call` objects with their phases, criteria, social
    values, library criteria (each with its value and principle), documents and department, and
    identify and track every one of them."""

    row: Any  # the call's columns, its category's (category_*) and its department's (department_*)
    phases: list[Any]  # in number order
    criteria: dict[int, list[Json]]  # per phase id, as serializers.criterion shows them, in position order
    social_values: list[Any]  # in the order of Call.social_values
    library_criteria: list[Any]  # in the order of Call.library_criteria, with their value's and principle's
    documents: list[Any]  # in the order of Call.documents


_IDS = bindparam("ids", expanding=True)


@functools.cache
def call_data_statements() -> tuple[Select[Any], ...]:
    """Built once, with the ids as a parameter (building a statement per request costs about as
    much as running it). Each orders as the relationship of `Call` it stands for."""
    calls = (select(Call.id, Call.slug, Call.kind, Call.title, Call.summary, Call.body_source, Call.body_html,
                    Call.title_en, Call.summary_en, Call.body_source_en, Call.body_html_en, Call.prize_text_en,
                    Call.level_explanation_en, Call.ambition_level, Call.target_level, Call.level_explanation,
                    Call.eligibility, Call.prize_text, Call.status, Call.status_reason, Call.published_at,
                    Call.updated_at, Call.questions_close_at,
                    Category.slug.label("category_slug"), Category.name_nl.label("category_name_nl"),
                    Category.name_en.label("category_name_en"), Category.target_level.label("category_target_level"),
                    Category.promising.label("category_promising"), Department.slug.label("department_slug"),
                    Department.name_nl.label("department_name_nl"), Department.name_en.label("department_name_en"),
                    # Whether there is anything for the last two queries to find (as the call page's
                    # links, calls/panels.py): most pages of calls have neither (#20).
                    exists().where(call_library_criteria.c.call_id == Call.id).label("has_library"),
                    exists().where(CallDocument.call_id == Call.id).label("has_documents"))
             .join(Category, Category.id == Call.category_id)
             .outerjoin(Department, Department.id == Call.department_id)
             .where(Call.id.in_(_IDS)))
    # The phases with their criteria, one row per criterion (a phase without any: one row of NULLs).
    phases = (select(Phase.call_id, Phase.id, Phase.number, Phase.title, Phase.opens_at, Phase.closes_at,
                     Phase.budget_cents, Phase.max_awards, Phase.score_scale_max, Phase.decisions_published_at,
                     Phase.stage_type, Phase.targets, Phase.prizes_cents,
                     Criterion.position.label("criterion_position"), Criterion.name.label("criterion_name"),
                     Criterion.description.label("criterion_description"),
                     Criterion.weight.label("criterion_weight"),
                     Criterion.knockout_minimum.label("criterion_knockout_minimum"))
              .outerjoin(Criterion, Criterion.phase_id == Phase.id)
              .where(Phase.call_id.in_(_IDS)).order_by(Phase.call_id, Phase.number, Criterion.position))
    values = (select(call_social_values.c.call_id, SocialValue.slug, SocialValue.name_nl, SocialValue.name_en)
              .join(SocialValue, SocialValue.id == call_social_values.c.social_value_id)
              .where(call_social_values.c.call_id.in_(_IDS))
              .order_by(call_social_values.c.call_id, SocialValue.name_nl))
    value = aliased(SocialValue)
    library = (select(call_library_criteria.c.call_id, LibraryCriterion.code, LibraryCriterion.level,
                      LibraryCriterion.text_nl, LibraryCriterion.text_en, LibraryCriterion.verification_nl,
                      LibraryCriterion.verification_en, value.slug.label("social_value_slug"),
                      LibraryCriterion.principle_id, LeadingPrinciple.slug.label("principle_slug"),
                      LeadingPrinciple.name_nl.label("principle_name_nl"),
                      LeadingPrinciple.name_en.label("principle_name_en"))
               .join(LibraryCriterion, LibraryCriterion.id == call_library_criteria.c.criterion_id)
               .join(value, value.id == LibraryCriterion.social_value_id)
               .join(LeadingPrinciple, LeadingPrinciple.id == LibraryCriterion.principle_id)
               .where(call_library_criteria.c.call_id.in_(_IDS))
               .order_by(call_library_criteria.c.call_id, LibraryCriterion.level, LibraryCriterion.code))
    documents = (select(CallDocument.call_id, CallDocument.id, CallDocument.title, CallDocument.filename,
                        CallDocument.content_type, CallDocument.size, CallDocument.sha256, CallDocument.uploaded_at)
                 .where(CallDocument.call_id.in_(_IDS)).order_by(CallDocument.call_id, CallDocument.id))
    return calls, phases, values, library, documents


def _grouped(rows: Any) -> dict[int, list[Any]]:
    """Rows by their first column (a call's or a phase's id), each group in the rows' order."""
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        found[row[0]].append(row)
    return found


def public_call_data(session: Session, ids: Sequence[int]) -> list[CallData]:
    """These calls' data, in the order of `ids`: three to five queries, whatever their number (the
    library criteria and the documents only when some call has any). The ids must be of public calls
    (a page of `calls_query`, or `public_call_id`)."""
    if not ids:
        return []
    params = {"ids": list(ids)}
    calls_stmt, phases_stmt, values_stmt, library_stmt, documents_stmt = call_data_statements()
    # Plain columns: read on the connection, without the ORM's result layer; the clause lets the
    # session route them as it routes any read (the replica, see core.db.RoutingSession).
    # Each result is fetched at once (.all()), not row by row.
    connection = session.connection(bind_arguments={"clause": calls_stmt})
    calls = {row.id: row for row in connection.execute(calls_stmt, params).all()}
    phases: dict[int, list[Any]] = defaultdict(list)
    criteria: dict[int, list[Json]] = defaultdict(list)
    last_phase = None
    for row in connection.execute(phases_stmt, params).all():
        call_id, phase_id, *_phase, position, name, description, weight, knockout_minimum = row  # unpacked in C
        if phase_id != last_phase:  # the phase's first row (they come in order)
            phases[call_id].append(row)
            last_phase = phase_id
        if position is not None:
            criteria[phase_id].append({"position": position, "name": name, "description": description,
                                       "weight": weight, "knockout_minimum": knockout_minimum})
    values = _grouped(connection.execute(values_stmt, params).all())
    rows = calls.values()
    library = (_grouped(connection.execute(library_stmt, params).all())
               if any(row.has_library for row in rows) else {})
    documents = (_grouped(connection.execute(documents_stmt, params).all())
                 if any(row.has_documents for row in rows) else {})
    return [CallData(calls[call_id], phases.get(call_id, []), criteria, values.get(call_id, []),
                     library.get(call_id, []), documents.get(call_id, []))
            for call_id in ids if call_id in calls]


def public_call_id(session: Session, slug: str) -> int | None:
    """The id of the published call with this slug, or None."""
    return session.scalar(select(Call.id).where(Call.slug == slug, visible_to_public()))


def public_call(session: Session, slug: str) -> Call | None:
    return session.scalar(select(Call).where(Call.slug == slug, visible_to_public()).options(*_call_details()))


def public_calls_by_id() -> Select[tuple[Call]]:
    """Every public call, oldest first: the OCDS package pages through this stable order."""
    return select(Call).where(visible_to_public()).options(*_call_details()).order_by(Call.id)


def latest_question_dates(session: Session, call_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """Per call, when its clarification notice last changed: the newest published answer, or the
    newest correction of a published answer (from the audit log, as the page shows it)."""
    if not call_ids:
        return {}
    stmt = (select(Question.call_id, func.max(Question.published_at), func.max(AuditEvent.at))
            .outerjoin(AuditEvent, and_(AuditEvent.subject_type == Question.__name__,
                                        AuditEvent.subject_id == Question.id, AuditEvent.action == ANSWER_CHANGED))
            .where(Question.call_id.in_(list(call_ids)), Question.published_at.is_not(None))
            .group_by(Question.call_id))
    return {call_id: max(published, changed or published)
            for call_id, published, changed in session.execute(stmt) if published is not None}


def clarification_notes_by_call(session: Session, call_ids: Sequence[int]) -> dict[int, list[tuple[int, dt.datetime]]]:
    """Per call, its issued clarification notes (number, issue time), in number order."""
    if not call_ids:
        return {}
    stmt = (select(ClarificationNote.call_id, ClarificationNote.number, ClarificationNote.issued_at)
            .where(ClarificationNote.call_id.in_(list(call_ids)))
            .order_by(ClarificationNote.call_id, ClarificationNote.number))
    notes: dict[int, list[tuple[int, dt.datetime]]] = {}
    for call_id, number, issued_at in session.execute(stmt):
        notes.setdefault(call_id, []).append((number, issued_at))
    return notes


# Status changes after publication, as recorded in the audit log by calls.services.transition_call.
STATUS_ACTIONS = {f"call.{status.value}": status
                  for status in (CallStatus.CLOSED, CallStatus.DECIDED, CallStatus.ARCHIVED, CallStatus.CANCELLED)}


@dataclass(frozen=True)
class StatusChange:
    status: CallStatus
    at: dt.datetime


def status_changes(session: Session, calls: Sequence[Call]) -> dict[int, list[StatusChange]]:
    """When each call was closed, decided, archived or cancelled (the audit log is the only record)."""
    ids = [call.id for call in calls]
    if not ids:
        return {}
    stmt = (select(AuditEvent.subject_id, AuditEvent.action, AuditEvent.at)
            .where(AuditEvent.subject_type == "Call", AuditEvent.subject_id.in_(ids),
                   AuditEvent.action.in_(list(STATUS_ACTIONS)))
            .order_by(AuditEvent.at, AuditEvent.id))
    changes: dict[int, list[StatusChange]] = defaultdict(list)
    for call_id, action, at in session.execute(stmt):
        changes[call_id].append(StatusChange(STATUS_ACTIONS[action], at))
    # A call whose status was set without the lifecycle function (imported data) still gets its
    # current status, dated at its last change.
    for call in calls:
        if call.status in STATUS_ACTIONS.values() and not any(c.status is call.status for c in changes[call.id]):
            changes[call.id].append(StatusChange(call.status, call.updated_at))
    return changes


# --- published decisions ----------------------------------------------------------------------


@dataclass
class PublishedDecision:
    proposal: Proposal
    decision: Decision
    result: ProposalResult | None

    @property
    def funded(self) -> bool:
        return self.decision.outcome in FUNDED_OUTCOMES

    @property
    def title(self) -> str:
        latest = self.proposal.latest_version
        return latest.title if latest is not None else self.proposal.title

    @property
    def budget_cents(self) -> int | None:
        """The budget of the submitted version: the working copy may have changed since."""
        return submitted_budget_cents(self.proposal)


@dataclass
class PhaseDecisions:
    """What the call page shows for one phase whose decisions are published."""

    phase: Phase
    decisions: list[PublishedDecision] = field(default_factory=list)
    recusals: int = 0


def published_phases_query(call_id: int | None = None) -> Select[tuple[Phase]]:
    stmt = (select(Phase).join(Call, Phase.call_id == Call.id)
            .where(visible_to_public(), Phase.decisions_published_at.is_not(None))
            .options(selectinload(Phase.criteria), joinedload(Phase.call))
            .order_by(Phase.decisions_published_at.desc(), Phase.id.desc()))
    if call_id is not None:
        stmt = stmt.where(Phase.call_id == call_id)
    return stmt


def phase_decisions(session: Session, phases: Sequence[Phase]) -> dict[int, PhaseDecisions]:
    """The published decisions of these phases, with scores as evaluation.services.results computes them.

    A proposal's score and per-criterion values depend only on its own final sheets and consensus
    scores, so computing them for the shown proposals alone gives the numbers of the call page.
    """
    phases = [phase for phase in phases if phase.decisions_published_at is not None]
    shown = {phase.id: PhaseDecisions(phase) for phase in phases}
    if not shown:
        return shown
    phase_ids = list(shown)
    decisions = list(session.scalars(
        select(Decision).join(Proposal, Decision.proposal_id == Proposal.id)
        .where(Proposal.phase_id.in_(phase_ids), Decision.outcome.in_(SHOWN_OUTCOMES))
        .options(selectinload(Decision.proposal).selectinload(Proposal.versions),
                 selectinload(Decision.proposal).selectinload(Proposal.organisation))
        .order_by(Proposal.submitted_at, Proposal.id)))
    recused = [(member_id, proposal_id, phase_id) for member_id, proposal_id, phase_id in session.execute(
        select(ConflictDeclaration.member_id, ConflictDeclaration.proposal_id, JuryMember.phase_id)
        .join(JuryMember, ConflictDeclaration.member_id == JuryMember.id)
        .where(JuryMember.phase_id.in_(phase_ids), ConflictDeclaration.has_conflict.is_(True)))]
    for _member_id, _proposal_id, phase_id in recused:
        shown[phase_id].recusals += 1
    conflicted = {(member_id, proposal_id) for member_id, proposal_id, _phase_id in recused}
    results = _results(session, phases, [d.proposal for d in decisions], conflicted)
    for decision in decisions:
        proposal = decision.proposal
        shown[proposal.phase_id].decisions.append(PublishedDecision(proposal, decision, results.get(proposal.id)))
    return shown


def _results(session: Session, phases: Sequence[Phase], proposals: Sequence[Proposal],
             conflicted: set[tuple[int, int]]) -> dict[int, ProposalResult]:
    scored = [p for p in proposals if p.status in IN_EVALUATION]
    if not scored:
        return {}
    ids = [p.id for p in scored]
    sheets = [sheet for sheet in session.scalars(
        select(ScoreSheet).where(ScoreSheet.proposal_id.in_(ids), ScoreSheet.status == SheetStatus.FINAL)
        .options(selectinload(ScoreSheet.scores)))
        if (sheet.member_id, sheet.proposal_id) not in conflicted]
    consensus = {(c.proposal_id, c.criterion_id): c.value
                 for c in session.scalars(select(ConsensusScore).where(ConsensusScore.proposal_id.in_(ids)))}
    by_phase: dict[int, list[int]] = defaultdict(list)
    for proposal in scored:
        by_phase[proposal.phase_id].append(proposal.id)
    results: dict[int, ProposalResult] = {}
    for phase in phases:
        members = by_phase.get(phase.id, [])
        if not members:
            continue
        criteria = [CriterionSpec(c.id, c.name, c.weight, c.knockout_minimum) for c in phase.criteria]
        sheet_scores = [SheetScores(s.member_id, s.proposal_id, {score.criterion_id: score.value for score in s.scores})
                        for s in sheets if s.proposal_id in members]
        for result in aggregate(criteria, members, sheet_scores, threshold=phase.disagreement_threshold,
                                consensus=consensus):
            results[result.proposal_id] = result
    return results


# --- dialogues --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DialogueFilters:
    when: str | None = None  # "upcoming" | "past" | None for all
    kind: DialogueKind | None = None
    category_slug: str | None = None


def dialogues_query(filters: DialogueFilters, now: dt.datetime | None = None) -> Select[tuple[Dialogue]]:
    """Public dialogues as on the dialogues page; without `when` all of them, newest first.

    `now` is needed to split upcoming from past dialogues."""
    stmt = (select(Dialogue).where(dialogue_services.listed_publicly())
            .options(selectinload(Dialogue.category), selectinload(Dialogue.related_call),
                     selectinload(Dialogue.followup_calls)))
    if filters.when is not None and now is None:
        raise ValueError("`when` needs the current time")
    if filters.when == "upcoming":
        stmt = stmt.where(Dialogue.ends_at > now).order_by(Dialogue.starts_at, Dialogue.id)
    elif filters.when == "past":
        stmt = stmt.where(Dialogue.ends_at <= now).order_by(Dialogue.starts_at.desc(), Dialogue.id.desc())
    else:
        stmt = stmt.order_by(Dialogue.starts_at.desc(), Dialogue.id.desc())
    if filters.kind is not None:
        stmt = stmt.where(Dialogue.kind == filters.kind)
    if filters.category_slug:
        stmt = stmt.join(Category, Dialogue.category_id == Category.id).where(Category.slug == filters.category_slug)
    return stmt


def public_dialogue(session: Session, slug: str) -> Dialogue | None:
    return session.scalar(dialogues_query(DialogueFilters()).where(Dialogue.slug == slug))


@dataclass(frozen=True)
class DialogueExtras:
    confirmed: dict[int, int]
    contributions: dict[int, list[Contribution]]


def dialogue_extras(session: Session, dialogues: Sequence[Dialogue]) -> DialogueExtras:
    """Seats taken, and for reported dialogues the input shown in the report (not the hidden input)."""
    confirmed = confirmed_counts(session, [d.id for d in dialogues])
    reported = [d.id for d in dialogues if d.report_published_at is not None]
    contributions: dict[int, list[Contribution]] = defaultdict(list)
    if reported:
        stmt = (select(Contribution)
                .where(Contribution.dialogue_id.in_(reported), Contribution.hidden_reason.is_(None))
                .options(selectinload(Contribution.disposition_call))
                .order_by(Contribution.created_at, Contribution.id))
        for contribution in session.scalars(stmt):
            contributions[contribution.dialogue_id].append(contribution)
    return DialogueExtras(confirmed, contributions)


def reported_dialogues_by_call(session: Session, call_ids: Sequence[int]) -> dict[int, list[Dialogue]]:
    """Dialogues with a published report that prepared a call: related to it, or naming it as follow-up."""
    if not call_ids:
        return {}
    ids = list(call_ids)
    stmt = (select(Dialogue)
            .where(Dialogue.report_published_at.is_not(None), Dialogue.published_at.is_not(None),
                   Dialogue.status != DialogueStatus.DRAFT,
                   Dialogue.related_call_id.in_(ids) | Dialogue.followup_calls.any(Call.id.in_(ids)))
            .options(selectinload(Dialogue.followup_calls))
            .order_by(Dialogue.report_published_at, Dialogue.id))
    found: dict[int, list[Dialogue]] = defaultdict(list)
    for dialogue in session.scalars(stmt):
        for call_id in {dialogue.related_call_id, *(c.id for c in dialogue.followup_calls)}:
            if call_id in ids:
                found[call_id].append(dialogue)
    return found


# --- monitoring -----------------------------------------------------------------------------


def with_record_details(stmt: Select[tuple[ProcurementRecord]]) -> Select[tuple[ProcurementRecord]]:
    return stmt.options(selectinload(ProcurementRecord.call))


@dataclass(frozen=True)
class ContractFilters:
    year: int | None = None
    category_id: int | None = None
    department_id: int | None = None
    record_id: int | None = None


def _contract_details() -> tuple:
    return (
        joinedload(Contract.record).selectinload(ProcurementRecord.call),
        selectinload(Contract.targets).joinedload(ContractTarget.social_value),
        selectinload(Contract.updates).selectinload(ResultUpdate.measurements),
    )


def contracts_query(filters: ContractFilters) -> Select[tuple[Contract]]:
    stmt = (select(Contract).join(ProcurementRecord, Contract.record_id == ProcurementRecord.id)
            .options(*_contract_details())
            .order_by(Contract.signed_on.desc(), Contract.id.desc()))
    stmt = where_in_scope(stmt, Contract.signed_on, year=filters.year, category_id=filters.category_id,
                          department_id=filters.department_id)
    if filters.record_id is not None:
        stmt = stmt.where(Contract.record_id == filters.record_id)
    return stmt


def contracts_by_call(session: Session, call_ids: Sequence[int]) -> dict[int, list[Contract]]:
    if not call_ids:
        return {}
    stmt = (select(Contract).join(ProcurementRecord, Contract.record_id == ProcurementRecord.id)
            .where(ProcurementRecord.call_id.in_(list(call_ids)))
            .options(*_contract_details())
            .order_by(Contract.signed_on, Contract.id))
    found: dict[int, list[Contract]] = defaultdict(list)
    for contract in session.scalars(stmt).unique():
        found[contract.record.call_id].append(contract)
    return found
