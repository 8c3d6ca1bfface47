"""Scoring rules (计分规则): each rule of shared/spec/scoring.md as a small pure function.

Nothing here reads files or databases: inputs are counts and scores already
aggregated by the store, and the ``Scheme`` supplies every number. Results are
frozen dataclasses that keep the intermediate figures, so that any score can be
explained from ballots to composite.

Worked example of the spec, integrity part (勤廉测评):

>>> from scoring.scheme import default_scheme
>>> s = integrity_score({"优秀": 12, "称职": 6, "基本称职": 1, "不称职": 1}, default_scheme())
>>> round(s.score, 2), s.excellent_rate
(87.0, 0.6)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from scoring.scheme import Scheme
from scoring.summation import left_sum

__all__ = [
    "Adjustment",
    "AppraisalScore",
    "CategoryScore",
    "Composite",
    "IndicatorScore",
    "IntegrityScore",
    "ItemMean",
    "ItemSums",
    "PerformanceScore",
    "RoundScore",
    "adjustment",
    "band_line_above",
    "composite",
    "grade",
    "integrity_score",
    "performance_by_rounds",
    "performance_score",
    "round2",
    "round_to",
    "share_words",
    "trimmed_mean",
    "unfit_flag_label",
]


def round_to(x: float | None, decimals: int) -> float | None:
    """Round half up (四舍五入) to the scheme's display decimals, which also decide ties.

    Binary floating point leaves sums such as 87.375 as 87.37499999999999 or
    87.37500000000001 depending on the order of addition; the value is first rounded
    to 9 decimals so that equal scores round (and tie) the same way.

    >>> round_to(77.36549, 4), round_to(77.365, 2), round_to(None, 2)
    (77.3655, 77.37, None)
    >>> round_to(87.37499999999999, 2), round_to(0.1 + 0.2 + 87.075, 2)
    (87.38, 87.38)
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    step = Decimal(1).scaleb(-decimals)
    exact = Decimal(repr(float(x))).quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)
    return float(exact.quantize(step, rounding=ROUND_HALF_UP))


def round2(x: float | None) -> float | None:
    """Round half up to 2 decimals (the default scheme's display decimals).

    >>> round2(2.675), round2(77.365), round2(None)
    (2.68, 77.37, None)
    """
    return round_to(x, 2)


def _weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Weighted mean of (value, weight), weights renormalised; None when no weight."""
    total = left_sum(w for _, w in pairs)
    if total <= 0:
        return None
    return left_sum(v * w for v, w in pairs) / total


# -- 万人评议 -----------------------------------------------------------------------

# The score (per category each item's mean points over the ballots that answered it,
# 不了解 in no denominator; the weighted mean of the item means; the categories'
# weighted mean, weights renormalised over those with answers) is computed for every
# unit at once by columns.appraisal; its unit-by-unit form, as the spec reads, is
# ``appraisal_score`` in tests/reference.py, which the tests check the columns against.

# Per item of a unit and category: (answered, unknown, satisfied, points), points being
# the answered answers' points summed.
ItemSums = tuple[int, int, int, float]


class ItemMean(NamedTuple):
    """One item's mean points within one evaluator category. A named tuple, as the
    other records made per unit and category or indicator: a year holds one per unit,
    category and item (60,000 at 2,000 units), and a tuple is made in a third of a
    frozen dataclass's time."""

    item: str
    mean: float | None
    answered: int
    unknown: int
    weight: float
    satisfied: int = 0
    scored: int = 0  # ballots from an item-score summary (分项得分汇总), in the mean only


class CategoryScore(NamedTuple):
    """One evaluator category's score (a named tuple: one per unit and category)."""

    category: str
    score: float | None
    ballots: int
    weight: float
    variance: float | None
    items: tuple[ItemMean, ...]


