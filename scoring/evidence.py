"""The evidence behind a warning (告诫依据): how sure a score, a rank and a warning are.

Pure functions over figures the engine already has. The statements follow the kind of
warning (shared/spec/scoring.md, issue 18):

- 末位告诫: the gap to the unit ranked just above, with its interval, and the probability
  that the unit is truly last in its group, both from the **composite's** uncertainty;
- 效能告诫: whether the composite lies below the grade line with the scheme's confidence;
- 重点监督检查: whether the 满意率 lies below its threshold with that confidence;
- 一票否决: no statistical statement (the rule decides), the veto's reason;
- no estimate of the uncertainty: 无法判断.

Where the uncertainty comes from, and what is left out:

- 万人评议: the linearised sampling variance of each evaluator category's score over its
  ballots (a ballot's items summed before squaring), categories independent. Tally sheets
  carry no ballots, so their per-answer variance is multiplied by a design effect: the
  ratio of ballot-level to answer-level variance measured on the year's ballot sheets
  (clamped between 1 and the number of items), or, with no ballot sheets, the number of
  items — the Cauchy–Schwarz bound for fully correlated items, labelled as conservative.
  Each category's variance is guarded against tiny or constant samples by one pseudo-ballot
  at each end of the scale (0 and 100). The interval is built on the logit scale around the
  published score itself (the pseudo-ballots' share keeps the logit finite at 0 and 100),
  with a Student-t quantile (Welch–Satterthwaite degrees of freedom), and cut at 0 and 100:
  it always holds the score, as the composite's does.
- 绩效考核: each indicator's (trimmed) mean has the sampling variance of the scores it
  averages (the scorers treated as a sample); with fewer than two scores it is unknown.
- 勤廉测评: the variance of the mean vote points.
- 加减分 are recorded facts: no sampling variance.

>>> round(t_quantile(0.975, 5), 3), round(t_quantile(0.975, 1), 2)
(2.571, 12.71)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import repeat
from statistics import NormalDist
from typing import NamedTuple, Protocol

import numpy as np

from scoring.formats import fmt_chance, fmt_span
from scoring.summation import left_sum

__all__ = [
    "AppraisalSpread",
    "CategoryArrays",
    "Evidence",
    "Spread",
    "appraisal_spreads",
    "composite_spread",
    "design_effect",
    "gap_evidence",
    "integrity_variance",
    "last_place_probabilities",
    "line_evidence",
    "no_evidence",
    "p_last",
    "performance_variance",
    "rate_evidence",
    "statement",
    "t_quantile",
    "t_quantiles",
    "veto_evidence",
    "wilson",
]

YES, NO, UNKNOWN, NOT_APPLICABLE = "是", "否", "无法判断", "不适用"


# -- quantiles ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom (df ≥ 1; ∞ → normal):
    ``t_quantiles`` of the one df, kept for the calls that follow."""
    return t_quantiles(p, [df])[0]


