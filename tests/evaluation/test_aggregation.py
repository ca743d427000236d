"""The aggregation on a worked example, computed by hand.

Criteria: Impact (weight 60, knock-out minimum 4) and Haalbaarheid (weight 40). Three members:
  A: P1 (8, 6) → 7.2   P2 (5, 9) → 6.6   P3 (3, 10) → 5.8
  B: P1 (7, 7) → 7.0   P2 (9, 4) → 7.0   P3 (4, 8)  → 5.6
  C: P1 (6, 8) → 6.8   P2 (5, 5) → 5.0   P3 (2, 9)  → 4.8
P1: totals 7.2, 7.0, 6.8 → mean 7.0, median 7.0; Impact mean 7, spread 2; Haalbaarheid mean 7, spread 2.
P2: totals 6.6, 7.0, 5.0 → mean 6.2, median 6.6; Impact mean 19/3, spread 4; Haalbaarheid mean 6, spread 5.
    Score = 0.6·19/3 + 0.4·6 = 3.8 + 2.4 = 6.2. Spread 5 > threshold 3 → flagged.
P3: Impact mean 3 < 4 → knocked out, no rank.
Ranks: P1 (7.0) 1, P2 (6.2) 2.
Normalised: A's totals 7.2, 6.6, 5.8 (mean 6.5333, σ 0.5735); B's 7.0, 7.0, 5.6 (mean 6.5333, σ 0.6600);
C's 6.8, 5.0, 4.8 (mean 5.5333, σ 0.8994).
"""

from __future__ import annotations

import pytest

from mvi_challenges.evaluation.aggregation import CriterionSpec, SheetScores, aggregate, weighted_total

IMPACT, FEASIBLE = 1, 2
CRITERIA = [CriterionSpec(IMPACT, "Impact", 60, knockout_minimum=4), CriterionSpec(FEASIBLE, "Haalbaarheid", 40)]
SCORES = {  # member → proposal → (impact, feasibility)
    "A": {1: (8, 6), 2: (5, 9), 3: (3, 10)},
    "B": {1: (7, 7), 2: (9, 4), 3: (4, 8)},
    "C": {1: (6, 8), 2: (5, 5), 3: (2, 9)},
}
MEMBER_IDS = {"A": 10, "B": 20, "C": 30}


def _sheets() -> list[SheetScores]:
    return [SheetScores(MEMBER_IDS[m], p, {IMPACT: i, FEASIBLE: f})
            for m, proposals in SCORES.items() for p, (i, f) in proposals.items()]


def test_weighted_total() -> None:
    assert weighted_total({IMPACT: 8, FEASIBLE: 6}, CRITERIA) == pytest.approx(7.2)


def test_worked_example() -> None:
    p1, p2, p3 = aggregate(CRITERIA, [1, 2, 3], _sheets(), threshold=3)
    assert p1.member_totals == pytest.approx({10: 7.2, 20: 7.0, 30: 6.8})
    assert (p1.mean_total, p1.median_total) == (pytest.approx(7.0), pytest.approx(7.0))
    assert p1.criterion_spread == {IMPACT: 2, FEASIBLE: 2} and not p1.flagged
    assert p2.mean_total == pytest.approx(6.2) and p2.median_total == pytest.approx(6.6)
    assert p2.criterion_mean == pytest.approx({IMPACT: 19 / 3, FEASIBLE: 6})
    assert p2.criterion_spread == {IMPACT: 4, FEASIBLE: 5}
    assert p2.score == pytest.approx(6.2) and p2.flagged
    assert p3.knocked_out and p3.knocked_out_on == ["Impact"] and p3.rank is None
    assert (p1.rank, p2.rank) == (1, 2)
    # z-scores by hand (population standard deviation per member)
    a_mean, a_sd = 6.533333, 0.573488
    b_mean, b_sd = 6.533333, 0.659966
    c_mean, c_sd = 5.533333, 0.899383
    expected_p1 = ((7.2 - a_mean) / a_sd + (7.0 - b_mean) / b_sd + (6.8 - c_mean) / c_sd) / 3
    assert p1.normalised == pytest.approx(expected_p1, abs=1e-4)
    assert p1.normalised_rank == 1 and p2.normalised_rank == 2


def test_consensus_replaces_the_mean_and_can_lift_a_knock_out() -> None:
    results = aggregate(CRITERIA, [1, 2, 3], _sheets(), threshold=3, consensus={(3, IMPACT): 5})
    p3 = results[2]
    assert not p3.knocked_out
    assert p3.score == pytest.approx(0.6 * 5 + 0.4 * 9)  # 6.6
    assert [r.rank for r in results] == [1, 3, 2]


def test_equal_scores_share_a_rank_and_unscored_proposals_have_none() -> None:
    sheets = [SheetScores(1, 1, {IMPACT: 5, FEASIBLE: 5}), SheetScores(1, 2, {IMPACT: 5, FEASIBLE: 5}),
              SheetScores(1, 3, {IMPACT: 9, FEASIBLE: 9})]
    results = aggregate(CRITERIA, [1, 2, 3, 4], sheets, threshold=3)
    assert [r.rank for r in results] == [2, 2, 1, None]
    assert results[3].score is None and not results[3].flagged
