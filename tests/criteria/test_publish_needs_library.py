"""A call in a category with a library is published only after choosing library criteria (#19 part 1).

The rule (criteria/lifecycle.py, library_choice_problem), asked by calls.services.publication_problems:
comply or explain is computed, not declared, so a new call cannot be published claiming level 3
without any criterion. Calls already published and categories without a library are unaffected.

Who would abuse it: staff publishing a draft with a declared level 3 and no criteria (refused in the
service and through the publish button, second click too); staff removing all criteria again after
picking, then publishing (refused); a category whose criteria are all retired has nothing to
choose (publishing stays possible, the declared level stands).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.calls.services import publication_problems, transition_call
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.criteria.lifecycle import library_choice_problem
from mvi_challenges.criteria.models import LibraryCriterion

from ..factories import login, make_call, make_library, make_user, page_text, pick_criteria

PROBLEM = "Choose the MVI criteria from the library"
PROBLEM_NL = "Kies de MVI-criteria uit de bibliotheek"


def _staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _state(app: Flask, call_id: int) -> tuple[CallStatus, int]:
    with app.app_context():
        call = db.session.get(Call, call_id)
        return call.status, call.ambition_level


def _publish(client: FlaskClient, call_id: int):
    return client.post(f"/staff/calls/{call_id}/status/published", data={"confirm": "yes"}, follow_redirects=True)


def test_the_rule() -> None:
    assert library_choice_problem(is_draft=True, category_has_library=True, chosen=0) is not None
    assert library_choice_problem(is_draft=True, category_has_library=True, chosen=1) is None
    assert library_choice_problem(is_draft=True, category_has_library=False, chosen=0) is None
    assert library_choice_problem(is_draft=False, category_has_library=True, chosen=0) is None  # never retroactive


def test_the_service_refuses_to_publish_without_library_criteria(app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)  # mobility has a library
    with app.test_request_context():
        row = db.session.get(Call, call.id)
        assert PROBLEM_NL in publication_problems(row, now_utc())
        with pytest.raises(DomainError, match=PROBLEM_NL):
            transition_call(db.session, None, row, CallStatus.PUBLISHED)
        db.session.rollback()
    assert _state(app, call.id) == (CallStatus.DRAFT, 3)


def test_the_publish_button_names_the_problem_with_a_link_to_the_picker(
        app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    client = _staff(app)
    for _click in range(2):  # a second click changes nothing either
        response = _publish(client, call.id)
        assert response.status_code == 200
        assert PROBLEM in page_text(response)
        assert _state(app, call.id) == (CallStatus.DRAFT, 3)
    html = client.get(f"/staff/calls/{call.id}").get_data(as_text=True)
    link = re.search(r'<ul class="utrecht-unordered-list publication-problems">.*?</ul>', html, re.S)
    assert link is not None
    assert f'href="/staff/calls/{call.id}/criteria">{PROBLEM}</a>' in link.group(0)


def test_after_picking_the_call_is_published_at_the_computed_level(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    # Declared level 1 (explained); the criteria chosen reach level 3, so level 3 is what is published.
    call = make_call(app, status=CallStatus.DRAFT, level=1, explanation="De markt is nog niet zover, wij kiezen 1.")
    assert pick_criteria(app, call.id, [library.criteria["MOB-1"], library.criteria["MOB-3"]]) == 3
    client = _staff(app)
    assert PROBLEM not in page_text(client.get(f"/staff/calls/{call.id}"))
    _publish(client, call.id)
    assert _state(app, call.id) == (CallStatus.PUBLISHED, 3)
    with app.app_context():
        assert not db.session.get(Call, call.id).below_target


def test_removing_all_criteria_again_blocks_publishing(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    pick_criteria(app, call.id, [library.criteria["MOB-3"]])
    pick_criteria(app, call.id, [])
    assert PROBLEM in page_text(_publish(_staff(app), call.id))
    assert _state(app, call.id)[0] is CallStatus.DRAFT


def test_a_category_without_a_library_is_unaffected(app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)  # mobility and ICT only
    call = make_call(app, status=CallStatus.DRAFT, category="catering", level=3)
    client = _staff(app)
    assert PROBLEM not in page_text(client.get(f"/staff/calls/{call.id}"))
    _publish(client, call.id)
    assert _state(app, call.id) == (CallStatus.PUBLISHED, 3)  # the declared level stands


def test_a_library_of_only_retired_criteria_asks_nothing(app: Flask, catalogue: SimpleNamespace) -> None:
    make_library(app)
    with app.app_context():
        for criterion in db.session.scalars(db.select(LibraryCriterion).where(LibraryCriterion.code.like("ICT-%"))):
            criterion.retired_at = now_utc()
        db.session.commit()
    call = make_call(app, category="ict", level=2)  # published by the factory: nothing left to choose
    assert _state(app, call.id) == (CallStatus.PUBLISHED, 2)


def test_calls_published_before_the_library_stay_as_they_are(app: Flask, catalogue: SimpleNamespace) -> None:
    call = make_call(app, level=3)  # published, no library yet
    make_library(app)
    with app.test_request_context():
        row = db.session.get(Call, call.id)
        assert publication_problems(row, now_utc()) == []
        transition_call(db.session, None, row, CallStatus.CLOSED, reason="Genoeg voorstellen")  # its life goes on
        db.session.commit()
    assert _state(app, call.id) == (CallStatus.CLOSED, 3)


def test_a_published_call_cannot_drop_all_its_criteria_to_fall_back_to_a_declared_level(
        app: Flask, catalogue: SimpleNamespace) -> None:
    """Staff publish with a level-3 criterion, then remove every criterion: the call would keep
    "level 3" with nothing behind it. Refused, through the picker too; changing the criteria stays possible."""
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    pick_criteria(app, call.id, [library.criteria["MOB-3"]])
    client = _staff(app)
    _publish(client, call.id)
    assert _state(app, call.id) == (CallStatus.PUBLISHED, 3)
    with pytest.raises(DomainError, match="houdt minstens één criterium"):  # Dutch outside a visit
        pick_criteria(app, call.id, [])
    reply = client.post(f"/staff/calls/{call.id}/criteria", data={}, follow_redirects=True)
    assert "keeps at least one criterion" in page_text(reply)
    with app.app_context():
        assert [c.code for c in db.session.get(Call, call.id).library_criteria] == ["MOB-3"]
    assert pick_criteria(app, call.id, [library.criteria["MOB-1"], library.criteria["MOB-3"]]) == 3
