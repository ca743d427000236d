"""Proposal rules: who may start one, saving, attachments, submission with receipt, withdrawal,
and the questions asked on a call (nota van inlichtingen).

Every rule about the deadline takes `now`, the moment the request arrived, so a submission that
started at 11:59:59.9 is judged by that moment and not by how long the upload took.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import Organisation, Role, User
from ..accounts.permissions import applies_to_nothing
from ..calls.models import Call, CallStatus, Eligibility, Phase
from ..calls.services import call_changed, process_changed
from ..core import audit
from ..core.audit import AuditEvent
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.outbox import queue_user_email
from ..core.sanitize import render_markdown
from ..core.timezones import now_utc
from ..core.uploads import InspectedUpload
from . import lifecycle
from .models import (
    ANSWER_CHANGED,
    Attachment,
    ConsortiumPartner,
    PartnerStatus,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Question,
    call_followers,
)

MAX_ATTACHMENTS = 10


# --- who ---------------------------------------------------------------------------------


def owner_key_for(user: User) -> str:
    """Entrepreneurs act for their organisation; citizens for themselves."""
    if user.organisation_id is not None and user.has_role(Role.ENTREPRENEUR):
        return f"org:{user.organisation_id}"
    return f"user:{user.id}"


def eligibilities_of(user: Any) -> frozenset[Eligibility]:
    """The calls' eligibilities under which `user` may submit: none for staff, jury members and
    visitors who are neither an entrepreneur with a registered organisation nor a citizen. The one
    rule behind eligibility_problem, usable in SQL (Call.eligibility.in_(...)) for lists of calls."""
    if not getattr(user, "is_authenticated", False) or applies_to_nothing(user):
        return frozenset()
    kinds = set()
    if user.has_role(Role.ENTREPRENEUR) and user.organisation_id is not None:
        kinds |= {Eligibility.ENTREPRENEURS, Eligibility.BOTH}
    if user.has_role(Role.CITIZEN):
        kinds |= {Eligibility.CITIZENS, Eligibility.BOTH}
    return frozenset(kinds)


def eligibility_problem(call: Call, user: Any) -> str | None:
    """Why this user cannot submit on this call, or None when they can."""
    if not getattr(user, "is_authenticated", False):
        return str(_l("Log in to submit a proposal."))
    if call.eligibility in eligibilities_of(user):
        return None
    if applies_to_nothing(user):
        return str(_l("Municipal staff cannot submit proposals on the municipality's calls, whatever other role "
                      "their account holds."))
    if call.eligibility is Eligibility.ENTREPRENEURS:
        return str(_l("Only entrepreneurs with a registered organisation (KvK number) can submit on this call."))
    if call.eligibility is Eligibility.CITIZENS:
        return str(_l("Only citizens can submit on this call."))
    return str(_l("Register as an entrepreneur or a citizen to submit on this call."))


def open_calls_to_start(session: Session, user: Any, now: dt.datetime, limit: int = 6) -> list[Any]:
    """Open phases of published calls this person may submit on and has no proposal in yet, the
    nearest deadline first, as plain rows (slug, title, title_en, closes_at) for a list of links.
    Eligibility and "not started" are asked in SQL (the (phase, owner) key answers the second),
    so the list is the first `limit` that fit, however many open calls do not."""
    kinds = eligibilities_of(user)
    if not kinds:
        return []
    return list(session.execute(_open_calls_to_start_statement(tuple(sorted(kinds))),
                                {"now": now, "owner_key": owner_key_for(user), "limit": limit}))


@functools.cache
def _open_calls_to_start_statement(kinds: tuple[Eligibility, ...]) -> Select[Any]:
    """open_calls_to_start's statement for these eligibilities, built once per process (building it
    per request cost more than the query): binds now, owner_key and limit."""
    now = bindparam("now")
    started = select(Proposal.id).where(Proposal.phase_id == Phase.id, Proposal.owner_key == bindparam("owner_key"))
    return (select(Call.slug, Call.title, Call.title_en, Phase.closes_at).join(Phase, Phase.call_id == Call.id)
            .where(Call.status == CallStatus.PUBLISHED, Phase.opens_at <= now, Phase.closes_at > now,
                   Call.eligibility.in_(kinds), ~started.exists())
            .order_by(Phase.closes_at, Call.id).limit(bindparam("limit")))


def _phase_problem(call: Call, phase: Phase, now: dt.datetime) -> DomainError | None:
    """Why nobody can start a proposal in this phase now (None while it is open)."""
    if call.status is CallStatus.PUBLISHED and phase.is_open(now):
        return None
    if phase.closes_at <= now:
        from ..core.formatting import local_datetime

        return DomainError(_l(
            "The deadline (%(deadline)s) has passed. Nothing was submitted; what you wrote is kept.",
            deadline=local_datetime(phase.closes_at, "long"),
        ))
    return DomainError(_l("This phase is not open for proposals."))


def find_own_proposal(session: Session, user: User, phase: Phase) -> Proposal | None:
    stmt = select(Proposal).where(Proposal.phase_id == phase.id, Proposal.owner_key == owner_key_for(user))
    return session.scalar(stmt)


def admitted_to_phase(session: Session, user: User, call: Call, phase: Phase) -> bool:
    """Phase 1 is open to all eligible; later phases only to those selected in the phase before."""
    if phase.number == 1:
        return True
    return lifecycle.can_advance(previous_phase_proposal(session, user, call, phase))


def previous_phase_proposal(session: Session, user: User, call: Call, phase: Phase) -> Proposal | None:
    if phase.number == 1:
        return None
    previous = next((p for p in call.phases if p.number == phase.number - 1), None)
    return find_own_proposal(session, user, previous) if previous is not None else None


# --- the working copy ---------------------------------------------------------------------


def start_proposal(session: Session, actor: User, call: Call, phase: Phase, now: dt.datetime) -> Proposal:
    """Start (or return the existing) proposal of the actor's organisation for this phase.

    Phase 2 and later admit only owners whose proposal in the phase before was advanced, and
    start from that content. A second click, or a colleague starting at the same moment, finds
    the same proposal: the unique constraint decides, and we read back the winner.
    """
    problem = eligibility_problem(call, actor)
    if problem:
        raise DomainError(problem)
    problem = _phase_problem(call, phase, now)
    if problem is not None:
        raise problem
    existing = find_own_proposal(session, actor, phase)
    if existing is not None:
        return existing
    if lifecycle.sits_on_jury(session, actor, phase):
        # The other direction of evaluation.permissions.competes_in_phase: a juror does not bid.
        raise DomainError(_l("You sit on the jury of this phase: you cannot submit a proposal in it."))
    previous = previous_phase_proposal(session, actor, call, phase)
    if phase.number > 1 and not lifecycle.can_advance(previous):
        raise DomainError(_l("Only participants whose proposal in phase %(n)d was selected can take part "
                             "in this phase.", n=phase.number - 1))
    proposal = Proposal(
        call=call, phase=phase, owner_key=owner_key_for(actor), submitter_id=actor.id,
        organisation_id=actor.organisation_id if owner_key_for(actor).startswith("org:") else None,
        previous_proposal_id=previous.id if previous else None,
    )
    if previous is not None:
        proposal.title, proposal.summary = previous.title, previous.summary
        proposal.body_source, proposal.body_html = previous.body_source, previous.body_html
        # The files are never deleted, so the new proposal can point to the same stored bytes.
        proposal.attachments = [
            Attachment(filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256,
                       storage_key=a.storage_key, uploaded_by_id=a.uploaded_by_id)
            for a in previous.current_attachments
        ]
    try:
        with session.begin_nested():
            session.add(proposal)
    except IntegrityError:
        winner = find_own_proposal(session, actor, phase)
        if winner is None:
            raise
        return winner
    audit.record(session, actor, "proposal.started", proposal, {"call_id": call.id, "phase": phase.number})
    return proposal


def _ensure_editable(proposal: Proposal, now: dt.datetime) -> None:
    if proposal.status not in lifecycle.EDITABLE:
        raise DomainError(_l("This proposal is being evaluated and can no longer be changed."))
    problem = lifecycle.while_open(proposal, now)
    if problem is not None:
        raise DomainError(problem)


def save_draft(
    session: Session,
    actor: User,
    proposal: Proposal,
    *,
    title: str,
    summary: str,
    body_source: str,
    requested_budget_cents: int | None,
    now: dt.datetime,
) -> None:
    """Save the working copy. After a submission, this marks unsubmitted changes; the submitted
    version stays what counts until the user submits again."""
    _ensure_editable(proposal, now)
    if requested_budget_cents is not None and requested_budget_cents > proposal.phase.budget_cents:
        from ..core.formatting import money

        raise DomainError(_l("The requested budget is higher than the budget of this phase (%(max)s).",
                             max=money(proposal.phase.budget_cents)), field="requested_budget")
    # The partners confirmed their shares of the budget: it cannot shrink below them.
    if lifecycle.confirmed_partners(proposal) and requested_budget_cents is None:
        raise DomainError(_l("Your consortium partners have confirmed shares of the budget: state the budget."),
                          field="requested_budget")
    if lifecycle.confirmed_partners(proposal) and (
            problem := lifecycle.share_problem(proposal, 0, requested_budget_cents)) is not None:
        raise DomainError(problem, field="requested_budget")
    proposal.title = title.strip()
    proposal.summary = summary.strip()
    proposal.body_source = body_source
    proposal.body_html = render_markdown(body_source)
    proposal.requested_budget_cents = requested_budget_cents
    if proposal.status is not ProposalStatus.DRAFT:
        proposal.has_unsubmitted_changes = _differs_from_latest(proposal)
    session.flush()


def _differs_from_latest(proposal: Proposal) -> bool:
    latest = proposal.latest_version
    if latest is None:
        return True
    return (
        (latest.title, latest.summary, latest.body_source, latest.requested_budget_cents, latest.attachment_manifest,
         latest.consortium or [])
        != (proposal.title, proposal.summary, proposal.body_source, proposal.requested_budget_cents,
            attachment_manifest(proposal.current_attachments), consortium_manifest(proposal))
    )


def add_attachment(
    session: Session, actor: User, proposal: Proposal, upload: InspectedUpload, storage_key: str, now: dt.datetime
) -> Attachment:
    """Record an attachment whose bytes are staged under `storage_key` (promoted after commit)."""
    _ensure_editable(proposal, now)
    # Lock the proposal row (PostgreSQL) / the database (SQLite) before counting, so two uploads at
    # once cannot both pass the limit.
    session.execute(update(Proposal).where(Proposal.id == proposal.id).values(updated_at=now))
    session.refresh(proposal, ["attachments"])
    if len(proposal.current_attachments) >= MAX_ATTACHMENTS:
        raise DomainError(_l("A proposal has at most %(n)d attachments. Remove one first.", n=MAX_ATTACHMENTS),
                          field="file")
    attachment = Attachment(filename=upload.filename, content_type=upload.content_type, size=upload.size,
                            sha256=upload.sha256, storage_key=storage_key, uploaded_by_id=actor.id)
    proposal.attachments.append(attachment)
    if proposal.status is not ProposalStatus.DRAFT:
        proposal.has_unsubmitted_changes = _differs_from_latest(proposal)
    session.flush()
    audit.record(session, actor, "proposal.attachment_added", proposal, {"attachment_id": attachment.id})
    return attachment


def remove_attachment(session: Session, actor: User, proposal: Proposal, attachment: Attachment,
                      now: dt.datetime) -> None:
    """The file stays stored: a submitted version may still refer to it."""
    _ensure_editable(proposal, now)
    attachment.removed_at = now
    if proposal.status is not ProposalStatus.DRAFT:
        proposal.has_unsubmitted_changes = _differs_from_latest(proposal)
    session.flush()
    audit.record(session, actor, "proposal.attachment_removed", proposal, {"attachment_id": attachment.id})


# --- submission and receipt --------------------------------------------------------------


def attachment_manifest(attachments: Iterable[Attachment]) -> list[dict[str, Any]]:
    return [{"id": a.id, "filename": a.filename, "sha256": a.sha256, "size": a.size} for a in attachments]


def consortium_manifest(proposal: Proposal) -> list[dict[str, Any]]:
    """The confirmed partners as a submitted version freezes them."""
    return [{"organisation_id": p.organisation_id, "name": p.organisation.name if p.organisation else "",
             "kvk_number": p.organisation.kvk_number if p.organisation else "", "role": p.role,
             "share_cents": p.share_cents}
            for p in lifecycle.confirmed_partners(proposal)]


def compute_digest(
    *, proposal_id: int, number: int, title: str, summary: str, body_source: str,
    requested_budget_cents: int | None, manifest: list[dict[str, Any]], submitted_at: dt.datetime,
    consortium: list[dict[str, Any]] | None = None,
) -> str:
    """SHA-256 over a canonical JSON of the submitted content and the attachments' own digests (and
    the consortium's partners and shares, when there are any: receipts of proposals without partners
    keep the digest they always had)."""
    content: dict[str, Any] = {
        "proposal": proposal_id, "version": number, "title": title, "summary": summary, "body": body_source,
        "requested_budget_cents": requested_budget_cents,
        "attachments": [[item["filename"], item["sha256"], item["size"]] for item in manifest],
        "submitted_at": submitted_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
    }
    if consortium:
        content["consortium"] = [[item["kvk_number"], item["role"], item["share_cents"]] for item in consortium]
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_version(version: ProposalVersion, attachments: Iterable[Attachment], storage: Any) -> bool:
    """The stored content still matches the receipt: the digest over the text and the manifest,
    and every stored file still hashes to the value in the manifest."""
    if version_digest(version) != version.digest:
        return False
    stored = {a.id: a for a in attachments}
    for item in version.attachment_manifest:
        attachment = stored.get(item["id"])
        data = storage.read(attachment.storage_key) if attachment is not None else None
        if data is None or hashlib.sha256(data).hexdigest() != item["sha256"]:
            return False
    return True


def version_digest(version: ProposalVersion) -> str:
    return compute_digest(
        proposal_id=version.proposal_id, number=version.number, title=version.title, summary=version.summary,
        body_source=version.body_source, requested_budget_cents=version.requested_budget_cents,
        manifest=version.attachment_manifest, submitted_at=version.submitted_at, consortium=version.consortium,
    )


def completeness_problems(proposal: Proposal) -> list[tuple[str, str]]:
    """(field, message) for everything a submission needs."""
    problems = []
    if not proposal.title.strip():
        problems.append(("title", str(_l("Give your proposal a title."))))
    if not proposal.summary.strip():
        problems.append(("summary", str(_l("Write a short summary."))))
    if not proposal.body_source.strip():
        problems.append(("body_source", str(_l("Describe your proposal."))))
    if proposal.requested_budget_cents is None:
        problems.append(("requested_budget", str(_l("State the budget you request."))))
    return problems + lifecycle.consortium_problems(proposal)


def submit(session: Session, actor: User, proposal: Proposal, now: dt.datetime) -> ProposalVersion:
    """Freeze the working copy as the next version and issue a receipt. Submitting an unchanged
    submitted proposal again returns its latest version: nothing new to freeze.

    Side effects: status → submitted; a ProposalVersion with its SHA-256 digest; audit
    `proposal.submitted`; a receipt mail to the submitter (in their language).
    """
    _wait_for_the_opening(session, proposal)
    _wait_for_other_submissions(session, proposal)
    _ensure_editable(proposal, now)
    problems = completeness_problems(proposal)
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)
    latest = proposal.latest_version
    if proposal.status is ProposalStatus.SUBMITTED and latest is not None and not _differs_from_latest(proposal):
        proposal.has_unsubmitted_changes = False  # its save_draft stored what was submitted already
        return latest  # a second click or a retry after a timeout: the same receipt, no new version
    if lifecycle.refusal(proposal, ProposalStatus.SUBMITTED, now) is not None:
        raise DomainError(_l("This proposal cannot be submitted now."))
    manifest = attachment_manifest(proposal.current_attachments)
    consortium = consortium_manifest(proposal)
    number = len(proposal.versions) + 1
    session.flush()
    digest = compute_digest(
        proposal_id=proposal.id, number=number, title=proposal.title, summary=proposal.summary,
        body_source=proposal.body_source, requested_budget_cents=proposal.requested_budget_cents,
        manifest=manifest, submitted_at=now, consortium=consortium,
    )
    version = ProposalVersion(
        number=number, title=proposal.title, summary=proposal.summary, body_source=proposal.body_source,
        body_html=proposal.body_html, requested_budget_cents=proposal.requested_budget_cents,
        attachment_manifest=manifest, submitted_at=now, submitted_by_id=actor.id, digest=digest,
        consortium=consortium,
    )
    proposal.versions.append(version)
    proposal.has_unsubmitted_changes = False
    lifecycle.transition(session, actor, proposal, ProposalStatus.SUBMITTED, now,
                         details={"version": number, "digest": digest})
    queue_user_email(session, actor, "proposal_receipt", proposal=proposal, version=version)
    return version


def _wait_for_other_submissions(session: Session, proposal: Proposal) -> None:
    """A double click or a retry after a timeout sends two submissions at the same moment. Both
    read the proposal before either wrote, so the second would freeze another, identical version.
    Writing the row first makes the second wait (row lock on PostgreSQL, the write lock on SQLite)
    until the first has committed; reading it again then shows the first one's version."""
    session.flush()
    lock_row(session, Proposal, proposal.id)
    session.expire(proposal)


