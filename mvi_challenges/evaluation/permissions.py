"""Who may do what in an evaluation. One predicate per question; views and templates ask them."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff
from ..calls.models import Call, Phase
from ..calls.stages import winners_public
from ..proposals import lifecycle
from .models import ConflictDeclaration, JuryMember


def can_manage_juries(user: Any) -> bool:
    return is_staff(user)


def can_manage_jury_of_phase(user: Any, reads_as_staff: bool) -> bool:
    """Staff manage a phase's jury, if they read its proposals as staff (`reads_as_staff`,
    proposals.lifecycle.reads_as_staff). Not a staff member who sits on the jury: the management
    page lists every member's declarations with their reasons (which can name the applicant behind a
    blind proposal), the progress of the others, and its forms change who scores and how; a
    colleague manages that jury and the member uses the jury pages like any other member. Nor a
    staff member whose organisation applied in the phase: they would choose who judges their own bid."""
    return can_manage_juries(user) and reads_as_staff


def can_publish_decisions(user: Any, reads_as_staff: bool) -> bool:
    """Publishing a phase's decisions is the municipality deciding on the jury's advice: staff who
    read the phase's proposals as staff (`reads_as_staff`, proposals.lifecycle.reads_as_staff). Not a
    staff member who sits on that phase's jury: they may not record a decision (the staff results
    pages refuse them) and so do not release the colleagues' drafts either; publishing mails every
    applicant and starts the standstill period. Nor a staff member whose organisation applied in
    the phase."""
    return can_manage_juries(user) and reads_as_staff


def can_open_proposal(member: JuryMember | None, declaration: ConflictDeclaration | None) -> bool:
    """A member opens a proposal only after declaring that there is no conflict of interest."""
    return member is not None and declaration is not None and not declaration.has_conflict


def can_see_results(user: Any, member: JuryMember | None) -> bool:
    return is_staff(user) or (member is not None and member.is_chair)


def can_view_winners(user: Any, call: Call) -> bool:
    """Everyone, staff included, once the pitch's decisions are published; nobody before: the
    winners page must not leak a draft decision (calls/stages.py `winners_public`)."""
    return winners_public(call)


def competes_in_phase(session: Any, user: Any, phase: Phase) -> bool:
    """Whether the person, or their organisation, has a proposal in the phase (started, submitted or
    withdrawn; as lead or as consortium partner). A competitor does not sit on the phase's jury:
    adding them and carrying them over from an earlier round are refused. One who joined before
    their proposal began does not learn, on the sealed page, how many bids have arrived: watching
    them come in is what the seal keeps from competitors (as the public figures do)."""
    return lifecycle.applies_in_phase(session, user, phase, started=True)
