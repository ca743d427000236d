"""The menu's questions about the person, asked once per page: which items base.html shows.

The menu used to ask eleven permission predicates and `current_user` a dozen more times per page, in
macros that built every link and translated every label anew (issue #20). Now the answers are one
small tuple, and the menu is rendered once per language, tuple and current page (core/fragments.py).
The predicates stay where they live, in each area's permissions module; this only collects them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Flask

from ..accounts.models import Role
from ..accounts.permissions import can_manage_users
from ..calls.permissions import can_manage_calls
from ..catalogue.permissions import can_manage_catalogue
from ..core.templating import offer_to_templates
from ..criteria.permissions import can_manage_library
from ..lessons.permissions import can_manage_lessons
from ..monitoring.permissions import can_manage_monitoring
from ..pipeline.permissions import can_manage_pipeline


class MenuRights(NamedTuple):
    logged_in: bool
    jury: bool
    manage_calls: bool
    manage_monitoring: bool
    manage_pipeline: bool
    manage_lessons: bool
    manage_catalogue: bool
    manage_library: bool
    manage_users: bool

    @property
    def manages(self) -> bool:
        """Whether the "Manage" group is shown at all."""
        return self.manage_calls or self.manage_monitoring or self.manage_catalogue or self.manage_users


def menu_rights(user: Any) -> MenuRights:
    return MenuRights(bool(user.is_authenticated), user.has_role(Role.JURY), can_manage_calls(user),
                      can_manage_monitoring(user), can_manage_pipeline(user), can_manage_lessons(user),
                      can_manage_catalogue(user), can_manage_library(user), can_manage_users(user))


def install(app: Flask) -> None:
    offer_to_templates(app, menu_rights=menu_rights)
