"""Evaluation rules: jury membership, conflict declarations, score sheets, consensus, decisions.

Every change to a declaration, a score, a consensus score or a decision is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import CompoundSelect, Integer, Select, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ..accounts.models import Organisation, Role, User, UserRole
from ..accounts.services import (
    account_link_token,
    create_user,
    find_user_by_email,
    normalise_email,
    user_for_account_link,
    validate_password,
)
from ..calls import lifecycle as call_lifecycle
from ..calls import stages
from ..calls.models import CallStatus, Criterion, Phase
from ..calls.services import process_changed, transition_call
from ..core import audit
from ..core.db import lock_row, utcnow
from ..core.errors import DomainError
from ..core.outbox import queue_user_email
from ..infra import fingerprint_cache
from ..proposals import lifecycle
from ..proposals.models import Proposal, ProposalStatus, ProposalVersion
from . import permissions
from .aggregation import CriterionSpec, ProposalResult, SheetScores, aggregate
from .models import ConflictDeclaration, ConsensusScore, Decision, JuryMember, Outcome, Score, ScoreSheet, SheetStatus

INVITATION_SALT = "jury-invitation"
INVITATION_MAX_AGE = 14 * 24 * 3600
IN_EVALUATION = tuple(sorted(lifecycle.IN_EVALUATION))
OUTCOME_STATUS = {Outcome.AWARDED: ProposalStatus.AWARDED, Outcome.SHORTLISTED: ProposalStatus.SHORTLISTED,
                  Outcome.ADVANCED: ProposalStatus.ADVANCED, Outcome.NOT_AWARDED: ProposalStatus.NOT_AWARDED}
WINNING = (Outcome.AWARDED, Outcome.ADVANCED)


# --- jury ---------------------------------------------------------------------------------


def members(session: Session, phase: Phase) -> list[JuryMember]:
    stmt = (select(JuryMember).where(JuryMember.phase_id == phase.id)
            .options(selectinload(JuryMember.user)).order_by(JuryMember.is_chair.desc(), JuryMember.id))
    return list(session.scalars(stmt))


def member_for(session: Session, user: Any, phase: Phase) -> JuryMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(select(JuryMember).where(JuryMember.phase_id == phase.id, JuryMember.user_id == user.id))


def _sits_on_jury(session: Session, user: Any, phase: Phase) -> bool:
    return member_for(session, user, phase) is not None


lifecycle.sits_on_jury = _sits_on_jury  # the proposals area asks this through its lifecycle


def memberships(session: Session, user: User) -> list[JuryMember]:
    stmt = (select(JuryMember).where(JuryMember.user_id == user.id)
            .options(selectinload(JuryMember.phase).selectinload(Phase.call)).order_by(JuryMember.id.desc()))
    return list(session.scalars(stmt))


def invitation_token(secret_key: str, user: User) -> str:
    return account_link_token(secret_key, INVITATION_SALT, user)


def user_for_invitation(session: Session, secret_key: str, token: str) -> User | None:
    """The invited user, while the link is fresh and unused (setting the password bumps auth_version)."""
    return user_for_account_link(session, secret_key, INVITATION_SALT, token, INVITATION_MAX_AGE)


def accept_invitation(session: Session, user: User, password: str) -> None:
    from werkzeug.security import generate_password_hash

    validate_password(password, user.email)
    user.password_hash = generate_password_hash(password)
    user.auth_version += 1  # the link works once
    audit.record(session, user, "jury.invitation_accepted", user)


def assign_member(session: Session, actor: Any, phase: Phase, *, email: str, name: str, is_chair: bool,
                  secret_key: str) -> JuryMember:
    """Add a member by email. An unknown address becomes an external expert who is invited by mail
    to set a password. Side effects: jury role granted; invitation mail; audit `jury.member_added`.

    The phase's row is locked first, as the carry-over does: two colleagues adding at once (or a
    carry-over meanwhile) would otherwise both find the person not yet on the jury (the second
    meeting the unique constraint), both create the invited expert, or both name a chair."""
    lock_row(session, Phase, phase.id)
    email = normalise_email(email)
    user = find_user_by_email(session, email)
    invited = user is None
    if user is None:
        if not name.strip():
            raise DomainError(_l("Give the name of the expert you invite."), field="name")
        user = create_user(session, email=email, password=secrets.token_urlsafe(24), name=name, roles=(Role.JURY,),
                           actor=actor)
    if member_for(session, user, phase) is not None:
        raise DomainError(_l("%(name)s is already on this jury.", name=user.name), field="email")
    if not invited and permissions.competes_in_phase(session, user, phase):
        raise DomainError(_l("%(name)s, or their organisation, has a proposal in this phase: a competitor cannot sit "
                             "on its jury.", name=user.name), field="email")
    if Role.JURY not in user.roles:
        user.role_rows.append(UserRole(role=Role.JURY))
    if is_chair:
        for other in members(session, phase):
            other.is_chair = False
    member = JuryMember(phase_id=phase.id, user_id=user.id, is_chair=is_chair)
    session.add(member)
    session.flush()
    audit.record(session, actor, "jury.member_added", phase, {"user_id": user.id, "chair": is_chair})
    if invited:
        queue_user_email(session, user, "jury_invitation", phase=phase, token=invitation_token(secret_key, user))
    return member


def earlier_round(phase: Phase) -> Phase | None:
    """The phase before this one in the same call (the round whose jury a staged procedure usually
    keeps), or None for the first."""
    return next((p for p in phase.call.phases if p.number == phase.number - 1), None)


class CarryOver(NamedTuple):
    """Who of the earlier round's jury would join (or joined) this phase's jury, and who not and why."""

    source: Phase | None
    joining: list[JuryMember]  # members of the earlier round, not yet on this jury
    actor_left_out: bool  # the staff member doing it sat on the earlier jury: a colleague adds them
    competing: tuple[JuryMember, ...] = ()  # members with a proposal in this phase (permissions.competes_in_phase)


def carry_over_plan(session: Session, actor: Any, phase: Phase) -> CarryOver:
    source = earlier_round(phase)
    if source is None:
        return CarryOver(None, [], False)
    present = {member.user_id for member in members(session, phase)}
    # Not a blocked account, nor one whose jury role was taken away: membership alone opens the jury
    # pages, and the role is what asks for the second login step (assign_member grants it).
    earlier = session.scalars(select(JuryMember).where(JuryMember.phase_id == source.id)
                              .options(selectinload(JuryMember.user).selectinload(User.role_rows))
                              .order_by(JuryMember.is_chair.desc(), JuryMember.id))  # roles in one query, not one each
    candidates = [m for m in earlier
                  if m.user_id not in present and not m.user.blocked and Role.JURY in m.user.roles]
    actor_id = getattr(actor, "id", None)
    competing = tuple(m for m in candidates if permissions.competes_in_phase(session, m.user, phase))
    joining = [m for m in candidates if m.user_id != actor_id and m not in competing]
    return CarryOver(source, joining, any(m.user_id == actor_id for m in candidates), competing)


def carry_over_jury(session: Session, actor: Any, phase: Phase) -> CarryOver:
    """Add the earlier round's jury to this phase's jury: a staged procedure usually keeps its jury,
    and typing nine addresses again invites mistakes. Members already on this jury stay as they
    are (a second click adds nobody); the chair stays chair unless this jury has one already. The
    staff member doing it is left out when they sat on the earlier jury: sitting on a jury shuts
    them out of managing it, so a colleague adds them (`permissions.can_manage_jury_of_phase`).
    No invitation mail: every one of them has an account already. Audit `jury.member_added`
    per member, naming the round they came from."""
    lock_row(session, Phase, phase.id)  # two clicks at once: the second sees the first's members
    plan = carry_over_plan(session, actor, phase)
    if plan.source is None:
        raise DomainError(_l("This is the first round: there is no earlier jury to add."))
    has_chair = any(member.is_chair for member in members(session, phase))
    for earlier in plan.joining:
        chair = earlier.is_chair and not has_chair
        session.add(JuryMember(phase_id=phase.id, user_id=earlier.user_id, is_chair=chair))
        session.flush()
        audit.record(session, actor, "jury.member_added", phase,
                     {"user_id": earlier.user_id, "chair": chair, "from_phase": plan.source.id})
    return plan


def remove_member(session: Session, actor: Any, member: JuryMember) -> None:
    # Off the jury, a staff member reads as staff: leaving it would open what a declared conflict shut.
    if member.user_id == getattr(actor, "id", None):
        raise DomainError(_l("You cannot remove yourself from a jury: ask a colleague."))
    if session.scalar(select(ScoreSheet.id).where(ScoreSheet.member_id == member.id).limit(1)) is not None:
        raise DomainError(_l("This member has already scored; their sheets stay part of the record."))
    if session.scalar(select(ConflictDeclaration.id).where(ConflictDeclaration.member_id == member.id)
                      .limit(1)) is not None:
        raise DomainError(_l("This member has already declared on proposals; their declarations stay part of the "
                             "record."))
    session.delete(member)
    session.flush()
    audit.record(session, actor, "jury.member_removed", member.phase, {"user_id": member.user_id})


def save_settings(session: Session, actor: Any, phase: Phase, *, blind_review: bool, threshold: int) -> None:
    if not 0 <= threshold <= phase.score_scale_max:
        raise DomainError(_l("The threshold lies between 0 and the highest score."), field="threshold")
    if blind_review != phase.blind_review and phase.opened_at is not None:
        # Switched off, the jury would see the names; switched on, it has seen them already.
        raise DomainError(_l("The proposals have been opened: whether the review is blind can no longer change."),
                          field="blind_review")
    phase.blind_review, phase.disagreement_threshold = blind_review, threshold
    session.flush()
    audit.record(session, actor, "jury.settings", phase, {"blind": blind_review, "threshold": threshold})


# --- proposals for the jury ----------------------------------------------------------------


def phase_proposals_statement(phase: Phase) -> Select[tuple[Proposal]]:
    return (select(Proposal).where(Proposal.phase_id == phase.id, Proposal.status.in_(IN_EVALUATION))
            .options(selectinload(Proposal.versions), selectinload(Proposal.organisation),
                     selectinload(Proposal.submitter))
            .order_by(Proposal.submitted_at, Proposal.id))


def phase_proposals(session: Session, phase: Phase, ids: set[int] | None = None) -> list[Proposal]:
    """The phase's proposals in evaluation (only those of `ids` when given: a page's declarations)."""
    stmt = phase_proposals_statement(phase)
    if ids is not None:
        stmt = stmt.where(Proposal.id.in_(ids))
    return list(session.scalars(stmt))


class PhaseRow(NamedTuple):
    """One line of a jury member's phase page, as plain values (the page lists up to 500). A tuple,
    so the template unpacks it in its loop instead of looking up seven attributes per row."""

    id: int
    title: str  # of the latest submitted version, else the working copy's; "" in a blind review
    declared: bool
    has_conflict: bool
    reason: str
    sheet: SheetStatus | None
    # The lead and the consortium partners of the submitted version, joined by ", ": a member
    # related to any of them must see it to declare a conflict. Never read in a blind review.
    organisations: str = ""


def phase_rows_statement(member: JuryMember, *, names: bool = True, limit: int | None = None,
                         offset: int = 0) -> Select[Any]:
    """`names=False` (a blind review): neither titles nor organisations leave the database."""
    parameters = {"member_id": member.id, "phase_id": member.phase_id}
    if limit is not None:
        parameters.update(limit=limit, offset=offset)
    return _phase_rows_statement(names, limit is not None).params(**parameters)


@functools.cache
def _phase_rows_statement(names: bool, paged: bool) -> Select[Any]:
    """Built once per process, with the member, phase (and page) as parameters: building it took
    as long as running it. A page first picks its proposals in order (from the index on phase and
    status) with the member's declarations and sheets, counted over all of the phase's proposals
    by window functions (the standing: before #20 a query of its own, 1-1.5 ms on PostgreSQL at
    500 proposals, as long as this one), then reads the versions and organisations of those alone."""
    member_id, phase_id = bindparam("member_id", type_=Integer), bindparam("phase_id", type_=Integer)
    final = ScoreSheet.status == SheetStatus.FINAL
    page = (select(Proposal.id, Proposal.submitted_at, ConflictDeclaration.id.label("declaration"),
                   ConflictDeclaration.has_conflict, ConflictDeclaration.reason, ScoreSheet.status,
                   # PhaseStanding's counts, over the whole phase: window functions run before LIMIT.
                   func.count(Proposal.id).over().label("total"),
                   func.count(ConflictDeclaration.id).over().label("declared"),
                   func.count(case((ConflictDeclaration.has_conflict.is_(True), 1))).over().label("conflicts"),
                   func.count(case((final, 1))).over().label("final"),
                   func.count(case((ScoreSheet.id.is_not(None) & ~final, 1))).over().label("draft"))
            .outerjoin(ConflictDeclaration, (ConflictDeclaration.proposal_id == Proposal.id)
                       & (ConflictDeclaration.member_id == member_id))
            .outerjoin(ScoreSheet, (ScoreSheet.proposal_id == Proposal.id) & (ScoreSheet.member_id == member_id))
            .where(Proposal.phase_id == phase_id, Proposal.status.in_(IN_EVALUATION))
            .order_by(Proposal.submitted_at, Proposal.id))
    if paged:
        page = page.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
    shown = page.subquery("shown")
    stmt = select(shown.c.id, shown.c.declaration, shown.c.has_conflict, shown.c.reason, shown.c.status,
                  shown.c.total, shown.c.declared, shown.c.conflicts, shown.c.final, shown.c.draft).select_from(shown)
    if names:
        other = aliased(ProposalVersion)
        latest = select(func.max(other.number)).where(other.proposal_id == shown.c.id).scalar_subquery()
        stmt = (stmt.add_columns(func.coalesce(ProposalVersion.title, Proposal.title), Organisation.name,
                                 ProposalVersion.consortium)
                .join(Proposal, Proposal.id == shown.c.id)
                .outerjoin(ProposalVersion, (ProposalVersion.proposal_id == shown.c.id)
                           & (ProposalVersion.number == latest))
                .outerjoin(Organisation, Organisation.id == Proposal.organisation_id))
    return stmt.order_by(shown.c.submitted_at, shown.c.id)


@dataclass(frozen=True, slots=True)
class PhaseStanding:
    """Where a member stands in their phase, over all its proposals (the phase page's summary: the
    page shows one page of rows, the member must still see how far they are)."""

    total: int  # proposals in evaluation
    declared: int
    conflicts: int
    final: int  # own sheets final
    draft: int  # own sheets started, not final


NO_STANDING = PhaseStanding(0, 0, 0, 0, 0)


def phase_rows(session: Session, member: JuryMember, *, names: bool = True, limit: int | None = None,
               offset: int = 0) -> tuple[list[PhaseRow], PhaseStanding]:
    """The member's phase page in one query: each proposal in evaluation with the member's own
    declaration and sheet status, in the order of `phase_proposals` (`limit` of them from `offset`:
    a page), and the member's standing over all of the phase's proposals (all zero when the page
    is empty: past the end, or a phase without proposals). Without `names` (a blind review:
    `proposals.lifecycle.hides_applicant`) the rows carry no title and no organisation."""
    parameters: dict[str, int] = {"member_id": member.id, "phase_id": member.phase_id}
    if limit is not None:
        parameters.update(limit=limit, offset=offset)
    # Plain rows from the connection: no ORM entities to load, so no ORM result machinery either.
    rows = session.connection().execute(_phase_rows_statement(names, limit is not None), parameters).all()
    standing = PhaseStanding(*rows[0][5:10]) if rows else NO_STANDING
    if not names:
        return [PhaseRow(pid, "", declaration is not None, bool(conflict), reason or "", sheet)
                for pid, declaration, conflict, reason, sheet, *_counts in rows], standing
    return [PhaseRow(pid, title, declaration is not None, bool(conflict), reason or "", sheet,
                     _organisations(lead, consortium))
            for pid, declaration, conflict, reason, sheet, *_counts, title, lead, consortium in rows], standing


def phase_position(session: Session, phase: Phase, proposal: Proposal) -> int:
    """How many of the phase's proposals come before this one in the phase page's order (which
    page of the phase page shows it)."""
    before = or_(Proposal.submitted_at < proposal.submitted_at,
                 (Proposal.submitted_at == proposal.submitted_at) & (Proposal.id < proposal.id))
    return session.scalar(select(func.count(Proposal.id)).where(
        Proposal.phase_id == phase.id, Proposal.status.in_(IN_EVALUATION), before)) or 0


def _organisations(lead: str | None, consortium: Any) -> str:
    if not consortium:  # JSON of the submitted version: most proposals have no partners
        return lead or ""
    return ", ".join(name for name in [lead or "", *(p.get("name", "") for p in consortium)] if name)


OWN_PROPOSAL = _l("This is a proposal of your own organisation (or your own): you have a conflict of interest "
                  "with it, which cannot be lifted.")
PARTNER_PROPOSAL = _l("This is a proposal in which your organisation takes part in its consortium: you have a "
                      "conflict of interest with it, which cannot be lifted.")


def declare(session: Session, actor: Any, member: JuryMember, proposal: Proposal, *, has_conflict: bool,
            reason: str, now: dt.datetime | None = None) -> ConflictDeclaration:
    """No conflict, or a conflict with its reason. A member who finalised a sheet cannot change it;
    a declared conflict is lifted only by staff (`lift_conflict`). Nothing is declared while the
    proposals are sealed: the member could not know whom they declare about."""
    if proposal.phase_id != member.phase_id:
        raise DomainError(_l("This proposal is not part of your jury's phase."))
    if lifecycle.is_sealed(proposal.phase, now or utcnow()):
        raise DomainError(_l("Proposals are sealed until the deadline: the jury scores them once the phase has "
                             "closed."))
    if has_conflict and not reason.strip():
        raise DomainError(_l("Give the reason for the conflict of interest."), field="reason")
    if not has_conflict and lifecycle.is_owner(member.user, proposal):
        raise DomainError(OWN_PROPOSAL)  # what the platform knows is not left to the declaration
    if not has_conflict and lifecycle.has_stake(member.user, proposal):
        raise DomainError(PARTNER_PROPOSAL)
    sheet = score_sheet(session, member, proposal)
    if sheet is not None and sheet.status is SheetStatus.FINAL:
        raise DomainError(_l("You have finalised your scores for this proposal; the declaration stands."))
    declaration = member_declaration(session, member, proposal)
    if declaration is not None and declaration.has_conflict and not has_conflict:
        # Lifting a conflict is not the member's call: staff do it, with a reason (lift_conflict).
        raise DomainError(_l("You declared a conflict of interest with this proposal. Only staff can lift it, "
                             "with a reason."))
    if declaration is None:
        declaration = ConflictDeclaration(member_id=member.id, proposal_id=proposal.id, has_conflict=has_conflict)
        session.add(declaration)
    declaration.has_conflict, declaration.reason = has_conflict, reason.strip() if has_conflict else ""
    declaration.declared_at = utcnow()  # when the declaration that counts was made
    if has_conflict and sheet is not None:
        session.delete(sheet)  # a conflicted member's draft scores must not count
    session.flush()
    audit.record(session, actor, "jury.conflict_declared", proposal,
                 {"member_id": member.id, "conflict": has_conflict, "reason": declaration.reason})
    return declaration


def lift_conflict(session: Session, actor: Any, declaration: ConflictDeclaration, reason: str) -> None:
    """Staff lift a declared conflict (a mistaken declaration, say), with a reason that is kept.

    Side effects: the member may open and score the proposal again; audit `jury.conflict_lifted`
    with the reason and the declaration's original reason.
    """
    if not declaration.has_conflict:
        raise DomainError(_l("This member declared no conflict of interest with this proposal."))
    if declaration.member.user_id == getattr(actor, "id", None):
        raise DomainError(_l("You cannot lift a conflict of interest you declared yourself: ask a colleague."))
    if not reason.strip():
        raise DomainError(_l("Give the reason for lifting the conflict of interest; it is kept in the record."),
                          field="reason")
    proposal = session.get(Proposal, declaration.proposal_id)
    if proposal is not None and lifecycle.is_owner(declaration.member.user, proposal):
        raise DomainError(_l("This is a proposal of the member's own organisation (or their own): the conflict of "
                             "interest cannot be lifted."))
    if proposal is not None and lifecycle.has_stake(declaration.member.user, proposal):
        raise DomainError(_l("This is a proposal in which the member's organisation takes part in its consortium: "
                             "the conflict of interest cannot be lifted."))
    if proposal is not None and proposal.phase.decisions_published_at is not None:
        raise DomainError(_l("The decisions of this phase have been published and can no longer change."))
    original = declaration.reason
    declaration.has_conflict = False
    declaration.lift_reason = reason.strip()
    declaration.declared_at = utcnow()
    session.flush()
    audit.record(session, actor, "jury.conflict_lifted", proposal or declaration,
                 {"member_id": declaration.member_id, "reason": reason.strip(), "declared_reason": original})


def member_declaration(session: Session, member: JuryMember, proposal: Proposal) -> ConflictDeclaration | None:
    """What the member declared about this one proposal, if anything yet."""
    return session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.member_id == member.id,
                                                            ConflictDeclaration.proposal_id == proposal.id))


class Seat(NamedTuple):
    """A user's seat on a phase's jury, with what they declared about one proposal and their sheet
    for it (its scores loaded): each None when there is none (yet)."""

    member: JuryMember | None
    declaration: ConflictDeclaration | None
    sheet: ScoreSheet | None


def seat(session: Session, user: Any, phase: Phase, proposal_id: int) -> Seat:
    """`member_for`, `member_declaration` and `score_sheet` in one query (the score sheet reads all
    three): only the user's own rows, and the caller checks membership before it uses the other two."""
    if not getattr(user, "is_authenticated", False):
        return Seat(None, None, None)
    row = session.execute(_seat_statement(), {"phase_id": phase.id, "user_id": user.id,
                                              "proposal_id": proposal_id}).first()
    return Seat(*row) if row is not None else Seat(None, None, None)


