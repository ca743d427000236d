"""The life of a proposal: its states, the moves between them, and who may do what, when.

One home for these rules, in the spirit of pretalx's `set_submission_state`: services, views and
templates ask the guards below; only `transition` writes `Proposal.status`.

    draft ──submit──▶ submitted ──withdraw──▶ withdrawn ──submit──▶ submitted
                       │  (each submission freezes a version; only while the phase is open)
                       ├──(after the deadline, staff)──▶ under_review
                       └──(a published decision)──▶ advanced | shortlisted | awarded | not_awarded

The procedure's promises that live here:
- **Sealed until the deadline.** Until the phase closes nobody but the applicant reads the
  proposal; staff see only that it arrived (`can_read`, `is_sealed`). The seal lifts a short grace
  after the closing time (`OPENING_GRACE`, `opens_at`), so a submission that arrived in time but is
  still being handled is frozen before anyone can open the proposals; a submission that finds the
  phase opened all the same is refused (`while_open`).
- **Decisions are drafts until published.** A recorded decision does not touch the status: the
  outcome moves happen only when the phase's decisions are published, so everything derived from
  the status (the applicant's pages, the public, the API, OCDS, the next phase's gate) learns the
  outcome at the same moment (`outcome_for`).
- **The submitted version counts**: amounts and texts that are judged or published come from the
  latest submitted version (`submitted_budget_cents`), never the working copy.

Nothing here reads the request or the clock: the caller passes the actor and `now`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..accounts.permissions import applies_to_nothing, is_staff
from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call, CallStatus, Phase
from ..core import audit
from ..core.errors import DomainError
from ..core.timezones import REQUEST_START_TRUST
from .models import ConsortiumPartner, PartnerStatus, Proposal, ProposalStatus

S = ProposalStatus

# What an applicant may still change (while the phase is open).
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED, S.WITHDRAWN})
# What the jury evaluates once the phase is opened: submitted, and never withdrawn or a draft.
IN_EVALUATION = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.ADVANCED, S.SHORTLISTED, S.AWARDED, S.NOT_AWARDED})
OUTCOMES = frozenset({S.ADVANCED, S.SHORTLISTED, S.AWARDED, S.NOT_AWARDED})


# --- time --------------------------------------------------------------------------------

# How long after the closing time the proposals stay sealed for everyone but the applicant.
# A submission counts by the moment its request arrived (`request_time`), which a trusted proxy may
# put up to REQUEST_START_TRUST before the moment we handle it; handling itself (an upload, a busy
# database) takes time too, hence the margin. Opening only after both have passed means no bid that
# arrived in time can be frozen after staff or the jury read the others: nobody can argue that a
# late-landing bid was written knowing the opened ones, or that opened proposals changed afterwards.
OPENING_GRACE = REQUEST_START_TRUST + dt.timedelta(seconds=60)


def opens_at(phase: Phase) -> dt.datetime:
    """The first moment the municipality (staff, the jury) may open the phase's proposals."""
    return phase.closes_at + OPENING_GRACE


def is_sealed(phase: Phase, now: dt.datetime) -> bool:
    """Until the phase's proposals can be opened (`opens_at`) they are sealed: before the closing
    time the applicant may still change or withdraw them, and until the opening nobody at the
    municipality may read them."""
    return now < opens_at(phase)


def has_closed(phase: Phase, now: dt.datetime) -> bool:
    """The deadline has passed: the applicant can no longer change anything (the seal may still hold)."""
    return phase.closes_at <= now


def accepts_submissions(proposal: Proposal, now: dt.datetime) -> bool:
    return proposal.call.status is CallStatus.PUBLISHED and proposal.phase.is_open(now)


def decisions_published(proposal: Proposal) -> bool:
    return proposal.phase.decisions_published_at is not None


# --- guards of the moves -----------------------------------------------------------------
# A guard returns None when the move may happen, or the reason (for a person) why not.

Guard = Callable[[Proposal, dt.datetime, "str | None"], "str | None"]


