"""Turning final score sheets into a ranking: pure functions, so the arithmetic is testable by hand.

Weighted total of a sheet = Σ score × weight / 100 (on the phase's scale). Per proposal: each
member's total, their mean and median; per criterion the mean and the spread (highest − lowest).
The value that counts per criterion is the chair's consensus score when there is one, else the
mean; the proposal's score is the weighted sum of those. A knock-out minimum is applied to that
value. Spread above the threshold on any criterion flags the proposal for discussion. Ranks use
standard competition ranking (1, 2, 2, 4); knocked-out proposals get no rank. Beside it, a
normalised ranking: each member's totals as z-scores against their own mean and spread, so a
harsh or lenient member weighs the same as the others.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    name: str
    weight: int
    knockout_minimum: int | None = None


@dataclass(frozen=True)
class SheetScores:
    member_id: int
    proposal_id: int
    values: Mapping[int, int]  # criterion id → score


@dataclass
class ProposalResult:
    proposal_id: int
    member_totals: dict[int, float] = field(default_factory=dict)
    mean_total: float | None = None
    median_total: float | None = None
    criterion_mean: dict[int, float] = field(default_factory=dict)
    criterion_spread: dict[int, int] = field(default_factory=dict)
    effective: dict[int, float] = field(default_factory=dict)
    score: float | None = None
    knocked_out_on: list[str] = field(default_factory=list)
    flagged: bool = False
    rank: int | None = None
    normalised: float | None = None
    normalised_rank: int | None = None

    @property
    def knocked_out(self) -> bool:
        return bool(self.knocked_out_on)


def weighted_total(values: Mapping[int, float], criteria: Sequence[CriterionSpec]) -> float:
    return sum(values[c.id] * c.weight for c in criteria) / 100


def aggregate(
    criteria: Sequence[CriterionSpec],
    proposal_ids: Iterable[int],
    sheets: Iterable[SheetScores],
    *,
    threshold: float,
    consensus: Mapping[tuple[int, int], int] | None = None,
) -> list[ProposalResult]:
    """Results for every proposal, in the order of `proposal_ids`."""
    consensus = consensus or {}
    by_proposal: dict[int, list[SheetScores]] = defaultdict(list)
    for sheet in sheets:
        by_proposal[sheet.proposal_id].append(sheet)
    results = [_result(pid, by_proposal.get(pid, []), criteria, threshold, consensus) for pid in proposal_ids]
    _rank(results, key=lambda r: r.score, target="rank")
    _normalise(results)
    _rank(results, key=lambda r: r.normalised, target="normalised_rank")
    return results


def _result(proposal_id: int, sheets: list[SheetScores], criteria: Sequence[CriterionSpec], threshold: float,
            consensus: Mapping[tuple[int, int], int]) -> ProposalResult:
    result = ProposalResult(proposal_id=proposal_id)
    if not sheets:
        return result
    result.member_totals = {s.member_id: weighted_total(s.values, criteria) for s in sheets}
    totals = list(result.member_totals.values())
    result.mean_total = statistics.fmean(totals)
    result.median_total = statistics.median(totals)
    for criterion in criteria:
        values = [s.values[criterion.id] for s in sheets]
        result.criterion_mean[criterion.id] = statistics.fmean(values)
        result.criterion_spread[criterion.id] = max(values) - min(values)
        agreed = consensus.get((proposal_id, criterion.id))
        result.effective[criterion.id] = float(agreed) if agreed is not None else result.criterion_mean[criterion.id]
        minimum = criterion.knockout_minimum
        if minimum is not None and result.effective[criterion.id] < minimum:
            result.knocked_out_on.append(criterion.name)
    result.score = weighted_total(result.effective, criteria)
    result.flagged = any(spread > threshold for spread in result.criterion_spread.values())
    return result


def _rank(results: list[ProposalResult], *, key, target: str) -> None:
    rankable = [r for r in results if key(r) is not None and not r.knocked_out]
    rankable.sort(key=lambda r: -key(r))
    previous, previous_rank = None, 0
    for index, result in enumerate(rankable, start=1):
        value = round(key(result), 9)
        rank = previous_rank if value == previous else index
        setattr(result, target, rank)
        previous, previous_rank = value, rank


def _normalise(results: list[ProposalResult]) -> None:
    per_member: dict[int, list[float]] = defaultdict(list)
    for result in results:
        for member_id, total in result.member_totals.items():
            per_member[member_id].append(total)
    stats = {m: (statistics.fmean(t), statistics.pstdev(t)) for m, t in per_member.items()}
    for result in results:
        if not result.member_totals:
            continue
        z_scores = []
        for member_id, total in result.member_totals.items():
            mean, spread = stats[member_id]
            z_scores.append((total - mean) / spread if spread else 0.0)
        result.normalised = statistics.fmean(z_scores)
