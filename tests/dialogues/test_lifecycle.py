"""The whole move table of a dialogue's life: every pair of states, before and after it took
place, allowed or refused, and by which guard (written out by hand, not derived from the code)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from flask import Flask

from mvi_challenges.dialogues import lifecycle
from mvi_challenges.dialogues.models import Dialogue, DialogueStatus, Registration, RegistrationStatus

D = DialogueStatus
NOW = dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC)
AHEAD, HELD = "ahead", "held"
NO_MOVE = "no move"
EXPECTED = {
    (D.DRAFT, D.PUBLISHED): {AHEAD: None, HELD: None},
    (D.DRAFT, D.CANCELLED): {AHEAD: None, HELD: None},
    (D.PUBLISHED, D.CANCELLED): {AHEAD: None, HELD: "not_yet_held"},
    (D.PUBLISHED, D.REPORTED): {AHEAD: "held", HELD: None},
}


def _dialogue(status: DialogueStatus, situation: str) -> Dialogue:
    starts = NOW + dt.timedelta(days=2) if situation == AHEAD else NOW - dt.timedelta(days=2)
    return Dialogue(status=status, starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                    registration_closes_at=starts - dt.timedelta(hours=1))


@pytest.mark.parametrize(("source", "target"), list(itertools.product(DialogueStatus, DialogueStatus)),
                         ids=lambda status: status.value)
def test_the_dialogue_move_table(app: Flask, source: DialogueStatus, target: DialogueStatus) -> None:
    expected = EXPECTED.get((source, target), {AHEAD: NO_MOVE, HELD: NO_MOVE})
    actual = {}
    with app.test_request_context():
        for situation in (AHEAD, HELD):
            dialogue = _dialogue(source, situation)
            problem = lifecycle.refusal(dialogue, target, NOW)
            guard = lifecycle.MOVES.get((source, target))
            if guard is None:
                assert problem is not None
                actual[situation] = NO_MOVE
            else:
                actual[situation] = None if problem is None else guard.__name__
            assert (problem is None) == (target in lifecycle.allowed_targets(dialogue, NOW))
    assert actual == expected


@pytest.mark.parametrize("status", RegistrationStatus, ids=lambda status: status.value)
def test_registration_guards(status: RegistrationStatus) -> None:
    registration = Registration(status=status)
    assert lifecycle.is_active(registration) is (status is not RegistrationStatus.CANCELLED)
    assert lifecycle.is_confirmed(registration) is (status is RegistrationStatus.CONFIRMED)
    assert lifecycle.is_waitlisted(registration) is (status is RegistrationStatus.WAITLISTED)
    assert not lifecycle.is_active(None)
