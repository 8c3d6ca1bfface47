"""The unit-by-unit forms the column path is checked against.

The app scores every unit at once (scoring/columns.py, engine.appraisals and
engine.performances, evidence.appraisal_spreads and t_quantiles, the counts read with
the store's copy of the cells): the same floating-point operations in the same order as
the scalar rules below, which score one unit, one category, one degree of freedom at a
time, as the rules of shared/spec/scoring.md read. The last section reads the same
counts and figures as the store does, but numbered in SQL (sql/year_*.sql) or taken over
every ballot (sql/appraisal_*.sql), as the store did before the counts were kept.
Nothing in ``scoring`` calls these any more; the tests compare the two paths on worked
and generated cases (to the last bit, by ``==`` and ``repr``), and the hand-worked tests
of 万人评议 and its interval are written against these forms.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import NormalDist

import duckdb
import numpy as np
import pandas as pd

from scoring import rules
from scoring.counts import AppraisalCounts
from scoring.engine import UNREGISTERED, _places, _result, components
from scoring.evidence import AppraisalSpread
from scoring.facts import CategorySpread, YearFacts
from scoring.outcome import UnitResult
from scoring.rules import (
    AppraisalScore,
    CategoryScore,
    ItemMean,
    ItemSums,
    _weighted_mean,
    grade,
)
from scoring.scheme import Scheme
from scoring.store import _PAIRS, Store, _arrays, _with_ballots
from scoring.summation import left_sum

# -- 万人评议 (was scoring/rules.py) ----------------------------------------------------


def appraisal_score(
    counts: Mapping[str, Mapping[str, Mapping[str, int]]],
    scheme: Scheme,
    ballots: Mapping[str, int] | None = None,
    variances: Mapping[str, float] | None = None,
    scored: Mapping[str, Mapping[str, tuple[float, int]]] | None = None,
) -> AppraisalScore:
    """万人评议 → appraisal score (0–100), shared/spec/scoring.md.

    ``counts[category][item][answer]`` is how many answers of that kind. Per
    category: each item's mean points over the ballots that answered it (不了解
    counts in no denominator), then the weighted mean of the item means (items with
    no answer drop out). The categories are combined with the scheme's category
    weights, renormalised over the categories that have answers.

    ``variances[category]`` is the linearised variance of the category score from the
    store (kept on the category); the interval built on it is ``appraisal_spread``.

    ``scored[category][item] = (points, n)`` is a contractor's item-score summary
    (分项得分汇总): n ballots whose points on the item add up to ``points`` (score × n).
    They enter the item's mean exactly as n ballots of that mean score would, and the
    category's ballots; with no answers behind them they enter neither the satisfaction
    rate nor the variance, so a category with them has no interval.
    """
    return appraisal_from_sums(
        {
            category: {item: item_sums(answers, scheme) for item, answers in items.items()}
            for category, items in counts.items()
        },
        scheme,
        ballots,
        variances,
        scored,
    )


def item_sums(answers: Mapping[str, int], scheme: Scheme) -> ItemSums:
    """(answered, unknown, satisfied, points) of one item's answer counts."""
    answered = sum(n for a, n in answers.items() if a in scheme.appraisal_points)
    unknown = sum(n for a, n in answers.items() if a in scheme.appraisal_unknown)
    points = left_sum(
        n * scheme.appraisal_points[a] for a, n in answers.items() if a in scheme.appraisal_points
    )
    sat = sum(n for a, n in answers.items() if a in scheme.appraisal_satisfied)
    return answered, unknown, sat, points


_NO_ANSWERS: ItemSums = (0, 0, 0, 0)


