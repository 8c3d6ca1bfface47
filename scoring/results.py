"""A year's results (年度考评结果): from the store's aggregates to ranked, graded, warned units.

``compute(store, year)`` is the one entry point the dashboard, the command line
and publishing share. The heavy aggregation runs in DuckDB (store); the rules
run here per unit in plain Python over small frames (rules, ranking, warnings).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace

import pandas as pd

from scoring import rules
from scoring.ranking import rank_within_group
from scoring.scheme import Scheme, for_year
from scoring.store import Store
from scoring.warnings import (
    INEFFICIENT,
    LAST_PLACE,
    CadreVotes,
    Honour,
    Warning,
    best_cadres,
    best_sections,
    year_warnings,
)

__all__ = ["COMPONENT_NAMES", "Results", "Summary", "UnitResult", "compute", "explain"]

COMPONENT_NAMES = {"appraisal": "万人评议", "performance": "绩效考核", "integrity": "勤廉测评"}
LEADERSHIP = "领导班子"
CADRE = "干部"


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
    rank: int | None = None
    group_size: int | None = None
    grade: str | None = None
    warnings: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

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
        grades: dict[str, int] = {}
        for u in ranked:
            if u.grade:
                grades[u.grade] = grades.get(u.grade, 0) + 1
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
                "warnings",
                "flags",
            ],
        )


def _nested_counts(frame: pd.DataFrame) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    out: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for unit, cat, item, answer, n in frame[["unit", "category", "item", "answer", "n"]].itertuples(
        index=False
    ):
        out[unit][cat][item][answer] = int(n)
    return out


def _by_unit(frame: pd.DataFrame, key: str, value: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for unit, k, v in frame[["unit", key, value]].itertuples(index=False):
        out[unit][k] = v
    return out


def compute(
    store: Store, year: int, *, previous: Results | None = None, escalate: bool = True
) -> Results:
    """Score, rank, grade and warn every unit with data in ``year``.

    Escalation (连续两年末位) needs last year's warnings: pass ``previous`` when the
    caller already has last year's results, else they are computed here."""
    scheme, version = for_year(store, year)
    registry = store.units()
    info = {
        r.name: (
            r.type,
            None if pd.isna(r.parent) else r.parent,
            None if pd.isna(r.group) else r.group,
        )
        for r in registry.itertuples(index=False)
    }
    counts = _nested_counts(store.appraisal_counts(year))
    # Two steps: the item means (from the counts) say how each answer enters the
    # score; one pass over the ballots then gives ballot numbers and variances.
    first = {unit: rules.appraisal_score(c, scheme) for unit, c in counts.items()}
    cells = pd.DataFrame(
        [(unit, *cell) for unit, a in first.items() for cell in rules.variance_cells(a)],
        columns=["unit", "category", "item", "mean", "coef"],
    )
    stats = store.appraisal_ballot_stats(year, scheme.appraisal_points, cells)
    ballots = _by_unit(stats, "category", "ballots")
    variances = _by_unit(stats, "category", "variance")
    perf_frame = store.performance_stats(year, scheme.default_max, scheme.max_by_indicator)
    perf: dict[str, dict[str, tuple]] = defaultdict(dict)
    for unit, ind, n, total, lo, hi in perf_frame[
        ["unit", "indicator", "n", "total", "lo", "hi"]
    ].itertuples(index=False):
        perf[unit][ind] = (int(n), float(total), float(lo), float(hi))
    votes = _by_unit(store.integrity_counts(year), "result", "n")
    adj_frame = store.adjustments(year)
    adj_entries: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for unit, reason, points, source in adj_frame[
        ["unit", "reason", "points", "source"]
    ].itertuples(index=False):
        adj_entries[unit].append((reason, float(points), source))

    integrity = {
        u: rules.integrity_score({k: int(v) for k, v in c.items()}, scheme)
        for u, c in votes.items()
    }
    leadership = {
        parent: name
        for name, (typ, parent, _) in info.items()
        if typ == LEADERSHIP and parent and name in integrity
    }

    with_data = set(counts) | set(perf) | set(integrity) | set(adj_entries)
    provisional: list[UnitResult] = []
    for unit in sorted(with_data):
        typ, parent, group = info.get(unit, ("未登记", None, None))
        appraisal = (
            rules.appraisal_score(counts[unit], scheme, ballots.get(unit), variances.get(unit))
            if unit in counts
            else None
        )
        if appraisal is not None and appraisal.score is None:
            appraisal = None
        performance = rules.performance_score(perf[unit], scheme) if unit in perf else None
        if performance is not None and performance.score is None:
            performance = None
        integ_from = leadership.get(unit) if typ != LEADERSHIP else None
        if integ_from is None and unit in integrity:
            integ_from = unit
        integ = integrity.get(integ_from) if integ_from else None
        if integ is not None and integ.score is None:
            integ = None
        entries = adj_entries.get(unit, [])
        adj = rules.adjustment([(p, s) for _, p, s in entries], scheme)
        comp = rules.composite(
            {
                "appraisal": appraisal.score if appraisal else None,
                "performance": performance.score if performance else None,
                "integrity": integ.score if integ else None,
            },
            adj.value,
            scheme,
        )
        flags = []
        if comp.value is not None and comp.missing:
            flags.append(
                "缺少" + "、".join(COMPONENT_NAMES[m] for m in comp.missing) + "，权重已重新分配"
            )
        if appraisal and appraisal.missing_categories:
            flags.append("万人评议缺少评议人类别：" + "、".join(appraisal.missing_categories))
        if performance and performance.missing_indicators:
            flags.append("绩效考核缺少指标：" + "、".join(performance.missing_indicators))
        if integ and integ.unfit_flag:
            flags.append("不称职票超三分之一")
        if adj.positive_capped or adj.negative_capped:
            flags.append("加减分已封顶")
        if adj.vetoed:
            flags.append("一票否决")
        if unit not in info:
            flags.append("单位未在单位名录中登记")
        if comp.value is None:
            flags.append("无可计分的考评数据")
        provisional.append(
            UnitResult(
                unit=unit,
                type=typ,
                parent=parent,
                group=group,
                appraisal_detail=appraisal,
                performance_detail=performance,
                integrity_detail=integ,
                integrity_from=integ_from if integ else None,
                adjustment_detail=adj,
                adjustment_entries=tuple(entries),
                composite_detail=comp,
                flags=tuple(flags),
            )
        )

    groups: dict[str, list[UnitResult]] = defaultdict(list)
    for u in provisional:
        if u.group and u.composite is not None:
            groups[u.group].append(u)
    placed: dict[str, tuple[int, int]] = {}
    for members in groups.values():
        ranks = rank_within_group([(m.unit, m.composite, m.vetoed) for m in members])
        for unit, r in ranks.items():
            placed[unit] = (r, len(members))
    graded = []
    for u in provisional:
        r, size = placed.get(u.unit, (None, None))
        graded.append(
            replace(
                u,
                rank=r,
                group_size=size,
                grade=rules.grade(u.composite, r, size, u.vetoed, scheme),
            )
        )

    warned_before: set[str] = set()
    if previous is None and escalate and year - 1 in store.years():
        previous = compute(store, year - 1, escalate=False)
    if previous is not None:
        warned_before = {w.unit for w in previous.warnings if w.kind in (LAST_PLACE, INEFFICIENT)}
    warns = year_warnings(graded, scheme, warned_before)
    by_unit: dict[str, list[str]] = defaultdict(list)
    for w in warns:
        by_unit[w.unit].append(w.kind)
    final = tuple(replace(u, warnings=tuple(by_unit.get(u.unit, ()))) for u in graded)

    cadres = [
        CadreVotes(
            u.unit,
            u.parent,
            u.integrity_detail.votes,
            u.integrity_detail.excellent_rate,
            u.integrity_detail.unfit_flag,
        )
        for u in final
        if u.type == CADRE and u.integrity_detail is not None
    ]
    honours = tuple(best_sections(final, scheme) + best_cadres(cadres, scheme))
    return Results(year, scheme, version, final, tuple(warns), honours)


