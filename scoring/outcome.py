"""What a year's evaluation produces (考评结果): one ``UnitResult`` per unit and the
year's ``Results`` with warnings and honours. Built by ``scoring.engine.evaluate``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from scoring import rules
from scoring.evidence import Spread
from scoring.scheme import Scheme
from scoring.warnings import Honour, Warning

__all__ = ["COMPONENT_NAMES", "Results", "Summary", "UnitResult"]


class _Names(dict[str, str]):
    """Built-in components by their Chinese names; a 专项考评 item is its own name."""

    def __missing__(self, key: str) -> str:
        return key


COMPONENT_NAMES = _Names(appraisal="万人评议", performance="绩效考核", integrity="勤廉测评")


@dataclass(frozen=True)
class UnitResult:
    """One unit's result for a year, with every figure it rests on."""

    unit: str
    type: str
    parent: str | None
    group: str | None
    appraisal_detail: rules.AppraisalScore | None
    performance_detail: rules.PerformanceScore | None
    integrity_detail: rules.IntegrityScore | None
    integrity_from: str | None
    adjustment_detail: rules.Adjustment
    adjustment_entries: tuple[tuple[str, float, str], ...]
    composite_detail: rules.Composite
    # 专项考评 components (目标考核 …) the scheme weighs: 项目 → score (0–100).
    extra_scores: Mapping[str, float] = field(default_factory=dict)
    rank: int | None = None
    group_size: int | None = None
    grade: str | None = None
    warning_details: tuple[Warning, ...] = ()
    flags: tuple[str, ...] = ()
    # How sure the composite is (evidence.composite_spread) and, for a unit at the last
    # rank of its group, the probability that it is truly last (evidence.p_last).
    spread: Spread | None = None
    p_last: float | None = None
    veto_reasons: tuple[str, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """The kinds of this unit's warnings (the objects, with reasons: ``warning_details``)."""
        return tuple(w.kind for w in self.warning_details)

    def component(self, key: str) -> float | None:
        """A component's score by its key in composite.weights (built-in or 专项考评)."""
        if key in ("appraisal", "performance", "integrity"):
            value: float | None = getattr(self, key)
            return value
        return self.extra_scores.get(key)

    @property
    def appraisal(self) -> float | None:
        return self.appraisal_detail.score if self.appraisal_detail else None

    @property
    def performance(self) -> float | None:
        return self.performance_detail.score if self.performance_detail else None

    @property
    def integrity(self) -> float | None:
        return self.integrity_detail.score if self.integrity_detail else None

    @property
    def adjustment(self) -> float:
        return self.adjustment_detail.value

    @property
    def composite(self) -> float | None:
        return self.composite_detail.value

    @property
    def vetoed(self) -> bool:
        return self.adjustment_detail.vetoed

    @property
    def satisfaction_rate(self) -> float | None:
        return self.appraisal_detail.satisfaction_rate if self.appraisal_detail else None

    @property
    def ballots(self) -> int:
        return self.appraisal_detail.ballots if self.appraisal_detail else 0

    @property
    def composite_se(self) -> float | None:
        return self.spread.se if self.spread else None

    @property
    def composite_low(self) -> float | None:
        return self.spread.low if self.spread else None

    @property
    def composite_high(self) -> float | None:
        return self.spread.high if self.spread else None

    @property
    def ci_low(self) -> float | None:
        return self.appraisal_detail.ci_low if self.appraisal_detail else None

    @property
    def ci_high(self) -> float | None:
        return self.appraisal_detail.ci_high if self.appraisal_detail else None


@dataclass(frozen=True)
class Summary:
    units: int
    groups: int
    ballots: int
    mean_satisfaction: float | None
    warnings: int
    warnings_by_kind: dict[str, int]
    grades: dict[str, int]


@dataclass(frozen=True)
class Results:
    year: int
    scheme: Scheme = field(repr=False)
    scheme_version: int  # 0 = the default scheme, never set for the year
    units: tuple[UnitResult, ...]
    warnings: tuple[Warning, ...]
    honours: tuple[Honour, ...]
    # Units warned (末位告诫 or 效能告诫) this year → consecutive years so warned,
    # this one included: next year's escalation reads it (results.previous_warnings).
    streaks: Mapping[str, int] = field(default_factory=dict)

    def warnings_for(self, name: str) -> list[Warning]:
        return [w for w in self.warnings if w.unit == name]

    def unit(self, name: str) -> UnitResult | None:
        return next((u for u in self.units if u.unit == name), None)

    @property
    def groups(self) -> list[str]:
        """Ranking groups, departments' first (what leaders look at first), then by name."""
        order = {t: i for i, t in enumerate(("部门", "窗口", "项目", "科室"))}
        kind: dict[str, int] = {}
        for u in self.units:
            if u.group:
                kind[u.group] = min(kind.get(u.group, 9), order.get(u.type, 9))
        return sorted(kind, key=lambda g: (kind[g], g))

    def summary(self) -> Summary:
        """Headline figures for the overview and the report."""
        ranked = self.ranked()
        rates = [u.satisfaction_rate for u in ranked if u.satisfaction_rate is not None]
        kinds: dict[str, int] = {}
        for w in self.warnings:
            kinds[w.kind] = kinds.get(w.kind, 0) + 1
        counted: dict[str, int] = {}
        for u in ranked:
            if u.grade:
                counted[u.grade] = counted.get(u.grade, 0) + 1
        order = {name: i for i, name in enumerate(self.scheme.grade_names)}  # best first
        grades = dict(sorted(counted.items(), key=lambda kv: order.get(kv[0], len(order))))
        return Summary(
            units=len(ranked),
            groups=len(self.groups),
            ballots=sum(u.ballots for u in self.units),
            mean_satisfaction=sum(rates) / len(rates) if rates else None,
            warnings=len(self.warnings),
            warnings_by_kind=kinds,
            grades=grades,
        )

    def group_item_means(self, group: str) -> dict[str, float]:
        """Mean of the 万人评议 item means over the group's units (unweighted by unit)."""
        sums: dict[str, list[float]] = {}
        for u in self.ranked(group):
            if u.appraisal_detail:
                for item, v in u.appraisal_detail.item_means.items():
                    sums.setdefault(item, []).append(v)
        return {k: sum(v) / len(v) for k, v in sums.items()}

    def satisfaction_by_item(self) -> pd.DataFrame:
        """满意率 per item, pooled over every unit and category of the year."""
        sat: dict[str, int] = {}
        answered: dict[str, int] = {}
        for u in self.units:
            if not u.appraisal_detail:
                continue
            for c in u.appraisal_detail.categories:
                for it in c.items:
                    sat[it.item] = sat.get(it.item, 0) + it.satisfied
                    answered[it.item] = answered.get(it.item, 0) + it.answered
        rows = [(i, sat[i] / answered[i]) for i in self.scheme.items if answered.get(i)]
        return pd.DataFrame(rows, columns=["item", "satisfaction_rate"])

    def ranked(self, group: str | None = None) -> list[UnitResult]:
        """Ranked units (those with a 考核类别), by group then rank."""
        rows = [u for u in self.units if u.rank is not None and (group is None or u.group == group)]
        return sorted(rows, key=lambda u: (u.group, u.rank, u.unit))

    def table(self, group: str | None = None, *, ranked_only: bool = True) -> pd.DataFrame:
        """One row per unit with the published columns (scores at full precision)."""
        units = (
            self.ranked(group)
            if ranked_only
            else sorted(self.units, key=lambda u: (u.group or "~", u.rank or 10**9, u.unit))
        )
        return pd.DataFrame(
            [
                {
                    "unit": u.unit,
                    "type": u.type,
                    "group": u.group,
                    "rank": u.rank,
                    "grade": u.grade,
                    "composite": u.composite,
                    "appraisal": u.appraisal,
                    "performance": u.performance,
                    "integrity": u.integrity,
                    "adjustment": u.adjustment,
                    "satisfaction_rate": u.satisfaction_rate,
                    "ballots": u.ballots,
                    "ci_low": u.ci_low,
                    "ci_high": u.ci_high,
                    "composite_low": u.composite_low,
                    "composite_high": u.composite_high,
                    "p_last": u.p_last,
                    "warnings": list(u.warnings),
                    "flags": list(u.flags),
                }
                for u in units
            ],
            columns=[
                "unit",
                "type",
                "group",
                "rank",
                "grade",
                "composite",
                "appraisal",
                "performance",
                "integrity",
                "adjustment",
                "satisfaction_rate",
                "ballots",
                "ci_low",
                "ci_high",
                "composite_low",
                "composite_high",
                "p_last",
                "warnings",
                "flags",
            ],
        )
