"""Who may see and manage calls. Views and templates ask these same predicates."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff
from .models import Call


def can_manage_calls(user: Any) -> bool:
    return is_staff(user)


def can_edit_call(user: Any, call: Call) -> bool:
    """Decided, archived and cancelled calls are history: nobody changes them."""
    return can_manage_calls(user) and call.is_editable


def can_view_call(user: Any, call: Call) -> bool:
    """Drafts (and never-published cancelled calls) are for staff only."""
    return call.is_public or can_manage_calls(user)


def can_decide_explanation(user: Any, call: Call) -> bool:
    """Only the call's named responsible manager approves (or sends back) its below-target
    explanation; lifecycle.explanation_decision_refusal adds the four-eyes rule for the writer."""
    return can_manage_calls(user) and call.manager_id is not None and call.manager_id == getattr(user, "id", None)