# The score sheet's statements are built once, with parameters: building a statement's expression tree
# for every request cost about as much as running it (as calls/cards.py).
@functools.cache
def _seat_statement() -> Select[Any]:
    proposal_id = bindparam("proposal_id")
    return (select(JuryMember, ConflictDeclaration, ScoreSheet)
            .outerjoin(ConflictDeclaration, (ConflictDeclaration.member_id == JuryMember.id)
                       & (ConflictDeclaration.proposal_id == proposal_id))
            .outerjoin(ScoreSheet, (ScoreSheet.member_id == JuryMember.id) & (ScoreSheet.proposal_id == proposal_id))
            .where(JuryMember.phase_id == bindparam("phase_id"), JuryMember.user_id == bindparam("user_id")))


def jury_seat(session: Session, user: Any, phase_id: int, proposal_id: int | None = None, *,
              criteria: bool = False) -> tuple[Phase | None, Seat]:
    """The phase (with its call, and its criteria for a score sheet) and `seat` in one query: the
    jury pages read both first, and on PostgreSQL a round trip with its planning costs 0.5-1 ms
    (#20). Without `proposal_id` the seat's declaration and sheet are None; the phase is None when
    there is no such phase, the seat's member when the user is not on its jury."""
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    result = session.execute(_jury_seat_statement(criteria), {"phase_id": phase_id, "user_id": user_id,
                                                              "proposal_id": proposal_id})
    row = (result.unique() if criteria else result).first()  # joined criteria: a row per criterion
    if row is None:
        return None, Seat(None, None, None)
    return row[0], Seat(*row[1:])


