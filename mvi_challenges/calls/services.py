"""Call rules: drafting, phases and criteria, documents, publication and the lifecycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, object_session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..catalogue.models import Category, Department, SocialValue
from ..core import audit
from ..core.db import is_referenced, lock_row
from ..core.errors import DomainError
from ..core.sanitize import render_markdown
from ..core.slugs import unique_slug
from ..core.timezones import now_utc
from ..core.uploads import InspectedUpload
from ..criteria import lifecycle as level_rule
from ..criteria.models import LibraryCriterion
from ..criteria.services import has_active_library
from . import lifecycle, search, stages
from .models import (
    Call,
    CallDocument,
    CallKind,
    CallStatus,
    Criterion,
    Eligibility,
    Phase,
    PublicState,
    StageType,
    call_library_criteria,
)
from .panels import CallLinks, LinkCondition

# Sent after a public call changes (texts, phases, status); the proposals area tells followers.
# A signal keeps the dependency one way: calls know nothing of who listens.
call_changed = Namespace().signal("call-changed")
# Sent when the call's contracting process changes outside the call itself: decisions of a phase
# published, a contract or its results recorded (evaluation, monitoring). The open data keeps its
# stored OCDS releases in step by listening; the senders know nothing of who listens.
process_changed = Namespace().signal("contracting-process-changed")

MAX_PHASES = {kind: rule.max_stages for kind, rule in stages.KIND_RULES.items()}
MIN_PHASES = {kind: rule.min_stages for kind, rule in stages.KIND_RULES.items()}
MAX_DOCUMENTS = 20

@dataclass(frozen=True)
class CriterionInput:
    name: str
    weight: int
    description: str = ""
    knockout_minimum: int | None = None


@dataclass(frozen=True)
class ExperimentSpace:
    """Room granted to an innovative procurement: extra time and a process budget."""

    extra_weeks: int = 0
    budget_cents: int = 0
    note: str = ""


@dataclass(frozen=True)
class EnglishTexts:
    """The optional English version of a call's public texts; all empty: the call is only in Dutch."""

    title: str = ""
    summary: str = ""
    body_source: str = ""
    prize_text: str = ""
    level_explanation: str = ""

    def is_empty(self) -> bool:
        return not any(value.strip() for value in (self.title, self.summary, self.body_source, self.prize_text,
                                                   self.level_explanation))


def english_problems(english: EnglishTexts) -> dict[str, Any]:
    """What an English version still lacks, per form field: visitors see English texts only with an
    English title, and a card without a summary would mix languages mid-sentence."""
    if english.is_empty():
        return {}
    problems: dict[str, Any] = {}
    if not english.title.strip():
        problems["title_en"] = _l("Give the English title too, or leave all English fields empty.")
    if not english.summary.strip():
        problems["summary_en"] = _l("Give the English summary too, or leave all English fields empty.")
    return problems


@dataclass(frozen=True)
class CallFilters:
    kind: CallKind | None = None
    category_slug: str | None = None
    level: int | None = None
    value_slug: str | None = None
    state: PublicState | None = None
    text: str = ""


def announce_change(session: Session, call: Call, change: str, *, first_publication: bool = False) -> None:
    """Mark the call as changed (feeds and caches read `updated_at`, also when only a phase changed)
    and tell the listeners: followers' mail, the procurement register."""
    call.updated_at = now_utc()
    session.flush()
    call_changed.send(call, session=session, change=change, first_publication=first_publication)


# --- drafting -----------------------------------------------------------------------------


def _ensure_editable(call: Call) -> None:
    if not call.is_editable:
        raise DomainError(_l("This call can no longer be changed."))


def resolve_catalogue(session: Session, category_id: int | None, value_ids: Sequence[int]
                      ) -> tuple[Category, list[SocialValue]]:
    """The category and social values chosen in a form, checked to exist."""
    category = session.get(Category, category_id) if category_id is not None else None
    if category is None:
        raise DomainError(_l("Choose a category."), field="category_id")
    values = list(session.scalars(select(SocialValue).where(SocialValue.id.in_(list(value_ids)))))
    return category, values


def check_comply_or_explain(target_level: int, level: int, explanation: str, explanation_en: str = "") -> None:
    """Below the category's target level an explanation is required (MVI, tenzij), and a real one:
    no placeholder, nothing too short to weigh (lifecycle.explanation_problem)."""
    if level >= target_level:
        return
    if not explanation.strip():
        raise DomainError(
            _l(
                "The ambition level is below the target level %(target)d of this category. "
                "Explain why (comply or explain); the explanation is published.",
                target=target_level,
            ),
            field="level_explanation",
        )
    for field, text in (("level_explanation", explanation), ("level_explanation_en", explanation_en)):
        if text.strip() and (problem := lifecycle.explanation_problem(text)) is not None:
            raise DomainError(problem, field=field)


