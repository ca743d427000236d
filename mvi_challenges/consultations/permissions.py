"""Who may see, answer and manage market consultations. Views and templates ask these predicates."""

from __future__ import annotations

from typing import Any

from ..accounts.models import Role
from ..accounts.permissions import applies_to_nothing, is_staff
from . import lifecycle
from .models import Consultation, ConsultationResponse


def can_manage_consultations(user: Any) -> bool:
    """Staff write consultations, read every submitted answer and publish the summary."""
    return is_staff(user)


def can_view_consultation(user: Any, consultation: Consultation) -> bool:
    return lifecycle.is_public(consultation) or can_manage_consultations(user)


def can_answer(user: Any) -> bool:
    """Answers belong to an organisation: an entrepreneur who is a member of one answers for it.
    Staff never do, whatever other role their account holds: they run the consultation and the
    tender it prepares."""
    return bool(user.is_authenticated and user.has_role(Role.ENTREPRENEUR) and user.organisation_id is not None
                and not applies_to_nothing(user))


def can_read_response(user: Any, response: ConsultationResponse) -> bool:
    """Members of the answering organisation read their own (draft or submitted); staff read
    submitted answers only (a draft is still the organisation's own). Nobody else, ever."""
    if user.is_authenticated and user.organisation_id is not None and user.organisation_id == response.organisation_id:
        return True
    return can_manage_consultations(user) and lifecycle.is_submitted(response)
