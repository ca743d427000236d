"""Who may see and manage dialogues. Views and templates ask these same predicates."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff
from .models import Dialogue, Registration, RegistrationStatus


def can_manage_dialogues(user: Any) -> bool:
    return is_staff(user)


def can_view_dialogue(user: Any, dialogue: Dialogue) -> bool:
    return dialogue.is_public or can_manage_dialogues(user)


def can_see_location(registration: Registration | None) -> bool:
    """The address and online link are for confirmed participants only."""
    return registration is not None and registration.status is RegistrationStatus.CONFIRMED