def save_call(
    session: Session,
    actor: Any,
    call: Call | None,
    *,
    kind: CallKind,
    title: str,
    summary: str,
    body_source: str,
    category: Category,
    ambition_level: int,
    level_explanation: str,
    social_values: Sequence[SocialValue],
    eligibility: Eligibility,
    prize_text: str = "",
    contact_name: str = "",
    contact_email: str = "",
    questions_close_at: dt.datetime | None = None,
    department: Department | None = None,
    manager: User | None = None,
    experiment: ExperimentSpace | None = None,
    english: EnglishTexts | None = None,
) -> Call:
    """Create a draft call or update an editable one. Side effect: audit `call.created|updated`."""
    english = english or EnglishTexts()
    for field, message in english_problems(english).items():
        raise DomainError(message, field=field)
    if ambition_level not in (1, 2, 3):
        raise DomainError(_l("The ambition level is 1, 2 or 3."), field="ambition_level")
    if call is not None and call.library_criteria:
        # The level follows from the library criteria (criteria/lifecycle.py): a higher claim is
        # refused, and the applied level is what is stored and judged against the target.
        levels = [criterion.level for criterion in call.library_criteria]
        if (problem := level_rule.level_claim_problem(ambition_level, levels)) is not None:
            raise DomainError(problem, field="ambition_level")
        if call.category_id != category.id:
            raise DomainError(_l("This call has criteria from the library of its category: remove them (step "
                                 "“Criteria from the library”) before moving the call to another category."),
                              field="category_id")
        ambition_level = level_rule.applied_level(levels) or ambition_level
    # A published call keeps the target it was published under, unless it moves category.
    keeps_frozen_target = call is not None and call.target_level is not None and call.category_id == category.id \
        and call.status is not CallStatus.DRAFT
    target = call.target_level if keeps_frozen_target else category.target_level
    check_comply_or_explain(target, ambition_level, level_explanation, english.level_explanation)
    if call is not None and call.status is not CallStatus.DRAFT:
        if not social_values:
            raise DomainError(_l("A published call keeps at least one social value."), field="social_values")
        if not body_source.strip():
            raise DomainError(_l("A published call keeps its main text."), field="body_source")
    creating = call is None
    approval_before = _approval_basis(call) if call is not None else None
    if call is None:
        call = Call(kind=kind, status=CallStatus.DRAFT, owner_id=getattr(actor, "id", None))
        session.add(call)
    else:
        _ensure_editable(call)
        if call.kind is not kind and call.phases:
            raise DomainError(_l("The kind of a call with phases cannot be changed."), field="kind")
        call.kind = kind
    call.title = title.strip()
    call.summary = summary.strip()
    call.body_source = body_source
    call.body_html = render_markdown(body_source)
    call.category = category
    call.ambition_level = ambition_level
    call.target_level = target
    call.level_explanation = level_explanation.strip() if ambition_level < target else ""
    call.social_values = list(social_values)
    call.eligibility = eligibility
    call.prize_text = prize_text.strip()
    call.contact_name = contact_name.strip()
    call.contact_email = contact_email.strip()
    call.questions_close_at = questions_close_at
    call.department = department
    call.manager = manager
    experiment = experiment or ExperimentSpace()
    call.experiment_extra_weeks = experiment.extra_weeks
    call.experiment_budget_cents = experiment.budget_cents
    call.experiment_note = experiment.note.strip()
    _set_english(call, english, below_target=ambition_level < target)
    if approval_before != _approval_basis(call):
        _explanation_rewritten(session, actor, call, approval_before)
    if creating or call.status is CallStatus.DRAFT:  # public links stay stable once published
        call.slug = unique_slug(session, Call, call.title, "uitvraag", call.id)
    session.flush()
    audit.record(session, actor, "call.created" if creating else "call.updated", call)
    if not creating and call.is_public:
        announce_change(session, call, "updated")
    return call


