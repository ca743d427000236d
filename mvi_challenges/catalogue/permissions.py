from __future__ import annotations

from typing import Any

from ..accounts.permissions import is_admin


def can_manage_catalogue(user: Any) -> bool:
    return is_admin(user)
