"""Searching calls through the trigram index (calls/search.py): what a visitor types finds the same
calls as before (anywhere in the Dutch or English title, summary or text, any case, `%` and `_`
literal), edits and deletions are followed at once, and no typed text breaks the page."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, select, text

from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.core.db import db

from ..conftest import empty_all_tables
from ..factories import make_call
from ..test_migrations import _drop_everything


def _titles(client: FlaskClient, query: str) -> set[str]:
    reply = client.get("/calls", query_string={"q": query})
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    return set(re.findall(r'id="call-\d+-title"[^>]*><a class="utrecht-link" href="[^"]+">([^<]+)</a>', html))


@pytest.fixture
def calls(app: Flask, catalogue) -> dict[str, object]:
    return {
        "bench": make_call(app, title="Circulaire parkbanken", summary="Banken van gerecycled plastic.",
                           body="## Vraag\nBanken die 100% herbruikbaar zijn, met een_onderstreping."),
        "heat": make_call(app, title="Hittestress in de wijk", summary="Koelte op straat.",
                          body="## Vraag\nSchaduw en groen."),
        "draft": make_call(app, title="Geheime circulaire vraag", status=CallStatus.DRAFT),
    }


def test_search_finds_words_anywhere_in_any_case(app: Flask, client: FlaskClient, calls) -> None:
    assert _titles(client, "circulair") == {"Circulaire parkbanken"}  # the draft never
    assert _titles(client, "CIRCULAIRE PARK") == {"Circulaire parkbanken"}
    assert _titles(client, "gerecycled") == {"Circulaire parkbanken"}  # summary
    assert _titles(client, "schaduw") == {"Hittestress in de wijk"}  # text
    assert _titles(client, "stress in") == {"Hittestress in de wijk"}  # inside a word, across a space
    assert _titles(client, "100%") == {"Circulaire parkbanken"}  # % literal
    assert _titles(client, "100%25") == set()
    assert _titles(client, "een_onder") == {"Circulaire parkbanken"}
    assert _titles(client, "een%onder") == set()  # not a wildcard
    assert _titles(client, "wijk") == {"Hittestress in de wijk"}
    assert _titles(client, "KO") == {"Hittestress in de wijk"}  # two letters: no trigram, still found
    assert _titles(client, "nergens") == set()


def test_english_texts_are_searched(app: Flask, client: FlaskClient, calls) -> None:
    with app.app_context():
        call = db.session.get(Call, calls["heat"].id)
        call.title_en, call.summary_en = "Heat stress in the neighbourhood", "Shade on the street."
        db.session.commit()
    assert _titles(client, "neighbourhood") == {"Hittestress in de wijk"}


def test_an_edited_call_is_found_by_its_new_words_and_a_removed_one_not_at_all(app: Flask, client: FlaskClient,
                                                                               calls) -> None:
    with app.app_context():
        call = db.session.get(Call, calls["heat"].id)
        call.title = "Koele pleinen"
        db.session.commit()
    assert _titles(client, "pleinen") == {"Koele pleinen"}
    assert _titles(client, "hittestress") == set()
    with app.app_context():
        db.session.execute(delete(Call).where(Call.id == calls["bench"].id))
        db.session.commit()
    assert _titles(client, "parkbanken") == set()
    assert _titles(client, "circulair") == set()


@pytest.mark.parametrize("typed", ['"', '""', "'", 'circ"ulair', "NEAR(circ park)", "circ*", "title:circ", "-circ",
                                   "circ OR heat", "(((", "\\", "^circ", "a" * 300, "é€ü"])
def test_nothing_typed_breaks_the_search(client: FlaskClient, calls, typed: str) -> None:
    """Search syntax of the index (quotes, NEAR, *, column filters, OR) is just text to us."""
    reply = client.get("/calls", query_string={"q": typed})
    assert reply.status_code == 200


def test_search_index_follows_the_migrations(app: Flask, catalogue) -> None:
    """Built by migration 0028 for calls that already exist, and kept up to date at the head: a later
    migration that rebuilds `calls` on SQLite (batch mode) would drop its triggers; this fails then."""
    with app.app_context():
        db.session.remove()
        _drop_everything()
        try:
            upgrade(revision="0027")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO categories (slug, name_nl, name_en, target_level, promising, approach_source, "
                    "approach_html) VALUES ('ict', 'ICT', 'ICT', 2, false, '', '')"))
                connection.execute(text(
                    "INSERT INTO calls (slug, kind, title, summary, body_source, body_html, category_id, "
                    "ambition_level, level_explanation, eligibility, prize_text, contact_name, contact_email, "
                    "status, status_reason, created_at, updated_at, published_at, target_level, "
                    "experiment_extra_weeks, title_en, summary_en, body_source_en, body_html_en, prize_text_en, "
                    "level_explanation_en) VALUES ('oud', 'challenge', 'Bestaande circulaire vraag', '', '', '', "
                    "(SELECT id FROM categories WHERE slug = 'ict'), 3, '', 'organisations', '', '', '', "
                    "'published', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 3, 0, '', '', '', "
                    "'', '', '')"))
            upgrade()
            from mvi_challenges.calls.search import text_matches

            def found(words: str) -> set[str]:
                try:
                    return set(db.session.scalars(select(Call.title).where(text_matches(words))))
                finally:
                    db.session.remove()  # no transaction left open: the migrations take their locks

            assert found("circulaire") == {"Bestaande circulaire vraag"}  # indexed when built
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE calls SET title = 'Nieuwe titel' WHERE slug = 'oud'"))
            assert found("nieuwe titel") == {"Nieuwe titel"}  # kept up to date at the head
            assert found("circulaire") == set()
            downgrade(revision="0027")
            upgrade()
            assert found("nieuwe titel") == {"Nieuwe titel"}
        finally:
            db.session.remove()
            _drop_everything()
            db.create_all()
            empty_all_tables()