@dataclass(frozen=True)
class AppraisalScore:
    """万人评议 score of one unit, with what it rests on."""

    score: float | None
    categories: tuple[CategoryScore, ...]
    satisfaction_rate: float | None
    awareness_rate: float | None
    ballots: int
    missing_categories: tuple[str, ...]
    # The sampling variance and interval at the scheme's level (evidence.appraisal_spreads,
    # set by the engine, which knows the year's design effect for tallies).
    ci_low: float | None = None
    ci_high: float | None = None
    variance: float | None = None
    conservative: bool = False  # a tally's interval rests on the conservative bound

    @property
    def item_means(self) -> dict[str, float]:
        """Each item's mean over all categories, weighted like the score (for profiles)."""
        pairs: dict[str, list[tuple[float, float]]] = {}
        used = left_sum(c.weight for c in self.categories if c.score is not None)
        for c in self.categories:
            if c.score is None or used <= 0:
                continue
            for it in c.items:
                if it.mean is not None:
                    pairs.setdefault(it.item, []).append((it.mean, c.weight))
        return {k: v for k, p in pairs.items() if (v := _weighted_mean(p)) is not None}


# -- 绩效考核 -----------------------------------------------------------------------


def trimmed_mean(n: int, total: float, lo: float, hi: float, trim_from: int) -> float:
    """Mean of n scores; from ``trim_from`` scores on, one highest and one lowest are
    dropped first (去掉一个最高分和一个最低分).

    >>> round(trimmed_mean(5, 90 + 80 + 100 + 60 + 86.6667, 60, 100, 5), 3)
    85.556
    >>> trimmed_mean(2, 170, 80, 90, 5)
    85.0
    """
    if n >= trim_from:
        return (total - lo - hi) / (n - 2)
    return total / n


class IndicatorScore(NamedTuple):
    """One 绩效考核 indicator's (trimmed) mean (a named tuple: one per unit and indicator)."""

    indicator: str
    mean: float
    scores: int
    trimmed: bool
    weight: float


@dataclass(frozen=True)
class RoundScore:
    """One round's performance score (上半年 …) and its weight."""

    round: str
    score: float | None
    weight: float
    scores: int


@dataclass(frozen=True)
class PerformanceScore:
    score: float | None
    indicators: tuple[IndicatorScore, ...]
    missing_indicators: tuple[str, ...]
    rounds: tuple[RoundScore, ...] = ()
    outside_rounds: int = 0  # scores whose 考核月份 is missing or in no round


# (n, total, lowest, highest[, sum of squares]): facts.IndicatorStats is one.
Stats = tuple[int, float, float, float] | tuple[int, float, float, float, float]


def _pool(stats: Sequence[Stats]) -> Stats:
    return (
        sum(s[0] for s in stats),
        left_sum(s[1] for s in stats),
        min(s[2] for s in stats),
        max(s[3] for s in stats),
    )


def _month_number(month: str) -> int | None:
    """The month of a 考核月份 such as 2025-03 (None when there is none)."""
    tail = month.replace("/", "-").split("-")[-1] if month else ""
    return int(tail) if tail.isdigit() and 1 <= int(tail) <= 12 else None