def choose_library_criteria(session: Session, actor: Any, call: Call, criterion_ids: Sequence[int]) -> int | None:
    """Set the criteria a call takes from the library; its ambition level follows from them.

    Returns the applied level (None: no library criteria, the declared level stands). Refused:
    criteria of another category, retired ones not already on the call, and, once the call is
    public, a level below the target without an explanation (write it in the call form first).
    Side effects: an approval of the explanation no longer holds when the level changes; audit
    `call.library_criteria_chosen` with the codes.
    """
    _ensure_editable(call)
    lock_row(session, Call, call.id)  # two editors at once: the second sees the first one's choice
    session.refresh(call)
    wanted = set(criterion_ids)
    chosen = list(session.scalars(select(LibraryCriterion).where(LibraryCriterion.id.in_(wanted)))) if wanted else []
    if len(chosen) != len(wanted):
        raise DomainError(_l("A chosen criterion no longer exists. Reload the page and choose again."))
    current = {criterion.id for criterion in call.library_criteria}
    emptied = level_rule.emptying_problem(is_draft=call.status is CallStatus.DRAFT, had=len(current),
                                          chosen=len(chosen))
    if emptied is not None:
        raise DomainError(emptied)
    for criterion in chosen:
        if (problem := level_rule.may_pick(criterion, call.category_id, criterion.id in current)) is not None:
            raise DomainError(problem)
    approval_before = _approval_basis(call)
    call.library_criteria = sorted(chosen, key=lambda c: (c.level, c.code))
    level = level_rule.applied_level(c.level for c in chosen)
    if level is not None:
        call.ambition_level = level
    target = call.effective_target_level
    if call.ambition_level >= target:
        call.level_explanation = ""
        call.level_explanation_en = ""
    elif call.status is not CallStatus.DRAFT:  # a public call never stands below target unexplained
        check_comply_or_explain(target, call.ambition_level, call.level_explanation, call.level_explanation_en)
    if approval_before != _approval_basis(call):
        _explanation_rewritten(session, actor, call, approval_before)
    session.flush()
    audit.record(session, actor, "call.library_criteria_chosen", call,
                 {"codes": [c.code for c in call.library_criteria], "level": call.ambition_level})
    if call.is_public:
        announce_change(session, call, "updated")
    return level


def _approval_basis(call: Call) -> tuple[Any, ...]:
    """What the manager approved: the explanation in both languages, the level and the target."""
    return (call.level_explanation, call.level_explanation_en, call.ambition_level, call.target_level)


def _explanation_rewritten(session: Session, actor: Any, call: Call, before: tuple[Any, ...] | None) -> None:
    """The explanation (or the level it explains) changed: whoever saved it is its writer, the
    manager's remark is answered, and an approval no longer holds: it was given to other words."""
    call.explanation_written_by_id = getattr(actor, "id", None) if call.level_explanation else None
    call.explanation_remark = ""
    if call.explanation_approved_at is not None:
        call.explanation_approved_at = None
        call.explanation_approved_by_id = None
        session.flush()
        audit.record(session, actor, "call.explanation_withdrawn", call)


def approve_explanation(session: Session, actor: Any, call: Call, *, now: dt.datetime | None = None) -> None:
    """The call's manager approves its below-target explanation. Side effect: audit
    `call.explanation_approved`; the register (of a public call) shows who approved and when."""
    if (problem := lifecycle.explanation_approval_refusal(call, actor)) is not None:
        raise DomainError(problem)
    call.explanation_approved_by_id = actor.id
    call.explanation_approved_at = now or now_utc()
    call.explanation_remark = ""
    session.flush()
    audit.record(session, actor, "call.explanation_approved", call)
    if call.is_public:
        announce_change(session, call, "updated")


def send_back_explanation(session: Session, actor: Any, call: Call, remark: str) -> None:
    """The call's manager asks the writer to change the explanation; the remark says what. Side
    effects: an approval given earlier is withdrawn; audit `call.explanation_sent_back`."""
    if (problem := lifecycle.explanation_decision_refusal(call, actor)) is not None:
        raise DomainError(problem)
    if not remark.strip():
        raise DomainError(_l("Say what should change in the explanation."), field="remark")
    call.explanation_remark = remark.strip()
    call.explanation_approved_by_id = None
    call.explanation_approved_at = None
    session.flush()
    audit.record(session, actor, "call.explanation_sent_back", call, {"remark": remark.strip()})
    if call.is_public:
        announce_change(session, call, "updated")


def _set_english(call: Call, english: EnglishTexts, *, below_target: bool) -> None:
    """Store the English texts; the main text goes through the one sanitizer, like the Dutch one."""
    call.title_en = english.title.strip()
    call.summary_en = english.summary.strip()
    call.body_source_en = english.body_source
    call.body_html_en = render_markdown(english.body_source)
    call.prize_text_en = english.prize_text.strip()
    call.level_explanation_en = english.level_explanation.strip() if below_target else ""


