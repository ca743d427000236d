"""Dutch numbers and words: decimal commas, thousands dots accepted, plurals through ngettext,
one name for the time zone (CET/CEST) in both languages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.fields import parse_quantity, parse_whole_number
from mvi_challenges.dialogues.models import Dialogue

from .evaluation.test_evaluation import _scores, _setup
from .factories import login, make_call, make_proposal, make_user, page_text


@pytest.mark.parametrize(("typed", "separator", "expected"), [
    ("2.500", ".", "2500"), ("2,500", ",", "2500"), ("1.250,5", ".", "1250.5"), ("12,5", ".", "12.5"),
    ("2.500", ",", None), ("2,500", ".", None), ("2.500.5", ".", None),
])
def test_quantities_read_the_thousands_separator_of_the_page_language(typed, separator, expected) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            parse_quantity(typed, separator)
    else:
        assert parse_quantity(typed, separator) == Decimal(expected)


@pytest.mark.parametrize(("typed", "expected"), [("2500", 2500), ("2.500", 2500), ("2,500", 2500),
                                                 ("1.000.000", 1000000), ("2,5", None), ("2.50", None)])
def test_whole_numbers_accept_thousands_dots(typed, expected) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            parse_whole_number(typed)
    else:
        assert parse_whole_number(typed) == expected


def test_dialogue_seats_accept_a_thousands_dot(app: Flask, client: FlaskClient, catalogue) -> None:
    login(client, make_user(app, Role.STAFF))
    response = client.post("/staff/dialogues/new", data={
        "kind": "city", "title": "Groot stadsgesprek", "category_id": "0", "related_call_id": "0",
        "starts_at": "2027-03-10T14:00", "ends_at": "2027-03-10T16:00", "capacity": "2.500", "address": "Stadhuis",
        "registration_closes_at": "2027-03-09T12:00", "eligibility": "both"})
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        assert db.session.scalar(select(Dialogue.capacity)) == 2500


def test_scores_have_a_decimal_comma_on_dutch_pages_and_plurals_agree(app: Flask, catalogue) -> None:
    world = _setup(app, proposals=2)
    base = f"/jury/phases/{world.phase_id}"
    for member, values in ((world.chair, [8, 7]), (world.juror, [5, 6])):
        client = app.test_client()
        login(client, member)
        response = client.post(base, data={f"declare-{world.proposals[0].id}": "none"}, follow_redirects=True)
        assert "1 verklaring opgeslagen." in page_text(response)
        client.post(f"{base}/proposals/{world.proposals[0].id}", data=_scores(world.criteria, values))
    with app.app_context():
        db.session.get(Phase, world.phase_id).closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    staff = world.staff  # Dutch, the default
    ranking = staff.get(f"/staff/calls/{world.call.id}/phases/1/results").get_data(as_text=True)
    cells = re.findall(r'<td class="utrecht-table__cell numeric">([^<]+)</td>', ranking)
    assert cells and any(re.fullmatch(r"\d+,\d\d", c) for c in cells), cells
    assert not [c for c in cells if re.fullmatch(r"\d+\.\d\d", c)]
    url = f"/staff/calls/{world.call.id}/phases/1/results"
    staff.post(f"{url}/{world.proposals[0].id}", data={"outcome": "awarded", "motivation": "Sterk."})
    response = staff.post(f"/staff/calls/{world.call.id}/phases/1/publish-decisions", data={"confirm": "yes"},
                          follow_redirects=True)
    assert "1 voorstel heeft nog geen besluit." in page_text(response)


def test_time_zone_is_called_cet_or_cest_in_both_languages(app: Flask, client: FlaskClient,
                                                          client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    for visitor in (client, client_en):
        text = page_text(visitor.get(f"/calls/{call.slug}"))
        assert re.search(r"\d\d:\d\d CES?T\b", text), text
        assert not re.search(r"[+-]0[12]00\b|GMT", text)


def test_a_one_phase_call_does_not_name_its_phase_in_the_proposal_sentence(app: Flask, client: FlaskClient,
                                                                          catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    make_proposal(app, owner, call)
    login(client, owner)
    text = page_text(client.get(f"/calls/{call.slug}"))
    assert "Uw voorstel: concept (niet ingediend)." in text
    assert "Uw voorstel voor" not in text


def _babel_reference(moment: dt.datetime, fmt: str, locale: str) -> str:
    """What the dates looked like when Babel wrote them (before the names were written directly)."""
    from babel import dates

    from mvi_challenges.core.timezones import LOCAL_TZ

    patterns = {"long": "EEEE d MMMM y, HH:mm", "precise": "EEEE d MMMM y, HH:mm:ss"}
    if fmt in patterns:
        zone = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ).tzname()
        return f"{dates.format_datetime(moment, patterns[fmt], tzinfo=LOCAL_TZ, locale=locale)} {zone}"
    return dates.format_datetime(moment, "d MMM y, HH:mm", tzinfo=LOCAL_TZ, locale=locale)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_dates_are_written_exactly_as_babel_writes_them(app: Flask, locale: str) -> None:
    """Every month and weekday, both changes of the clock (the hours around them), naive moments
    (UTC) and whole days, in both languages."""
    from babel import dates
    from flask_babel import force_locale

    from mvi_challenges.core.formatting import local_date, local_datetime

    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    moments = [start + dt.timedelta(hours=7 * n, minutes=13 * n, seconds=n) for n in range(1300)]
    moments += [dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * n) for n in range(6)]
    moments += [dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * n) for n in range(6)]
    moments += [dt.datetime(2027, 12, 31, 23, 5), dt.datetime(1999, 2, 3, 4, 5)]
    with app.test_request_context(), force_locale(locale):
        for moment in moments:
            for fmt in ("medium", "long", "precise"):
                assert local_datetime(moment, fmt) == _babel_reference(moment, fmt, locale)
            day = moment.date()
            assert local_date(day) == dates.format_date(day, "d MMMM y", locale=locale)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_time_left_is_what_babel_says_at_every_boundary(app: Flask, locale: str) -> None:
    """Kept texts per unit and number ("nog 2 dagen") must say what Babel's format_timedelta says for
    every span, also just below and above each unit's threshold (1.5 of it, rounded)."""
    from babel import dates
    from flask_babel import force_locale, gettext

    from mvi_challenges.core.formatting import time_left

    now = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    spans = [1, 29, 30, 59, 60, 61, 89, 90, 91, 3599, 3600, 5399, 5400, 5401, 86399, 86400, 129599, 129600,
             129601, 200000, 604799, 604800, 907199, 907200, 2591999, 2592000, 3887999, 3888000, 31535999,
             31536000, 47303999, 47304000, 10**9]
    spans += [n * 997 for n in range(1, 3000, 7)]
    with app.test_request_context(), force_locale(locale):
        for seconds in spans:
            delta = dt.timedelta(seconds=seconds)
            expected = gettext("%(span)s left", span=dates.format_timedelta(
                delta, granularity="minute", threshold=1.5, locale=locale))
            assert time_left(now + delta, now) == expected, seconds
        assert time_left(now, now) == gettext("deadline passed")


def test_a_moment_shown_as_a_day_is_the_day_in_utrecht(app: Flask) -> None:
    """An explanation approved at 00:30 in Utrecht (23:30 UTC the day before) was approved on the
    day Utrecht's calendar says; it showed the UTC day."""
    from flask_babel import force_locale

    from mvi_challenges.core.formatting import local_date

    with app.test_request_context(), force_locale("nl"):
        assert local_date(dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)) == "3 maart 2026"
        assert local_date(dt.datetime(2026, 7, 2, 22, 30, tzinfo=dt.UTC)) == "3 juli 2026"  # summer time
        assert local_date(dt.datetime(2026, 7, 2, 21, 30, tzinfo=dt.UTC)) == "2 juli 2026"
        assert local_date(dt.date(2026, 3, 2)) == "2 maart 2026"  # a day stays that day
