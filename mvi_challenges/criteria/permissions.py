from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_admin


def can_manage_library(user: Any) -> bool:
    """Only administrators maintain the criteria library and the leading principles."""
    return is_admin(user)
