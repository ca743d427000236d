"""The version of the monitoring data: drawn anew, in the writer's own transaction, by every change
to what the dashboard counts or staff's monitoring lists show, so those can keep what they computed
under it (the mechanism: core/data_versions.py; this module says what the set "monitoring" is made of).

At city scale the dashboard's figures read tens of thousands of rows per request (proposals and
awards of a year, registrations, contract targets), and finding the few awards still without a
contract walks every award; they change a few times an hour. A published figure is never stale
(tests/monitoring/test_dashboard_cache.py).

What depends on the clock rather than on a write (a dialogue that has ended by now) is not in the
version: the kept figures say until when they hold (`next_change`).

Areas built on monitoring (pipeline, lessons) name what their dashboard panels count when they
register the panel (panels.py), so monitoring need not import them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import Organisation, User
from ..calls.models import Call, Phase
from ..catalogue.models import Category, Department, SocialValue
from ..consultations.models import Consultation, ConsultationStatus
from ..core import data_versions
from ..criteria.models import LeadingPrinciple, LibraryCriterion
from ..dialogues.models import Dialogue, DialogueStatus, Registration
from ..evaluation.models import Decision
from ..proposals.models import Proposal, ProposalVersion, Question
from .models import Contract, ContractTarget, ProcurementRecord

MONITORING = "monitoring"
ANY = data_versions.ANY  # every column of the model counts


def track(model: type, keys: Iterable[str] | None = ANY) -> None:
    """Count changes to `model` (to these attributes only, when named) as changes of the dashboard."""
    data_versions.track(MONITORING, model, keys)


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


def bump(session: Session, name: str = MONITORING) -> None:
    """Draw a new version in the session's transaction (creating the row when it is missing)."""
    data_versions.bump(session, name)


def current(session: Session, name: str = MONITORING) -> str:
    """The version to key kept figures by; read before the data they are computed from."""
    return data_versions.current(session, name)


def install() -> None:
    data_versions.install()


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