def _t_cdfs(x: np.ndarray, df: np.ndarray, front: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Student's t cdf P(T ≤ x) of each (x, df), by the regularised incomplete beta
    function (a continued fraction, Numerical Recipes 6.4), with the floating-point
    operations of the scalar form (tests/reference.py, ``_t_cdf``) in the same
    order (numpy's +, −, ×, ÷ round as Python's; logarithms and exponentials are taken
    with ``math`` one by one), so each value is the one the scalar form gives.
    ``front`` holds lgamma(a + b) − lgamma(a) − lgamma(b) per df, unflipped and flipped
    (equal)."""
    out = np.full(len(x), 0.5)
    z = df / (df + x * x)
    a, b = df / 2, np.full(len(x), 0.5)
    beta = np.where(z >= 1, 1.0, 0.0)
    todo = np.flatnonzero((x != 0) & (z > 0) & (z < 1))
    if len(todo):
        a0, b0, z0 = a[todo], b[todo], z[todo]
        flip = z0 > (a0 + 1) / (a0 + b0 + 2)
        aa, bb = np.where(flip, b0, a0), np.where(flip, a0, b0)
        xx = np.where(flip, 1 - z0, z0)
        lg = np.where(flip, front[1][todo], front[0][todo])
        logs = np.array([math.log(v) for v in xx.tolist()])
        log1ps = np.array([math.log1p(-v) for v in xx.tolist()])
        ln_front = lg + aa * logs + bb * log1ps
        value = _continued_fractions(aa, bb, xx)
        value = np.array([math.exp(f) for f in ln_front.tolist()]) * value / aa
        beta[todo] = np.where(flip, 1.0 - value, value)
    tail = 0.5 * beta
    done = x != 0
    out[done] = np.where(x[done] > 0, 1 - tail[done], tail[done])
    return out


def _continued_fractions(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction ``h`` of the incomplete beta function (tests/reference.py,
    ``_betainc``) for each (a, b, x), each element stopping at the step where the
    scalar loop stops."""
    tiny = 1e-300
    d = 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / np.where(np.abs(d) > tiny, d, tiny)
    out = d.copy()
    # The elements still iterating, compressed: their a, b, a + b, x, c, d, h.
    live = np.arange(len(x))
    al, bl, abl, xl = a, b, a + b, x
    cl, dl, hl = np.ones(len(x)), d, d.copy()
    for m in range(1, 300):
        m2 = 2 * m
        t = al + m2
        nums = (
            m * (bl - m) * xl / ((t - 1) * t),
            -(al + m) * (abl + m) * xl / (t * (t + 1)),
        )
        for num in nums:
            dl = 1.0 + num * dl
            dl = 1.0 / np.where(np.abs(dl) > tiny, dl, tiny)
            cl = 1.0 + num / cl
            cl = np.where(np.abs(cl) > tiny, cl, tiny)
            hl = hl * (dl * cl)
        stop = np.abs(dl * cl - 1.0) < 1e-14
        if stop.any():
            out[live[stop]] = hl[stop]
            go = ~stop
            live, al, bl, abl, xl = live[go], al[go], bl[go], abl[go], xl[go]
            cl, dl, hl = cl[go], dl[go], hl[go]
            if not len(live):
                break
    out[live] = hl
    return out


def _t_guess(z: float, df: np.ndarray) -> np.ndarray:
    """The t quantile near the normal one ``z`` by its expansion in 1/df (Abramowitz and
    Stegun 26.7.5): its error is of order df^-5, under 1e-11 from df 100 on."""
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    v = 1.0 / df
    return z + (g1 + (g2 + (g3 + g4 * v) * v) * v) * v


# The bisection's steps far from the quantile are decided without the t distribution's
# cdf (see t_quantiles): outside a bracket around the guess (half-width ``_step``, by df:
# the guess errs by under 1e-11 from df 150 on, 1e-10 from df 100, 3e-8 from df 30),
# where the cdf at the bracket's ends is at least _MARGIN from p. The cdf's error is a
# factor constant in x for a given df (its lgamma terms) and a rounding noise of about
# 1e-15; the margin is far above the noise, and a constant factor keeps the order.
# Degrees of freedom up to _SURE_DF (beyond, the continued fraction may not converge).
_MARGIN, _SURE_DF = 1e-12, 1e4


def _step(df: np.ndarray) -> np.ndarray:
    step: np.ndarray = np.where(df >= 150, 1e-10, np.where(df >= 100, 1e-9, 1e-6))
    return step


def t_quantiles(p: float, dfs: Sequence[float]) -> list[float]:
    """The p-quantile of Student's t for each df, computed together: the bisection on
    the cdf of the scalar form (tests/reference.py, ``t_quantile``) with the same steps
    for every df at once (numpy), so the values are the scalar form's to the last bit.
    A city's units have as many degrees of freedom as units, and the bisection costs a
    millisecond each in Python.

    Most of the bisection's 45 steps compare the cdf with p far from the quantile, where
    the answer is known: the cdf is taken at the ends of a bracket around an approximate
    quantile (``_t_guess``), and where it lies clearly below p at one end and above it
    at the other, a step outside the bracket takes the side it must (the cdf rises)
    without computing the cdf. A df whose next step needs the cdf waits until every df
    still running needs it, so each of the ~8 steps within the brackets is one
    vectorised cdf for all (each costs the same whether for 2 dfs or 2,000)."""
    df_in = np.asarray(dfs, dtype=float)
    out = np.empty(len(df_in))
    z = NormalDist().inv_cdf(p)
    normal = ~np.isfinite(df_in) | (df_in > 1e6)
    out[normal] = z
    rest = np.flatnonzero(~normal)
    if not len(rest):
        return out.tolist()
    df = np.maximum(1.0, df_in[rest])
    lg = [
        (
            math.lgamma(a + 0.5) - math.lgamma(a) - math.lgamma(0.5),
            math.lgamma(0.5 + a) - math.lgamma(0.5) - math.lgamma(a),
        )
        for a in (df / 2).tolist()
    ]
    front_all = (np.array([f for f, _ in lg]), np.array([g for _, g in lg]))

    def cdf(x: np.ndarray, at: np.ndarray) -> np.ndarray:
        return _t_cdfs(x, df[at], (front_all[0][at], front_all[1][at]))

    n = len(df)
    every = np.arange(n)
    guess, step = _t_guess(z, df), _step(df)
    low_end, high_end = guess - step, guess + step
    sure = (
        (df <= _SURE_DF)
        & (cdf(low_end, every) < p - _MARGIN)
        & (cdf(high_end, every) > p + _MARGIN)
    )
    # Where the cdf is below p for certain (x ≤ below) and above it (x ≥ above).
    below = np.where(sure, low_end, -np.inf)
    above = np.where(sure, high_end, np.inf)

    def compare(x: np.ndarray, at: np.ndarray, greater: bool) -> np.ndarray:
        """cdf(x) > p (``greater``) or cdf(x) < p for the dfs at ``at``."""
        out: np.ndarray = x >= above[at] if greater else x <= below[at]
        open_ = (x > below[at]) & (x < above[at])
        if open_.any():
            found = cdf(x[open_], at[open_])
            out[open_] = found > p if greater else found < p
        return out

    if p > 0.5:
        lo, hi = np.zeros(n), np.full(n, max(1.0, abs(z)))
    else:
        lo, hi = np.full(n, min(-1.0, -abs(z))), np.zeros(n)
    at = every
    while len(at):
        low = compare(hi[at], at, greater=False)
        hi[at[low]] *= 2
        at = at[low]
    at = every
    while len(at):
        high = compare(lo[at], at, greater=True)
        lo[at[high]] *= 2
        at = at[high]
    steps = np.zeros(n, dtype=np.int64)  # the scalar loop's count, at most 200
    at = every
    while len(at):
        mid = (lo[at] + hi[at]) / 2
        known_low, known_high = mid <= below[at], mid >= above[at]
        decided = known_low | known_high
        if decided.any():  # these steps only; the others wait
            go, step_down = at[decided], known_low[decided]
            mid = mid[decided]
        else:
            go, step_down = at, cdf(mid, at) < p
        lo[go[step_down]] = mid[step_down]
        hi[go[~step_down]] = mid[~step_down]
        steps[go] += 1
        done = (hi[go] - lo[go] < 1e-12) | (steps[go] >= 200)
        if done.any():
            at = np.setdiff1d(at, go[done], assume_unique=True)
    out[rest] = (lo + hi) / 2
    return out.tolist()


def _two_sided(level: float, df: float = math.inf) -> float:
    return t_quantile(0.5 + level / 2, df)


def percent(level: float) -> str:
    """The level as leaders read it: 0.95 → 95%, 0.9 → 90%, 0.995 → 99.5%."""
    return f"{level * 100:.10g}%"


# -- 万人评议 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppraisalSpread:
    """The appraisal score's sampling variance and interval (0–100)."""

    variance: float | None
    df: float
    low: float | None
    high: float | None
    conservative: bool  # a tally was widened by the conservative bound


def design_effect(ballot_variance: float, answer_variance: float, items: int) -> float:
    """How much a ballot's items move together: ballot-level over answer-level variance,
    clamped to [1, items] (never narrower than independent answers, never wider than fully
    correlated ones).

    >>> design_effect(2.0, 1.0, 6), design_effect(0.5, 1.0, 6), design_effect(9.0, 1.0, 6)
    (2.0, 1.0, 6.0)
    """
    if answer_variance <= 0:
        return 1.0
    return min(float(max(items, 1)), max(1.0, ballot_variance / answer_variance))


class CategoryArrays(NamedTuple):
    """The sampling figures of each evaluator category of many units, as [unit, category]
    arrays (one unit's, one category at a time: ``CategorySample`` in tests/reference.py);
    ``sampled`` says which categories are among a unit's samples (the others' values are
    ignored)."""

    sampled: np.ndarray
    weight: np.ndarray  # the category's weight in the score
    score: np.ndarray  # the category's score
    ballots: np.ndarray  # ballots on ballot sheets
    # The linearised variance of the category score from ballot sheets (the sum over
    # ballots of the squared ballot terms).
    variance: np.ndarray
    tally_ballots: np.ndarray  # ballots on tally sheets
    tally_variance: np.ndarray  # the same from tally sheets, each counted answer alone
    items: np.ndarray  # answered items (for the conservative design effect)


def _square(x: np.ndarray) -> np.ndarray:
    """Python's ``x ** 2`` (the C library's pow) of each element: for about one float in
    a thousand it differs in the last bit from x * x, which numpy's ``** 2`` computes."""
    flat = x.ravel().tolist()
    squares = np.fromiter(map(pow, flat, repeat(2, len(flat))), np.float64, len(flat))
    return squares.reshape(x.shape)


def appraisal_spreads(
    c: CategoryArrays, score: np.ndarray, level: float, deff: float | None
) -> list[AppraisalSpread]:
    """The appraisal score's sampling variance and its interval at ``level`` around the
    published ``score`` for each unit's samples (a row of ``c``; ``score`` the unit's
    万人评议得分), all units at once. Categories are independent samples, weighted as in
    the score (weights renormalised over the categories that have answers); each
    category's variance has one pseudo-ballot at 0 and one at 100 (a tiny or constant
    category never claims certainty), a tally's times the design effect ``deff``
    (clamped to [1, items]; ``None``: the number of items, the conservative bound).

    The interval is symmetric, on the logit scale, around the score itself: the score is
    taken with the pseudo-ballots' share ``a`` at each end, q = (1 − 2a) · score/100 + a
    (a = Σ w_k / (n_k + 2)), which keeps the logit finite at 0 and 100; the ends, a t
    quantile of Welch–Satterthwaite degrees of freedom times the delta-method standard
    error either side, are mapped back through the same shift and cut at 0 and 100 (as
    the composite's interval is cut at its scale). So it always holds the published
    score; before, it was centred on the pseudo-ballot mean, several points below the
    score with few ballots, and could leave the score out.

    The scalar form, one unit at a time, is ``appraisal_spread`` in tests/reference.py;
    this gives its values to the last bit: the same floating-point operations in the same
    order (sums over a unit's categories accumulated category by category, as Python's
    ``sum`` adds; squares as Python's ``** 2``; logarithms and exponentials with
    ``math``), and the t quantiles of all units taken together (``t_quantiles``)."""
    n = c.ballots + c.tally_ballots
    used = c.sampled & (c.weight > 0) & (n > 0)
    size, width = used.shape
    total_w = np.zeros(size)
    for k in range(width):
        total_w = np.where(used[:, k], total_w + c.weight[:, k], total_w)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.maximum(c.items, 1).astype(np.float64)
        factor = bound if deff is None else np.minimum(bound, max(1.0, deff))
        observed = c.variance + factor * c.tally_variance  # _guarded_variance
        sum_sq = observed * n * n
        m = (n * c.score + 100.0) / (n + 2)  # _pseudo_mean
        sum_sq = sum_sq + (n * _square(c.score - m) + _square(m) + _square(100.0 - m))
        guarded = sum_sq / (n + 1) / n
        part = _square(c.weight / total_w[:, None]) * guarded
        spread = np.maximum(n - 1, 1)
        variance, denom, share = np.zeros(size), np.zeros(size), np.zeros(size)
        for k in range(width):
            here = used[:, k]
            variance = np.where(here, variance + part[:, k], variance)
            denom = np.where(here, denom + part[:, k] * part[:, k] / spread[:, k], denom)
            share = np.where(here, share + c.weight[:, k] / total_w / (n[:, k] + 2), share)
        df = np.where(denom > 0, variance * variance / denom, math.inf)
        shrink = 1 - 2 * share
        q = score / 100 * shrink + share
        se_logit = np.sqrt(variance) / 100 * shrink / (q * (1 - q))
    some = used.any(axis=1)
    conservative = (used & (c.tally_ballots > 0)).any(axis=1) & (deff is None)
    at = np.flatnonzero(some)
    quantile = np.zeros(size)
    quantile[at] = t_quantiles(0.5 + level / 2, df[at].tolist())
    half = (quantile * se_logit).tolist()
    out = []
    rows = zip(
        variance.tolist(),
        df.tolist(),
        score.tolist(),
        q.tolist(),
        share.tolist(),
        shrink.tolist(),
        half,
        conservative.tolist(),
        strict=True,
    )
    for j, (v, d, sj, qj, aj, sh, h, cons) in enumerate(rows):
        if not some[j]:
            out.append(AppraisalSpread(None, math.inf, None, None, False))
            continue
        centre = math.log(qj / (1 - qj))
        low = (1 / (1 + math.exp(-(centre + -1 * h))) - aj) / sh * 100
        high = (1 / (1 + math.exp(-(centre + 1 * h))) - aj) / sh * 100
        out.append(AppraisalSpread(v, d, max(0.0, min(low, sj)), min(100.0, max(high, sj)), cons))
    return out


# -- 绩效考核 and 勤廉测评 -------------------------------------------------------------------


def performance_variance(
    indicators: Sequence[tuple[float, int, float, float, float, float, bool]],
) -> float | None:
    """Sampling variance of the performance score.

    ``indicators``: (weight, n, total, sum of squares, lowest, highest, trimmed) per
    indicator present, scores as percentages. A trimmed mean's variance is taken as that of
    the mean of the scores it keeps (an approximation that slightly understates it).
    ``None`` when an indicator has fewer than two scores kept."""
    total_w = left_sum(w for w, *_ in indicators)
    if total_w <= 0:
        return None
    out = 0.0
    for weight, n, total, sumsq, lo, hi, trimmed in indicators:
        if trimmed:
            n, total, sumsq = n - 2, total - lo - hi, sumsq - lo * lo - hi * hi
        if n < 2:
            return None
        s2 = max(0.0, (sumsq - total * total / n) / (n - 1))
        out += (weight / total_w) ** 2 * s2 / n
    return out


def integrity_variance(counts: Mapping[str, int], points: Mapping[str, float]) -> float | None:
    """Sampling variance of the mean vote points; ``None`` with fewer than two votes.

    >>> round(integrity_variance({"优秀": 1, "称职": 1}, {"优秀": 100, "称职": 80}), 6)
    100.0
    """
    votes = {r: n for r, n in counts.items() if r in points and n > 0}
    n = sum(votes.values())
    if n < 2:
        return None
    mean = left_sum(k * points[r] for r, k in votes.items()) / n
    s2 = left_sum(k * (points[r] - mean) ** 2 for r, k in votes.items()) / (n - 1)
    return s2 / n


# -- the composite -------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """The composite's standard error and interval, and what its variance leaves out."""

    se: float | None
    low: float | None
    high: float | None
    left_out: tuple[str, ...]


def composite_spread(
    value: float | None,
    weights: Mapping[str, float],
    variances: Mapping[str, float | None],
    level: float,
    names: Mapping[str, str] | None = None,
) -> Spread:
    """Composite = Σ w_k X_k + adjustment: Var = Σ w_k² Var(X_k), the components being
    independent samples and the adjustment a fact. A component whose variance is unknown is
    left out of the sum and named; with none known the spread is unknown."""
    names = names or {}
    known = {k: v for k, v in variances.items() if k in weights and v is not None}
    left_out = tuple(names.get(k, k) for k in weights if variances.get(k) is None)
    if value is None or not known:
        return Spread(None, None, None, left_out)
    var = left_sum(weights[k] ** 2 * v for k, v in known.items())
    se = math.sqrt(var)
    half = _two_sided(level) * se
    return Spread(se, value - half, value + half, left_out)


_erfc = np.frompyfunc(math.erfc, 1, 1)
# erfc is exactly 2 from -6 down and 0 from 28 up (the C library's erfc returns the
# constants there, fdlibm's branches; checked once here): most of a group's units lie
# that far from the last one's quadrature nodes, and math.erfc costs 0.1 µs a call.
_FLAT = all(math.erfc(x) == 2.0 for x in (-6.0, -7.5, -30.0, -1e300)) and all(
    math.erfc(x) == 0.0 for x in (28.0, 30.0, 1e300)
)


def _half_erfc(x: np.ndarray) -> np.ndarray:
    """0.5 * math.erfc of each element, computed only off the flat tails."""
    if not _FLAT:
        whole: np.ndarray = 0.5 * _erfc(x).astype(float)
        return whole
    out = np.where(x <= -6.0, 1.0, 0.0)
    between = (x > -6.0) & (x < 28.0)
    values = x[between]
    out[between] = 0.5 * np.fromiter(map(math.erfc, values.tolist()), float, len(values))
    return out


@lru_cache(maxsize=1)
def _quadrature() -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Hermite nodes and weights for the standard normal (160 points), computed
    once: numpy finds them by an eigenvalue problem that costs milliseconds."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(160)
    return nodes, weights / math.sqrt(2 * math.pi)


def p_last(values: Sequence[float], ses: Sequence[float], index: int) -> float:
    """Probability that unit ``index`` is truly the lowest of ``values``, each unit's true
    value normal around its observed value with its standard error, independently.

    Exact by quadrature: ∫ φ_i(x) Π_{j≠i} (1 − Φ_j(x)) dx; units without spread enter as
    fixed values.

    >>> round(p_last([50.0, 50.0], [1.0, 1.0], 0), 6)
    0.5
    >>> round(p_last([50.0, 60.0], [0.0, 0.0], 0), 6)
    1.0
    """
    v = np.asarray(values, dtype=float)
    s = np.asarray(ses, dtype=float)
    others = np.arange(len(v)) != index
    if s[index] <= 0:
        x = np.array([v[index]])
        w = np.array([1.0])
    else:
        nodes, w = _quadrature()
        x = v[index] + s[index] * nodes
    vo, so = v[others], s[others]
    spread = so > 0
    # Every other unit's factor at every node at once (math.erfc on each, as before),
    # then multiplied in the units' order.
    z = (x[None, :] - vo[spread, None]) / so[spread, None]
    tails = _half_erfc(z / math.sqrt(2))
    prob = np.ones_like(x)
    row = 0
    for vj, has_spread in zip(vo.tolist(), spread.tolist(), strict=True):
        if has_spread:
            prob *= tails[row]
            row += 1
        else:
            prob *= np.where(x < vj, 1.0, np.where(x == vj, 0.5, 0.0))
    return float(np.clip((w * prob).sum(), 0.0, 1.0))


# -- statements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """How sure a warning is, in one sentence, with the verdict leaders read first.

    ``verdict`` answers "does the data bear the warning out beyond sampling noise?":
    是 / 否 / 无法判断, or 不适用 where a rule (a veto) decides and statistics has no say."""

    verdict: str
    sentence: str
    gap: float | None = None
    gap_low: float | None = None
    gap_high: float | None = None
    p_last: float | None = None

    @property
    def significant(self) -> bool | None:
        return {YES: True, NO: False}.get(self.verdict)


def _num(x: float, decimals: int) -> str:
    """Rounded half up (四舍五入) like every published figure; a true minus sign."""
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{q:.{decimals}f}".replace("-", "−")


def gap_evidence(
    unit_value: float,
    unit_se: float | None,
    above_name: str | None,
    above_value: float | None,
    above_se: float | None,
    probability_last: float | None,
    level: float,
    decimals: int = 2,
) -> Evidence:
    """末位告诫: the gap to the unit just above and the probability of being truly last."""
    if above_name is None or above_value is None:
        return no_evidence("组内没有排在其上的单位，无法比较")
    if unit_se is None or above_se is None:
        return no_evidence(
            f"与上一名 {above_name} 相差 {_num(above_value - unit_value, decimals)} 分，"
            "但综合得分的抽样误差无法估计，无法判断排名差异是否显著"
        )
    gap = above_value - unit_value
    se = math.hypot(unit_se, above_se)
    half = _two_sided(level) * se
    low, high = gap - half, gap + half
    significant = low > 0
    words = "排名差异显著" if significant else "排名差异不显著"
    sentence = (
        f"与上一名 {above_name} 相差 {_num(gap, decimals)} 分"
        f"（{percent(level)} 区间 {fmt_span(low, high, lambda x: _num(x, decimals))}），{words}"
    )
    if probability_last is not None:
        sentence += f"；为真实末位的概率约 {fmt_chance(probability_last)}"
    return Evidence(YES if significant else NO, sentence, gap, low, high, probability_last)


def line_evidence(
    value: float,
    low: float | None,
    high: float | None,
    line: float,
    level: float,
    decimals: int = 2,
    label: str = "综合得分",
) -> Evidence:
    """效能告诫: is the composite below the grade line with the scheme's confidence?"""
    short = _num(line - value, decimals)
    head = f"{label} {_num(value, decimals)}，低于 {line:g} 分的分数线 {short} 分"
    if low is None or high is None:
        return no_evidence(head + "，抽样误差无法估计")
    sure = high < line
    return Evidence(
        YES if sure else NO,
        head
        + f"（{percent(level)} 区间 {fmt_span(low, high, lambda x: _num(x, decimals))}），"
        + ("确定低于分数线" if sure else "区间跨过分数线，低于分数线不显著"),
    )


def wilson(successes: float, n: float, level: float) -> tuple[float, float]:
    """Wilson score interval for a proportion (stays within 0–1, sane at 0 and n).

    >>> lo, hi = wilson(0, 10, 0.95); round(lo, 4), round(hi, 4)
    (0.0, 0.2775)
    """
    z = _two_sided(level)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_evidence(rate: float, ballots: int, threshold: float, level: float) -> Evidence:
    """重点监督检查: is the 满意率 below the threshold with the scheme's confidence?

    The rate pools every answer, but a ballot's answers move together, so the interval
    counts ballots, not answers (a conservative effective sample size)."""
    head = f"满意率 {rate:.2%}，低于 {threshold:.0%}"
    if ballots < 1:
        return no_evidence(head + "，没有问卷份数，无法估计误差")
    low, high = wilson(rate * ballots, ballots, level)
    sure = high < threshold
    span = fmt_span(low, high, "{:.2%}".format)
    return Evidence(
        YES if sure else NO,
        head
        + f"（{percent(level)} 区间 {span}，按 {ballots} 份问卷计），"
        + ("确定低于门槛" if sure else "区间跨过门槛，低于门槛不显著"),
    )


def veto_evidence(reason: str) -> Evidence:
    """一票否决: the rule decides; no statistical statement applies."""
    return Evidence(NOT_APPLICABLE, f"一票否决（{reason}），按规则认定，不作统计判断")


def no_evidence(why: str) -> Evidence:
    return Evidence(UNKNOWN, why)


# -- attaching the statements ---------------------------------------------------------------


class Judged(Protocol):
    """What the statements read of a unit (``outcome.UnitResult`` is one)."""

    @property
    def unit(self) -> str: ...

    @property
    def group(self) -> str | None: ...

    @property
    def rank(self) -> int | None: ...

    @property
    def composite(self) -> float | None: ...

    @property
    def composite_se(self) -> float | None: ...

    @property
    def composite_low(self) -> float | None: ...

    @property
    def composite_high(self) -> float | None: ...

    @property
    def vetoed(self) -> bool: ...

    @property
    def veto_reasons(self) -> tuple[str, ...]: ...

    @property
    def satisfaction_rate(self) -> float | None: ...

    @property
    def ballots(self) -> int: ...

    @property
    def p_last(self) -> float | None: ...


def last_place_probabilities(members: Sequence[Judged]) -> dict[str, float]:
    """p_last for the units at the last rank of one group (vetoed units excepted: a rule
    put them there). Units whose spread is unknown enter as fixed values; a last unit with
    unknown spread gets none."""
    open_ = [m for m in members if not m.vetoed and m.composite is not None and m.rank]
    if not open_:
        return {}
    last = max(m.rank or 0 for m in members)
    values = [float(m.composite or 0.0) for m in open_]
    ses = [m.composite_se or 0.0 for m in open_]
    return {
        m.unit: p_last(values, ses, i)
        for i, m in enumerate(open_)
        if m.rank == last and m.composite_se is not None
    }


def _above(s: Judged, members: Sequence[Judged]) -> Judged | None:
    """The unit ranked just above ``s`` (the one it would swap places with)."""
    higher = [m for m in members if m.rank is not None and s.rank is not None and m.rank < s.rank]
    return max(higher, key=lambda m: (m.rank or 0, -(m.composite or 0.0)), default=None)


def statement(
    kind: str,
    s: Judged,
    members: Sequence[Judged],
    *,
    level: float,
    grade_line: float,
    rate_line: float,
    decimals: int = 2,
) -> Evidence | None:
    """The evidence that fits a warning of ``kind`` (warnings.LAST_PLACE …) on unit ``s``."""
    from scoring.warnings import INEFFICIENT, LAST_PLACE, SUPERVISION

    if kind in (LAST_PLACE, INEFFICIENT) and s.vetoed:
        return veto_evidence("；".join(s.veto_reasons) or "一票否决事项")
    if kind in (LAST_PLACE, INEFFICIENT) and s.composite is None:
        return no_evidence("没有综合得分，无法判断")
    if kind == LAST_PLACE:
        above = _above(s, members)
        return gap_evidence(
            float(s.composite or 0.0),
            s.composite_se,
            above.unit if above else None,
            above.composite if above else None,
            above.composite_se if above else None,
            s.p_last,
            level,
            decimals,
        )
    if kind == INEFFICIENT:
        return line_evidence(
            float(s.composite or 0.0),
            s.composite_low,
            s.composite_high,
            grade_line,
            level,
            decimals,
        )
    if kind == SUPERVISION:
        if s.satisfaction_rate is None:
            return no_evidence("没有满意率，无法判断")
        return rate_evidence(s.satisfaction_rate, s.ballots, rate_line, level)
    return None
