"""Who may manage the register, contracts and results. Reading monitoring is public."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff


def can_manage_monitoring(user: Any) -> bool:
    return is_staff(user)