@functools.cache
def _jury_seat_statement(criteria: bool) -> Select[Any]:
    proposal_id = bindparam("proposal_id", type_=Integer)
    options = [joinedload(Phase.call), *([joinedload(Phase.criteria)] if criteria else [])]
    return (select(Phase, JuryMember, ConflictDeclaration, ScoreSheet)
            .outerjoin(JuryMember, (JuryMember.phase_id == Phase.id)
                       & (JuryMember.user_id == bindparam("user_id", type_=Integer)))
            .outerjoin(ConflictDeclaration, (ConflictDeclaration.member_id == JuryMember.id)
                       & (ConflictDeclaration.proposal_id == proposal_id))
            .outerjoin(ScoreSheet, (ScoreSheet.member_id == JuryMember.id) & (ScoreSheet.proposal_id == proposal_id))
            .where(Phase.id == bindparam("phase_id", type_=Integer)).options(*options))


def conflicted(session: Session, member: JuryMember, proposal: Proposal) -> bool:
    declaration = member_declaration(session, member, proposal)
    return declaration is not None and declaration.has_conflict


def phase_declarations(session: Session, phase: Phase) -> list[ConflictDeclaration]:
    """Every member's declarations in the phase, with the members (staff and the call page read these)."""
    stmt = (select(ConflictDeclaration).join(JuryMember).where(JuryMember.phase_id == phase.id)
            .options(selectinload(ConflictDeclaration.member).selectinload(JuryMember.user)))
    return list(session.scalars(stmt))


