"""Who may maintain the pipeline. Reading the public pipeline and following are for everyone."""

from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_staff


def can_manage_pipeline(user: Any) -> bool:
    """Staff keep the plan and start purchases from it."""
    return is_staff(user)