def while_open(proposal: Proposal, now: dt.datetime, outcome: str | None = None) -> str | None:
    """Applicants' moves: only while the call is published and the phase open, and never once the
    proposals were opened. With OPENING_GRACE an on-time request is handled before the opening; should
    one be held up longer all the same, it is refused rather than changing what was already read (the
    caller takes the phase's row lock first, the lock the opening takes too, and reads `opened_at`)."""
    if proposal.phase.opened_at is not None:
        return str(_l("The proposals of this phase have already been opened, so nothing can be submitted or "
                      "withdrawn any more. What you wrote is kept."))
    if accepts_submissions(proposal, now):
        return None
    if proposal.phase.closes_at <= now:
        from ..core.formatting import local_datetime

        return str(_l("The deadline (%(deadline)s) has passed. Nothing was submitted; what you wrote is kept.",
                      deadline=local_datetime(proposal.phase.closes_at, "long")))
    return str(_l("This phase is not open for proposals."))


def after_deadline(proposal: Proposal, now: dt.datetime, outcome: str | None = None) -> str | None:
    """Evaluation starts after the deadline: until then the applicant may change or withdraw."""
    if is_sealed(proposal.phase, now):
        return str(_l("Proposals are judged after the deadline; until then the applicant may still change "
                      "or withdraw them."))
    return None


def by_published_decision(proposal: Proposal, now: dt.datetime, outcome: str | None = None) -> str | None:
    """An outcome is never set by hand: only publishing the phase's decisions moves a proposal to
    the outcome that was recorded for it."""
    if outcome is None or not decisions_published(proposal):
        return str(_l("An outcome follows from a recorded decision, when the decisions of the phase are "
                      "published."))
    return None


MOVES: dict[tuple[ProposalStatus, ProposalStatus], Guard] = {
    (S.DRAFT, S.SUBMITTED): while_open,
    (S.SUBMITTED, S.SUBMITTED): while_open,  # a changed proposal submitted again: a new version
    (S.WITHDRAWN, S.SUBMITTED): while_open,
    (S.SUBMITTED, S.WITHDRAWN): while_open,
    (S.SUBMITTED, S.UNDER_REVIEW): after_deadline,
    **{(source, target): by_published_decision for source in (S.SUBMITTED, S.UNDER_REVIEW) for target in OUTCOMES},
}


# What staff may do by hand. Submitting and withdrawing are the applicant's alone (staff withdrew a
# bid before the deadline, or moved its arrival time by "submitting" it again); outcomes follow
# from published decisions.
STAFF_TARGETS = frozenset({S.UNDER_REVIEW})


def staff_refusal(proposal: Proposal, target: ProposalStatus, now: dt.datetime) -> str | None:
    """Why staff cannot move `proposal` to `target` by hand now (None when they can). An outcome is
    refused by `refusal` itself, which says where outcomes come from."""
    if target not in STAFF_TARGETS | OUTCOMES:
        return str(_l("This step is not possible for this proposal."))
    return refusal(proposal, target, now)


def refusal(proposal: Proposal, target: ProposalStatus, now: dt.datetime, outcome: str | None = None) -> str | None:
    """Why `proposal` cannot move to `target` now (None when it can)."""
    guard = MOVES.get((proposal.status, target))
    if guard is None:
        return str(_l("This step is not possible for this proposal."))
    problem = guard(proposal, now, outcome)
    if problem is None and target in OUTCOMES and outcome != target.value:
        return str(_l("This step is not possible for this proposal."))
    return problem