def performance_by_rounds(
    by_month: Mapping[str, Mapping[str, Stats]], scheme: Scheme
) -> PerformanceScore:
    """绩效考核 with rounds (``performance.rounds``): each round scored alone from the
    scores of its months, then the rounds' weighted mean (rounds without scores drop
    out, renormalised). Scores of the whole year are described by indicator as usual.

    >>> from scoring.scheme import parse, default_text
    >>> s = parse(default_text().replace("# [performance.rounds]", "[performance.rounds]")
    ...       .replace('# "上半年"', '"上半年"').replace('# "下半年"', '"下半年"'))
    >>> p = performance_by_rounds({"2025-03": {"工作效率": (1, 80, 80, 80)},
    ...                            "2025-09": {"工作效率": (3, 300, 100, 100)}}, s)
    >>> p.score, [r.score for r in p.rounds]
    (90.0, [80.0, 100.0])
    """
    rounds = []
    counted = 0
    for r in scheme.performance_rounds:
        months = [
            stats
            for month, stats in by_month.items()
            if (m := _month_number(month)) is not None and r.first_month <= m <= r.last_month
        ]
        inds: dict[str, list[Stats]] = {}
        for stats in months:
            for ind, st in stats.items():
                inds.setdefault(ind, []).append(st)
        part = performance_score({i: _pool(v) for i, v in inds.items()}, scheme)
        n = sum(i.scores for i in part.indicators)
        counted += sum(_pool(v)[0] for v in inds.values())
        rounds.append(RoundScore(r.name, part.score, r.weight, n))
    whole: dict[str, list[Stats]] = {}
    for stats in by_month.values():
        for ind, st in stats.items():
            whole.setdefault(ind, []).append(st)
    year = performance_score({i: _pool(v) for i, v in whole.items()}, scheme)
    total = sum(_pool(v)[0] for v in whole.values())
    score = _weighted_mean([(r.score, r.weight) for r in rounds if r.score is not None])
    return PerformanceScore(
        score, year.indicators, year.missing_indicators, tuple(rounds), total - counted
    )


def performance_score(stats: Mapping[str, Stats], scheme: Scheme) -> PerformanceScore:
    """绩效考核 → performance score (0–100).

    ``stats[indicator] = (n, total, lowest, highest)`` of the scores as percentages
    of their 满分. Per indicator the (trimmed) mean; then the scheme's indicator
    weights, renormalised over the indicators present (missing ones are flagged).
    """
    indicators = []
    for ind, weight in scheme.indicators.items():
        if ind in stats and stats[ind][0] > 0:
            n, total, lo, hi = stats[ind][:4]
            indicators.append(
                IndicatorScore(
                    ind,
                    trimmed_mean(n, total, lo, hi, scheme.trim_from),
                    int(n),
                    n >= scheme.trim_from,
                    weight,
                )
            )
    score = _weighted_mean([(i.mean, i.weight) for i in indicators])
    present = {i.indicator for i in indicators}
    missing = tuple(i for i, w in scheme.indicators.items() if i not in present and w > 0)
    return PerformanceScore(score, tuple(indicators), missing if indicators else ())


# -- 勤廉测评 -----------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityScore:
    score: float | None
    votes: int
    counts: Mapping[str, int]
    excellent_rate: float | None
    unfit_share: float | None
    unfit_flag: bool


def integrity_score(counts: Mapping[str, int], scheme: Scheme) -> IntegrityScore:
    """勤廉测评 → integrity score: mean vote points; 优秀率; the flag when the scheme's
    ``integrity.unfit`` votes exceed its ``unfit_flag_share`` (label: ``unfit_flag_label``)."""
    votes = sum(n for r, n in counts.items() if r in scheme.integrity_points)
    if votes == 0:
        return IntegrityScore(None, 0, dict(counts), None, None, False)
    score = (
        left_sum(
            n * scheme.integrity_points[r]
            for r, n in counts.items()
            if r in scheme.integrity_points
        )
        / votes
    )
    unfit = counts.get(scheme.integrity_unfit, 0) / votes
    return IntegrityScore(
        score,
        votes,
        dict(counts),
        counts.get(scheme.integrity_excellent, 0) / votes,
        unfit,
        unfit > scheme.unfit_flag_share,
    )


_FRACTIONS = {
    1 / 2: "二分之一",
    1 / 3: "三分之一",
    2 / 3: "三分之二",
    1 / 4: "四分之一",
    3 / 4: "四分之三",
    1 / 5: "五分之一",
    1 / 10: "十分之一",
}


def share_words(share: float) -> str:
    """A share in the words of a 办法: 1/3 → 三分之一, else a percentage.

    >>> share_words(1 / 3), share_words(0.25), share_words(0.4)
    ('三分之一', '四分之一', '40%')
    """
    for value, words in _FRACTIONS.items():
        if math.isclose(share, value, abs_tol=1e-9):
            return words
    return f"{share * 100:.4g}%"