# --- score sheets --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInput:
    value: int | None
    motivation: str


def score_sheet(session: Session, member: JuryMember, proposal: Proposal) -> ScoreSheet | None:
    """The member's own sheet for the proposal (draft or final), if they started one."""
    return session.scalar(select(ScoreSheet).where(ScoreSheet.member_id == member.id,
                                                   ScoreSheet.proposal_id == proposal.id))


def save_sheet(session: Session, actor: Any, member: JuryMember, proposal: Proposal,
               inputs: Mapping[int, ScoreInput], *, finalise: bool, now: dt.datetime) -> ScoreSheet:
    """Save a draft (incomplete is fine) or finalise (every criterion scored, with a motivation).

    Side effects: audit `jury.scores_saved` / `jury.sheet_finalised` with the values.
    """
    # A change to the phase's criteria at this moment (calls.services.save_phase) waits, or we do.
    lock_row(session, Phase, member.phase_id)
    _read_publication_again(session, proposal.phase)
    declaration = member_declaration(session, member, proposal)
    if declaration is None or declaration.has_conflict:
        raise DomainError(_l("Declare that you have no conflict of interest before scoring."))
    if not lifecycle.can_score(member, proposal, now, has_conflict=False):
        raise DomainError(_l("Proposals are sealed until the deadline: the jury scores them once the phase has "
                             "closed."))
    if proposal.phase.decisions_published_at is not None:
        raise DomainError(_l("The decisions of this phase have been published and can no longer change."))
    sheet = score_sheet(session, member, proposal)
    if sheet is not None and sheet.status is SheetStatus.FINAL:
        raise DomainError(_l("Your scores for this proposal are final."))
    phase = proposal.phase
    for criterion in phase.criteria:
        item = inputs.get(criterion.id)
        if item is None or item.value is None:
            if finalise:
                raise DomainError(_l("Score every criterion before finalising (%(name)s is missing).",
                                     name=criterion.name), field=f"score-{criterion.id}")
            continue
        if not 0 <= item.value <= phase.score_scale_max:
            raise DomainError(_l("A score lies between 0 and %(max)d.", max=phase.score_scale_max),
                              field=f"score-{criterion.id}")
        if finalise and not item.motivation.strip():
            raise DomainError(_l("Give a motivation for %(name)s.", name=criterion.name),
                              field=f"motivation-{criterion.id}")
    if sheet is None:
        sheet = ScoreSheet(member_id=member.id, proposal_id=proposal.id)
        session.add(sheet)
    existing = {score.criterion_id: score for score in sheet.scores}
    for criterion in phase.criteria:
        item = inputs.get(criterion.id)
        if item is None or item.value is None:
            continue
        score = existing.get(criterion.id)
        if score is None:
            sheet.scores.append(Score(criterion_id=criterion.id, value=item.value, motivation=item.motivation.strip()))
        else:
            score.value, score.motivation = item.value, item.motivation.strip()
    if finalise:
        sheet.status, sheet.finalised_at = SheetStatus.FINAL, now
    session.flush()
    audit.record(session, actor, "jury.sheet_finalised" if finalise else "jury.scores_saved", proposal,
                 {"member_id": member.id, "scores": {str(k): v.value for k, v in inputs.items()}})
    return sheet