def save_phase(
    session: Session,
    actor: Any,
    call: Call,
    phase: Phase | None,
    *,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    budget_cents: int,
    max_awards: int,
    score_scale_max: int,
    criteria: Sequence[CriterionInput],
    now: dt.datetime | None = None,
    stage_type: StageType | None = None,
    targets: str = "",
    prizes_cents: Sequence[int] = (),
) -> Phase:
    """Create or update a phase (a stage) with its complete set of criteria.

    The criteria replace the old set. When any are given, their weights must add up to 100. The
    stage type must fit the call's kind at this position (calls/stages.py); targets belong to R&D
    stages and prizes per place to a pitch. Side effect: audit `phase.saved`.
    """
    _ensure_editable(call)
    if phase is None and len(call.phases) >= MAX_PHASES[call.kind]:
        raise DomainError(
            _l("A challenge has one phase.") if call.kind is CallKind.CHALLENGE
            else _l("An SBIR call has at most three phases.") if call.kind is CallKind.SBIR
            else _l("A call of this kind has at most %(n)d stages.", n=MAX_PHASES[call.kind])
        )
    number = phase.number if phase is not None else len(call.phases) + 1
    stage_type = stage_type or (phase.stage_type if phase is not None else stages.default_stage_type(call, number))
    _check_stage_fields(call, phase, number, stage_type, targets, prizes_cents)
    if closes_at <= opens_at:
        raise DomainError(_l("The deadline must be after the opening time."), field="closes_at")
    if budget_cents < 0:
        raise DomainError(_l("The budget cannot be negative."), field="budget")
    if max_awards < 1:
        raise DomainError(_l("At least one award must be possible."), field="max_awards")
    if not 1 <= score_scale_max <= 100:
        raise DomainError(_l("The highest score is between 1 and 100."), field="score_scale_max")
    check_criteria(criteria, score_scale_max)
    if call.status is not CallStatus.DRAFT:
        opens_at, closes_at = _check_published_phase_edit(phase, opens_at, closes_at, criteria, now or now_utc())
        if (problem := lifecycle.criteria_refusal(phase, criteria, score_scale_max, now or now_utc())) is not None:
            raise DomainError(problem, field="score_scale_max" if score_scale_max != phase.score_scale_max
                              else "criteria")
        if (refused := lifecycle.award_terms_refusal(phase, budget_cents, max_awards, now or now_utc())) is not None:
            raise DomainError(refused[1], field=refused[0])
    _check_phase_order(call, number, opens_at, closes_at)
    if phase is not None:
        # A juror saving scores at this moment waits (evaluation.services.save_sheet takes the same lock).
        lock_row(session, Phase, phase.id)
        _check_scored_phase_edit(session, phase, score_scale_max, criteria)
    if phase is None:
        phase = Phase(call=call, number=number)
        session.add(phase)
    phase.title = title.strip()
    phase.opens_at = opens_at
    phase.closes_at = closes_at
    phase.budget_cents = budget_cents
    phase.max_awards = max_awards
    phase.score_scale_max = score_scale_max
    phase.stage_type = stage_type
    phase.targets = targets.strip() if stage_type is StageType.RND else ""
    phase.prizes_cents = list(prizes_cents) if stage_type is StageType.PITCH else []
    phase.criteria = _merged_criteria(session, phase, criteria)
    session.flush()
    audit.record(session, actor, "phase.saved", phase, {"call_id": call.id, "number": number})
    if call.is_public:
        announce_change(session, call, "updated")
    return phase


def _check_stage_fields(call: Call, phase: Phase | None, number: int, stage_type: StageType, targets: str,
                        prizes_cents: Sequence[int]) -> None:
    """The stage's type fits the kind; published prizes and types stay as applicants read them."""
    problem = stages.stage_type_problem(call, number, stage_type)
    if problem is not None:
        raise DomainError(problem, field="stage_type")
    if any(amount < 0 for amount in prizes_cents):
        raise DomainError(_l("A prize cannot be negative."), field="prizes")
    if list(prizes_cents) != sorted(prizes_cents, reverse=True):
        raise DomainError(_l("A higher place never has a smaller prize: list the prizes from the first place "
                             "down."), field="prizes")
    if stage_type is StageType.RND and not targets.strip() and call.status is not CallStatus.DRAFT:
        raise DomainError(_l("Say what a partner must reach in this stage for a go."), field="targets")
    if phase is not None and call.status is not CallStatus.DRAFT and (
            phase.stage_type is not stage_type
            or (stage_type is StageType.PITCH and list(prizes_cents) != list(phase.prizes_cents))):
        raise DomainError(_l("A published call keeps its stages and prizes as applicants read them."),
                          field="prizes" if phase.stage_type is stage_type else "stage_type")


