"""The composite's scale (得分范围) and its interval kept within it (区间).

The composite is Σ w_k X_k + adjustment (``rules.composite``, the weights renormalised
over the components the unit has), each X_k on its component's scale: 万人评议 and 勤廉测评
between the lowest and highest points the scheme gives an answer or a vote, 绩效考核 (a
percentage of each indicator's 满分) and 专项考评 (a 0–100 score, sheets.md) 0–100. So a
unit's composite cannot leave [Σ w_k lo_k + a, Σ w_k hi_k + a]. Its sampling interval,
value ± z·se, can (a cadre judged on a few 勤廉 votes near the top: 95.00 ± 9.80): shown
as it is, it claims scores no one can get. Where a composite's interval is shown (cards,
explain lines, the command line), it is cut at the scale, and says so.

Only what is shown is cut: the interval the results carry (``Spread``) stays as computed,
and so do the statements built from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scoring.formats import fmt_score, fmt_span
from scoring.outcome import UnitResult
from scoring.scheme import Scheme
from scoring.summation import left_sum

__all__ = ["Bounded", "component_scale", "composite_interval", "composite_scale"]

PERCENT_SCALE = (0.0, 100.0)  # 绩效考核 (percent of 满分) and 专项考评 scores
_POINTS = {"appraisal": "appraisal_points", "integrity": "integrity_points"}


def component_scale(scheme: Scheme, key: str) -> tuple[float, float]:
    """The lowest and highest score a component can take under ``scheme``."""
    attr = _POINTS.get(key)
    if attr is None:
        return PERCENT_SCALE
    points = [float(v) for v in getattr(scheme, attr).values()]
    return (min(points), max(points)) if points else PERCENT_SCALE


def composite_scale(
    weights: dict[str, float] | None, adjustment: float, scheme: Scheme
) -> tuple[float, float] | None:
    """[Σ w_k lo_k + a, Σ w_k hi_k + a] over the weights the unit's composite used."""
    if not weights:
        return None
    scales = {k: component_scale(scheme, k) for k in weights}
    low = left_sum(w * scales[k][0] for k, w in weights.items()) + adjustment
    high = left_sum(w * scales[k][1] for k, w in weights.items()) + adjustment
    return low, high


@dataclass(frozen=True)
class Bounded:
    """A composite's interval as shown: cut at the scale when it reaches past it."""

    low: float
    high: float
    floor: float
    top: float
    cut_low: bool
    cut_high: bool

    @property
    def cut(self) -> bool:
        return self.cut_low or self.cut_high

    def text(self, fmt: Callable[[float], str] = fmt_score) -> str:
        """「90.20～100.00（超出得分范围 0.00～100.00 的部分已截去）」, or the bare span."""
        span = fmt_span(self.low, self.high, fmt)
        if not self.cut:
            return span
        return f"{span}（超出得分范围 {fmt_span(self.floor, self.top, fmt)} 的部分已截去）"


def composite_interval(unit: UnitResult, scheme: Scheme) -> Bounded | None:
    """The unit's composite interval within its scale (None when it has none), under
    ``scheme`` (the whole year's: the unit's group's part is taken here)."""
    low, high = unit.composite_low, unit.composite_high
    scale = composite_scale(
        dict(unit.composite_detail.weights), unit.adjustment, scheme.for_group(unit.group)
    )
    if low is None or high is None or scale is None:
        return None
    floor, top = scale
    return Bounded(max(low, floor), min(high, top), floor, top, low < floor, high > top)
