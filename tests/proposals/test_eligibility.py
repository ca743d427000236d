"""Who may submit on a call: eligibilities_of (for lists, in SQL) and eligibility_problem (one call,
with the reason) are one rule."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Eligibility
from mvi_challenges.proposals.services import eligibilities_of, eligibility_problem


def _person(*roles: Role, organisation_id: int | None = None, authenticated: bool = True) -> SimpleNamespace:
    return SimpleNamespace(is_authenticated=authenticated, organisation_id=organisation_id,
                           has_role=lambda role: role in roles)


PEOPLE = {
    "visitor": _person(authenticated=False),
    "staff": _person(Role.STAFF),
    "jury": _person(Role.JURY),
    "citizen": _person(Role.CITIZEN),
    "entrepreneur": _person(Role.ENTREPRENEUR, organisation_id=3),
    "entrepreneur without organisation": _person(Role.ENTREPRENEUR),
    "citizen and entrepreneur": _person(Role.CITIZEN, Role.ENTREPRENEUR, organisation_id=3),
    "staff member with an organisation": _person(Role.STAFF, organisation_id=3),
}


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("eligibility", list(Eligibility))
def test_eligibilities_are_the_calls_without_a_problem(app, who: str, eligibility: Eligibility) -> None:
    with app.test_request_context():
        person = PEOPLE[who]
        allowed = eligibility in eligibilities_of(person)
        assert allowed == (eligibility_problem(SimpleNamespace(eligibility=eligibility), person) is None)
