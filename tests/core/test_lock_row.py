"""`lock_row` makes other writers wait without changing the row it locks.

Before, its `id = id` fired the `onupdate` of `updated_at`: locking a call to number a published
answer dated the call as changed (moving it in feeds, staff's lists and the open data's
modification date), and locking a proposal to invite a partner dated the proposal as edited."""

import datetime as dt

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db, lock_row
from mvi_challenges.proposals.models import Proposal
from tests.factories import make_call, make_proposal, make_user

LONG_AGO = dt.datetime(2020, 1, 1, 12, 0, tzinfo=dt.UTC)


def _stamp(app: Flask, model, row_id: int) -> None:
    with app.app_context():
        db.session.execute(db.update(model).where(model.id == row_id).values(updated_at=LONG_AGO))
        db.session.commit()


def _updated_at(app: Flask, model, row_id: int) -> dt.datetime:
    with app.app_context():
        value = db.session.get(model, row_id).updated_at
        return value


def test_locking_a_call_or_a_proposal_does_not_date_it_as_changed(app: Flask) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    proposal = make_proposal(app, owner, call)
    for model, row_id in ((Call, call.id), (Proposal, proposal.id)):
        _stamp(app, model, row_id)
        with app.app_context():
            lock_row(db.session, model, row_id)
            db.session.commit()
        assert _updated_at(app, model, row_id) == LONG_AGO, model.__name__


def test_a_real_change_after_the_lock_still_dates_the_row(app: Flask) -> None:
    call = make_call(app)
    _stamp(app, Call, call.id)
    with app.app_context():
        lock_row(db.session, Call, call.id)
        db.session.get(Call, call.id).title = "Nieuwe titel"
        db.session.commit()
    assert _updated_at(app, Call, call.id) > LONG_AGO
