"""Who may record lessons. Reading public lessons is for everyone; internal ones for staff."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff


def can_manage_lessons(user: Any) -> bool:
    return is_staff(user)
