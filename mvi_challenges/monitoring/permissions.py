"""Who may manage the register, contracts and results. Reading monitoring is public."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff


def can_manage_monitoring(user: Any) -> bool:
    return is_staff(user)


def can_see_result_talks(user: Any) -> bool:
    """Result talks are internal: staff and administrators see every manager's and department's
    talk. A responsible manager is staff by construction (accounts.services.staff_member only
    accepts staff), so a manager sees their own; someone whose staff role was taken away sees
    none, not even their own: the figures are the organisation's, not the person's."""
    return is_staff(user)
