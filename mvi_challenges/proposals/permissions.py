"""Who may see and change proposals and their files. Views and templates ask these predicates."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff
from .models import Proposal, ProposalStatus


def is_owner(user: Any, proposal: Proposal) -> bool:
    """The submitter, or a member of the organisation the proposal belongs to."""
    if not getattr(user, "is_authenticated", False):
        return False
    if proposal.organisation_id is not None:
        return user.organisation_id == proposal.organisation_id
    return proposal.submitter_id == user.id


def can_view_proposal(user: Any, proposal: Proposal) -> bool:
    """Owners always; staff once it has been submitted (a draft is the applicant's own business)."""
    return is_owner(user, proposal) or (is_staff(user) and proposal.status is not ProposalStatus.DRAFT)


def can_edit_proposal(user: Any, proposal: Proposal) -> bool:
    return is_owner(user, proposal)


def can_manage_proposals(user: Any) -> bool:
    return is_staff(user)


def can_answer_questions(user: Any) -> bool:
    return is_staff(user)
