"""Who may see and change proposals and their files. Views and templates ask these predicates;
the rules behind them (the seal until the deadline, the states) live in `lifecycle`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..accounts.permissions import is_staff
from . import lifecycle
from .models import Proposal

is_owner = lifecycle.is_owner


def can_view_proposal(user: Any, proposal: Proposal) -> bool:
    """The proposal's page: owners always; staff once it has arrived, and before the deadline
    only that it arrived (`can_read_proposal` decides about its content)."""
    return lifecycle.can_see_arrival(user, proposal)


def can_read_proposal(user: Any, proposal: Proposal, now: dt.datetime) -> bool:
    """Its text, amounts and files: sealed for everyone but the applicant until the deadline."""
    return lifecycle.can_read(user, proposal, now)


def can_edit_proposal(user: Any, proposal: Proposal) -> bool:
    """Change, submit, withdraw, attach: the applicant, never staff (`lifecycle.acts_for_applicant`)."""
    return lifecycle.acts_for_applicant(user, proposal)


def can_manage_proposals(user: Any) -> bool:
    return is_staff(user)


def can_answer_questions(user: Any) -> bool:
    return is_staff(user)
