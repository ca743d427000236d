"""The version of the monitoring data: drawn anew, in the writer's own transaction, by every change
to what the dashboard counts or staff's monitoring lists show, so those can keep what they computed
under it.

At city scale the dashboard's figures read tens of thousands of rows per request (proposals and
awards of a year, registrations, contract targets), and finding the few awards still without a
contract walks every award; they change a few times an hour. A listener on
every database session notes a flush that inserts, deletes or changes a counted column of a
counted model (or an UPDATE/DELETE statement on its table), and just before that transaction
commits writes a new random number into `figures_versions` (one row; the write lock is held only
for the commit itself). Readers read the number first and then the data, so figures kept under a
number were computed from data at least as new as that number says: a change is a new key, and a
published figure is never stale (tests/monitoring/test_dashboard_cache.py).

What depends on the clock rather than on a write (a dialogue that has ended by now) is not in the
version: the kept figures say until when they hold (`next_change`).

Areas built on monitoring (pipeline, lessons) name what their dashboard panels count when they
register the panel (panels.py), so monitoring need not import them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from ..accounts.models import Organisation, User
from ..calls.models import Call, Phase
from ..catalogue.models import Category, Department, SocialValue
from ..consultations.models import Consultation, ConsultationStatus
from ..criteria.models import LeadingPrinciple, LibraryCriterion
from ..dialogues.models import Dialogue, DialogueStatus, Registration
from ..evaluation.models import Decision
from ..proposals.models import Proposal, ProposalVersion, Question
from .models import Contract, ContractTarget, FiguresVersion, ProcurementRecord

MONITORING = "monitoring"
ANY = None  # every column of the model counts
_CHANGED = "mvi_dashboard_data_changed"

# Model → the attributes the dashboard reads of it (ANY: all). An insert or delete always counts.
_TRACKED: dict[type, frozenset[str] | None] = {}


def track(model: type, keys: Iterable[str] | None = ANY) -> None:
    """Count changes to `model` (to these attributes only, when named) as changes of the dashboard."""
    known = _TRACKED.get(model, frozenset())
    if keys is None or known is None:
        _TRACKED[model] = ANY
        return
    unknown = set(keys) - set(inspect(model).attrs.keys())
    if unknown:
        raise ValueError(f"{model.__name__} has no attributes {sorted(unknown)}")
    _TRACKED[model] = known | frozenset(keys)


# What yearly_counts.py and the dashboard's own lists read, attribute by attribute; and staff's
# lists of awards awaiting a contract and of entries lacking an explanation (services.*_rows).
track(Call, ["status", "published_at", "ambition_level", "experiment_extra_weeks", "experiment_budget_cents",
             "experiment_note", "category_id", "department_id", "library_criteria"])
track(Phase, ["decisions_published_at", "call_id", "closes_at"])  # closes_at: proposals count after it
# Not a proposal's own title: that is its working copy, saved again and again before a deadline; an
# award's title is that of its latest submitted version.
track(Proposal, ["status", "submitted_at", "call_id", "phase_id", "organisation_id"])
track(ProposalVersion)
track(Organisation, ["name"])
track(User, ["name"])  # a register entry's manager
track(Decision, ["outcome", "proposal_id"])
track(Question, ["published_at", "call_id"])
track(Dialogue, ["status", "starts_at", "ends_at", "category_id", "related_call_id"])
track(Registration, ["status", "attended", "dialogue_id"])
track(Consultation, ["status", "closes_at", "category_id", "follow_up_call_id"])
track(ProcurementRecord, ["published_on", "category_id", "department_id", "applied_level", "target_level",
                          "explanation", "title", "call_id", "manager_id"])
for _model in (Contract, ContractTarget, Category, Department, SocialValue, LeadingPrinciple):
    track(_model)
track(LibraryCriterion, ["principle_id"])


def _counts(obj: Any, new_or_deleted: bool) -> bool:
    model = type(obj)
    if model not in _TRACKED:
        return False
    if new_or_deleted:
        return True
    keys = _TRACKED[model]
    state = inspect(obj)
    names = keys if keys is not None else state.mapper.attrs.keys()
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _flush_context: Any) -> None:
    if session.info.get(_CHANGED):
        return
    if (any(_counts(obj, True) for obj in session.new) or any(_counts(obj, True) for obj in session.deleted)
            or any(_counts(obj, False) for obj in session.dirty)):
        session.info[_CHANGED] = True


def _tracked_table(name: str) -> tuple[bool, frozenset[str] | None]:
    for model, keys in _TRACKED.items():
        if model.__table__.name == name:  # type: ignore[attr-defined]
            return True, keys
    return False, None


def _on_execute(state: ORMExecuteState) -> None:
    """UPDATE and DELETE statements run through the session (bulk changes, refresh_latest_measured)."""
    if not (state.is_update or state.is_delete or state.is_insert) or state.session.info.get(_CHANGED):
        return
    table = getattr(state.statement, "table", None)
    tracked, keys = _tracked_table(getattr(table, "name", ""))
    if not tracked:
        return
    if state.is_update and keys is not None:
        values = getattr(state.statement, "_values", None)
        if values:  # `id = id` (core.db.lock_row) and other columns nobody counts change nothing here
            names = {getattr(key, "key", key) for key in values}
            if not names & keys:
                return
    state.session.info[_CHANGED] = True


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction() and session.get_bind().dialect.name == "postgresql":
        # A savepoint: the whole transaction's commit draws, so the row is locked only for the commit
        # itself (no lock order to deadlock on). Not so on SQLite, where one lock covers the database
        # and pysqlite commits a savepoint opened before any other write when it is released.
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit would flush next: note what it writes first
    if session.info.pop(_CHANGED, False):
        bump(session)


def _after_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction ended (committed or rolled back)
        session.info.pop(_CHANGED, None)


def bump(session: Session, name: str = MONITORING) -> None:
    """Draw a new version in the session's transaction (creating the row when it is missing)."""
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FiguresVersion).values(name=name, version=secrets.randbits(62))
    connection.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"version": stmt.excluded.version}))


