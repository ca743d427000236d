"""Who may do what with accounts. Views and templates ask these same predicates."""

from __future__ import annotations

from typing import Any

from .models import Role


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ADMIN))


def is_staff(user: Any) -> bool:
    """Municipal staff; administrators can do everything staff can."""
    return bool(user.is_authenticated and (user.has_role(Role.STAFF) or is_admin(user)))


def applies_to_nothing(user: Any) -> bool:
    """Municipal staff (administrators too) take part in none of the municipality's procedures on the
    applicants' side, whatever other role their account holds or organisation it belongs to: no
    proposal, no consortium, no answer to a market consultation, no seat at a market dialogue. They
    run those procedures, and once a deadline passes they read every proposal. The one rule the
    areas ask (proposals, consultations, dialogues); what they may still read is each area's own."""
    return is_staff(user)


def can_manage_users(user: Any) -> bool:
    return is_admin(user)


def can_verify_organisations(user: Any) -> bool:
    """Confirm or reject a new organisation's KvK number."""
    return is_admin(user)


def can_see_kvk_status(user: Any) -> bool:
    """Whether an organisation's KvK number was checked is shown to staff (and administrators)."""
    return is_staff(user)
