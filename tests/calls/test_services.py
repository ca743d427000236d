"""Call rules, exercised directly on the services."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from mvi_challenges.calls.models import Call, CallKind, CallStatus, PublicState
from mvi_challenges.calls.services import (
    CriterionInput,
    check_criteria,
    publication_problems,
    save_phase,
    transition_call,
)
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc

from ..factories import make_call


def _call(app: Flask, **kwargs) -> Call:
    made = make_call(app, **kwargs)
    return db.session.get(Call, made.id)


def test_weights_must_sum_to_100() -> None:
    with pytest.raises(DomainError) as error:
        check_criteria([CriterionInput("Impact", 60), CriterionInput("Team", 25)], 10)
    assert error.value.field == "criteria"
    assert "85" in str(error.value.message)
    check_criteria([CriterionInput("Impact", 60), CriterionInput("Team", 40)], 10)


def test_knockout_minimum_within_scale_and_unique_names() -> None:
    with pytest.raises(DomainError):
        check_criteria([CriterionInput("Impact", 100, knockout_minimum=11)], 10)
    with pytest.raises(DomainError):
        check_criteria([CriterionInput("Impact", 50), CriterionInput("impact", 50)], 10)


def test_challenge_has_exactly_one_phase(app: Flask) -> None:
    with app.app_context():
        call = _call(app, status=CallStatus.DRAFT)
        now = now_utc()
        with pytest.raises(DomainError):
            save_phase(db.session, None, call, None, title="Twee", opens_at=now + dt.timedelta(days=30),
                       closes_at=now + dt.timedelta(days=40), budget_cents=0, max_awards=1, score_scale_max=10,
                       criteria=[])


def test_sbir_phase_two_must_open_after_phase_one_closes(app: Flask) -> None:
    with app.app_context():
        call = _call(app, kind=CallKind.SBIR, phases=1, status=CallStatus.DRAFT)
        first = call.phases[0]
        with pytest.raises(DomainError) as error:
            save_phase(db.session, None, call, None, title="Fase 2", opens_at=first.closes_at - dt.timedelta(hours=1),
                       closes_at=first.closes_at + dt.timedelta(days=30), budget_cents=0, max_awards=1,
                       score_scale_max=10, criteria=[])
        assert error.value.field == "opens_at"


def test_deadline_must_follow_opening(app: Flask) -> None:
    with app.app_context():
        call = _call(app, kind=CallKind.SBIR, phases=0, status=CallStatus.DRAFT)
        now = now_utc()
        with pytest.raises(DomainError) as error:
            save_phase(db.session, None, call, None, title="Fase 1", opens_at=now, closes_at=now, budget_cents=0,
                       max_awards=1, score_scale_max=10, criteria=[])
        assert error.value.field == "closes_at"


def test_publication_problems_list_what_is_missing(app: Flask) -> None:
    with app.app_context():
        call = _call(app, kind=CallKind.SBIR, phases=1, status=CallStatus.DRAFT, values=())
        with force_locale("en"):
            problems = publication_problems(call, now_utc())
        assert "An SBIR call needs two or three phases." in problems
        assert "Choose at least one social value." in problems
        with pytest.raises(DomainError):
            transition_call(db.session, None, call, CallStatus.PUBLISHED)
        assert call.status is CallStatus.DRAFT


def test_publish_below_target_requires_explanation(app: Flask) -> None:
    with app.app_context():
        # mobiliteit has target level 3; this call is at level 1 without explanation.
        with pytest.raises(DomainError) as error:
            make_call(app, level=1, status=CallStatus.DRAFT)
        assert error.value.field == "level_explanation"
        made = make_call(app, level=1, explanation="Markt is er nog niet klaar voor.")
        call = db.session.get(Call, made.id)
        assert call.below_target and call.status is CallStatus.PUBLISHED


def test_lifecycle_moves_are_checked_and_audited(app: Flask) -> None:
    with app.app_context():
        call = _call(app, status=CallStatus.DRAFT)
        with pytest.raises(DomainError):
            transition_call(db.session, None, call, CallStatus.DECIDED)
        transition_call(db.session, None, call, CallStatus.PUBLISHED)
        assert call.published_at is not None
        with pytest.raises(DomainError) as error:
            transition_call(db.session, None, call, CallStatus.CANCELLED, reason="  ")
        assert error.value.field == "reason"
        transition_call(db.session, None, call, CallStatus.CANCELLED, reason="Budget vervallen")
        assert call.status_reason == "Budget vervallen"
        with pytest.raises(DomainError):
            transition_call(db.session, None, call, CallStatus.PUBLISHED)
        db.session.commit()
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == call.id,
                                                                           AuditEvent.subject_type == "Call")))
        assert "call.published" in actions and "call.cancelled" in actions


def test_closing_early_ends_open_phase_now(app: Flask) -> None:
    with app.app_context():
        call = _call(app)
        now = now_utc()
        assert call.public_state(now) is PublicState.OPEN
        transition_call(db.session, None, call, CallStatus.CLOSED, reason="Genoeg voorstellen", now=now)
        assert call.phases[0].closes_at == now
        assert call.public_state(now + dt.timedelta(seconds=1)) is PublicState.CLOSED


def test_public_state_over_time(app: Flask) -> None:
    with app.app_context():
        call = _call(app, opens_in=dt.timedelta(days=2), closes_in=dt.timedelta(days=5))
        now = now_utc()
        assert call.public_state(now) is PublicState.UPCOMING
        assert call.public_state(now + dt.timedelta(days=3)) is PublicState.OPEN
        assert call.public_state(now + dt.timedelta(days=6)) is PublicState.CLOSED


def test_closing_the_open_phase_of_an_sbir_call_keeps_later_phases(app: Flask) -> None:
    from mvi_challenges.calls.services import close_early

    with app.app_context():
        call = _call(app, kind=CallKind.SBIR)
        now = now_utc()
        original = call.phases[0].closes_at
        close_early(db.session, None, call, reason="Genoeg voorstellen", now=now)
        assert call.status is CallStatus.PUBLISHED
        assert call.phases[0].closes_at == now and call.phases[1].closes_at > now
        db.session.commit()
        details = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "phase.closed_early"))
        assert details["original_deadline"] == original.isoformat()
        with pytest.raises(DomainError):
            close_early(db.session, None, call, reason="", now=now + dt.timedelta(seconds=1))


def test_published_calls_keep_criteria_and_their_deadlines_stay_ahead(app: Flask) -> None:
    with app.app_context():
        call = _call(app)
        phase = call.phases[0]
        now = now_utc()
        with pytest.raises(DomainError) as no_criteria:
            save_phase(db.session, None, call, phase, title="Fase", opens_at=phase.opens_at, closes_at=phase.closes_at,
                       budget_cents=0, max_awards=1, score_scale_max=10, criteria=[])
        assert no_criteria.value.field == "criteria"
        with pytest.raises(DomainError) as past:
            save_phase(db.session, None, call, phase, title="Fase", opens_at=phase.opens_at,
                       closes_at=now - dt.timedelta(minutes=1), budget_cents=0, max_awards=1, score_scale_max=10,
                       criteria=[CriterionInput("Impact", 100)])
        assert past.value.field == "closes_at"
        save_phase(db.session, None, call, phase, title="Fase", opens_at=phase.opens_at,
                   closes_at=phase.closes_at + dt.timedelta(days=7), budget_cents=0, max_awards=1, score_scale_max=10,
                   criteria=[CriterionInput("Impact", 100)])


def test_comply_or_explain_is_judged_by_the_target_at_publication(app: Flask) -> None:
    from mvi_challenges.catalogue.models import Category

    with app.app_context():
        call = _call(app, category="catering", level=1, explanation="Het contract loopt binnenkort af.")  # catering target 2
        assert call.target_level == 2 and call.below_target
        db.session.get(Category, call.category_id).target_level = 1
        db.session.commit()
        call = db.session.get(Call, call.id)
        assert call.below_target and call.level_explanation == "Het contract loopt binnenkort af."


def test_a_passed_deadline_is_never_moved_again(app: Flask) -> None:
    """Reopening a closed phase would let someone submit after the others' proposals were unsealed
    (and perhaps read by the jury): once the deadline has passed it stays where it was."""
    with app.app_context():
        call = _call(app, opens_in=dt.timedelta(days=-10), closes_in=dt.timedelta(days=-1))
        phase = call.phases[0]
        deadline = phase.closes_at
        # the budget, awards and criteria as published: they stay too (tests/security/test_attack_reweighting.py,
        # test_attack_more_awards_after_the_deadline.py)
        kept = dict(title="Fase", opens_at=phase.opens_at, budget_cents=phase.budget_cents,
                    max_awards=phase.max_awards, score_scale_max=10,
                    criteria=[CriterionInput(c.name, c.weight, c.description, c.knockout_minimum)
                              for c in phase.criteria])
        with pytest.raises(DomainError) as later:
            save_phase(db.session, None, call, phase, closes_at=deadline + dt.timedelta(days=7), **kept)
        assert later.value.field == "closes_at"
        assert "verstreken" in str(later.value.message)
        db.session.rollback()
        phase = db.session.get(Call, call.id).phases[0]
        assert phase.closes_at == deadline
        # Other edits of a closed phase (its title) keep working with the deadline unchanged.
        save_phase(db.session, None, phase.call, phase, closes_at=deadline, **{**kept, "title": "Fase 1"})
        assert phase.title == "Fase 1"