def current(session: Session, name: str = MONITORING) -> str:
    """The version to key kept figures by; read before the data they are computed from."""
    version = session.scalar(select(FiguresVersion.version).where(FiguresVersion.name == name))
    return "none" if version is None else format(version, "x")


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _after_end)


def next_change(session: Session, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """When figures of the year [start, end) next change by the clock alone: the first dialogue
    starting in the year to end after now, market consultation of the year to close after now, or
    deadline of a phase with proposals submitted in the year (yearly_counts counts them once ended,
    closed or past the deadline). None: no such moment."""
    dialogue_end = (select(func.min(Dialogue.ends_at))
                    .where(Dialogue.status.in_([DialogueStatus.PUBLISHED, DialogueStatus.REPORTED]),
                           Dialogue.starts_at >= start, Dialogue.starts_at < end, Dialogue.ends_at > now)
                    .scalar_subquery())
    consultation_close = (select(func.min(Consultation.closes_at))
                          .where(Consultation.status != ConsultationStatus.DRAFT, Consultation.closes_at >= start,
                                 Consultation.closes_at < end, Consultation.closes_at > now)
                          .scalar_subquery())
    # Proposals count once their phase's deadline has passed (proposals.lifecycle.counted_in_public_figures).
    phase_close = (select(func.min(Phase.closes_at))
                   .where(Phase.closes_at > now, Phase.id.in_(
                       select(Proposal.phase_id).where(Proposal.submitted_at >= start, Proposal.submitted_at < end)))
                   .scalar_subquery())
    first, second, third = session.execute(select(dialogue_end, consultation_close, phase_close)).one()
    moments = [moment for moment in (first, second, third) if moment is not None]
    return min(moments) if moments else None
