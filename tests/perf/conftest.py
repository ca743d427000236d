"""Speed guard rails: one small bench data set per module, shared by its tests (they only read).

The root conftest empties every table after each test; here the data set is built once per
module and emptied when the module is done, because building it (27,000 jury scores for the
aggregation page) is the slow part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bench.data import (
    AGGREGATION_CALL_SLUG,
    BENCH_CITIZEN_EMAIL,
    BENCH_ENTREPRENEUR_EMAIL,
    BENCH_JURY_EMAIL,
    BENCH_PASSWORD,
    BENCH_STAFF_CALL_SLUG,
    BENCH_STAFF_EMAIL,
    generate,
)
from mvi_challenges.accounts.models import User
from mvi_challenges.calls.models import Call, CallStatus, Phase
from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import Proposal
from tests.conftest import empty_all_tables

PERF_SCALE = 0.003  # 30 calls, 6 dialogues, 600 proposals: more than one page everywhere


@pytest.fixture(autouse=True)
def _clean_database() -> Iterator[None]:
    """Overrides the root fixture: the module's data set stays between its tests."""
    yield


@pytest.fixture(scope="module")
def bench_world(app: Flask) -> Iterator[SimpleNamespace]:
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        written = generate(db.session, PERF_SCALE)
        phase_id = db.session.scalar(select(Phase.id).join(Call).where(Call.slug == AGGREGATION_CALL_SLUG))
        call_slug = db.session.scalar(select(Call.slug).where(Call.published_at.is_not(None)).order_by(Call.id))
        jury_proposal = db.session.scalar(select(func.min(Proposal.id)).where(Proposal.phase_id == phase_id))
        staff_call = db.session.scalar(select(Call.id).where(Call.slug == BENCH_STAFF_CALL_SLUG))
        editable_proposal = db.session.scalar(
            select(Proposal.id).join(User, User.organisation_id == Proposal.organisation_id).join(Phase).join(Call)
            .where(User.email == BENCH_ENTREPRENEUR_EMAIL, Call.status == CallStatus.PUBLISHED,
                   Phase.closes_at > dt.datetime.now(dt.UTC)).order_by(Proposal.id.desc()).limit(1))
        db.session.remove()
    emails = {"jury": BENCH_JURY_EMAIL, "staff": BENCH_STAFF_EMAIL, "entrepreneur": BENCH_ENTREPRENEUR_EMAIL,
              "citizen": BENCH_CITIZEN_EMAIL}
    yield SimpleNamespace(written=written, aggregation_phase_id=phase_id, call_slug=call_slug,
                          jury_email=BENCH_JURY_EMAIL, password=BENCH_PASSWORD, emails=emails,
                          jury_proposal=jury_proposal, staff_call=staff_call, editable_proposal=editable_proposal)
    with app.app_context():
        db.session.remove()
        empty_all_tables()


@contextmanager
def counted_queries(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block, in order."""
    statements: list[str] = []

    def remember(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)