def final_sheets(session: Session, phase: Phase, proposal: Proposal | None = None) -> list[ScoreSheet]:
    """Final sheets of members without a conflict for that proposal (only those of `proposal` when
    given: a score sheet page shows one proposal's, not the phase's 4,500 sheets)."""
    return list(session.scalars(final_sheets_statement(phase, proposal)))


def final_sheets_statement(phase: Phase, proposal: Proposal | None = None) -> Select[tuple[ScoreSheet]]:
    conflicted = select(ConflictDeclaration.id).where(ConflictDeclaration.member_id == ScoreSheet.member_id,
                                                      ConflictDeclaration.proposal_id == ScoreSheet.proposal_id,
                                                      ConflictDeclaration.has_conflict.is_(True))
    stmt = (select(ScoreSheet).join(JuryMember).where(JuryMember.phase_id == phase.id,
                                                      ScoreSheet.status == SheetStatus.FINAL, ~conflicted.exists())
            .options(selectinload(ScoreSheet.member).selectinload(JuryMember.user),
                     selectinload(ScoreSheet.scores).selectinload(Score.criterion))
            .order_by(ScoreSheet.id))
    if proposal is not None:
        stmt = stmt.where(ScoreSheet.proposal_id == proposal.id)
    return stmt


def final_scores_statement(phase: Phase) -> Select[tuple[int, int, int, int | None, int | None]]:
    conflicted = select(ConflictDeclaration.id).where(ConflictDeclaration.member_id == ScoreSheet.member_id,
                                                      ConflictDeclaration.proposal_id == ScoreSheet.proposal_id,
                                                      ConflictDeclaration.has_conflict.is_(True))
    return (select(ScoreSheet.id, ScoreSheet.member_id, ScoreSheet.proposal_id, Score.criterion_id, Score.value)
            .join(JuryMember, JuryMember.id == ScoreSheet.member_id)
            .outerjoin(Score, Score.sheet_id == ScoreSheet.id)
            .where(JuryMember.phase_id == phase.id, ScoreSheet.status == SheetStatus.FINAL, ~conflicted.exists()))


def _final_score_rows(session: Session, phase: Phase) -> list[SheetScores]:
    """The final scores of members without a conflict, as plain values in one query.

    The aggregation page of a big phase reads tens of thousands of scores: building an ORM
    object per score (as `final_sheets` does) took seconds, plain rows take milliseconds.
    """
    sheets: dict[int, tuple[int, int, dict[int, int]]] = {}
    for sheet_id, member_id, proposal_id, criterion_id, value in session.execute(final_scores_statement(phase)):
        values = sheets.setdefault(sheet_id, (member_id, proposal_id, {}))[2]
        if criterion_id is not None:
            values[criterion_id] = value
    return [SheetScores(member_id, proposal_id, values) for member_id, proposal_id, values in sheets.values()]


@dataclass(frozen=True)
class Standing:
    """A member's own position on one proposal: the declaration (None while undeclared) and
    whether their sheet is final."""

    has_conflict: bool | None
    final: bool

    @property
    def may_see_others(self) -> bool:
        """Independent scoring, for every member and the chair alike: others' scores of a proposal
        only after finalising one's own sheet for it, and never with a declared conflict."""
        return self.final and not self.has_conflict  # (a final sheet was scored after a declaration)


def standing(session: Session, member: JuryMember, proposal: Proposal) -> Standing:
    """The member's declaration and sheet status on the proposal, in one query."""
    declared = (select(ConflictDeclaration.has_conflict)
                .where(ConflictDeclaration.member_id == member.id, ConflictDeclaration.proposal_id == proposal.id)
                .scalar_subquery())
    sheet = (select(ScoreSheet.status)
             .where(ScoreSheet.member_id == member.id, ScoreSheet.proposal_id == proposal.id).scalar_subquery())
    has_conflict, status = session.execute(select(declared, sheet)).one()
    return Standing(None if has_conflict is None else bool(has_conflict),
                    status is not None and SheetStatus(status) is SheetStatus.FINAL)


def standing_of(declaration: ConflictDeclaration | None, sheet: ScoreSheet | None) -> Standing:
    """The same, from the member's declaration and sheet when the caller has read them already."""
    return Standing(None if declaration is None else bool(declaration.has_conflict),
                    sheet is not None and sheet.status is SheetStatus.FINAL)


def may_see_others(session: Session, member: JuryMember, proposal: Proposal) -> bool:
    return standing(session, member, proposal).may_see_others


def hidden_from(session: Session, member: JuryMember) -> frozenset[int]:
    """The proposals of the phase whose scores this member may not see (yet): those without their
    own final sheet, and those they declared a conflict with."""
    own_final = select(ScoreSheet.id).where(ScoreSheet.member_id == member.id, ScoreSheet.proposal_id == Proposal.id,
                                            ScoreSheet.status == SheetStatus.FINAL)
    own_conflict = select(ConflictDeclaration.id).where(ConflictDeclaration.member_id == member.id,
                                                        ConflictDeclaration.proposal_id == Proposal.id,
                                                        ConflictDeclaration.has_conflict.is_(True))
    return frozenset(session.scalars(
        select(Proposal.id).where(Proposal.phase_id == member.phase_id, Proposal.status.in_(IN_EVALUATION),
                                  or_(~own_final.exists(), own_conflict.exists()))))


def consensus_problem(session: Session, proposal: Proposal, progress_: Progress | None = None) -> str | None:
    """The consensus step starts when every member without a conflict has finalised their sheet."""
    progress_ = progress_ or progress(session, proposal.phase)
    done, eligible = progress_.per_proposal.get(proposal.id, (0, 0))
    if eligible == 0 or done < eligible:
        return str(_l("The consensus starts when every jury member without a conflict of interest has finalised "
                      "their scores (%(done)d of %(todo)d so far).", done=done, todo=eligible))
    return None


def others_final_scores(session: Session, member: JuryMember, proposal: Proposal,
                        standing_: Standing | None = None) -> list[list[tuple[str, int]]] | None:
    """Other members' final scores, shown only once this member's own sheet is final (no anchoring):
    per sheet, in the order they were made, (criterion name, score) pairs; None until this member may
    see them (`standing_` when the caller read the member's declaration and sheet already). One
    query of plain values: no sheets, members, users or criteria loaded as objects."""
    if not (standing_ or standing(session, member, proposal)).may_see_others:
        return None
    sheets: dict[int, list[tuple[str, int]]] = {}
    for sheet_id, name, value in session.execute(_others_final_statement(), {
            "phase_id": proposal.phase_id, "proposal_id": proposal.id, "member_id": member.id}):
        scores = sheets.setdefault(sheet_id, [])
        if value is not None:
            scores.append((name, value))
    return list(sheets.values())


