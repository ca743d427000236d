"""`flask bench-data`: the data set the benchmark measures, at a fractional scale."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from bench.data import (
    AGGREGATION,
    BENCH_CITIZEN_DIALOGUES,
    BENCH_QUESTIONS,
    REGISTRATIONS_PER_DIALOGUE,
    Counts,
    generate,
)
from mvi_challenges.core.db import db
from tests.perf.conftest import PERF_SCALE


def test_bench_data_counts_follow_the_scale(bench_world: SimpleNamespace) -> None:
    counts = Counts.at(PERF_SCALE)
    written = bench_world.written
    proposals, members, criteria = AGGREGATION
    assert written["calls"] == counts.calls + 2  # and the aggregation phase's call, the bench staff's call
    assert written["dialogues"] == counts.dialogues
    # and the bench citizen's, in the newest dialogues
    assert written["registrations"] == counts.dialogues * REGISTRATIONS_PER_DIALOGUE + min(
        counts.dialogues, BENCH_CITIZEN_DIALOGUES)
    assert written["questions"] == BENCH_QUESTIONS
    assert written["organisations"] == counts.organisations + 1  # and the bench entrepreneur's
    assert written["proposals"] >= proposals
    assert written["scores"] >= proposals * members * criteria
    assert written["contracts"] > 0
    assert written["result_updates"] > 0


def test_bench_data_pages_render(client, bench_world: SimpleNamespace) -> None:
    for url in ("/", "/calls", "/calls?page=2", "/dialogues", "/monitoring", f"/calls/{bench_world.call_slug}",
                "/api/v1/calls", "/api/v1/ocds/releases.json"):
        assert client.get(url).status_code == 200, url


def test_bench_data_refuses_a_database_with_data(app: Flask, bench_world: SimpleNamespace) -> None:
    with app.app_context(), pytest.raises(ValueError, match="fresh database"):
        generate(db.session, PERF_SCALE)


def test_bench_data_is_deterministic() -> None:
    """The same scale always means the same numbers of rows to write (the rows follow from the seed)."""
    assert Counts.at(1) == Counts(calls=10_000, dialogues=2_000, organisations=20_000, citizens=5_000)
    assert Counts.at(0.001).calls == 10