def _merged_criteria(session: Session, phase: Phase, criteria: Sequence[CriterionInput]) -> list[Criterion]:
    """The new set of criteria, keeping the rows of those that stay (matched by name): the jury's
    scores and consensus hang on them, and replacing every row would delete those with it. A
    criterion something already refers to (a score, a consensus) cannot be dropped or renamed."""
    available = list(phase.criteria)
    merged = []
    for index, item in enumerate(criteria, start=1):
        name = item.name.strip()
        criterion = next((c for c in available if c.name.strip().lower() == name.lower()), None)
        if criterion is None:
            criterion = Criterion()
        else:
            available.remove(criterion)
        criterion.position, criterion.name, criterion.description = index, name, item.description.strip()
        criterion.weight, criterion.knockout_minimum = item.weight, item.knockout_minimum
        merged.append(criterion)
    for dropped in available:
        if dropped.id is not None and is_referenced(session, dropped):
            raise DomainError(_l("The jury has already scored “%(name)s”: it stays a criterion of this phase.",
                                 name=dropped.name), field="criteria")
    return merged


def _check_scored_phase_edit(session: Session, phase: Phase, scale_max: int,
                             criteria: Sequence[CriterionInput]) -> None:
    """Once the jury has scored, what they scored against stays: no criterion added (their final
    sheets have no score for it), none dropped or renamed, the same scale; and once the decisions
    are published (and mailed) the weights and knock-out minimums stay too."""
    if not any(c.id is not None and is_referenced(session, c) for c in phase.criteria):
        return
    current = {c.name.strip().lower(): c for c in phase.criteria}
    wanted = {item.name.strip().lower(): item for item in criteria}
    if any(name not in current for name in wanted):
        raise DomainError(_l("The jury has begun scoring this phase: no criterion can be added."), field="criteria")
    if scale_max != phase.score_scale_max:
        raise DomainError(_l("The jury has begun scoring this phase: the highest score stays %(max)d.",
                             max=phase.score_scale_max), field="score_scale_max")
    if phase.decisions_published_at is not None and any(
            name not in wanted or (wanted[name].weight, wanted[name].knockout_minimum) != (c.weight, c.knockout_minimum)
            for name, c in current.items()):
        raise DomainError(_l("The decisions of this phase have been published: its criteria and weights stay as "
                             "they were."), field="criteria")


def _check_published_phase_edit(
    phase: Phase | None, opens_at: dt.datetime, closes_at: dt.datetime, criteria: Sequence[CriterionInput],
    now: dt.datetime,
) -> tuple[dt.datetime, dt.datetime]:
    """Applicants rely on a published call: it keeps criteria, and its opening and deadline move
    only as `lifecycle.opening_refusal` and `lifecycle.deadline_refusal` allow. Returns the opening
    and the deadline to store (a time that has passed, or one in the same minute, stays exactly as
    it was)."""
    if not criteria:
        raise DomainError(_l("A published call keeps its criteria; their weights add up to 100."), field="criteria")
    if (problem := lifecycle.opening_refusal(phase, opens_at, now)) is not None:
        raise DomainError(problem, field="opens_at")
    if (problem := lifecycle.deadline_refusal(phase, closes_at, now)) is not None:
        raise DomainError(problem, field="closes_at")
    if phase is None:
        return opens_at, closes_at
    return (_kept(phase.opens_at, opens_at, now), _kept(phase.closes_at, closes_at, now))