@functools.cache
def _others_final_statement() -> Select[Any]:
    conflicted = select(ConflictDeclaration.id).where(ConflictDeclaration.member_id == ScoreSheet.member_id,
                                                      ConflictDeclaration.proposal_id == ScoreSheet.proposal_id,
                                                      ConflictDeclaration.has_conflict.is_(True))
    return (select(ScoreSheet.id, Criterion.name, Score.value)
            .join(JuryMember, JuryMember.id == ScoreSheet.member_id)
            .outerjoin(Score, Score.sheet_id == ScoreSheet.id)
            .outerjoin(Criterion, Criterion.id == Score.criterion_id)
            .where(JuryMember.phase_id == bindparam("phase_id"), ScoreSheet.proposal_id == bindparam("proposal_id"),
                   ScoreSheet.member_id != bindparam("member_id"), ScoreSheet.status == SheetStatus.FINAL,
                   ~conflicted.exists())
            .order_by(ScoreSheet.id, Score.id))


@dataclass(frozen=True)
class Progress:
    per_member: dict[int, tuple[int, int]]  # member id → (final, to score)
    per_proposal: dict[int, tuple[int, int]]  # proposal id → (final, members without conflict)


def progress(session: Session, phase: Phase) -> Progress:
    return results_snapshot(session, phase).progress


def _progress(member_ids: list[int], proposal_ids: list[int], conflicted: set[tuple[int, int]],
              final: set[tuple[int, int]]) -> Progress:
    per_member = {}
    for member_id in member_ids:
        todo = [pid for pid in proposal_ids if (member_id, pid) not in conflicted]
        per_member[member_id] = (sum((member_id, pid) in final for pid in todo), len(todo))
    per_proposal = {}
    for proposal_id in proposal_ids:
        eligible = [mid for mid in member_ids if (mid, proposal_id) not in conflicted]
        per_proposal[proposal_id] = (sum((mid, proposal_id) in final for mid in eligible), len(eligible))
    return Progress(per_member, per_proposal)


# --- results, consensus and decisions ------------------------------------------------------


def consensus_scores(session: Session, phase: Phase) -> dict[tuple[int, int], ConsensusScore]:
    stmt = select(ConsensusScore).join(Proposal).where(Proposal.phase_id == phase.id)
    return {(c.proposal_id, c.criterion_id): c for c in session.scalars(stmt)}


def consensus_by_proposal(session: Session, phase: Phase) -> dict[int, dict[int, ConsensusScore]]:
    """The phase's consensus scores: proposal id → criterion id → consensus."""
    grouped: dict[int, dict[int, ConsensusScore]] = {}
    for (proposal_id, criterion_id), consensus in consensus_scores(session, phase).items():
        grouped.setdefault(proposal_id, {})[criterion_id] = consensus
    return grouped


def proposal_consensus(session: Session, proposal: Proposal) -> dict[int, ConsensusScore]:
    """The chair's consensus scores on one proposal, by criterion."""
    rows = session.scalars(select(ConsensusScore).where(ConsensusScore.proposal_id == proposal.id))
    return {c.criterion_id: c for c in rows}


def results(session: Session, phase: Phase) -> list[ProposalResult]:
    """Every proposal's result, in ranking order (ranked first, then the rest by proposal)."""
    return results_snapshot(session, phase).results


@dataclass(frozen=True)
class ResultsSnapshot:
    """A phase's jury results as they stand: ranking, progress, titles and recorded outcomes.

    Kept (see infra/fingerprint_cache.py) under a fingerprint of everything it is computed from, so the chair's ranking
    of 500 proposals × 9 members × 6 criteria is aggregated once per change instead of per request.
    """

    version: str
    results: list[ProposalResult]
    progress: Progress
    titles: dict[int, str]  # the title of the submitted version; the views decide whether to show it
    outcomes: dict[int, Outcome]

    def visible_rank(self, proposal_id: int, hidden: frozenset[int]) -> tuple[int | None, int]:
        """The proposal's place among the ranked proposals the reader may see, and how many there are."""
        ranked = [r.proposal_id for r in self.results if r.rank is not None and r.proposal_id not in hidden]
        return (ranked.index(proposal_id) + 1 if proposal_id in ranked else None), len(ranked)

    def result_for(self, proposal_id: int) -> ProposalResult | None:
        return next((r for r in self.results if r.proposal_id == proposal_id), None)

    def neighbours(self, proposal_id: int, only_flagged: bool = False,
                   hidden: frozenset[int] = frozenset()) -> tuple[int | None, int | None]:
        """The proposals before and after this one in the ranking (or among those flagged), leaving
        out those the reader may not see."""
        order = [r.proposal_id for r in self.results if (r.flagged or not only_flagged) and r.proposal_id not in hidden]
        if proposal_id not in order:
            return None, None
        index = order.index(proposal_id)
        return (order[index - 1] if index > 0 else None), (order[index + 1] if index + 1 < len(order) else None)


def results_fingerprint(session: Session, phase: Phase, jury: list[tuple[int, str]] | None = None) -> str:
    """A digest of everything the results depend on, read in one query of indexed aggregates.

    Score sheets, conflict declarations, consensus scores, decisions and proposals draw a new
    `revision` at every change (db.random_revision): their count and the sum of their revisions
    change with any of them. Members are listed with their names; the phase's own settings and
    criteria are already loaded with it.
    """
    counts = session.execute(_fingerprint_statement(), {"phase_id": phase.id}).all()
    jury = jury if jury is not None else member_names(session, phase)  # chair first: a new chair changes it
    criteria = [(c.id, c.name, c.weight, c.knockout_minimum) for c in phase.criteria]
    settings = (phase.disagreement_threshold, phase.score_scale_max)
    text = repr((sorted(tuple(row) for row in counts), jury, criteria, settings))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@functools.cache
def _fingerprint_statement() -> CompoundSelect:
    """Per table one pass over an index (migration 0011): how many rows, and the sum of their
    revisions. Built once: composing and compiling it on every request cost more than running it."""
    phase_id = bindparam("phase_id", type_=Integer)
    members = select(JuryMember.id).where(JuryMember.phase_id == phase_id)
    in_phase = select(Proposal.id).where(Proposal.phase_id == phase_id)

    def rows_and_revisions(label: str, model: Any, *where: Any) -> Select:
        return select(literal(label), func.count(), func.coalesce(func.sum(model.revision), 0)).where(*where)

    return union_all(
        rows_and_revisions("final sheets", ScoreSheet, ScoreSheet.member_id.in_(members),
                           ScoreSheet.status == SheetStatus.FINAL),
        rows_and_revisions("conflicts", ConflictDeclaration, ConflictDeclaration.member_id.in_(members),
                           ConflictDeclaration.has_conflict.is_(True)),
        rows_and_revisions("consensus", ConsensusScore, ConsensusScore.proposal_id.in_(in_phase)),
        rows_and_revisions("decisions", Decision, Decision.proposal_id.in_(in_phase)),
        rows_and_revisions("in evaluation", Proposal, Proposal.phase_id == phase_id,
                           Proposal.status.in_(IN_EVALUATION)),
    )