def _f(x: float | None, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.2%}" if pct else f"{rules.round2(x):.2f}"


def explain(result: UnitResult, scheme: Scheme) -> list[str]:
    """From ballots to composite, rank and warnings, in the office's words (one line each)."""
    lines = [f"【{result.unit}】类型：{result.type}；考核类别：{result.group or '不参加排名'}"]
    a = result.appraisal_detail
    if a:
        lines.append(
            f"万人评议：{a.ballots} 份问卷，满意率 {_f(a.satisfaction_rate, True)}，"
            f"知晓率 {_f(a.awareness_rate, True)}"
        )
        used = sum(c.weight for c in a.categories if c.score is not None)
        for c in a.categories:
            if c.score is None:
                continue
            items = "，".join(
                f"{i.item} {_f(i.mean)}（{i.answered} 人作答）"
                for i in c.items
                if i.mean is not None
            )
            lines.append(
                f"  · {c.category}（{c.ballots} 份，权重 {c.weight:g} → "
                f"{c.weight / used:.4f}）：{items}；类别得分 {_f(c.score)}"
            )
        if a.missing_categories:
            lines.append(
                "  · 无问卷的评议人类别（权重已重新分配）：" + "、".join(a.missing_categories)
            )
        lines.append(f"  = 万人评议得分 {_f(a.score)}，95% 区间 {_f(a.ci_low)}–{_f(a.ci_high)}")
    p = result.performance_detail
    if p:
        for i in p.indicators:
            how = "去掉最高分和最低分后平均" if i.trimmed else "平均"
            lines.append(
                f"绩效考核 · {i.indicator}：{i.scores} 个分数，{how} {_f(i.mean)}"
                f"（权重 {i.weight:g}）"
            )
        lines.append(f"  = 绩效考核得分 {_f(p.score)}")
    g = result.integrity_detail
    if g:
        counts = "，".join(f"{k} {g.counts.get(k, 0)}" for k in scheme.integrity_points)
        src = "" if result.integrity_from == result.unit else f"（取自 {result.integrity_from}）"
        lines.append(
            f"勤廉测评{src}：{counts}，共 {g.votes} 票 → 得分 {_f(g.score)}，"
            f"优秀率 {_f(g.excellent_rate, True)}"
        )
    adj = result.adjustment_detail
    for reason, points, source in result.adjustment_entries:
        lines.append(f"加减分 · {source}：{reason} {points:+g}")
    if result.adjustment_entries:
        lines.append(
            f"  = 加分合计 {adj.positive:g}（上限 {scheme.positive_cap:g}），"
            f"减分合计 {adj.negative:g}（下限 {scheme.negative_cap:g}），"
            f"计入 {adj.value:+.2f}" + ("；一票否决" if adj.vetoed else "")
        )
    c = result.composite_detail
    if c.value is not None:
        parts = " + ".join(f"{c.weights[k]:.4g} × {_f(getattr(result, k))}" for k in c.weights)
        lines.append(f"综合得分 = {parts} {adj.value:+.2f} = {_f(c.value)}")
    if result.rank is not None:
        lines.append(
            f"排名：{result.group}第 {result.rank} 名（共 {result.group_size} 个单位）；"
            f"等次：{result.grade}"
        )
    elif result.grade:
        lines.append(f"等次：{result.grade}（不参加排名）")
    for flag in result.flags:
        lines.append(f"提示：{flag}")
    for w in result.warnings:
        lines.append(f"告诫：{w}")
    return lines