def unfit_flag_label(scheme: Scheme) -> str:
    """The flag's name from the scheme's numbers, e.g. 不称职票超三分之一."""
    return f"{scheme.integrity_unfit}票超{share_words(scheme.unfit_flag_share)}"


# -- 加减分 -------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    value: float
    positive: float
    negative: float
    positive_capped: bool
    negative_capped: bool
    vetoed: bool


def adjustment(entries: Sequence[tuple[float, str]], scheme: Scheme) -> Adjustment:
    """加减分: positives summed and capped (+5), negatives summed and capped (−20).

    A veto source (一票否决) adds no points; it only marks the unit vetoed.

    >>> from scoring.scheme import default_scheme
    >>> adjustment([(-2, "暗访"), (-1.5, "效能投诉"), (3, "表彰")], default_scheme()).value
    -0.5
    """
    vetoed = any(src in scheme.veto_sources for _, src in entries)
    pos = left_sum(p for p, src in entries if p > 0 and src not in scheme.veto_sources)
    neg = left_sum(p for p, src in entries if p < 0 and src not in scheme.veto_sources)
    cpos, cneg = min(pos, scheme.positive_cap), max(neg, scheme.negative_cap)
    return Adjustment(cpos + cneg, pos, neg, cpos < pos, cneg > neg, vetoed)


# -- composite and grade ------------------------------------------------------------


@dataclass(frozen=True)
class Composite:
    value: float | None
    weights: Mapping[str, float]
    missing: tuple[str, ...]


def composite(
    components: Mapping[str, float | None], adjustment_value: float, scheme: Scheme
) -> Composite:
    """Composite = weighted mean of the components the unit has + adjustment.

    Missing components drop out and the weights are renormalised (the result lists
    them). ``weights`` are the renormalised weights actually used.
    """
    present = {
        k: w for k, w in scheme.composite_weights.items() if components.get(k) is not None and w > 0
    }
    total = left_sum(present.values())
    missing = tuple(k for k, w in scheme.composite_weights.items() if k not in present and w > 0)
    if total <= 0:
        return Composite(None, {}, missing)
    used = {k: w / total for k, w in present.items()}
    value = left_sum(components[k] * w for k, w in used.items()) + adjustment_value
    return Composite(value, used, missing)


def grade(
    value: float | None,
    rank: int | None,
    group_size: int | None,
    vetoed: bool,
    scheme: Scheme,
) -> str | None:
    """等次 from the scheme's bands, best first: the first band whose ``min`` the
    composite reaches (at the display decimals) and, where the band has a
    ``top_share``, whose rank is within ceil(top_share × group size). The last band
    is the floor and the grade of a veto.

    Units not ranked (no 考核类别: 领导班子, 干部) get no grade: the spec defines
    grades within a group, and cadres are judged by 优秀率 and the 不称职 flag.

    >>> from scoring.scheme import default_scheme
    >>> s = default_scheme()
    >>> [grade(v, r, 5, False, s) for v, r in [(91.2, 1), (91.2, 2), (77.37, 4), (68.4, 5)]]
    ['优秀', '良好', '一般', '较差']
    """
    if value is None or rank is None or not group_size:
        return None
    if vetoed:
        return scheme.floor_grade
    v = round_to(value, scheme.decimals)
    assert v is not None
    for band in scheme.grade_bands[:-1]:
        within = band.top_share is None or rank <= math.ceil(band.top_share * group_size - 1e-9)
        if v >= band.min and within:
            return band.name
    return scheme.floor_grade


def band_line_above(grade_name: str, scheme: Scheme) -> float | None:
    """The score line of the band just above ``grade_name`` (what a unit in it missed)."""
    names = scheme.grade_names
    i = names.index(grade_name) if grade_name in names else 0
    return scheme.grade_bands[i - 1].min if i > 0 else None