def member_names(session: Session, phase: Phase) -> list[tuple[int, str]]:
    """(member id, name) of the jury, chair first: for lists that need nothing else of them."""
    stmt = (select(JuryMember.id, User.name).join(User, User.id == JuryMember.user_id)
            .where(JuryMember.phase_id == phase.id).order_by(JuryMember.is_chair.desc(), JuryMember.id))
    return [(member_id, name) for member_id, name in session.execute(stmt)]


def member_progress(session: Session, phase: Phase, version: str) -> dict[int, tuple[int, int]]:
    """Per member (final sheets, proposals to score), kept apart from the big snapshot: a page
    that shows only this need not load the whole ranking."""
    return fingerprint_cache.remember(f"progress|{phase.id}|{version}",
                         lambda: results_snapshot(session, phase, version).progress.per_member)


def may_record_consensus(session: Session, member: JuryMember, proposal: Proposal, *,
                         has_conflict: bool | None = None, progress_: Progress | None = None) -> bool:
    """The chair, until the decisions are published, on proposals without their own conflict,
    once every member without a conflict has finalised their scores. (A caller that knows the
    chair's declaration or the phase's progress passes them.)"""
    if not member.is_chair or proposal.phase.decisions_published_at is not None:
        return False
    if has_conflict if has_conflict is not None else conflicted(session, member, proposal):
        return False
    return consensus_problem(session, proposal, progress_) is None


def results_snapshot(session: Session, phase: Phase, version: str | None = None) -> ResultsSnapshot:
    version = version or results_fingerprint(session, phase)
    return fingerprint_cache.remember(f"results|{phase.id}|{version}",
                                      lambda: _compute_snapshot(session, phase, version))


def _compute_snapshot(session: Session, phase: Phase, version: str) -> ResultsSnapshot:
    proposal_rows = session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.phase_id == phase.id, Proposal.status.in_(IN_EVALUATION))
        .order_by(Proposal.submitted_at, Proposal.id)).all()
    proposal_ids = [pid for pid, _title in proposal_rows]
    titles = dict(proposal_rows)
    for proposal_id, title in session.execute(  # the latest submitted version's title wins
            select(ProposalVersion.proposal_id, ProposalVersion.title).join(Proposal)
            .where(Proposal.phase_id == phase.id).order_by(ProposalVersion.number)):
        if proposal_id in titles:
            titles[proposal_id] = title
    member_ids = list(session.scalars(select(JuryMember.id).where(JuryMember.phase_id == phase.id)))
    conflicted = {(member_id, proposal_id) for member_id, proposal_id in session.execute(
        select(ConflictDeclaration.member_id, ConflictDeclaration.proposal_id)
        .where(ConflictDeclaration.member_id.in_(member_ids), ConflictDeclaration.has_conflict.is_(True)))}
    sheets = _final_score_rows(session, phase)
    agreed = {(pid, cid): value for pid, cid, value in session.execute(
        select(ConsensusScore.proposal_id, ConsensusScore.criterion_id, ConsensusScore.value)
        .join(Proposal).where(Proposal.phase_id == phase.id))}
    outcomes = {pid: outcome for pid, outcome in session.execute(
        select(Decision.proposal_id, Decision.outcome).join(Proposal).where(Proposal.phase_id == phase.id))}
    criteria = [CriterionSpec(c.id, c.name, c.weight, c.knockout_minimum) for c in phase.criteria]
    computed = aggregate(criteria, proposal_ids, sheets, threshold=phase.disagreement_threshold, consensus=agreed)
    computed.sort(key=lambda r: (r.rank is None, r.rank or 0, r.proposal_id))
    final = {(s.member_id, s.proposal_id) for s in sheets}
    return ResultsSnapshot(version=version, results=computed, titles=titles, outcomes=outcomes,
                           progress=_progress(member_ids, proposal_ids, conflicted, final))


def record_consensus(session: Session, actor: Any, proposal: Proposal, criterion_id: int, value: int,
                     reason: str) -> None:
    phase = proposal.phase
    if criterion_id not in {c.id for c in phase.criteria}:
        raise DomainError(_l("This criterion does not belong to the phase."))
    if not 0 <= value <= phase.score_scale_max:
        raise DomainError(_l("A score lies between 0 and %(max)d.", max=phase.score_scale_max), field="value")
    if not reason.strip():
        raise DomainError(_l("Give the reason for the consensus score."), field="reason")
    lock_row(session, Phase, phase.id)  # a double click, or publication at this moment: we wait for it
    _read_publication_again(session, phase)
    if phase.decisions_published_at is not None:
        raise DomainError(_l("The decisions of this phase have been published and can no longer change."))
    member = member_for(session, actor, phase)
    if member is not None and conflicted(session, member, proposal):
        raise DomainError(_l("You declared a conflict of interest with this proposal, so you cannot record its "
                             "consensus."))
    problem = consensus_problem(session, proposal)
    if problem is not None:
        raise DomainError(problem)
    consensus = session.scalar(select(ConsensusScore).where(ConsensusScore.proposal_id == proposal.id,
                                                            ConsensusScore.criterion_id == criterion_id))
    if consensus is None:
        consensus = ConsensusScore(proposal_id=proposal.id, criterion_id=criterion_id, value=value, reason="")
        session.add(consensus)
    consensus.value, consensus.reason, consensus.decided_by_id = value, reason.strip(), getattr(actor, "id", None)
    consensus.decided_at = utcnow()
    session.flush()
    audit.record(session, actor, "jury.consensus", proposal, {"criterion_id": criterion_id, "value": value})


def _read_publication_again(session: Session, phase: Phase) -> None:
    """After the phase's row lock: whether its decisions are published, as committed now. The phase
    object may have been read before a colleague's publication committed; trusting it would let a
    decision, score or consensus change after the applicants were told."""
    session.refresh(phase, ["decisions_published_at"])


def decisions(session: Session, phase: Phase) -> dict[int, Decision]:
    stmt = select(Decision).join(Proposal).where(Proposal.phase_id == phase.id)
    return {d.proposal_id: d for d in session.scalars(stmt)}


def decision_for(session: Session, proposal: Proposal) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))


