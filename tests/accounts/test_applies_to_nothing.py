"""Staff apply to nothing: the one predicate (accounts.permissions.applies_to_nothing) that the
proposals, consultations and dialogues ask, for every combination of roles an account may hold."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mvi_challenges.accounts.models import Role
from mvi_challenges.accounts.permissions import applies_to_nothing


def _person(*roles: Role, authenticated: bool = True) -> SimpleNamespace:
    return SimpleNamespace(is_authenticated=authenticated, has_role=lambda role: role in roles)


@pytest.mark.parametrize(("roles", "expected"), [
    ((Role.STAFF,), True),
    ((Role.STAFF, Role.CITIZEN), True),
    ((Role.STAFF, Role.ENTREPRENEUR), True),
    ((Role.ADMIN,), True),
    ((Role.ADMIN, Role.ENTREPRENEUR), True),
    ((Role.ENTREPRENEUR,), False),
    ((Role.CITIZEN, Role.JURY), False),
    ((Role.JURY,), False),
])
def test_applies_to_nothing_is_about_the_staff_role_whatever_else_is_held(roles: tuple[Role, ...],
                                                                           expected: bool) -> None:
    assert applies_to_nothing(_person(*roles)) is expected


def test_a_visitor_who_is_not_logged_in_is_not_staff() -> None:
    assert applies_to_nothing(_person(Role.STAFF, authenticated=False)) is False