def transition(session: Session, actor: Any, proposal: Proposal, target: ProposalStatus, now: dt.datetime, *,
               outcome: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Move the proposal to `target`, or raise DomainError with the guard's reason.

    `outcome` is the published decision's outcome, for the outcome moves only.

    Side effects: `proposal.status`; for a submission `submitted_at`; audit
    `proposal.<target>` with from, to and the actor (plus `details`). Mails, versions and receipts
    are the callers' (services.submit, evaluation.services.publish_decisions).
    """
    problem = refusal(proposal, target, now, outcome)
    if problem is not None:
        raise DomainError(problem)
    previous = proposal.status
    proposal.status = target
    if target is S.SUBMITTED:
        proposal.submitted_at = now
    session.flush()
    audit.record(session, actor, f"proposal.{target.value}", proposal,
                 {"from": previous.value, "to": target.value, **(details or {})})


# --- who may do what ---------------------------------------------------------------------


def is_owner(user: Any, proposal: Proposal) -> bool:
    """The submitter, or a member of the organisation the proposal belongs to."""
    if not getattr(user, "is_authenticated", False):
        return False
    if proposal.organisation_id is not None:
        return user.organisation_id == proposal.organisation_id
    return proposal.submitter_id == user.id


def acts_for_applicant(user: Any, proposal: Proposal) -> bool:
    """May change, submit or withdraw the proposal, and manage its consortium: an owner who is not
    municipal staff. Staff apply to nothing, whatever other role their account holds or organisation
    it belongs to (a colleague may still read what their organisation wrote: `is_owner`), and a
    staff member's own organisation keeps counting as theirs for conflicts of interest."""
    return is_owner(user, proposal) and not applies_to_nothing(user)


def change_refusal(user: Any, proposal: Proposal) -> str | None:
    """Why an owner may read the proposal but not change, submit or withdraw it: they are municipal
    staff (`acts_for_applicant`). None for whoever acts for the applicant, and for whoever is no owner
    (the proposal is not theirs to read either). The pages that list or show the organisation's
    proposals say this instead of offering what would be refused."""
    if is_owner(user, proposal) and not acts_for_applicant(user, proposal):
        return staff_reads_only_note()
    return None


def own_proposals_note(user: Any) -> str | None:
    """What the lists of a person's own proposals (their organisation's, or theirs from before they
    joined the municipality) say above them when that person may read but not change them."""
    return staff_reads_only_note() if applies_to_nothing(user) else None


def changes_own_proposals(user: Any) -> bool:
    """Whether the call page may tell this person they can change or withdraw their proposal until the
    deadline: anyone who may apply (a visitor not logged in too), never municipal staff, who read their
    organisation's proposals but change none (`applies_to_nothing`, `change_refusal`)."""
    return not applies_to_nothing(user)


def staff_reads_only_note() -> str:
    """The one wording of that reason, on a proposal and above the lists of one's own proposals."""
    return str(_l("You work for the municipality: you can read your organisation's proposals, but not change, "
                  "submit or withdraw them. Municipal staff take part in no proposal on the municipality's calls, "
                  "whatever other role their account holds."))


def can_edit(proposal: Proposal, now: dt.datetime) -> bool:
    """The working copy can change (and be submitted) while the phase is open."""
    return proposal.status in EDITABLE and accepts_submissions(proposal, now)


def can_withdraw(proposal: Proposal, now: dt.datetime) -> bool:
    return proposal.status is S.SUBMITTED and accepts_submissions(proposal, now)


def has_arrived(proposal: Proposal) -> bool:
    """Submitted at least once and not taken back: what staff may count before the deadline."""
    return proposal.status in IN_EVALUATION


def can_read(actor: Any, proposal: Proposal, now: dt.datetime) -> bool:
    """The proposal's text, amounts and files. The applicant (and its confirmed consortium partners)
    always; staff once the phase is opened, and only what was submitted (never a draft, never a
    withdrawn proposal). The jury reads through `can_score`."""
    if is_owner(actor, proposal) or is_partner(actor, proposal):
        return True
    return is_staff(actor) and has_arrived(proposal) and not is_sealed(proposal.phase, now)


def _nobody_sits_on_a_jury(session: Session, actor: Any, phase: Phase) -> bool:
    return False


# Whether the actor is a member of the phase's jury. The evaluation area knows juries and sets
# this when it is imported (proposals may not import evaluation): a staff member on the jury then
# reads the proposals through the jury pages, where conflicts and independent scoring apply.
sits_on_jury: Callable[[Session, Any, Phase], bool] = _nobody_sits_on_a_jury


def hides_applicant(session: Session, actor: Any, phase: Phase) -> bool:
    """A blind review: a member of the phase's jury, staff included, does not learn who applied.
    The jury pages number the proposals; the staff pages would put the name beside that number."""
    return phase.blind_review and sits_on_jury(session, actor, phase)


def applies_in_phase(session: Session, actor: Any, phase: Phase, *, started: bool = False) -> bool:
    """Whether the actor, or their organisation, has a proposal that arrived in the phase, as its
    applicant or as a partner in its consortium. A civil servant whose account is in such an
    organisation is a competitor of the other applicants: like a juror (`sits_on_jury`) they do not
    read the phase's proposals, its scores or its decisions through the staff pages, nor decide on
    them; their own proposal they read as its applicant (`is_owner`).

    With `started`, any proposal of theirs in the phase counts, a draft or a withdrawn one too: a
    bidder in the making is a competitor before they submit (who may sit on the jury asks this)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    organisation_id = getattr(actor, "organisation_id", None)
    ties = [Proposal.submitter_id == actor.id]
    if organisation_id is not None:
        ties.append(Proposal.organisation_id == organisation_id)
        ties.append(Proposal.id.in_(select(ConsortiumPartner.proposal_id).where(
            ConsortiumPartner.organisation_id == organisation_id, ConsortiumPartner.status.in_(IN_CONSORTIUM))))
    stmt = select(Proposal.id).where(Proposal.phase_id == phase.id, or_(*ties))
    if not started:
        stmt = stmt.where(Proposal.status.in_(IN_EVALUATION))
    return session.scalar(stmt.limit(1)) is not None


def _jury_keeps_out(session: Session, actor: Any, phase: Phase, *, contents: bool) -> bool:
    """The jury's part of `reads_as_staff`: a member of the phase's jury reads its proposals through
    the jury pages, where conflicts and independent scoring apply (`sits_on_jury`); who applied they
    may still see elsewhere, unless the review is blind (`hides_applicant`)."""
    return sits_on_jury(session, actor, phase) if contents else hides_applicant(session, actor, phase)


Asked = dict[tuple[str, int, bool], bool]


def reads_as_staff(session: Session, actor: Any, phase: Phase, *, contents: bool = True,
                   asked: Asked | None = None) -> bool:
    """Whether `actor` reads the phase's proposals as the municipality, through the staff pages.
    The one home of "who among staff": every staff page of a phase's proposals asks this.

    With `contents` (the default): what the proposals say, their files, scores, ranking, report and
    decisions, and the forms that decide on them (the jury, recording and publishing decisions).
    Without: who applied and when (the call's list of proposals and its exports, a proposal's page
    with its arrival), not what they wrote.

    Staff only, and not a civil servant who
    - sits on the phase's jury: they read through the jury pages (`sits_on_jury`); who applied they
      may still see, unless the review is blind (`hides_applicant`);
    - belongs to an organisation that applies in the phase, as lead or partner (`applies_in_phase`):
      a competitor of the other applicants, deciding on their own bid.
    Their own proposal a person reads as its applicant, not here (`kept_from_proposal`).

    `asked`: a dict the caller keeps for one request, holding the answers of the two questions
    (each a query) per phase: a page asking for every row (the staff list), or for who applied and
    then for the contents (a proposal's page), queries each once. Within a request they do not change.
    """
    if not is_staff(actor):
        return False
    return (not _remembered(asked, ("jury", phase.id, contents),
                            lambda: _jury_keeps_out(session, actor, phase, contents=contents))
            and not _remembered(asked, ("applies", phase.id, True), lambda: applies_in_phase(session, actor, phase)))


def _remembered(asked: Asked | None, key: tuple[str, int, bool], question: Callable[[], bool]) -> bool:
    if asked is None:
        return question()
    if key not in asked:
        asked[key] = question()
    return asked[key]


def kept_from_proposal(session: Session, actor: Any, proposal: Proposal, *, contents: bool = True,
                       asked: Asked | None = None) -> bool:
    """Whether someone who may see the proposal's page (`can_see_arrival`) or read it (`can_read`) is
    kept from it all the same (`contents` as in `reads_as_staff`). Its owner never: they read it as
    its applicant, whatever else they are. A civil servant without a stake in it reads it as staff
    (`reads_as_staff`). Whoever has a stake but does not own it (a partner in its consortium, a
    civil servant's organisation among them) reads it as such, unless they sit on the phase's jury:
    then the jury's part of the rule holds for them too."""
    if is_owner(actor, proposal):
        return False
    if is_staff(actor) and reads_as_staff(session, actor, proposal.phase, contents=contents, asked=asked):
        return False
    if is_staff(actor) and not has_stake(actor, proposal):
        return True
    return _jury_keeps_out(session, actor, proposal.phase, contents=contents)


def can_see_arrival(actor: Any, proposal: Proposal) -> bool:
    """That a proposal arrived (who, when, the receipt's digest): staff, from the moment it did."""
    return is_owner(actor, proposal) or is_partner(actor, proposal) or (is_staff(actor) and has_arrived(proposal))


def can_score(member: Any, proposal: Proposal, now: dt.datetime, *, has_conflict: bool | None) -> bool:
    """A jury member reads and scores a proposal of their phase once the phase is opened, after
    declaring no conflict of interest (`has_conflict` is None while undeclared)."""
    return (member is not None and member.phase_id == proposal.phase_id and proposal.status in IN_EVALUATION
            and not is_sealed(proposal.phase, now) and has_conflict is False)


def can_advance(proposal: Proposal | None) -> bool:
    """The next phase admits the owner of a proposal advanced by a published decision."""
    return proposal is not None and proposal.status is S.ADVANCED and decisions_published(proposal)


def outcome_for(proposal: Proposal, decision: Any, *, sees_drafts: bool = False) -> Any:
    """The decision on this proposal as a viewer may know it: for the applicant and the public
    only once the phase's decisions are published; staff and the chair (`sees_drafts`) see the
    recorded draft."""
    if decision is None:
        return None
    return decision if (sees_drafts or decisions_published(proposal)) else None


def submitted_budget_cents(proposal: Proposal) -> int | None:
    """The budget the applicant submitted (latest version), never the working copy."""
    latest = proposal.latest_version
    return latest.requested_budget_cents if latest is not None else None


def status_label_key(proposal: Proposal, now: dt.datetime) -> str:
    """The status as the applicant reads it: after the deadline a submitted proposal is being
    evaluated, whatever was decided but not yet published."""
    return shown_status(proposal.status, proposal.phase.closes_at, now).value


def shown_status(status: ProposalStatus, closes_at: dt.datetime, now: dt.datetime) -> ProposalStatus:
    """`status_label_key` for a plain row: the stored status and its phase's deadline."""
    if status is S.SUBMITTED and closes_at <= now:  # has_closed
        return S.UNDER_REVIEW
    return status


# --- the opening of a phase --------------------------------------------------------------


def arrived_count(session: Session, phase: Phase) -> int:
    """How many proposals arrived in the phase (submitted and not withdrawn): what may be said
    while they are sealed."""
    return session.scalar(select(func.count(Proposal.id)).where(Proposal.phase_id == phase.id,
                                                                Proposal.status.in_(IN_EVALUATION))) or 0


def counted_in_public_figures(now: dt.datetime) -> Any:
    """The condition (SQL) under which public figures (the monitoring dashboard, its CSV files, the
    open data) count a proposal: once its phase's deadline has passed. Until then how many bids
    arrived, and when, is part of the seal: a competitor must not watch them come in (or go)."""
    return Proposal.phase_id.in_(select(Phase.id).where(Phase.closes_at <= now))


def record_opening(session: Session, actor: Any, phase: Phase, now: dt.datetime) -> bool:
    """Record that the phase's proposals were opened, once, at the first reading after the closing
    time. The seal lifts by time alone (no job has to run); this only leaves the trace that an
    opening of bids leaves. Two first readers at once: the UPDATE that finds `opened_at` still
    empty wins, the other records nothing.

    Side effects: `phase.opened_at`; audit `phase.opened` with the number of proposals.
    Returns whether this call recorded it (the caller commits).
    """
    if is_sealed(phase, now) or phase.opened_at is not None:
        return False
    written = session.execute(update(Phase).where(Phase.id == phase.id, Phase.opened_at.is_(None))
                              .values(opened_at=now).execution_options(synchronize_session=False))
    if written.rowcount != 1:
        session.refresh(phase)
        return False
    phase.opened_at = now
    session.flush()
    audit.record(session, actor, "phase.opened", phase, {"call_id": phase.call_id,
                                                         "proposals": arrived_count(session, phase),
                                                         "closed_at": phase.closes_at.isoformat()})
    return True


# --- a question on a call ----------------------------------------------------------------------


def question_needs_answer(question: Any) -> bool:
    """Not published yet (new, or an answer staff are still writing): the staff list shows its form."""
    return question.published_at is None and question.note_id is None


# A published answer is part of the tender documents: every applicant wrote their proposal relying
# on it. It is never taken back (unpublished); it may be corrected only while applicants can still
# act on the correction (the phase the question was asked in is open and the call runs), and then
# the change is public ("Answer changed on ...", services.answer_question) and followers are told.
# After that it stays as the applicants read it: a competitor who lost must be able to rely on the
# published record, as with the criteria after the deadline (calls.lifecycle.criteria_refusal).


def phase_asked_in(question: Any, call: Call) -> Phase | None:
    """The phase whose deadline the question was asked before (the first one that had not closed
    when it was asked; questions are only taken while a deadline is ahead, `Call.questions_open`)."""
    return next((phase for phase in call.phases if question.asked_at < phase.closes_at), None)


def answer_refusal(question: Any, call: Call, now: dt.datetime) -> str | None:
    """Why the answer to `question` (an object or a row with note_id, published_at and asked_at)
    cannot be changed now, or None when it can. An answer not yet published is staff's draft."""
    if question.note_id is not None:
        return str(_l("This answer is part of an issued clarification note and can no longer be changed."))
    if question.published_at is None:
        return None
    phase = phase_asked_in(question, call)
    if not call_lifecycle.is_running(call) or phase is None or now >= phase.closes_at:
        return str(_l("The deadline of the phase this question was asked in has passed (or the call no longer "
                      "runs): the published answer stays as the applicants read it."))
    return None


def publication_refusal(question: Any, call: Call, now: dt.datetime) -> str | None:
    """Why a question never published cannot be published now, or None when it can.

    The published Q&A is part of what applicants submit against; an answer first published after the
    deadline of the phase it was asked in reaches them when their proposals are in, and reads as a
    rule added afterwards (a competitor who lost could hold it against the decision). Staff may still
    write the answer down unpublished; the asker was told when questions close (`Call.questions_open`)."""
    if question.published_at is not None:
        return None
    phase = phase_asked_in(question, call)
    if not call_lifecycle.is_running(call) or phase is None or now >= phase.closes_at:
        return str(_l("The deadline of the phase this question was asked in has passed (or the call no longer "
                      "runs): an answer published now would reach the applicants after they submitted, so it "
                      "is not published. You can still save it unpublished."))
    return None


def answer_is_editable(question: Any, call: Call, now: dt.datetime) -> bool:
    """The staff pages offer the answer form (and the edit link) only when this holds."""
    return answer_refusal(question, call, now) is None


def unpublish_refusal(question: Any) -> str | None:
    """A published answer is never taken back: applicants may have relied on it."""
    if question.published_at is not None:
        return str(_l("A published answer cannot be withdrawn: applicants may have relied on it. Keep “Published "
                      "for everyone” ticked; you can still correct the text while the phase is open."))
    return None


# --- consortia ---------------------------------------------------------------------------------
# A proposal's organisation is its lead; it invites partner organisations, each with a role and a
# budget share. Decided rules (README, "Consortia"):
# - Only the lead edits, invites, withdraws invitations and submits; confirmed partners read the
#   proposal (its latest submitted version, or the draft before the first submission) and its
#   consortium, nothing more: they cannot edit, submit, withdraw or invite.
# - Partner shares together never exceed the requested budget; the lead's share is the remainder,
#   so the shares always add up exactly to the requested budget. Checked when inviting, when a
#   partner confirms (under a lock on the proposal: two partners confirming at once cannot pass the
#   cap together), and when the lead changes the requested budget.
# - Submission needs every invitation answered (confirmed or declined) or withdrawn: the submitted
#   version freezes the confirmed partners and their shares (`ProposalVersion.consortium`).
# - After the deadline nothing about the consortium changes: no invitation, answer or withdrawal.

# --- questions on a call ------------------------------------------------------------------

QUESTIONS_PER_HOUR = 10
QUESTION_WINDOW = dt.timedelta(hours=1)


def question_limit_refusal(recent: int) -> str | None:
    """Why one more question is refused, given how many the person asked in the last hour (on any
    call). Every question lands on staff's work list and must be answered publicly before the
    deadline: a flood of them would bury the real ones, and a competitor could use it to keep the
    team busy in the last days. Counted from the stored questions (not the request limiter): the
    question typed comes back with the message, and the count holds across servers."""
    if recent >= QUESTIONS_PER_HOUR:
        return str(_l("You can ask at most %(n)d questions an hour. Please wait a while and send it again: what you "
                      "typed is kept below.", n=QUESTIONS_PER_HOUR))
    return None


P = PartnerStatus
INVITATION_DAYS = 14
# An invitation still counts (it blocks submission, and its share is reserved in the lead's view).
OPEN_INVITATION = frozenset({P.INVITED})


def is_partner(user: Any, proposal: Proposal) -> bool:
    """A member of an organisation that confirmed its part in the proposal's consortium. A declined
    or withdrawn partner is not (any more)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "organisation_id", None) is None:
        return False
    return any(p.status is P.CONFIRMED and p.organisation_id == user.organisation_id for p in proposal.partners)


def is_consortium(proposal: Proposal) -> bool:
    return proposal.organisation_id is not None


def can_manage_consortium(user: Any, proposal: Proposal, now: dt.datetime) -> bool:
    """The lead invites and withdraws partners while the proposal can still change; a citizen's
    proposal has no consortium."""
    return acts_for_applicant(user, proposal) and is_consortium(proposal) and can_edit(proposal, now)


# Partners still part of the consortium: the lead may remove them (invitation withdrawn, part ended).
IN_CONSORTIUM = frozenset({P.INVITED, P.CONFIRMED})


def is_in_consortium(partner: ConsortiumPartner) -> bool:
    return partner.status in IN_CONSORTIUM


def is_confirmed(partner: ConsortiumPartner) -> bool:
    return partner.status is P.CONFIRMED


def has_declined(partner: ConsortiumPartner) -> bool:
    return partner.status is P.DECLINED


def was_withdrawn(partner: ConsortiumPartner) -> bool:
    """The lead took the invitation (or the partner) back."""
    return partner.status is P.WITHDRAWN


def takes_part_as_partner(user: Any, proposal: Proposal) -> bool:
    """The user's organisation is (or was, in the version that is judged) a partner in the proposal's
    consortium: confirmed or still invited now, or named in the latest submitted version. Not only
    `is_partner` (who reads it now): a partner with a share in the budget has a stake in its outcome."""
    organisation_id = getattr(user, "organisation_id", None) if getattr(user, "is_authenticated", False) else None
    if organisation_id is None:
        return False
    if any(is_in_consortium(p) and p.organisation_id == organisation_id for p in proposal.partners):
        return True
    latest = proposal.latest_version
    return latest is not None and any(item.get("organisation_id") == organisation_id
                                      for item in (latest.consortium or []))


def has_stake(user: Any, proposal: Proposal) -> bool:
    """Whether the proposal is (partly) the user's own: their organisation (or they) applied with
    it, as its lead (`is_owner`) or as a partner in its consortium. Such a person has a conflict of
    interest with it that no declaration can deny and nobody can lift."""
    return is_owner(user, proposal) or takes_part_as_partner(user, proposal)


def active_partners(proposal: Proposal) -> list[ConsortiumPartner]:
    return [p for p in proposal.partners if is_in_consortium(p)]


def confirmed_partners(proposal: Proposal) -> list[ConsortiumPartner]:
    return [p for p in proposal.partners if p.status is P.CONFIRMED]


def open_invitations(proposal: Proposal) -> list[ConsortiumPartner]:
    return [p for p in proposal.partners if p.status in OPEN_INVITATION]


def partner_share_total(proposal: Proposal) -> int:
    """The confirmed partners' shares together, in cents."""
    return sum(p.share_cents for p in confirmed_partners(proposal))


def lead_share_cents(proposal: Proposal) -> int | None:
    """The lead's share: what is left of the requested budget after the partners' shares."""
    if proposal.requested_budget_cents is None:
        return None
    return proposal.requested_budget_cents - partner_share_total(proposal)


def share_problem(proposal: Proposal, extra_cents: int, requested_cents: int | None = None) -> str | None:
    """Why the confirmed shares plus `extra_cents` do not fit in the requested budget (None when they do)."""
    budget = proposal.requested_budget_cents if requested_cents is None else requested_cents
    if budget is None:
        return str(_l("State the budget you request before you invite partners: their shares are part of it."))
    if partner_share_total(proposal) + extra_cents > budget:
        from ..core.formatting import money

        return str(_l("The partners' shares together (%(total)s) would be more than the requested budget "
                      "(%(budget)s).", total=money(partner_share_total(proposal) + extra_cents),
                      budget=money(budget)))
    return None


def invitation_refusal(partner: ConsortiumPartner, user: Any, now: dt.datetime) -> str | None:
    """Why this user cannot answer this invitation now (None when they can). The link is only a key
    to the invitation: the person must also belong to the invited organisation (by KvK number) and/or
    be the invited address, so a forwarded or intercepted link is useless to someone else."""
    proposal = partner.proposal
    if partner.status is not P.INVITED or partner.nonce is None:
        return str(_l("This invitation has already been answered or was withdrawn. The link works only once."))
    if now >= partner.expires_at:
        return str(_l("This invitation has expired. Ask the lead organisation to invite you again."))
    if not accepts_submissions(proposal, now):
        return str(_l("The deadline of this call has passed: the consortium can no longer change."))
    if applies_to_nothing(user):
        return str(_l("Municipal staff cannot take part in a proposal on the municipality's calls."))
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return str(_l("Log in with an account of the invited organisation to answer this invitation."))
    if organisation.id == proposal.organisation_id:
        return str(_l("Your organisation leads this proposal; it cannot also be its partner."))
    if partner.invited_kvk and organisation.kvk_number != partner.invited_kvk:
        return str(_l("This invitation is for another organisation (KvK number %(kvk)s). Log in with an account "
                      "of that organisation.", kvk=partner.invited_kvk))
    if partner.invited_email and user.email.casefold() != partner.invited_email.casefold():
        return str(_l("This invitation was sent to another email address. Log in with that account."))
    return None


def consortium_problems(proposal: Proposal) -> list[tuple[str, str]]:
    """(field, message) about the consortium that stand in the way of a submission."""
    problems = []
    waiting = open_invitations(proposal)
    if waiting:
        problems.append(("consortium", str(_l(
            "Not every invited partner has answered yet (%(names)s). Wait for them, or withdraw the invitation.",
            names=", ".join(p.invited_as for p in waiting)))))
    if proposal.requested_budget_cents is not None and (problem := share_problem(proposal, 0)) is not None:
        problems.append(("requested_budget", problem))
    return problems