def _wait_for_the_opening(session: Session, proposal: Proposal) -> None:
    """Take the phase's row lock, the one the opening of the proposals takes too, and read
    `opened_at` again: a submission being handled while someone opens the phase either finishes
    first (the opening waits and counts it) or sees the opening and is refused
    (`lifecycle.while_open`). Taken before the proposal's lock, in the order deciding takes them."""
    session.flush()
    lock_row(session, Phase, proposal.phase_id)
    session.refresh(proposal.phase, ["opened_at"])


def withdraw(session: Session, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    """Until the deadline a submitted proposal can be withdrawn; it can be submitted again."""
    _wait_for_the_opening(session, proposal)
    if proposal.status is not ProposalStatus.SUBMITTED:
        raise DomainError(_l("Only a submitted proposal can be withdrawn."))
    lifecycle.transition(session, actor, proposal, ProposalStatus.WITHDRAWN, now)


def transition_proposal(session: Session, actor: Any, proposal: Proposal, target: ProposalStatus,
                        now: dt.datetime | None = None) -> None:
    """Staff moves on a proposal: only what the lifecycle allows (an outcome needs a published
    decision; nothing before the deadline; never the applicant's own moves)."""
    problem = lifecycle.staff_refusal(proposal, target, now or now_utc())
    if problem is not None:
        raise DomainError(problem)
    lifecycle.transition(session, actor, proposal, target, now or now_utc())


# --- queries ------------------------------------------------------------------------------


def proposals_for_user_query(user: User) -> Select[tuple[Proposal]]:
    """The proposals of the user's organisation (or their own, as a citizen), newest first."""
    return _proposals_of_owner(owner_key_for(user))


@functools.cache
def proposals_of_owner_statement() -> Select[tuple[Proposal]]:
    """proposals_for_user_query, built once per process for lists read on every request: binds
    owner_key (owner_key_for(user)) and limit."""
    return _proposals_of_owner(bindparam("owner_key")).limit(bindparam("limit"))


def _proposals_of_owner(owner_key: Any) -> Select[tuple[Proposal]]:
    return (
        select(Proposal)
        .where(Proposal.owner_key == owner_key)
        .options(selectinload(Proposal.call), selectinload(Proposal.phase), selectinload(Proposal.versions))
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    )


def submitted_titles(session: Session, proposal_ids: Iterable[int]) -> dict[int, str]:
    """Proposal.submitted_title of each proposal, in one query without loading proposals or their
    versions: the latest submitted version's title, the working title while there is none."""
    ids = list(proposal_ids)
    if not ids:
        return {}
    latest = (select(ProposalVersion.title).where(ProposalVersion.proposal_id == Proposal.id)
              .order_by(ProposalVersion.number.desc()).limit(1).scalar_subquery())
    rows = session.execute(select(Proposal.id, func.coalesce(latest, Proposal.title)).where(Proposal.id.in_(ids)))
    return {proposal_id: title for proposal_id, title in rows}


def proposal_list_query(user: User) -> Select[Any]:
    """Mijn voorstellen, newest first: plain rows of what the list shows (id, title, status, whether
    unsubmitted changes wait, the call's and the phase's titles, the deadline), one query per page.
    Rows rather than objects: twenty proposals with their call and phase were sixty objects to load,
    identify and track for four cells each (issue #20)."""
    return (
        select(Proposal.id, Proposal.title, Proposal.status, Proposal.has_unsubmitted_changes,
               Call.title.label("call_title"), Phase.title.label("phase_title"), Phase.closes_at)
        .join(Call, Call.id == Proposal.call_id)
        .join(Phase, Phase.id == Proposal.phase_id)
        .where(Proposal.owner_key == owner_key_for(user))
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    )


def partner_proposals_query(user: User) -> Select[Any]:
    """The proposals the user's organisation is a confirmed consortium partner in, newest first, as
    plain rows: the submitted title (of the latest version: never the lead's working copy), the
    call's title, the lead's name, the status and the deadline (for the status as the partner reads it)."""
    latest_number = (select(func.max(ProposalVersion.number)).where(ProposalVersion.proposal_id == Proposal.id)
                     .correlate(Proposal).scalar_subquery())
    return (
        select(Proposal.id, func.coalesce(ProposalVersion.title, Proposal.title).label("submitted_title"),
               Proposal.status, Call.title.label("call_title"), Organisation.name.label("lead"), Phase.closes_at)
        .join(ConsortiumPartner, ConsortiumPartner.proposal_id == Proposal.id)
        .join(Call, Call.id == Proposal.call_id)
        .join(Phase, Phase.id == Proposal.phase_id)
        .outerjoin(Organisation, Organisation.id == Proposal.organisation_id)
        .outerjoin(ProposalVersion, (ProposalVersion.proposal_id == Proposal.id)
                   & (ProposalVersion.number == latest_number))
        .where(ConsortiumPartner.organisation_id == user.organisation_id,
               ConsortiumPartner.status == PartnerStatus.CONFIRMED)
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    )


def submitted_proposals_query(call: Call) -> Select[tuple[Proposal]]:
    """Everything staff may see: never drafts (a draft is the applicant's own business)."""
    return (
        select(Proposal)
        .where(Proposal.call_id == call.id, Proposal.status != ProposalStatus.DRAFT)
        .options(selectinload(Proposal.phase), selectinload(Proposal.organisation),
                 selectinload(Proposal.submitter), selectinload(Proposal.versions),
                 selectinload(Proposal.attachments))
        .order_by(Proposal.phase_id, Proposal.submitted_at, Proposal.id)
    )


def submitted_proposals(session: Session, call: Call) -> list[Proposal]:
    return list(session.scalars(submitted_proposals_query(call)))


def counts_per_phase(session: Session, call: Call) -> dict[int, dict[str, int]]:
    stmt = (
        select(Phase.number, Proposal.status, func.count(Proposal.id))
        .join(Proposal, Proposal.phase_id == Phase.id)
        .where(Phase.call_id == call.id)
        .group_by(Phase.number, Proposal.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for number, status, count in session.execute(stmt):
        counts.setdefault(number, {})[ProposalStatus(status).value] = count
    return counts


# --- questions and answers ----------------------------------------------------------------


def ask_question(session: Session, actor: User, call: Call, text: str, now: dt.datetime) -> Question:
    if not call.questions_open(now):
        raise DomainError(_l("Questions can no longer be asked on this call."), field="text")
    if not text.strip():
        raise DomainError(_l("Type your question."), field="text")
    lock_row(session, User, actor.id)  # parallel requests of one account count one after the other
    recent = session.scalar(select(func.count(Question.id)).where(
        Question.asker_id == actor.id, Question.asked_at > now - lifecycle.QUESTION_WINDOW)) or 0
    if (problem := lifecycle.question_limit_refusal(recent)) is not None:
        raise DomainError(problem, field="text")
    question = Question(call=call, asker_id=actor.id, text=text.strip())
    session.add(question)
    session.flush()
    audit.record(session, actor, "question.asked", question, {"call_id": call.id})
    return question


def answer_question(session: Session, actor: User, question: Question, *, text: str, answer_source: str,
                    publish: bool, now: dt.datetime) -> None:
    """Staff may rephrase the question (to keep the asker anonymous) and answer it.

    The rules are the lifecycle's (`answer_refusal`, `unpublish_refusal`, `publication_refusal`): a
    published answer stays published; it is corrected only while the phase it was asked in is open;
    a question is first published only while that phase is open; an answer in an issued
    clarification note stays as issued.
    Side effects: publishing (the first time) gives the question its number and mails every
    follower of the call; audit `question.answered`. Correcting a published answer (question or
    answer text) is audited as `question.answer_changed` with the previous and the new texts (the
    public Q&A shows "Answer changed on ..." from it) and mailed to every follower. Both tell the
    open data that the Q&A document changed (`process_changed`).
    """
    if (problem := lifecycle.answer_refusal(question, question.call, now)) is not None:
        raise DomainError(problem, field="answer_source")
    if not publish and (problem := lifecycle.unpublish_refusal(question)) is not None:
        raise DomainError(problem, field="publish")
    if publish and (problem := lifecycle.publication_refusal(question, question.call, now)) is not None:
        raise DomainError(problem, field="publish")
    if publish and not answer_source.strip():
        raise DomainError(_l("Write an answer before publishing it."), field="answer_source")
    new_text = text.strip() or question.text
    if question.published_at is not None:
        _correct_published_answer(session, actor, question, new_text, answer_source)
        return
    question.text = new_text
    question.answer_source = answer_source
    question.answer_html = render_markdown(answer_source)
    question.answered_by_id = actor.id
    if publish:
        question.published_at = now
        if question.number is None:
            question.number = _next_question_number(session, question.call)
    session.flush()
    audit.record(session, actor, "question.answered", question, {"published": publish})
    if publish:
        notify_followers(session, question.call, "call_answer_published", question=question)
        process_changed.send(question.call, session=session, change="answer")  # the Q&A document grew


def _same_text(old: str, new: str) -> bool:
    """A form sends line ends as CRLF and may add or drop trailing blanks: that is no correction."""
    def plain(value: str) -> str:
        return value.replace("\r\n", "\n").strip()

    return plain(old) == plain(new)


def _correct_published_answer(session: Session, actor: User, question: Question, text: str,
                              answer_source: str) -> None:
    """Change a published question or answer (the lifecycle allowed it); saving it unchanged does
    nothing. The previous texts go into the audit log, the only record of what applicants read
    before, and its time is the "Answer changed on" of the public Q&A (`published_questions`)."""
    if _same_text(question.text, text) and _same_text(question.answer_source, answer_source):
        return
    previous = {"previous_text": question.text, "previous_answer": question.answer_source}
    previous_html = question.answer_html
    question.text = text
    question.answer_source = answer_source
    question.answer_html = render_markdown(answer_source)
    question.answered_by_id = actor.id
    session.flush()
    audit.record(session, actor, ANSWER_CHANGED, question,
                 {"call_id": question.call_id, "number": question.number, **previous,
                  "text": question.text, "answer": question.answer_source})
    notify_followers(session, question.call, "call_answer_changed", question=question, previous_html=previous_html,
                     previous_answer=previous["previous_answer"])
    process_changed.send(question.call, session=session, change="answer")  # the Q&A document changed


def _next_question_number(session: Session, call: Call) -> int:
    """The next number of the call's questions. Two staff members publishing at once wait for each
    other on the call's row, so no number is given twice; an unpublished question keeps its number,
    so no number is ever given to another question."""
    lock_row(session, Call, call.id)
    highest = session.scalar(select(func.max(Question.number)).where(Question.call_id == call.id))
    return (highest or 0) + 1


def published_question_of(call_id: Any) -> ColumnElement[bool]:
    """A published question of the call `call_id` (a value, or Call.id for the call page's link)."""
    return and_(Question.call_id == call_id, Question.published_at.is_not(None))


def published_questions(session: Session, call: Call) -> list[Any]:
    """The call's public Q&A in number order, as plain rows of what the pages show: number, text,
    answer, when published and `changed_at`, when the published answer was last corrected (None if
    never). That moment is read from the audit log (`question.answer_changed`), in the same query."""
    changed_at = (select(func.max(AuditEvent.at))
                  .where(AuditEvent.subject_type == Question.__name__, AuditEvent.subject_id == Question.id,
                         AuditEvent.action == ANSWER_CHANGED)
                  .correlate(Question).scalar_subquery())
    stmt = (select(Question.id, Question.number, Question.text, Question.answer_html, Question.published_at,
                   changed_at.label("changed_at"))
            .where(published_question_of(call.id))
            .order_by(Question.number, Question.id))
    return list(session.execute(stmt))


def all_questions(session: Session, call: Call) -> list[Any]:
    """Numbered questions in their number order, then the new ones in the order they were asked: as
    plain rows of what staff's questions page shows (and the lifecycle's guards read), not objects."""
    return list(session.execute(_all_questions_statement(), {"call_id": call.id}))


@functools.cache
def _all_questions_statement() -> Select[Any]:
    """Built once, with a parameter (as calls/cards.py): building it anew cost about as much as running it."""
    return (select(Question.id, Question.number, Question.note_id, Question.published_at, Question.asked_at,
                   Question.text, Question.answer_source, Question.answer_html)
            .where(Question.call_id == bindparam("call_id"))
            .order_by(Question.number.is_(None), Question.number, Question.asked_at, Question.id))


def is_following(session: Session, user: Any, call: Call) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    stmt = select(call_followers.c.user_id).where(call_followers.c.call_id == call.id,
                                                  call_followers.c.user_id == user.id)
    return session.scalar(stmt) is not None


def set_following(session: Session, user: User, call: Call, follow: bool) -> None:
    if follow == is_following(session, user, call):
        return
    if follow:
        try:
            with session.begin_nested():
                session.execute(call_followers.insert().values(call_id=call.id, user_id=user.id))
        except IntegrityError:
            pass  # a second click at the same moment: already following
    else:
        session.execute(call_followers.delete().where(call_followers.c.call_id == call.id,
                                                      call_followers.c.user_id == user.id))


def notify_followers(session: Session, call: Call, template: str, **context: Any) -> int:
    followers = session.scalars(
        select(User).join(call_followers, call_followers.c.user_id == User.id)
        .where(call_followers.c.call_id == call.id, User.blocked.is_(False))
    )
    count = 0
    for follower in followers:
        queue_user_email(session, follower, template, call=call, **context)
        count += 1
    return count


@call_changed.connect
def _tell_followers_about_change(call: Call, session: Session, change: str, first_publication: bool = False,
                                 **_: Any) -> None:
    if not first_publication:
        notify_followers(session, call, "call_changed", change=change)


# --- consortia ---------------------------------------------------------------------------------
# The rules (who, when, the shares) are the lifecycle's; here they are applied and recorded.

INVITATION_SALT = "consortium-invitation"


def invitation_token(secret_key: str, partner: ConsortiumPartner) -> str:
    """The signed link key: the invitation's id and its nonce. It expires by its signature's age and
    by `expires_at`, and is single-use because answering (or withdrawing) empties the nonce."""
    return URLSafeTimedSerializer(secret_key, salt=INVITATION_SALT).dumps([partner.id, partner.nonce])


def invitation_for_token(session: Session, secret_key: str, token: str) -> ConsortiumPartner | None:
    """The invitation a link is for, or None for a forged, expired or superseded link. An answered
    invitation is still found (its nonce is gone): the page then says it was answered already."""
    try:
        partner_id, nonce = URLSafeTimedSerializer(secret_key, salt=INVITATION_SALT).loads(
            token, max_age=lifecycle.INVITATION_DAYS * 24 * 3600)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    partner = session.get(ConsortiumPartner, partner_id) if isinstance(partner_id, int) else None
    if partner is None or not isinstance(nonce, str):
        return None
    if partner.nonce is not None and not secrets.compare_digest(partner.nonce, nonce):
        return None  # an older link of an invitation that was sent again
    return partner


def _mark_consortium_changed(proposal: Proposal) -> None:
    """A changed consortium after a submission is an unsubmitted change: the lead submits again."""
    if proposal.status is not ProposalStatus.DRAFT:
        proposal.has_unsubmitted_changes = _differs_from_latest(proposal)


def _lock_consortium(session: Session, proposal: Proposal) -> None:
    """Wait for anyone else changing this consortium (row lock on PostgreSQL, write lock on SQLite),
    then read the partners again: what we check is what the others committed."""
    session.flush()
    lock_row(session, Proposal, proposal.id)
    session.refresh(proposal)
    session.refresh(proposal, ["partners"])


def invite_partner(session: Session, actor: User, proposal: Proposal, *, email: str, kvk_number: str, role: str,
                   share_cents: int | None, now: dt.datetime, secret_key: str) -> ConsortiumPartner:
    """The lead invites a partner organisation by email address and/or KvK number.

    Side effects: a ConsortiumPartner (invited, with a fresh nonce, expiring after INVITATION_DAYS);
    the invitation mail to the address, or else to every member of the organisation with that KvK
    number; an unsubmitted change on a submitted proposal; audit `consortium.invited`.
    """
    from ..accounts.services import normalise_email, validate_kvk

    if not lifecycle.can_manage_consortium(actor, proposal, now):
        raise DomainError(lifecycle.while_open(proposal, now) or _l("Only the lead organisation can invite partners."))
    email = normalise_email(email) if email.strip() else ""
    kvk = validate_kvk(kvk_number) if kvk_number.strip() else ""
    if not email and not kvk:
        raise DomainError(_l("Give the partner's email address, its KvK number, or both."), field="email")
    if not role.strip():
        raise DomainError(_l("Describe the partner's role in the consortium."), field="role")
    if share_cents is None or share_cents <= 0:
        raise DomainError(_l("State the partner's share of the budget in euros."), field="share")
    _lock_consortium(session, proposal)
    if kvk and proposal.organisation is not None and kvk == proposal.organisation.kvk_number:
        raise DomainError(_l("This is your own organisation's KvK number: the lead cannot be its own partner."),
                          field="kvk_number")
    for other in proposal.partners:
        if lifecycle.is_in_consortium(other) and (
                (kvk and kvk in (other.invited_kvk, other.organisation.kvk_number if other.organisation else ""))
                or (email and email == other.invited_email)):
            raise DomainError(_l("This partner has already been invited."), field="kvk_number" if kvk else "email")
    if (problem := lifecycle.share_problem(proposal, share_cents)) is not None:
        raise DomainError(problem, field="share")
    organisation = session.scalar(select(Organisation).where(Organisation.kvk_number == kvk)) if kvk else None
    if kvk and not email and organisation is None:
        raise DomainError(_l("No organisation with this KvK number is registered here yet. Give the partner's "
                             "email address too, so we can send the invitation."), field="email")
    partner = ConsortiumPartner(invited_email=email, invited_kvk=kvk, role=role.strip(), share_cents=share_cents,
                                nonce=secrets.token_urlsafe(32), invited_by_id=actor.id,
                                expires_at=now + dt.timedelta(days=lifecycle.INVITATION_DAYS))
    proposal.partners.append(partner)
    session.flush()
    _send_invitation(session, partner, organisation, secret_key)
    _mark_consortium_changed(proposal)
    audit.record(session, actor, "consortium.invited", proposal,
                 {"partner_id": partner.id, "kvk": kvk, "email": email, "share_cents": share_cents})
    return partner


def _send_invitation(session: Session, partner: ConsortiumPartner, organisation: Organisation | None,
                     secret_key: str) -> None:
    token = invitation_token(secret_key, partner)
    context = {"partner": partner, "proposal": partner.proposal, "token": token, "days": lifecycle.INVITATION_DAYS}
    if partner.invited_email:
        person = session.scalar(select(User).where(User.email == partner.invited_email))
        # Someone without an account yet gets the mail in Dutch, addressed without a name.
        recipient = person or SimpleNamespace(name="", locale="nl", email=partner.invited_email)
        queue_user_email(session, recipient, "consortium_invitation", to=partner.invited_email, **context)
        return
    members = session.scalars(select(User).where(User.organisation_id == organisation.id,
                                                 User.blocked.is_(False))) if organisation else []
    for member in members:
        queue_user_email(session, member, "consortium_invitation", **context)


def answer_invitation(session: Session, actor: User, partner: ConsortiumPartner, *, accept: bool,
                      now: dt.datetime) -> None:
    """A member of the invited organisation confirms or declines its part (role and share as the
    lead stated them). Two partners confirming at the same moment wait for each other on the
    proposal's row, so the second sees the first one's share and the cap holds.

    Side effects: status confirmed/declined, the organisation and who answered; the nonce is emptied
    (the link is used up); an unsubmitted change on a submitted proposal; a mail to the lead's
    submitter; audit `consortium.confirmed` / `consortium.declined`.
    """
    proposal = partner.proposal
    _lock_consortium(session, proposal)
    session.refresh(partner)
    if (problem := lifecycle.invitation_refusal(partner, actor, now)) is not None:
        raise DomainError(problem)
    if accept:
        if any(p.organisation_id == actor.organisation_id and p.status is PartnerStatus.CONFIRMED
               for p in proposal.partners):
            raise DomainError(_l("Your organisation is already a partner in this proposal."))
        if (problem := lifecycle.share_problem(proposal, partner.share_cents)) is not None:
            raise DomainError(_l("This share no longer fits in the requested budget; the lead organisation has "
                                 "been told. %(why)s", why=problem))
        partner.organisation_id = actor.organisation_id
    partner.status = PartnerStatus.CONFIRMED if accept else PartnerStatus.DECLINED
    partner.nonce = None
    partner.responded_at, partner.responded_by_id = now, actor.id
    session.flush()
    session.refresh(proposal, ["partners"])
    _mark_consortium_changed(proposal)
    audit.record(session, actor, f"consortium.{partner.status.value}", proposal,
                 {"partner_id": partner.id, "organisation_id": actor.organisation_id})
    if proposal.submitter is not None:
        queue_user_email(session, proposal.submitter, "consortium_answered", proposal=proposal, partner=partner,
                         organisation=actor.organisation)


def withdraw_partner(session: Session, actor: User, partner: ConsortiumPartner, now: dt.datetime) -> None:
    """The lead takes an invitation back, or removes a confirmed partner, while the proposal can
    change. Side effects: status withdrawn, the link dies; audit `consortium.withdrawn`."""
    proposal = partner.proposal
    if not lifecycle.can_manage_consortium(actor, proposal, now):
        raise DomainError(lifecycle.while_open(proposal, now) or _l("Only the lead organisation can change the "
                                                                   "consortium."))
    _lock_consortium(session, proposal)
    session.refresh(partner)
    if not lifecycle.is_in_consortium(partner):
        raise DomainError(_l("This partner is no longer part of the consortium."))
    was = partner.status
    partner.status, partner.nonce = PartnerStatus.WITHDRAWN, None
    # Free the organisation for a later invitation (the unique pair); the audit keeps who it was.
    organisation_id, partner.organisation_id = partner.organisation_id, None
    session.flush()
    session.refresh(proposal, ["partners"])
    _mark_consortium_changed(proposal)
    audit.record(session, actor, "consortium.withdrawn", proposal,
                 {"partner_id": partner.id, "was": was.value, "organisation_id": organisation_id})


def submitted_consortium(proposal: Proposal) -> list[dict[str, Any]]:
    """The partners and shares that count: those of the latest submitted version."""
    latest = proposal.latest_version
    return list(latest.consortium or []) if latest is not None else []


def partner_shares(proposal: Proposal) -> list[dict[str, Any]]:
    """Every organisation's part in the submitted budget, the lead first: for budgets, monitoring
    and open data. The lead's share is the remainder, so the parts add up to the budget."""
    latest = proposal.latest_version
    if latest is None or latest.requested_budget_cents is None:
        return []
    partners = submitted_consortium(proposal)
    lead = proposal.organisation
    shares = [{"organisation_id": lead.id if lead else None, "name": lead.name if lead else "",
               "kvk_number": lead.kvk_number if lead else "", "role": "lead",
               "share_cents": latest.requested_budget_cents - sum(p["share_cents"] for p in partners)}]
    return shares + partners


def shares_of_amount(proposal: Proposal, amount_cents: int) -> list[dict[str, Any]]:
    """Every organisation's part of another amount (a contract's value), in proportion to its share
    of the submitted budget; rounded so the parts add up to the amount exactly (the cents left over
    go to the largest remainders). Empty for a proposal without partners."""
    shares = partner_shares(proposal)
    total = sum(share["share_cents"] for share in shares)
    if len(shares) < 2 or total <= 0:
        return []
    exact = [share["share_cents"] * amount_cents / total for share in shares]
    parts = [int(value) for value in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: amount_cents - sum(parts)]:
        parts[i] += 1
    return [{**share, "amount_cents": part} for share, part in zip(shares, parts, strict=True)]
