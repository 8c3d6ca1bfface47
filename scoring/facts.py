"""Step 1 of a year's evaluation: read the year's facts (考评数据) from the store.

Everything the rules need is read here, in one read snapshot of the database, and
returned as a frozen ``YearFacts``: the registry, 万人评议 answer counts with ballot
numbers and variances, 绩效考核 statistics, 勤廉测评 votes, 加减分 entries and
专项考评 scores. Step 2, ``scoring.engine.evaluate``, turns facts into results
without touching the database, so it can be tested on hand-built facts.

This is the one place that decides how facts are read: a faster store (precomputed
counts), a per-year registry or new sources of 加减分 change this module only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from scoring import cases
from scoring.counts import AppraisalCounts, ItemArrays, NestedCounts
from scoring.scheme import Scheme
from scoring.store import Store
from scoring.summation import left_sum

__all__ = [
    "AdjustmentEntry",
    "AnswerCounts",
    "CategorySpread",
    "IndicatorStats",
    "UnitInfo",
    "YearFacts",
    "pool",
    "read_facts",
]

# counts[category][item][answer] = number of answers of that kind
AnswerCounts = Mapping[str, Mapping[str, Mapping[str, int]]]


class UnitInfo(NamedTuple):
    """One registry row (单位名录): type, 上级单位 and 考核类别."""

    name: str
    type: str
    parent: str | None
    group: str | None


class IndicatorStats(NamedTuple):
    """绩效考核 scores of one unit and indicator as percentages of their 满分:
    count, sum, lowest and highest (what the trimmed mean needs), and the sum of
    squares (what its sampling variance needs, evidence.py)."""

    n: int
    total: float
    lo: float
    hi: float
    sumsq: float = 0.0


class CategorySpread(NamedTuple):
    """万人评议 sampling figures of one unit and evaluator category: from ballot sheets
    the ballots, the ballot-level and the answer-level variance of the category score;
    from tally sheets the ballots and the answer-level variance (a tally has no ballots
    to keep items together). See evidence.py."""

    ballots: int
    variance: float
    answer_variance: float
    tally_ballots: int
    tally_variance: float


class AdjustmentEntry(NamedTuple):
    """One 加减分 entry: 事由, 分值 and 来源."""

    reason: str
    points: float
    source: str


@dataclass(frozen=True)
class YearFacts:
    """A year's facts, as read for a scheme (its answer points and 满分 enter the
    variance and the performance percentages). Keyed by unit name."""

    year: int
    units: Mapping[str, UnitInfo] = field(default_factory=dict)
    appraisal: Mapping[str, AnswerCounts] = field(default_factory=dict)
    appraisal_ballots: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    appraisal_variance: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    appraisal_spread: Mapping[str, Mapping[str, CategorySpread]] = field(default_factory=dict)
    performance: Mapping[str, Mapping[str, IndicatorStats]] = field(default_factory=dict)
    integrity: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    adjustments: Mapping[str, tuple[AdjustmentEntry, ...]] = field(default_factory=dict)
    # 绩效考核 by 考核月份 ("YYYY-MM"; "" for scores without one): for rounds.
    performance_months: Mapping[str, Mapping[str, Mapping[str, IndicatorStats]]] = field(
        default_factory=dict
    )
    # 专项考评 per unit and 项目 (目标考核 …), as percentages of their 满分.
    special: Mapping[str, Mapping[str, IndicatorStats]] = field(default_factory=dict)
    # 分项得分汇总: appraisal_scored[unit][category][item] = (score × ballots, ballots)
    appraisal_scored: Mapping[str, Mapping[str, Mapping[str, tuple[float, int]]]] = field(
        default_factory=dict
    )
    # 前身 merged this year: unit -> the former names whose facts of the year it holds
    # (read as its own by every reader, Store.merged_units).
    merged: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def units_with_data(self) -> list[str]:
        """Every unit with any fact this year, sorted by name."""
        sources = (
            self.appraisal,
            self.appraisal_scored,
            self.performance,
            self.integrity,
            self.adjustments,
            self.special,
        )
        return sorted(set().union(*sources))


def _none(x: object) -> str | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x) else str(x)


def _rows(frame: pd.DataFrame, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    """The frame's rows over ``columns`` as plain Python values: each column converted
    at once (``itertuples`` steps through Arrow-backed strings one Python call each)."""
    return zip(*(frame[c].tolist() for c in columns), strict=True)


def _registry(rows: list[tuple[str, str, str | None, str | None]]) -> dict[str, UnitInfo]:
    return {
        name: UnitInfo(str(name), str(kind), _none(parent), _none(group))
        for name, kind, parent, group in rows
    }


def _by_unit(frame: pd.DataFrame, key: str, value: str, cast: type) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for unit, k, v in frame[["unit", key, value]].itertuples(index=False):
        out[unit][k] = cast(v)
    return dict(out)


def _appraisal_spread(
    kept: AppraisalCounts, scheme: Scheme, sums: ItemArrays
) -> dict[str, dict[str, CategorySpread]]:
    """Ballots and category-score variances per unit and category, from the counts kept
    per year (scoring/counts.py), not from the ballots.

    Two steps, for every unit at once: the item means (from the counts' sums) say how
    each answer enters the score; the pair counts then give ballot numbers and variances."""
    mean, coef = kept.variance_terms(sums, scheme)
    stats = kept.stats_of_terms(mean, coef, scheme.appraisal_points)
    columns = ["ballots", "variance", "answer_variance", "tally_ballots", "tally_variance"]
    figures = map(CategorySpread, *(stats[c].tolist() for c in columns))  # ints and floats
    out: dict[str, dict[str, CategorySpread]] = {}
    for unit, cat, x in zip(
        stats["unit"].tolist(), stats["category"].tolist(), figures, strict=True
    ):
        out.setdefault(unit, {})[cat] = x
    return out


def pool(stats: list[IndicatorStats]) -> IndicatorStats:
    """Scores of several months (or sheets) as one: counts and sums add, extremes
    take the lowest and highest."""
    if len(stats) == 1:  # the usual case (scores without 考核月份): the same sums, quicker
        (x,) = stats
        return IndicatorStats(0 + x.n, 0 + x.total, x.lo, x.hi, 0 + x.sumsq)
    return IndicatorStats(
        sum(s.n for s in stats),
        left_sum(s.total for s in stats),
        min(s.lo for s in stats),
        max(s.hi for s in stats),
        left_sum(s.sumsq for s in stats),
    )


def _performance(
    frame: pd.DataFrame, by_month: bool = True
) -> tuple[dict[str, dict[str, IndicatorStats]], dict[str, dict[str, dict[str, IndicatorStats]]]]:
    """绩效考核 per unit and indicator, pooled over months, and (``by_month``) per unit,
    month and indicator, what rounds need (without rounds in the scheme, nothing)."""
    months: dict[str, Any] = defaultdict(lambda: defaultdict(dict))
    parts: dict[str, Any] = defaultdict(lambda: defaultdict(list))
    for unit, ind, month, n, total, lo, hi, sumsq in _rows(
        frame, ["unit", "indicator", "month", "n", "total", "lo", "hi", "sumsq"]
    ):
        stats = IndicatorStats(int(n), float(total), float(lo), float(hi), float(sumsq))
        if by_month:
            months[unit][_none(month) or ""][ind] = stats
        parts[unit][ind].append(stats)
    pooled = {u: {i: pool(v) for i, v in inds.items()} for u, inds in parts.items()}
    return pooled, {u: {m: dict(i) for m, i in ms.items()} for u, ms in months.items()}


def _item_scores(frame: pd.DataFrame) -> dict[str, dict[str, dict[str, tuple[float, int]]]]:
    """分项得分汇总 rows summed per unit, category and item as (score × ballots, ballots):
    two summaries of the same item add up as their ballots would."""
    out: dict[str, Any] = defaultdict(lambda: defaultdict(dict))
    for unit, cat, item, score, n in frame[
        ["unit", "category", "item", "score", "ballots"]
    ].itertuples(index=False):
        points, count = out[unit][cat].get(item, (0.0, 0))
        out[unit][cat][item] = (points + float(score) * int(n), count + int(n))
    return {u: {c: dict(i) for c, i in cats.items()} for u, cats in out.items()}


def read_facts(store: Store, year: int, scheme: Scheme, *, spread: bool = True) -> YearFacts:
    """Every fact of ``year`` the rules need, read in one snapshot of the store; without
    the 万人评议 variances when ``spread`` is false (the pair counts are not read: an
    earlier year's warnings need the scores only, columns.warned)."""
    with store.snapshot() as snap:
        units = _registry(snap.unit_infos(year))  # the registry in force that year
        kept = snap.appraisal_year_counts(year, pairs=spread)
        counts = NestedCounts(kept)
        item_sums = kept.item_sums(scheme)
        spreads = _appraisal_spread(kept, scheme, item_sums) if spread else {}
        rounds = bool(scheme.performance_rounds) or any(
            g.performance_rounds for g in scheme.groups.values()
        )
        perf, perf_months = _performance(
            snap.performance_stats(year, scheme.default_max, scheme.max_by_indicator), rounds
        )
        special: dict[str, dict[str, IndicatorStats]] = defaultdict(dict)
        for unit, item, n, total, lo, hi in snap.special_stats(year)[
            ["unit", "item", "n", "total", "lo", "hi"]
        ].itertuples(index=False):
            special[unit][item] = IndicatorStats(int(n), float(total), float(lo), float(hi))
        votes = _by_unit(snap.integrity_counts(year), "result", "n", int)
        entries: dict[str, list[AdjustmentEntry]] = defaultdict(list)
        # The 加减分 table and what verified 督查与投诉 cases carry (scoring/cases.py).
        for unit, reason, points, source in cases.adjustments_with_cases(snap, year, scheme)[
            ["unit", "reason", "points", "source"]
        ].itertuples(index=False):
            entries[unit].append(AdjustmentEntry(str(reason), float(points), str(source)))
        scored = _item_scores(snap.item_scores(year))
        merged: dict[str, tuple[str, ...]] = {}
        if snap.merged_units(year):
            moved = snap.merged_rows(year)
            for former, unit in sorted(set(zip(moved["former"], moved["unit"], strict=True))):
                merged[unit] = (*merged.get(unit, ()), former)
    return YearFacts(
        merged=merged,
        year=year,
        appraisal_scored=scored,
        units=units,
        appraisal=counts,
        appraisal_ballots=kept.ballots_by_unit(),
        appraisal_variance={
            u: {c: x.variance + x.tally_variance for c, x in cats.items()}
            for u, cats in spreads.items()
        },
        appraisal_spread=spreads,
        performance=perf,
        integrity=votes,
        adjustments={u: tuple(e) for u, e in entries.items()},
        performance_months=perf_months,
        special=dict(special),
    )