def appraisal_from_sums(
    sums: Mapping[str, Mapping[str, ItemSums]],
    scheme: Scheme,
    ballots: Mapping[str, int] | None = None,
    variances: Mapping[str, float] | None = None,
    scored: Mapping[str, Mapping[str, tuple[float, int]]] | None = None,
) -> AppraisalScore:
    """``appraisal_score`` from each item's sums, ``sums[category][item] = (answered,
    unknown, satisfied, points)`` (points: the answered answers' points summed), which
    the facts reader takes for every unit at once from the counts kept per year."""
    ballots = ballots or {}
    variances = variances or {}
    scored = scored or {}
    categories: list[CategoryScore] = []
    satisfied = answered_total = unknown_total = 0
    no_summary: Mapping[str, tuple[float, int]] = {}
    scheme_items = tuple(scheme.items.items())
    for category in scheme.categories:
        by_item = sums.get(category, {})
        by_summary = scored.get(category, no_summary)
        items: list[ItemMean] = []
        # The category score is _weighted_mean over the items with a mean, its two sums
        # taken in the same order over the same terms (written out: it runs per item).
        weights: list[float] = []
        terms: list[float] = []
        summary_ballots = 0
        for item, weight in scheme_items:
            answered, unknown, sat, points = by_item.get(item, _NO_ANSWERS)
            extra_points, extra_n = by_summary.get(item, (0.0, 0)) if by_summary else (0.0, 0)
            base = answered + extra_n
            mean = (points + extra_points) / base if base else None
            items.append(ItemMean(item, mean, answered, unknown, weight, sat, extra_n))
            if mean is not None:
                weights.append(weight)
                terms.append(mean * weight)
            if extra_n > summary_ballots:
                summary_ballots = extra_n
            satisfied += sat
            answered_total += answered
            unknown_total += unknown
        total = left_sum(weights)
        score = left_sum(terms) / total if total > 0 else None
        categories.append(
            CategoryScore(
                category,
                score,
                int(ballots.get(category, 0)) + summary_ballots,
                scheme.categories[category],
                None if summary_ballots else variances.get(category),
                tuple(items),
            )
        )
    used = [c for c in categories if c.score is not None and c.weight > 0]
    score = _weighted_mean([(c.score, c.weight) for c in used if c.score is not None])
    missing = tuple(c.category for c in categories if c.score is None and c.weight > 0)
    return AppraisalScore(
        score=score,
        categories=tuple(categories),
        satisfaction_rate=satisfied / answered_total if answered_total else None,
        awareness_rate=(
            answered_total / (answered_total + unknown_total)
            if answered_total + unknown_total
            else None
        ),
        ballots=sum(c.ballots for c in categories),
        missing_categories=missing if used else (),
    )


def variance_cells(a: AppraisalScore) -> list[tuple[str, str, float, float]]:
    """(category, item, mean, coef) for the store's variance pass: coef = v_i / n_i,
    v_i the item's weight renormalised over the category's answered items, as in the
    score. See ``appraisal_score`` on the interval."""
    out: list[tuple[str, str, float, float]] = []
    for c in a.categories:
        answered = [i for i in c.items if i.mean is not None and i.weight > 0]
        total = left_sum(i.weight for i in answered)
        for i in answered:
            if i.answered and i.mean is not None:  # a score summary's item has no answers
                out.append((c.category, i.item, i.mean, i.weight / total / i.answered))
    return out


# -- a unit's score (was scoring/engine.py; CategorySample scoring/evidence.py) ---------


@dataclass(frozen=True)
class CategorySample:
    """One evaluator category of one unit: its weight, score and sampling figures.

    ``variance`` is the linearised variance of the category score from ballot sheets (the
    sum over ballots of the squared ballot terms); ``tally_variance`` the same from tally
    sheets with every counted answer taken alone; ``items`` the number of answered items
    (for the conservative design effect)."""

    weight: float
    score: float
    ballots: int
    variance: float
    tally_ballots: int = 0
    tally_variance: float = 0.0
    items: int = 1


def _samples(
    a: rules.AppraisalScore, figures: Mapping[str, CategorySpread]
) -> list[CategorySample] | None:
    """The sampling figures of the appraisal's weighted categories (evidence.py); None
    when a category's score has no answers behind it (an item-score summary): then
    the score has no variance and no interval."""
    samples = []
    for c in a.categories:
        if c.score is None or c.weight <= 0:
            continue
        x = figures.get(c.category)
        if x is None or c.variance is None:
            return None
        items = sum(1 for i in c.items if i.mean is not None and i.weight > 0)
        samples.append(
            CategorySample(
                c.weight, c.score, x.ballots, x.variance, x.tally_ballots, x.tally_variance, items
            )
        )
    return samples


