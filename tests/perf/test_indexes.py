"""The main list queries are read through indexes, on SQLite and PostgreSQL (EXPLAIN).

Each statement is the one the page sends (with its page size and a deep offset). It is sent
once with an event hook that catches the final SQL and parameters and stops it, then EXPLAINed
with exactly those. On PostgreSQL the tables in a test are tiny and the planner would rightly
prefer a sequential scan; `enable_seqscan = off` asks what it does when scanning is expensive,
as it is at city scale. A full scan of a big table, or sorting it for ORDER BY, fails the test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import Select, event, func, select
from sqlalchemy.engine import Connection

from mvi_challenges.accounts.models import User
from mvi_challenges.api.queries import call_data_statements, public_calls_by_id
from mvi_challenges.api.releases import planning_processes, stored_page_statement, stored_plan_page_statement
from mvi_challenges.calls.cards import card_statements
from mvi_challenges.calls.models import Call, CallKind, Phase
from mvi_challenges.calls.services import CallFilters, public_calls_query, staff_calls_query
from mvi_challenges.core.db import db
from mvi_challenges.dialogues.services import public_dialogue_rows_query
from mvi_challenges.evaluation import services as evaluation
from mvi_challenges.evaluation.models import JuryMember
from mvi_challenges.monitoring.services import awarded_without_contract_query
from mvi_challenges.proposals.models import Proposal
from mvi_challenges.proposals.services import proposal_list_query, proposals_for_user_query

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
BIG_TABLES = ("calls", "dialogues", "proposals", "score_sheets", "scores", "registrations", "ocds_releases",
              "contract_targets")


class _Caught(Exception):
    pass


def _final_sql(connection: Connection, stmt: Select) -> tuple[str, object]:
    caught: list[tuple[str, object]] = []

    def stop(_conn, _cursor, statement, parameters, _context, _executemany):
        caught.append((statement, parameters))
        raise _Caught

    event.listen(connection, "before_cursor_execute", stop)
    try:
        connection.execute(stmt)
    except Exception as error:  # our _Caught, possibly wrapped by SQLAlchemy
        assert caught, error  # anything else is a real failure
    finally:
        event.remove(connection, "before_cursor_execute", stop)
    assert caught, "the statement was not sent"
    return caught[0]


def plan(stmt: Select) -> str:
    with db.engine.connect() as connection:
        statement, parameters = _final_sql(connection, stmt)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            text = "\n".join(row[0] for row in rows)
        else:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            text = "\n".join(row[-1] for row in rows)
        connection.rollback()
    return text


def assert_indexed(text: str, *, sorts: bool = False) -> None:
    """No big table read in full; unless `sorts` (a filtered subset found by an index may be
    sorted), no sort of the list either: its order comes from an index."""
    for table in BIG_TABLES:
        assert not re.search(rf"Seq Scan on {table}\b", text), text  # PostgreSQL
        assert not re.search(rf"^\s*SCAN {table}\s*$", text, re.M), text  # SQLite: a scan without an index
    if not sorts:
        assert "USE TEMP B-TREE FOR ORDER BY" not in text, text  # SQLite sorted the whole list
    assert re.search(r"Index|USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|SEARCH", text), text


def _page(stmt: Select, page: int = 400, per_page: int = 20) -> Select:
    return stmt.limit(per_page).offset((page - 1) * per_page)


def _keys(stmt: Select, page: int = 400) -> Select:
    """The first step of a keyed page (pagination.KeyedPagination): only the ids."""
    return _page(stmt.with_only_columns(Call.id), page=page)


def _count(stmt: Select) -> Select:
    return select(func.count()).select_from(stmt.with_only_columns(Call.id).order_by(None).subquery())


def _card_statement(index: int) -> Select:
    return card_statements()[index].params(ids=list(range(3901, 3921)))


def _call_data_statement(index: int) -> Select:
    return call_data_statements()[index].params(ids=list(range(3901, 3921)))


def _calls(**filters) -> Select:
    return public_calls_query(CallFilters(**filters), NOW)


STATEMENTS = {
    "call list keys": (lambda: _keys(_calls(), page=1), False),
    "call list keys, deep page": (lambda: _keys(_calls()), False),
    "call list rows of a page": (lambda: _calls().where(Call.id.in_([1, 2, 3])), True),
    "call list keys, filtered deep page": (lambda: _keys(_calls(kind=CallKind.SBIR, level=3)), True),
    "call list count": (lambda: _count(_calls()), False),
    # The cards of a page (calls/cards.py): the calls, and their phases and social values (one
    # UNION ALL, sorted: twenty calls' few rows) by the page's ids.
    "call cards of a page": (lambda: _card_statement(0), True),
    "call cards' phases and social values": (lambda: _card_statement(1), True),
    "call list count, filtered": (lambda: _count(_calls(kind=CallKind.SBIR)), False),
    "dialogue list": (lambda: _page(public_dialogue_rows_query(past=False, kind=None, category_slug=None, now=NOW)),
                      False),
    "past dialogues": (lambda: _page(public_dialogue_rows_query(past=True, kind=None, category_slug=None, now=NOW)),
                       False),
    # The API call list's calls as plain rows (api/queries.py), each part by the page's ids.
    **{f"API call data, part {index + 1}": ((lambda index=index: _call_data_statement(index)), True)
       for index in range(5)},
    "OCDS package keys": (lambda: _page(public_calls_by_id().with_only_columns(Call.id), page=40, per_page=100),
                          False),
    # The stored releases of a page of calls, in the order of their index (no sort).
    "OCDS stored releases of a page": (lambda: stored_page_statement(list(range(3901, 4001))), True),
    # The same for a page of planned purchases' planning processes, and the page's plan keys.
    "OCDS stored releases of a page of plans": (lambda: stored_plan_page_statement(list(range(3901, 4001))), True),
    "OCDS package plan keys": (lambda: _page(planning_processes(), page=40, per_page=100), False),
    # Staff's work list: how many awarded proposals still wait for a contract.
    "awards without a contract, counted": (
        lambda: select(func.count()).select_from(awarded_without_contract_query().order_by(None).subquery()), True),
}


@pytest.mark.parametrize("name", STATEMENTS)
def test_list_query_uses_an_index(app: Flask, name: str) -> None:
    statement, sorts = STATEMENTS[name]
    with app.app_context():
        assert_indexed(plan(statement()), sorts=sorts)


def test_jury_scores_use_indexes(app: Flask) -> None:
    with app.app_context():
        phase = Phase(id=1, call_id=1, number=1)
        assert_indexed(plan(evaluation.final_scores_statement(phase)))
        assert_indexed(plan(evaluation.phase_proposals_statement(phase)), sorts=True)  # one phase's, by index


def test_pages_of_logged_in_people_use_indexes(app: Flask) -> None:
    """The lists of the logged-in pages the bench measures (issue #20): a jury member's phase page,
    one proposal's final sheets on the score sheet, Mijn voorstellen, staff's call list."""
    with app.app_context():
        phase = Phase(id=1, call_id=1, number=1)
        member = JuryMember(id=1, phase_id=1, user_id=1)
        assert_indexed(plan(evaluation.phase_rows_statement(member)), sorts=True)  # one phase's, by index
        assert_indexed(plan(evaluation.phase_rows_statement(member, limit=50, offset=450)), sorts=True)  # a page
        assert_indexed(plan(evaluation.phase_rows_statement(member, names=False)), sorts=True)  # blind
        assert_indexed(plan(evaluation.final_sheets_statement(phase, Proposal(id=1))), sorts=True)
        entrepreneur = User(id=1, organisation_id=1)
        assert_indexed(plan(_page(proposals_for_user_query(entrepreneur), page=1)), sorts=True)
        assert_indexed(plan(_page(staff_calls_query(), page=1)))


def test_awards_without_a_contract_are_counted_from_the_index(app: Flask) -> None:
    """Issue #20: the work list counted every awarded proposal by reading its row (tens of ms at
    city scale); the covering index answers from the index alone."""
    with app.app_context():
        text = plan(select(func.count()).select_from(awarded_without_contract_query().order_by(None).subquery()))
        if db.engine.dialect.name == "sqlite":
            assert "COVERING INDEX ix_proposals_status_phase_call" in text, text
        else:
            assert "ix_proposals_status_phase_call" in text, text



def test_an_owners_proposals_are_searched_by_owner_in_order(app: Flask) -> None:
    """Mijn voorstellen and a citizen's /my list an owner's proposals, newest change first. Without
    an index on the owner, SQLite walked the whole unique index (phase, owner) and sorted: 10-18 ms per
    request at city scale, growing with every proposal anyone sends (issue #20)."""
    with app.app_context():
        entrepreneur = User(id=1, organisation_id=1)
        for statement in (_page(proposals_for_user_query(entrepreneur), page=1),
                          select(func.count()).select_from(proposals_for_user_query(entrepreneur).order_by(None).subquery()),
                          _page(proposal_list_query(entrepreneur), page=1)):  # Mijn voorstellen: call and phase joined
            text = plan(statement)
            assert "ix_proposals_owner_updated" in text, text
            assert not re.search(r"^\s*SCAN proposals", text, re.M), text  # SQLite: searched, not walked
            assert "USE TEMP B-TREE FOR ORDER BY" not in text, text


def test_text_search_reads_the_trigram_index(app: Flask) -> None:
    """Searching calls read all six text columns of every call (58 ms on SQLite, 130 ms on PostgreSQL
    at 10,000 calls): now the trigram index answers (calls/search.py), for the count and the page.
    On PostgreSQL the search alone is explained: in a tiny test table the planner rightly prefers the
    visibility index, and what matters is that the query's expression is the indexed one."""
    from mvi_challenges.calls.search import text_matches

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            for statement in (_count(_calls(text="circulair")), _keys(_calls(text="circulair"), page=1)):
                text = plan(statement)
                assert "VIRTUAL TABLE INDEX" in text, text
        else:
            text = plan(select(func.count(Call.id)).where(text_matches("circulair")))
            assert "search_calls_text" in text, text


def test_the_list_filtered_by_kind_and_level_is_read_from_its_index(app: Flask) -> None:
    """Kind and level together (the bench's filtered list): counted and paged in order from one index;
    without it PostgreSQL read and sorted every call (8-16 ms per query at scale 1). In a test's tiny
    table PostgreSQL may rightly prefer another index; SQLite's planner shows the choice made at scale."""
    with app.app_context():
        for statement in (_count(_calls(kind=CallKind.CHALLENGE, level=3)),
                          _keys(_calls(kind=CallKind.CHALLENGE, level=3))):
            text = plan(statement)
            if db.engine.dialect.name == "sqlite":
                assert "ix_calls_kind_level_order" in text, text
                assert "USE TEMP B-TREE FOR ORDER BY" not in text, text
            else:
                assert_indexed(text, sorts=True)
