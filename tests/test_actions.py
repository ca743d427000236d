"""core.actions.run_action: the one way views run a domain action. What a person sees (the
message next to the field, or at the top of the page) and what stays in the database."""

from __future__ import annotations

import pytest
from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from mvi_challenges.core import audit
from mvi_challenges.core.actions import run_action
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError


class NameForm(FlaskForm):
    name = StringField("Name")


def _record(action: str) -> None:
    audit.record(db.session, None, action, None)


def _refuse(message: str, field: str | None = None) -> None:
    raise DomainError(message, field=field)


def _events() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_refusal_is_rolled_back_and_shown_next_to_its_field(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})

        def refused() -> None:
            _record("half.done")
            raise DomainError("This name is taken.", field="name")

        outcome = run_action(refused, form=form, success="Saved.")
        assert not outcome.ok and outcome.error is not None
        assert form.name.errors == ["This name is taken."]
        assert get_flashed_messages() == []  # no "Saved.", and the refusal is on the form, not a message
        assert _events() == []


def test_a_refusal_without_a_form_becomes_a_message_and_success_is_committed_and_said(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        run_action(lambda: _refuse("Closed already."), success="Done.")
        outcome = run_action(lambda: _record("done") or 7, success=lambda value: f"Done {value}.")
        assert outcome.ok and outcome.value == 7
        assert get_flashed_messages(with_categories=True) == [("error", "Closed already."), ("success", "Done 7.")]
        db.session.rollback()  # what was committed stays
        assert _events() == ["done"]


def test_a_refusal_that_is_itself_recorded_is_kept(app: Flask) -> None:
    """A wrong password is audited: the record of the attempt stays, the change does not happen."""
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})

        def wrong_password() -> None:
            _record("user.wrong_password")
            raise DomainError("This is not your password.")

        assert not run_action(wrong_password, form=form, keep_refusal=True).ok
        assert form.form_errors == ["This is not your password."]
        db.session.rollback()
        assert _events() == ["user.wrong_password"]


def test_an_unexpected_error_rolls_back_undoes_and_rises(app: Flask) -> None:
    undone = []
    with app.test_request_context(method="POST"):

        def broken() -> None:
            _record("half.done")
            raise RuntimeError("disk full")

        with pytest.raises(RuntimeError):
            run_action(broken, undo=lambda: undone.append("staged file discarded"), success="Saved.")
        assert undone == ["staged file discarded"]
        assert get_flashed_messages() == []
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_only_a_refusal_about_the_named_fields_goes_on_the_form(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        run_action(lambda: _refuse("Already checked."), form=form, form_fields=("name",))
        assert not form.form_errors and not form.name.errors
        assert get_flashed_messages() == ["Already checked."]
