"""A call's ambition level follows from its library criteria (issue #19, part 1).

The rule (criteria/lifecycle.py): the applied level is the highest level among the chosen
criteria; a claim above it is refused; comply or explain is judged on the applied level. Calls
without library criteria keep their stored level.

Who would abuse it: staff claiming level 3 with only minimum criteria to avoid an explanation
(refused in the form and in the service); picking another category's ambitious criterion or a
retired one by forging the form (refused); dropping a published call below target without an
explanation through the picker (refused); two editors saving at once (the last choice stands
whole, the level matches it).
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.calls.services import choose_library_criteria, save_call
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.criteria.lifecycle import applied_level, level_claim_problem
from mvi_challenges.criteria.models import LibraryCriterion

from ..factories import login, make_call, make_library, make_user, page_text, pick_criteria


def _staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _level(app: Flask, call_id: int) -> int:
    with app.app_context():
        return db.session.get(Call, call_id).ambition_level


def _edit_form(catalogue, call_id: int, level: str, explanation: str = "") -> dict:
    return {"kind": "challenge", "title": "Uitvraag", "summary": "Kort.", "body_source": "## Vraag\nWat.",
            "category_id": str(catalogue.categories["mobiliteit"].id), "ambition_level": level,
            "level_explanation": explanation, "social_values": str(catalogue.values["klimaat"]),
            "eligibility": "both", "prize_text": "", "contact_name": "", "contact_email": ""}


def test_the_rule() -> None:
    assert applied_level([]) is None
    assert applied_level([1, 1]) == 1 and applied_level([1, 3, 2]) == 3
    assert level_claim_problem(3, [1, 1]) is not None
    assert level_claim_problem(2, [1, 2]) is None and level_claim_problem(1, [3]) is None
    assert level_claim_problem(3, []) is None  # no library criteria: the declared level stands


def test_picking_criteria_sets_the_level_and_computes_comply_or_explain(
        app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)  # mobility: target level 3
    client = _staff(app)
    page = client.get(f"/staff/calls/{call.id}/criteria")
    assert page.status_code == 200
    text = page_text(page)
    assert "The call's ambition level is the highest level among the criteria you choose" in text
    assert "MOB-3: Requirement MOB-3 in English." in text and "ICT-1" not in text  # only its category

    response = client.post(f"/staff/calls/{call.id}/criteria",
                           data={"criteria": [str(library.criteria["MOB-1"]), str(library.criteria["MOB-1B"])]})
    assert response.status_code == 302
    assert _level(app, call.id) == 1
    manage = page_text(client.get(f"/staff/calls/{call.id}"))
    assert "The ambition level follows from these criteria" in manage
    assert "Level 1 (MOB-1): Requirement MOB-1 in English." in manage
    with app.app_context():
        assert db.session.get(Call, call.id).below_target  # computed: 1 < 3, an explanation is now needed

    client.post(f"/staff/calls/{call.id}/criteria",
                data={"criteria": [str(library.criteria["MOB-1"]), str(library.criteria["MOB-3"])]})
    assert _level(app, call.id) == 3
    with app.app_context():
        assert not db.session.get(Call, call.id).below_target


def test_claiming_level_3_with_only_level_1_criteria_is_refused(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    pick_criteria(app, call.id, [library.criteria["MOB-1"]])
    client = _staff(app)
    response = client.post(f"/staff/calls/{call.id}/edit", data=_edit_form(catalogue, call.id, "3"))
    assert response.status_code == 400
    text = page_text(response)
    assert "The criteria chosen for this call reach level 1: a call claiming level 3 needs at least one" in text
    assert _level(app, call.id) == 1

    # The service refuses it too, whoever calls it (one rule, criteria/lifecycle.py).
    with app.test_request_context():
        row = db.session.get(Call, call.id)
        with pytest.raises(DomainError) as refused:
            save_call(db.session, None, row, kind=row.kind, title=row.title, summary=row.summary,
                      body_source=row.body_source, category=row.category, ambition_level=3,
                      level_explanation="", social_values=row.social_values, eligibility=row.eligibility)
        assert refused.value.field == "ambition_level"
        db.session.rollback()

    # Claiming the level the criteria give, with the explanation comply-or-explain asks, is accepted.
    explained = _edit_form(catalogue, call.id, "1", "Alleen minimumeisen: de markt is nog niet zover.")
    assert client.post(f"/staff/calls/{call.id}/edit", data=explained).status_code == 302
    assert _level(app, call.id) == 1


def test_a_lower_claim_stores_the_level_the_criteria_give(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    pick_criteria(app, call.id, [library.criteria["MOB-3"]])
    client = _staff(app)
    # Level 1 claimed without explanation: the criteria give 3 = target, so nothing needs explaining.
    assert client.post(f"/staff/calls/{call.id}/edit", data=_edit_form(catalogue, call.id, "1")).status_code == 302
    assert _level(app, call.id) == 3


def test_calls_without_library_criteria_keep_their_stored_level(app: Flask, catalogue: SimpleNamespace) -> None:
    call = make_call(app, level=3)  # published before the library, no criteria chosen
    make_library(app)
    assert _level(app, call.id) == 3
    client = _staff(app)
    assert client.post(f"/staff/calls/{call.id}/edit", data=_edit_form(catalogue, call.id, "3")).status_code == 302
    assert _level(app, call.id) == 3
    # Removing every library criterion also leaves the level as it was.
    assert pick_criteria(app, call.id, []) is None
    assert _level(app, call.id) == 3


def test_forged_choices_are_refused(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    client = _staff(app)
    # Another category's criterion is not among the choices: refused next to the field, nothing saved.
    response = client.post(f"/staff/calls/{call.id}/criteria", data={"criteria": [str(library.criteria["ICT-2"])]})
    assert response.status_code == 400
    with app.test_request_context():
        row = db.session.get(Call, call.id)
        assert row.library_criteria == []
        with pytest.raises(DomainError, match=r"ICT-2 (belongs to another category|hoort bij een andere categorie)"):
            choose_library_criteria(db.session, None, row, [library.criteria["ICT-2"]])
        db.session.rollback()
        with pytest.raises(DomainError, match=r"(no longer exists|bestaat niet meer)"):
            choose_library_criteria(db.session, None, db.session.get(Call, call.id), [999999])
        db.session.rollback()
        # A retired criterion is not chosen anew ...
        db.session.get(LibraryCriterion, library.criteria["MOB-3"]).retired_at = now_utc()
        db.session.commit()
        with pytest.raises(DomainError, match=r"MOB-3 (has been retired|is buiten gebruik)"):
            choose_library_criteria(db.session, None, db.session.get(Call, call.id), [library.criteria["MOB-3"]])
        db.session.rollback()
    assert "MOB-3:" not in page_text(client.get(f"/staff/calls/{call.id}/criteria"))


def test_a_retired_criterion_stays_on_the_call_that_has_it(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    pick_criteria(app, call.id, [library.criteria["MOB-3"], library.criteria["MOB-1"]])
    with app.app_context():
        criterion = db.session.get(LibraryCriterion, library.criteria["MOB-3"])
        criterion.retired_at = now_utc()
        db.session.commit()
    assert pick_criteria(app, call.id, [library.criteria["MOB-3"], library.criteria["MOB-1"]]) == 3
    page = page_text(_staff(app).get(f"/staff/calls/{call.id}/criteria"))
    assert "MOB-3: Requirement MOB-3 in English. (retired)" in page


def test_a_published_call_cannot_drop_below_target_unexplained(app: Flask, catalogue: SimpleNamespace) -> None:
    call = make_call(app, level=3)  # published before the library, mobility target 3, no explanation
    library = make_library(app)
    client = _staff(app)
    response = client.post(f"/staff/calls/{call.id}/criteria", data={"criteria": [str(library.criteria["MOB-1"])]},
                           follow_redirects=True)
    assert "Explain why (comply or explain)" in page_text(response)
    assert _level(app, call.id) == 3
    with app.app_context():
        assert db.session.get(Call, call.id).library_criteria == []


def test_a_decided_call_cannot_change_its_criteria(app: Flask, catalogue: SimpleNamespace) -> None:
    call = make_call(app, status=CallStatus.DECIDED)  # decided before the library
    library = make_library(app)
    client = _staff(app)
    assert client.get(f"/staff/calls/{call.id}/criteria").status_code == 403
    assert client.post(f"/staff/calls/{call.id}/criteria",
                       data={"criteria": [str(library.criteria["MOB-1"])]}).status_code == 403
    assert _level(app, call.id) == 3


def test_entrepreneurs_cannot_pick(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT)
    client = app.test_client()
    login(client, make_user(app, Role.ENTREPRENEUR))
    assert client.post(f"/staff/calls/{call.id}/criteria",
                       data={"criteria": [str(library.criteria["MOB-1"])]}).status_code == 403
    with app.app_context():
        assert db.session.get(Call, call.id).library_criteria == []


def test_two_editors_at_once_leave_a_consistent_choice(app: Flask, catalogue: SimpleNamespace) -> None:
    library = make_library(app)
    call = make_call(app, status=CallStatus.DRAFT, level=3)
    choices = ([library.criteria["MOB-1"]], [library.criteria["MOB-2"], library.criteria["MOB-3"]])
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def save(ids: list[int]) -> None:
        try:
            start.wait()
            pick_criteria(app, call.id, ids)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=save, args=(ids,)) for ids in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        row = db.session.get(Call, call.id)
        chosen = sorted(c.id for c in row.library_criteria)
        assert chosen in (sorted(choices[0]), sorted(choices[1]))  # one whole choice, never a mix
        assert row.ambition_level == max(c.level for c in row.library_criteria)
        assert db.session.scalar(select(Call.ambition_level).where(Call.id == call.id)) in (1, 3)