def _with_interval(
    a: rules.AppraisalScore,
    unit: str,
    facts: YearFacts,
    scheme: Scheme,
    deff: float | None,
) -> rules.AppraisalScore:
    """The appraisal score with its sampling variance and interval at the scheme's level."""
    samples = _samples(a, facts.appraisal_spread.get(unit, {}))
    if samples is None or a.score is None:
        return a
    s = appraisal_spread(samples, scheme.confidence, deff, a.score)
    return replace(
        a, ci_low=s.low, ci_high=s.high, variance=s.variance, conservative=s.conservative
    )


def _appraisal(unit: str, facts: YearFacts, scheme: Scheme) -> rules.AppraisalScore | None:
    """One unit's 万人评议 under its group's ``scheme`` (None: no score), from its answer
    counts."""
    if unit not in facts.appraisal and unit not in facts.appraisal_scored:
        return None
    appraisal = appraisal_score(
        facts.appraisal.get(unit, {}),
        scheme,
        facts.appraisal_ballots.get(unit),
        facts.appraisal_variance.get(unit),
        facts.appraisal_scored.get(unit),
    )
    return appraisal if appraisal.score is not None else None


def score_unit(
    unit: str,
    facts: YearFacts,
    scheme: Scheme,
    integrity: Mapping[str, rules.IntegrityScore],
    integrity_from: str | None,
    deff: float | None = None,
    *,
    spread: bool = True,
) -> UnitResult:
    """One unit's components, 加减分 and composite (not yet ranked), under the scheme
    of the unit's 考核类别, its 万人评议 and 绩效考核 by the scalar rules; without the
    sampling spread and flags when ``spread`` is false. ``engine.evaluate`` gives the
    same for every unit at once."""
    group_scheme = scheme.for_group(facts.units.get(unit, UNREGISTERED).group)
    appraisal = _appraisal(unit, facts, group_scheme)
    performance = None
    if group_scheme.performance_rounds and unit in facts.performance_months:
        performance = rules.performance_by_rounds(facts.performance_months[unit], group_scheme)
    elif unit in facts.performance:
        performance = rules.performance_score(facts.performance[unit], group_scheme)
    s = components(
        unit,
        facts,
        scheme,
        integrity,
        integrity_from,
        {unit: appraisal} if appraisal is not None else {},
        {unit: performance} if performance is not None else {},
    )
    a = s.parts.appraisal
    if spread and a is not None:
        a = _with_interval(a, unit, facts, s.scheme, deff)
        s = s._replace(parts=s.parts._replace(appraisal=a))
    return _result(s, facts, spread)


def rank_and_grade(units: list[UnitResult], scheme: Scheme) -> list[UnitResult]:
    """Rank within each 考核类别 (composite descending, ties at the display decimals
    share a rank, vetoed units last) and grade every ranked unit."""
    placed = _places([(u.unit, u.group, u.composite, u.vetoed) for u in units], scheme)
    out = []
    for u in units:
        r, size = placed.get(u.unit, (None, None))
        out.append(
            replace(
                u,
                rank=r,
                group_size=size,
                grade=grade(u.composite, r, size, u.vetoed, scheme.for_group(u.group)),
            )
        )
    return out


# -- t quantiles and the appraisal's interval (was scoring/evidence.py) ---------------