def decide(session: Session, actor: Any, proposal: Proposal, outcome: Outcome, motivation: str, *,
           knockout_reason: str = "", now: dt.datetime | None = None, place: int | None = None) -> Decision:
    """Record the outcome, as a draft: it takes effect (the proposal's status, the applicant, the
    public) only when the phase's decisions are published together (`publish_decisions`).

    The phase's maximum number of awards and its budget are respected, counted with the budgets
    of the submitted versions; 'advanced' exists only when there is a next phase; a proposal below
    a knock-out minimum is awarded or advanced only with a recorded reason. In a stage with prizes
    per place (a staged challenge's pitch) every winner gets a place with a prize, each place once.
    Side effects: the Decision row; audit `decision.recorded`.
    """
    phase = proposal.phase
    if not motivation.strip():
        raise DomainError(_l("Give the motivation; it is published and sent to the applicant."), field="motivation")
    # Two clicks, or two staff members awarding at once: the second waits and counts the first's award;
    # a colleague publishing at this moment: we wait, and then see the decisions published.
    lock_row(session, Phase, phase.id)
    _read_publication_again(session, phase)
    if phase.decisions_published_at is not None:
        raise DomainError(_l("The decisions of this phase have been published and can no longer change."))
    if lifecycle.is_sealed(phase, now or utcnow()) or proposal.status not in lifecycle.IN_EVALUATION:
        raise DomainError(_l("Proposals are judged after the deadline; until then the applicant may still change "
                             "or withdraw them."))
    if outcome is Outcome.ADVANCED and phase.number >= len(phase.call.phases):
        raise DomainError(_l("There is no next phase to advance to."), field="outcome")
    if outcome is Outcome.AWARDED and stages.is_staged(phase.call) and phase.number < len(phase.call.phases):
        raise DomainError(_l("This stage selects who goes on to the next stage; only the last stage awards."),
                          field="outcome")
    others = [d for pid, d in decisions(session, phase).items() if pid != proposal.id and d.outcome in WINNING]
    place = _checked_place(phase, outcome, place, others)
    if outcome in WINNING:
        if len(others) + 1 > phase.max_awards:
            raise DomainError(lazy_ngettext("This phase allows at most %(num)d award.",
                                            "This phase allows at most %(num)d awards.", phase.max_awards),
                              field="outcome")
        budget = (sum(lifecycle.submitted_budget_cents(d.proposal) or 0 for d in others)
                  + (lifecycle.submitted_budget_cents(proposal) or 0))
        if budget > phase.budget_cents:
            raise DomainError(_l("The awarded budgets would exceed the budget of this phase."), field="outcome")
        knocked_out = knocked_out_on(session, proposal)
        if knocked_out and not knockout_reason.strip():
            raise DomainError(_l("This proposal scored below the knock-out minimum on %(names)s. Record why it is "
                                 "awarded all the same; the reason is part of the jury report.",
                                 names=", ".join(knocked_out)), field="knockout_reason")
    else:
        knockout_reason = ""
    decision = decision_for(session, proposal)
    if decision is None:
        decision = Decision(proposal_id=proposal.id, outcome=outcome, motivation="")
        session.add(decision)
    decision.outcome, decision.motivation = outcome, motivation.strip()
    decision.knockout_reason = knockout_reason.strip()
    decision.place = place
    decision.decided_by_id, decision.decided_at = getattr(actor, "id", None), utcnow()
    session.flush()
    audit.record(session, actor, "decision.recorded", proposal,
                 {"outcome": outcome.value, "knockout_reason": decision.knockout_reason, "place": place})
    return decision


def _checked_place(phase: Phase, outcome: Outcome, place: int | None, others: list[Decision]) -> int | None:
    """The place of a winner in a stage with prizes: required, with a prize, and not given twice.
    Elsewhere (and for a proposal that does not win) there is no place."""
    if not stages.has_prizes(phase) or outcome is not Outcome.AWARDED:
        return None
    if place is None:
        raise DomainError(_l("Give the winner's place: it decides the prize."), field="place")
    if stages.prize_for(phase, place) is None:
        raise DomainError(lazy_ngettext("This stage has a prize for %(num)d place.",
                                        "This stage has prizes for %(num)d places.", len(phase.prizes_cents)),
                          field="place")
    if any(other.place == place for other in others):
        raise DomainError(_l("Another winner already has place %(n)d.", n=place), field="place")
    return place


def winners(session: Session, phase: Phase) -> list[tuple[Decision, str]]:
    """The published winners of a stage with prizes, by place, with the title of the version judged."""
    if phase.decisions_published_at is None:
        return []
    snapshot = results_snapshot(session, phase)
    awarded = [d for d in decisions(session, phase).values() if d.outcome is Outcome.AWARDED]
    awarded.sort(key=lambda d: (d.place is None, d.place or 0, d.proposal_id))
    return [(d, snapshot.titles.get(d.proposal_id) or d.proposal.title) for d in awarded]


def knocked_out_on(session: Session, proposal: Proposal) -> list[str]:
    """The criteria on which the proposal scored below its knock-out minimum (none: not knocked out)."""
    result = results_snapshot(session, proposal.phase).result_for(proposal.id)
    return list(result.knocked_out_on) if result is not None and result.knocked_out else []


def publish_decisions(session: Session, actor: Any, phase: Phase, now: dt.datetime) -> None:
    """Publish every decision of the phase at once: until now they were drafts.

    Every proposal in evaluation needs a decision. Side effects: each proposal moves to its
    outcome (proposals.lifecycle.transition, audited per proposal), so the applicant, the public,
    the API, OCDS and the next phase's gate learn all outcomes at the same moment; the standstill
    period starts; after the last phase the call is decided; each applicant gets their outcome by
    mail with a link to the decision page; audit `decision.published`.
    """
    lock_row(session, Phase, phase.id)  # a second click waits and finds them published
    session.refresh(phase)
    if phase.decisions_published_at is not None:
        raise DomainError(_l("The decisions of this phase have been published and can no longer change."))
    if lifecycle.is_sealed(phase, now):
        raise DomainError(_l("Proposals are judged after the deadline; until then the applicant may still change "
                             "or withdraw them."))
    proposals = phase_proposals(session, phase)
    decided = decisions(session, phase)
    missing = [p for p in proposals if p.id not in decided]
    if missing:
        raise DomainError(lazy_ngettext("%(num)d proposal has no decision yet.",
                                        "%(num)d proposals have no decision yet.", len(missing)))
    phase.decisions_published_at = now
    phase.call.updated_at = now  # the call page (and its feed entry) now shows the decisions
    session.flush()
    for proposal in proposals:
        target = OUTCOME_STATUS[decided[proposal.id].outcome]
        if proposal.status is not target:
            lifecycle.transition(session, actor, proposal, target, now, outcome=target.value)
    audit.record(session, actor, "decision.published", phase, {"count": len(proposals)})
    if call_lifecycle.refusal(phase.call, CallStatus.DECIDED, now) is None:
        transition_call(session, actor, phase.call, CallStatus.DECIDED, now=now)
    else:  # the call goes on with its next phase; the awards are news all the same (OCDS releases)
        process_changed.send(phase.call, session=session, change="decisions")
    by_id = {r.proposal_id: r for r in results(session, phase)}
    agreed = consensus_scores(session, phase)
    for proposal in proposals:
        if proposal.submitter is not None:
            queue_user_email(session, proposal.submitter, "decision", proposal=proposal,
                             decision=decided[proposal.id], result=by_id[proposal.id], consensus=agreed)
