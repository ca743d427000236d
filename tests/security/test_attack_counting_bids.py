"""Counting the competition before the deadline, tried as a competitor watching the public figures.

Abuser: a bidder who wants to know how many others are bidding (and when they submit or withdraw)
while the call is still open, to decide on price and effort. The call's own pages say nothing about
it: until the deadline even the municipality only sees that bids arrived. But the public monitoring
dashboard, its CSV files and the open data counted "proposals received" the moment one was
submitted; narrowed to the call's category and department, refreshed now and then, it showed each
bid arriving. Found broken, fixed in proposals/lifecycle.py (`counted_in_public_figures`), asked by
monitoring/yearly_counts.py; figures kept in the cache hold until the next deadline
(monitoring/figures_version.py `next_change`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

from flask import Flask

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.timezones import now_utc, to_local

from ..factories import make_call, make_proposal, make_user
from ..monitoring.test_figures import _table


def _received(client, year: int) -> str:
    html = client.get(f"/monitoring?year={year}&category=mobiliteit").get_data(as_text=True)
    return {row[0]: row[1] for row in _table(html, "effort")[1:]}["Proposals received"]


def _find(data: Any, key: str) -> Any:
    if isinstance(data, dict):
        if key in data:
            return data[key]
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            if (found := _find(item, key)) is not None:
                return found
    return None


def test_the_public_figures_count_no_bid_before_the_deadline(app: Flask, client_en, catalogue) -> None:
    now = now_utc()
    if to_local(now + dt.timedelta(hours=3)).year != to_local(now).year:  # pragma: no cover - New Year's Eve
        now -= dt.timedelta(hours=4)
    year = to_local(now).year
    call = make_call(app, category="mobiliteit", closes_in=dt.timedelta(hours=1))
    with mock.patch("mvi_challenges.monitoring.views.now_utc", return_value=now):
        assert _received(client_en, year) == "0"  # kept in the cache from here on
    for _ in range(2):
        make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True)

    with mock.patch("mvi_challenges.monitoring.views.now_utc", return_value=now):
        assert _received(client_en, year) == "0"
        table = client_en.get(f"/monitoring/tables/effort.csv?year={year}&category=mobiliteit")
        assert table.status_code == 200 and "Proposals received;0" in table.get_data(as_text=True)
    api = client_en.get(f"/api/v1/monitoring?year={year}&category=mobiliteit").get_json()
    assert _find(api, "proposals_received") == 0

    # Once the deadline has passed they count, without any write in between.
    with mock.patch("mvi_challenges.monitoring.views.now_utc", return_value=now + dt.timedelta(hours=2)):
        assert _received(client_en, year) == "2"