def _kept(stored: dt.datetime, typed: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The stored time when it has passed or the typed one is in the same minute, else the typed one."""
    return stored if stored <= now or _to_minute(typed) == _to_minute(stored) else typed


def _to_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0, tzinfo=None)


def check_criteria(criteria: Sequence[CriterionInput], scale_max: int) -> None:
    if not criteria:
        return
    total = sum(item.weight for item in criteria)
    if total != 100:
        raise DomainError(
            _l("The weights add up to %(total)d; they must add up to exactly 100.", total=total),
            field="criteria",
        )
    names = [item.name.strip().lower() for item in criteria]
    if len(set(names)) != len(names):
        raise DomainError(_l("Two criteria have the same name."), field="criteria")
    for item in criteria:
        if item.knockout_minimum is not None and not 0 <= item.knockout_minimum <= scale_max:
            raise DomainError(
                _l("A knock-out minimum lies between 0 and the highest score (%(max)d).", max=scale_max),
                field="criteria",
            )


def _check_phase_order(call: Call, number: int, opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    """Phase N+1 opens only after phase N has closed: selection happens in between."""
    for other in call.phases:
        if other.number == number - 1 and opens_at < other.closes_at:
            raise DomainError(
                _l("Phase %(n)d can open only after phase %(prev)d has closed.", n=number, prev=other.number),
                field="opens_at",
            )
        if other.number == number + 1 and closes_at > other.opens_at:
            raise DomainError(
                _l("Phase %(n)d must close before phase %(next)d opens.", n=number, next=other.number),
                field="closes_at",
            )


def delete_phase(session: Session, actor: Any, call: Call, phase: Phase) -> None:
    """Only the last phase of a draft can be removed (phase numbers stay consecutive)."""
    if call.status is not CallStatus.DRAFT:
        raise DomainError(_l("Phases can only be removed while the call is a draft."))
    if phase.number != len(call.phases):
        raise DomainError(_l("Remove the last phase first."))
    call.phases.remove(phase)
    session.flush()
    audit.record(session, actor, "phase.deleted", call, {"number": phase.number})


def add_document(
    session: Session, actor: Any, call: Call, title: str, upload: InspectedUpload, storage_key: str
) -> CallDocument:
    """Record a document whose bytes are staged under `storage_key`; the caller promotes the file
    after commit. Side effect: audit `call.document_added`."""
    _ensure_editable(call)
    if len(call.documents) >= MAX_DOCUMENTS:
        raise DomainError(_l("A call has at most %(n)d documents.", n=MAX_DOCUMENTS), field="file")
    document = CallDocument(
        title=title.strip() or upload.filename,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        storage_key=storage_key,
    )
    call.documents.append(document)
    session.flush()
    audit.record(session, actor, "call.document_added", call, {"document_id": document.id})
    return document


def remove_document(session: Session, actor: Any, call: Call, document: CallDocument) -> str:
    """Returns the storage key, to delete the file after commit."""
    _ensure_editable(call)
    call.documents.remove(document)
    session.flush()
    audit.record(session, actor, "call.document_removed", call, {"document_id": document.id})
    return document.storage_key


# --- publication and lifecycle --------------------------------------------------------------


def publication_problems(call: Call, now: dt.datetime) -> list[str]:
    """Everything that stands in the way of publishing, in words a staff member can act on."""
    problems: list[str] = []
    count = len(call.phases)
    if call.kind is CallKind.CHALLENGE and count != 1:
        problems.append(str(_l("A challenge needs exactly one phase.")))
    if call.kind is CallKind.SBIR and not MIN_PHASES[CallKind.SBIR] <= count <= MAX_PHASES[CallKind.SBIR]:
        problems.append(str(_l("An SBIR call needs two or three phases.")))
    if stages.is_staged(call):
        problems.extend(stages.sequence_problems(call))
    for phase in call.phases:
        if not phase.criteria:
            problems.append(str(_l("Phase %(n)d has no criteria.", n=phase.number)))
        elif phase.total_weight != 100:
            problems.append(str(_l("The weights of phase %(n)d do not add up to 100.", n=phase.number)))
        if phase.closes_at <= now:
            problems.append(str(_l("The deadline of phase %(n)d has already passed.", n=phase.number)))
    if not call.social_values:
        problems.append(str(_l("Choose at least one social value.")))
    if (problem := _library_choice_problem(call)) is not None:
        problems.append(problem)
    if call.below_target:  # comply or explain: a real explanation, approved by the manager
        problem = lifecycle.explanation_problem(call.level_explanation)
        if problem is None and call.status is CallStatus.DRAFT:
            problem = lifecycle.explanation_not_approved(call, now)
        if problem is not None:
            problems.append(problem)
    if not call.body_source.strip():
        problems.append(str(_l("Describe the call in the main text.")))
    return problems


def _library_choice_problem(call: Call) -> str | None:
    """Ask the level rule (criteria/lifecycle.py) whether the call still has to pick from its library."""
    is_draft = call.status is CallStatus.DRAFT
    session = object_session(call)
    has_library = is_draft and not call.library_criteria and session is not None \
        and has_active_library(session, call.category_id)  # the query only when it can matter
    return level_rule.library_choice_problem(is_draft=is_draft, category_has_library=has_library,
                                             chosen=len(call.library_criteria))


def transition_call(
    session: Session,
    actor: Any,
    call: Call,
    target: CallStatus,
    *,
    reason: str = "",
    now: dt.datetime | None = None,
) -> None:
    """The one place where a call's status changes.

    Checks that the move is legal (lifecycle.MOVES, with its guard) and, for publishing, that the call is complete
    (publication_problems). Side effects: sets `published_at` on first publication; closing early
    ends the open phase now; cancelling stores the public reason; audit `call.<status>`.
    """
    now = now or now_utc()
    problem = lifecycle.refusal(call, target, now)
    if problem is not None:
        raise DomainError(problem)
    if target is CallStatus.PUBLISHED:
        problems = publication_problems(call, now)
        if problems:
            raise DomainError(" ".join(problems))
        call.published_at = call.published_at or now
        call.target_level = call.category.target_level  # frozen: the target that applied at publication
    if target is CallStatus.CANCELLED:
        if not reason.strip():
            raise DomainError(_l("Give the reason for cancelling; it is published."), field="reason")
        call.status_reason = reason.strip()
    if target is CallStatus.CLOSED:
        if (problem := lifecycle.early_close_refusal(call, reason, now)) is not None:
            raise DomainError(problem, field="reason")
        for phase in call.phases:
            if phase.is_open(now):
                phase.closes_at = now
        call.status_reason = reason.strip()
    previous = call.status
    call.status = target
    session.flush()
    audit.record(session, actor, f"call.{target.value}", call,
                 {"from": previous.value, "reason": reason.strip()})
    # Listeners hear every change; the first publication is flagged (nobody follows a draft).
    announce_change(session, call, target.value, first_publication=previous is CallStatus.DRAFT)


def close_early(session: Session, actor: Any, call: Call, *, reason: str, now: dt.datetime | None = None) -> Phase:
    """End the open phase now. When it is the last phase the call closes; an SBIR call with later
    phases stays published, so the selected participants can still enter the next phase.

    The reason is required (`lifecycle.early_close_refusal`), as for cancelling.
    Side effects: the phase's deadline becomes now (the original is kept in the audit log);
    audit `phase.closed_early`; for the last phase, the call's transition to closed.
    """
    now = now or now_utc()
    phase = call.current_phase(now)
    if call.status is not CallStatus.PUBLISHED or phase is None:
        raise DomainError(_l("No phase of this call is open, so there is nothing to close."))
    if (problem := lifecycle.early_close_refusal(call, reason, now)) is not None:
        raise DomainError(problem, field="reason")
    original = phase.closes_at
    if phase.number == len(call.phases):
        transition_call(session, actor, call, CallStatus.CLOSED, reason=reason, now=now)
    else:
        phase.closes_at = now
        call.status_reason = reason.strip()
        session.flush()
        announce_change(session, call, "updated")
    audit.record(session, actor, "phase.closed_early", phase,
                 {"call_id": call.id, "original_deadline": original.isoformat(), "reason": reason.strip()})
    return phase


# --- queries --------------------------------------------------------------------------------


def _open_now(now: dt.datetime):
    return exists().where(Phase.call_id == Call.id, Phase.opens_at <= now, Phase.closes_at > now)


def _first_phase_opens_later(now: dt.datetime):
    return exists().where(Phase.call_id == Call.id, Phase.number == 1, Phase.opens_at > now)


def state_condition(state: PublicState, now: dt.datetime):
    published = Call.status == CallStatus.PUBLISHED
    if state is PublicState.OPEN:
        return and_(published, _open_now(now))
    if state is PublicState.UPCOMING:
        return and_(published, ~_open_now(now), _first_phase_opens_later(now))
    if state is PublicState.CLOSED:
        return or_(
            Call.status == CallStatus.CLOSED,
            and_(published, ~_open_now(now), ~_first_phase_opens_later(now)),
        )
    if state is PublicState.DECIDED:
        return Call.status.in_((CallStatus.DECIDED, CallStatus.ARCHIVED))
    if state is PublicState.CANCELLED:
        return Call.status == CallStatus.CANCELLED
    return Call.status == CallStatus.DRAFT


def visible_to_public():
    """Published once and not a draft: cancelled calls stay visible with their reason."""
    return and_(Call.status != CallStatus.DRAFT, Call.published_at.is_not(None))


def public_calls_query(filters: CallFilters, now: dt.datetime) -> Select[tuple[Call]]:
    stmt = (
        select(Call)
        .where(visible_to_public())
        .options(selectinload(Call.phases), selectinload(Call.social_values))
        .order_by(Call.published_at.desc(), Call.id.desc())
    )
    if filters.kind is not None:
        stmt = stmt.where(Call.kind == filters.kind)
    if filters.category_slug:
        stmt = stmt.join(Call.category).where(Category.slug == filters.category_slug)
    if filters.level is not None:
        stmt = stmt.where(Call.ambition_level == filters.level)
    if filters.value_slug:
        stmt = stmt.where(Call.social_values.any(SocialValue.slug == filters.value_slug))
    if filters.state is not None:
        stmt = stmt.where(state_condition(filters.state, now))
    text = filters.text.strip()
    if text:
        stmt = stmt.where(search.text_matches(text))  # through a trigram index (calls/search.py)
    return stmt


def open_calls_by_deadline(session: Session, now: dt.datetime, limit: int = 6) -> list[tuple[Call, Phase]]:
    """Open calls with their open phase, the nearest deadline first (the home page)."""
    stmt = (
        select(Call, Phase)
        .join(Phase, Phase.call_id == Call.id)
        .where(Call.status == CallStatus.PUBLISHED, Phase.opens_at <= now, Phase.closes_at > now)
        .options(selectinload(Call.social_values))
        .order_by(Phase.closes_at, Call.id)
        .limit(limit)
    )
    return [(call, phase) for call, phase in session.execute(stmt)]


def count_calls_by_state(session: Session, now: dt.datetime) -> dict[PublicState, int]:
    counts = {}
    for state in (PublicState.OPEN, PublicState.UPCOMING):
        counts[state] = session.scalar(
            select(func.count(Call.id)).where(visible_to_public(), state_condition(state, now))
        ) or 0
    return counts


def find_call_by_slug(session: Session, slug: str) -> Call | None:
    stmt = (
        select(Call)
        .where(Call.slug == slug)
        .options(
            selectinload(Call.phases).selectinload(Phase.criteria),
            selectinload(Call.social_values),
            selectinload(Call.documents),
            joinedload(Call.department),  # the page names it: in the call's own query, not one more
        )
    )
    return session.scalar(stmt)


# The call's own collections find_call_page loads only when the call's query found them (built once).
_OWN_LINKS = {"documents": exists().where(CallDocument.call_id == Call.id).label("has_documents"),
              "library_criteria": exists().where(call_library_criteria.c.call_id == Call.id)
              .label("has_library_criteria")}


def find_call_page(session: Session, slug: str, links: Mapping[str, LinkCondition]) -> tuple[Call, CallLinks] | None:
    """A call with all its public page shows of it, and which `links` (calls/panels.py) it has.

    Cheaper than find_call_by_slug for a page that shows everything (issue #20): selectinload's
    `IN (…)` is rendered anew on every request, so for one call each selectin costs about twice a
    plain query. Here the call comes with its department and whether it has documents and library
    criteria (EXISTS, like the other areas' links); its phases come with their criteria in one
    joined query; its social values, documents and library criteria are loaded each in one query
    here (not lazily in the template), and a collection the call's query found empty costs none.
    """
    own = _OWN_LINKS
    names = [*own, *links]
    row = session.execute(select(Call, *own.values(), *links.values()).where(Call.slug == slug)
                          .options(joinedload(Call.department))).one_or_none()
    if row is None:
        return None
    call, found = row[0], dict(zip(names, row[1:], strict=True))
    phases = list(session.scalars(select(Phase).where(Phase.call_id == call.id).order_by(Phase.number)
                                  .options(joinedload(Phase.criteria))).unique())
    set_committed_value(call, "phases", phases)
    call.social_values  # noqa: B018 -- one plain query, here rather than in the template
    for name in own:
        if found[name]:
            getattr(call, name)  # one plain query each, here rather than in the template
        else:
            set_committed_value(call, name, [])
    return call, CallLinks({name: bool(found[name]) for name in links})


def staff_calls_query(status: CallStatus | None = None, now: dt.datetime | None = None) -> Select[Any]:
    """Staff's call list as plain rows (id, title, kind, status, next_deadline), newest change first:
    the list shows these only, so no call's texts or phases are loaded."""
    stmt = (select(Call.id, Call.title, Call.kind, Call.status,
                   next_deadline_column(now or now_utc()).label("next_deadline"))
            .order_by(Call.updated_at.desc(), Call.id.desc()))
    if status is not None:
        stmt = stmt.where(Call.status == status)
    return stmt


def next_deadline_column(now: dt.datetime) -> Any:
    """Call.next_deadline(now) in SQL, per call row: the earliest phase deadline after `now`, NULL when none."""
    return (select(func.min(Phase.closes_at)).where(Phase.call_id == Call.id, Phase.closes_at > now)
            .scalar_subquery())