def _t_cdf(x: float, df: float) -> float:
    """P(T ≤ x) for Student's t, by the regularised incomplete beta function."""
    if x == 0:
        return 0.5
    z = df / (df + x * x)
    tail = 0.5 * _betainc(df / 2, 0.5, z)
    return 1 - tail if x > 0 else tail


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes 6.4)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _betainc(b, a, 1 - x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for num in (
            m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-14:
            break
    return math.exp(ln_front) * h / a


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom (df ≥ 1; ∞ → normal),
    by bisection on the cdf (``evidence.t_quantiles`` runs it for many dfs at once)."""
    z = NormalDist().inv_cdf(p)
    if not math.isfinite(df) or df > 1e6:
        return z
    df = max(1.0, df)
    lo, hi = (0.0, max(1.0, abs(z))) if p > 0.5 else (min(-1.0, -abs(z)), 0.0)
    while _t_cdf(hi, df) < p:
        hi *= 2
    while _t_cdf(lo, df) > p:
        lo *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


def _pseudo_mean(c: CategorySample) -> float:
    """The category score with one pseudo-ballot at 0 and one at 100 added."""
    n = c.ballots + c.tally_ballots
    return (n * c.score + 100.0) / (n + 2)


def _guarded_variance(c: CategorySample, deff: float | None) -> float:
    """Variance of one category's score: ballot part plus the tally part times the design
    effect (clamped to [1, items]; ``None``: the conservative bound, the number of items),
    with one pseudo-ballot
    at 0 and one at 100 so that a tiny or constant category never claims certainty."""
    n = c.ballots + c.tally_ballots
    bound = float(max(c.items, 1))
    factor = bound if deff is None else min(bound, max(1.0, deff))
    observed = c.variance + factor * c.tally_variance  # ≈ σ²_pop / n
    sum_sq = observed * n * n  # Σ (x − m)² over the n ballots
    m = _pseudo_mean(c)
    sum_sq += n * (c.score - m) ** 2 + m**2 + (100.0 - m) ** 2
    per_ballot = sum_sq / (n + 1)  # sample variance over n + 2 ballots
    return per_ballot / n


def appraisal_spread(
    categories: Sequence[CategorySample], level: float, deff: float | None, score: float
) -> AppraisalSpread:
    """The appraisal score's variance and its interval at ``level`` around the published
    ``score`` (``evidence.appraisal_spreads`` gives it for many units at once).

    Categories are independent samples, weighted as in the score (weights renormalised over
    the categories that have answers). The interval is ``appraisal_interval``'s, with a t
    quantile of Welch–Satterthwaite degrees of freedom."""
    used = [c for c in categories if c.weight > 0 and c.ballots + c.tally_ballots > 0]
    if not used:
        return AppraisalSpread(None, math.inf, None, None, False)
    total_w = left_sum(c.weight for c in used)
    parts = []
    for c in used:
        n = c.ballots + c.tally_ballots
        parts.append(((c.weight / total_w) ** 2 * _guarded_variance(c, deff), n))
    variance = left_sum(v for v, _ in parts)
    denom = left_sum(v * v / max(n - 1, 1) for v, n in parts)
    df = variance * variance / denom if denom > 0 else math.inf
    conservative = deff is None and any(c.tally_ballots for c in used)
    spread = AppraisalSpread(variance, df, None, None, conservative)
    return appraisal_interval(categories, level, spread, score)


def appraisal_interval(
    categories: Sequence[CategorySample], level: float, spread: AppraisalSpread, score: float
) -> AppraisalSpread:
    """``spread`` (``appraisal_spread`` of ``categories`` without its interval) with the
    interval at ``level`` around the published ``score``: symmetric on the logit scale of
    the score with the pseudo-ballots' share ``a`` at each end, q = (1 − 2a) · score/100
    + a (a = Σ w_k / (n_k + 2), the weights renormalised: one pseudo-ballot at 0 and one
    at 100 per category, as in the variance), which keeps the logit finite at 0 and 100;
    the ends mapped back through the same shift and cut at 0 and 100. So the interval
    holds the score, is centred on it as the composite's is (on its scale, cut where it
    reaches past it), and is as wide as the variance says."""
    if spread.variance is None:
        return spread
    used = [c for c in categories if c.weight > 0 and c.ballots + c.tally_ballots > 0]
    total_w = left_sum(c.weight for c in used)
    a = left_sum(c.weight / total_w / (c.ballots + c.tally_ballots + 2) for c in used)
    shrink = 1 - 2 * a
    q = score / 100 * shrink + a
    se_logit = math.sqrt(spread.variance) / 100 * shrink / (q * (1 - q))
    half = t_quantile(0.5 + level / 2, spread.df) * se_logit
    centre = math.log(q / (1 - q))
    low, high = ((1 / (1 + math.exp(-(centre + s * half))) - a) / shrink * 100 for s in (-1, 1))
    return replace(spread, low=max(0.0, min(low, score)), high=min(100.0, max(high, score)))


# -- the year's counts numbered in SQL, and the figures over every ballot (was
# -- scoring/store.py and scoring/counts.py) --------------------------------------------

SQL = Path(__file__).parent / "sql"


def _sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


def read_appraisal_counts(
    cur: duckdb.DuckDBPyConnection, year: int, *, pairs: bool = True
) -> AppraisalCounts:
    """What ``Store.appraisal_year_counts`` returns, the cells numbered and ordered in SQL
    (sql/year_cells.sql, year_items.sql, year_answers.sql: dense ranks over the strings)
    rather than from the store's copy of the cells (store.read_appraisal_counts)."""
    params = {"year": year}
    found = cur.execute(_sql("year_cells"), params).fetchnumpy()
    if len(found["id"]) == 0:
        return AppraisalCounts.empty()
    labels = cur.execute(_sql("year_items"), params).fetchall()
    answers = cur.execute(_sql("year_answers"), params).fetchall()
    none = np.zeros(0, dtype=np.int64)
    pair = _arrays(cur, _PAIRS, params) if pairs else {"cell_a": none, "cell_b": none, "n": none}
    return _with_ballots(cur, year, found, labels, answers, pair, None)


def appraisal_counts(store: Store, year: int) -> pd.DataFrame:
    """The year's 万人评议 answer counts per unit, category, item and answer, grouped
    over every answer row (sql/appraisal_counts.sql), not read from the counts kept."""
    return store.query(_sql("appraisal_counts"), {"year": year})


def nested(kept: AppraisalCounts) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """counts[unit][category][item][answer] of the counts kept, the shape
    ``appraisal_score`` takes."""
    out: dict = {}
    for k, a, n in zip(
        kept.item_of.tolist(),
        kept.answer_of.tolist(),
        kept.answers_per_cell.tolist(),
        strict=True,
    ):
        unit, cat, item = kept.labels[k]
        out.setdefault(unit, {}).setdefault(cat, {}).setdefault(item, {})[kept.answers[a]] = n
    return out


def stats(
    kept: AppraisalCounts,
    cells: Iterable[tuple[str, str, str, float, float]],
    points: Mapping[str, float],
) -> pd.DataFrame:
    """``AppraisalCounts.stats_of_terms`` with each (unit, category, item)'s mean and coef
    given as ``variance_cells`` rows (others: no term): what ``appraisal_ballot_stats``
    computes over the ballots, from the counts kept."""
    position = {label: k for k, label in enumerate(kept.labels)}
    mean = np.zeros(len(kept.labels))
    coef = np.zeros(len(kept.labels))
    for u, c, i, m, k in cells:
        at = position.get((u, c, i))
        if at is not None:
            mean[at], coef[at] = m, k
    return kept.stats_of_terms(mean, coef, points)


def appraisal_ballot_stats(
    store: Store, year: int, points: Mapping[str, float], cells: pd.DataFrame
) -> pd.DataFrame:
    """Per unit and category, from ballot sheets: ``ballots``, the ballot-level
    ``variance`` and the ``answer_variance`` (each answer alone); from tally sheets:
    ``tally_ballots`` and ``tally_variance`` (answers alone: a tally has no ballots).
    ``cells`` has unit, category, item, mean, coef (``variance_cells``). Over every
    ballot row (sql/appraisal_ballot_stats.sql, appraisal_tally_stats.sql), not from the
    counts kept."""
    if cells.empty:  # DuckDB cannot type an empty list: one row that matches nothing
        cells = pd.DataFrame([{"unit": "", "category": "", "item": "", "mean": 0.0, "coef": 0.0}])
    params = {
        "year": year,
        "answers": list(points),
        "points": [float(v) for v in points.values()],
        "units": cells["unit"].tolist(),
        "categories": cells["category"].tolist(),
        "items": cells["item"].tolist(),
        "means": [float(v) for v in cells["mean"]],
        "coefs": [float(v) for v in cells["coef"]],
    }
    ballots = store.query(_sql("appraisal_ballot_stats"), params)
    tallies = store.query(_sql("appraisal_tally_stats"), params).rename(
        columns={"ballots": "tally_ballots", "variance": "tally_variance"}
    )
    both = ballots.merge(tallies, on=["unit", "category"], how="outer")
    for column in ("ballots", "variance", "answer_variance", "tally_ballots", "tally_variance"):
        both[column] = both[column].fillna(0)
    both["ballots"] = both["ballots"].astype("int64")
    both["tally_ballots"] = both["tally_ballots"].astype("int64")
    return both
