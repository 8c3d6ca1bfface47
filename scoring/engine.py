"""Step 2 of a year's evaluation: the facts under a scheme → ranked, graded, warned units.

``evaluate(facts, scheme, history)`` is pure: no database, no files. Its steps, in
order, each a function below:

1. ``appraisals`` and ``performances``: every unit's 万人评议 (with its sampling
   variance and interval) and 绩效考核 at once, from columns (columns.py, the scalar
   rules' floats); ``components``: per unit 勤廉测评, 加减分 and the composite (rules.py);
2. ranks within each 考核类别 and 等次 (``_places``: ranking.py, rules.py), then each
   unit's result, made once (``_result``: flags, the composite's sampling spread);
3. warnings (warnings.py): 末位告诫, 效能告诫, 重点监督检查, and escalation from
   ``history`` (consecutive earlier years warned, from results.previous_warnings);
4. honours (warnings.py): 最佳科室, 最佳公务员.

Steps 1 and 2 done unit by unit with the scalar rules are in tests/reference.py
(``score_unit``, ``rank_and_grade``); tests/test_engine_columns.py checks that both
give the same results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np

from scoring import columns, evidence, rules
from scoring.facts import AdjustmentEntry, UnitInfo, YearFacts
from scoring.outcome import COMPONENT_NAMES, Results, UnitResult
from scoring.ranking import rank_within_group
from scoring.scheme import Scheme
from scoring.warnings import (
    ESCALATING,
    LAST_PLACE,
    LAST_SECTION,
    SUPERVISION,
    CadreVotes,
    Warning,
    best_cadres,
    best_sections,
    year_warnings,
)

__all__ = [
    "CADRE",
    "LEADERSHIP",
    "Scored",
    "appraisals",
    "components",
    "evaluate",
    "performances",
]

LEADERSHIP = "领导班子"
CADRE = "干部"
UNREGISTERED = UnitInfo("", "未登记", None, None)


def _integrity_source(facts: YearFacts) -> dict[str, str]:
    """Whose 勤廉测评 votes count for each unit: a department's 领导班子 (the registry
    unit of type 领导班子 whose 上级单位 it is), else the unit's own votes."""
    leadership = {
        info.parent: name
        for name, info in facts.units.items()
        if info.type == LEADERSHIP and info.parent and name in facts.integrity
    }
    out = {}
    for unit in facts.units_with_data():
        info = facts.units.get(unit, UNREGISTERED)
        source = leadership.get(unit) if info.type != LEADERSHIP else None
        if source is None and unit in facts.integrity:
            source = unit
        if source is not None:
            out[unit] = source
    return out


class Parts(NamedTuple):
    """A unit's scored parts, as the flags and the spread read them."""

    appraisal: rules.AppraisalScore | None
    performance: rules.PerformanceScore | None
    integrity: rules.IntegrityScore | None
    adjustment: rules.Adjustment
    composite: rules.Composite


def _flags(unit: str, facts: YearFacts, scheme: Scheme, parts: Parts) -> tuple[str, ...]:
    """Why a unit's result is not the plain case (missing parts, caps, veto …)."""
    appraisal, performance, integ, adj, comp = parts
    flags = []
    if comp.value is not None and comp.missing:
        names = "、".join(COMPONENT_NAMES.get(m, m) for m in comp.missing)
        flags.append(f"缺少{names}，权重已重新分配")
    if appraisal and appraisal.missing_categories:
        flags.append("万人评议缺少评议人类别：" + "、".join(appraisal.missing_categories))
    if performance and performance.missing_indicators:
        flags.append("绩效考核缺少指标：" + "、".join(performance.missing_indicators))
    if performance and performance.outside_rounds:
        flags.append(
            f"{performance.outside_rounds} 个绩效考核分数没有考核月份或不在任何一轮内，未计入"
        )
    if performance and any(r.score is None for r in performance.rounds):
        missing = "、".join(r.round for r in performance.rounds if r.score is None)
        flags.append(f"绩效考核缺少{missing}的分数，权重已重新分配")
    if integ and integ.unfit_flag:
        flags.append(rules.unfit_flag_label(scheme))
    if adj.positive_capped or adj.negative_capped:
        flags.append("加减分已封顶")
    if adj.vetoed:
        flags.append("一票否决")
    if unit in facts.merged:
        flags.append(f"含{'、'.join(facts.merged[unit])}（前身）本年度的数据，已合并计算")
    if unit not in facts.units:
        flags.append("单位未在单位名录中登记")
    if comp.value is None:
        flags.append("无可计分的考评数据")
    return tuple(flags)


def design_effect(facts: YearFacts) -> float | None:
    """How much a ballot's items move together this year: ballot-level over answer-level
    variance, pooled over every ballot sheet; ``None`` without ballot sheets (tally
    intervals then take the conservative bound). See evidence.py."""
    ballot = answer = 0.0
    for cats in facts.appraisal_spread.values():
        for x in cats.values():
            ballot += x.variance
            answer += x.answer_variance
    return ballot / answer if answer > 0 else None


def _spread(unit: str, facts: YearFacts, scheme: Scheme, parts: Parts) -> evidence.Spread:
    """The composite's sampling spread from its components' (evidence.composite_spread)."""
    appraisal, performance, integ, _, comp = parts
    perf_var = None
    if performance is not None:
        stats = facts.performance.get(unit, {})
        rows = []
        for i in performance.indicators:
            x = stats[i.indicator]
            rows.append((i.weight, x.n, x.total, x.sumsq, x.lo, x.hi, i.trimmed))
        perf_var = evidence.performance_variance(rows)
    integ_var = (
        evidence.integrity_variance(integ.counts, scheme.integrity_points) if integ else None
    )
    return evidence.composite_spread(
        comp.value,
        comp.weights,
        {
            "appraisal": appraisal.variance if appraisal else None,
            "performance": perf_var,
            "integrity": integ_var,
        },
        scheme.confidence,
        COMPONENT_NAMES,
    )


def _numbers(x: np.ndarray) -> list[Any]:
    """A column's values as the rules give them (nested lists): NaN is None."""
    out = x.astype(object)
    out[np.isnan(x)] = None
    values: list[Any] = out.tolist()
    return values


def _samples_of(
    facts: YearFacts, units: Sequence[str], a: columns.AppraisalColumns, scheme: Scheme
) -> tuple[evidence.CategoryArrays, np.ndarray]:
    """The sampling figures (evidence.CategoryArrays) of the units' appraisals (columns)
    as [unit, category] arrays, and
    which units have none (a category scored from an item-score summary, or without
    figures: no variance, no interval)."""
    size, width = a.category_score.shape
    figures = np.zeros((4, size, width))  # ballots, variance, tally ballots and variance
    found = np.zeros((size, width), dtype=bool)
    names = list(scheme.categories)
    for j, unit in enumerate(units):
        by_category = facts.appraisal_spread.get(unit)
        if by_category:
            for k, category in enumerate(names):
                x = by_category.get(category)
                if x is not None:
                    found[j, k] = True
                    figures[:, j, k] = x.ballots, x.variance, x.tally_ballots, x.tally_variance
    weight = np.array([float(w) for w in scheme.categories.values()])
    item_weight = np.array([float(w) for w in scheme.items.values()])
    sampled = ~np.isnan(a.category_score) & (weight > 0)
    summary = a.scored.max(axis=2, initial=0) > 0
    none = (sampled & (~found | summary)).any(axis=1)
    arrays = evidence.CategoryArrays(
        sampled,
        np.broadcast_to(weight, (size, width)),
        a.category_score,
        figures[0].astype(np.int64),
        figures[1],
        figures[2].astype(np.int64),
        figures[3],
        (~np.isnan(a.mean) & (item_weight > 0)).sum(axis=2),
    )
    return arrays, none


def appraisals(
    facts: YearFacts,
    scheme: Scheme,
    deff: float | None = None,
    c: columns.FactColumns | None = None,
) -> dict[str, rules.AppraisalScore]:
    """Every scored unit's 万人评议 with its sampling variance and interval (as the
    scalar rules make them unit by unit, tests/reference.py), from the columns of all units at
    once (columns.appraisal, evidence.appraisal_spreads: the same floats), under its
    group's scheme; units without a score are left out. Only the objects are made unit
    by unit (35 per unit), from plain lists. ``c``: the facts as columns, if made."""
    c = columns.from_facts(facts) if c is None else c
    out: dict[str, rules.AppraisalScore] = {}
    for sch, rows in columns.by_scheme(c, scheme):
        a = columns.appraisal(c, sch, rows)
        units = [c.units[row] for row in rows.tolist()]
        arrays, none = _samples_of(facts, units, a, sch)
        spreads = evidence.appraisal_spreads(arrays, a.score, sch.confidence, deff)
        names, weights = tuple(sch.items), tuple(sch.items.values())
        categories, category_weights = tuple(sch.categories), tuple(sch.categories.values())
        mean, category_score = _numbers(a.mean), _numbers(a.category_score)
        answered, unknown = a.answered.tolist(), a.unknown.tolist()
        satisfied, summaries = a.satisfied.tolist(), a.scored.tolist()
        from_summary = (a.scored.max(axis=2, initial=0) > 0).tolist()
        category_ballots = a.category_ballots.tolist()
        scores, ballots = a.score.tolist(), a.ballots.tolist()
        rates, heard = _numbers(a.satisfaction_rate), _numbers(a.awareness_rate)
        for j, unit in enumerate(units):
            if scores[j] != scores[j]:  # NaN: no score
                continue
            known = facts.appraisal_variance.get(unit) or {}
            items = [
                tuple(map(rules.ItemMean, names, m, n, u, weights, sat, extra))
                for m, n, u, sat, extra in zip(
                    mean[j], answered[j], unknown[j], satisfied[j], summaries[j], strict=True
                )
            ]
            variances = [
                None if summary else known.get(category)
                for category, summary in zip(categories, from_summary[j], strict=True)
            ]
            made = tuple(
                map(
                    rules.CategoryScore,
                    categories,
                    category_score[j],
                    category_ballots[j],
                    category_weights,
                    variances,
                    items,
                )
            )
            spread = None if none[j] else spreads[j]
            out[unit] = rules.AppraisalScore(
                score=scores[j],
                categories=made,
                satisfaction_rate=rates[j],
                awareness_rate=heard[j],
                ballots=ballots[j],
                missing_categories=tuple(
                    x.category for x in made if x.score is None and x.weight > 0
                ),
                ci_low=spread.low if spread else None,
                ci_high=spread.high if spread else None,
                variance=spread.variance if spread else None,
                conservative=spread.conservative if spread else False,
            )
    return out


def performances(c: columns.FactColumns, scheme: Scheme) -> dict[str, rules.PerformanceScore]:
    """Every scored unit's 绩效考核 (as rules.performance_score or, with rounds,
    rules.performance_by_rounds makes it) from the columns of all units at once
    (columns.performance: the same floats), under its group's scheme; units without a
    score are left out."""
    out: dict[str, rules.PerformanceScore] = {}
    for sch, rows in columns.by_scheme(c, scheme):
        p = columns.performance(c, sch, rows)
        indicators = tuple(sch.indicators.items())
        scores, mean = p.score.tolist(), p.mean.tolist()
        counts, trimmed = p.scores.tolist(), p.trimmed.tolist()
        for j, row in enumerate(rows.tolist()):
            unit = c.units[row]
            by_rounds = p.by_rounds.get(j)
            if by_rounds is not None:
                if by_rounds.score is not None:
                    out[unit] = by_rounds
                continue
            if scores[j] != scores[j]:  # NaN: no score
                continue
            made = tuple(
                rules.IndicatorScore(name, mean[j][k], counts[j][k], trimmed[j][k], weight)
                for k, (name, weight) in enumerate(indicators)
                if counts[j][k] > 0
            )
            present = {i.indicator for i in made}
            missing = tuple(i for i, w in indicators if i not in present and w > 0)
            out[unit] = rules.PerformanceScore(scores[j], made, missing)
    return out


class Scored(NamedTuple):
    """A unit's scored parts before its result is made (``components``)."""

    unit: str
    info: UnitInfo
    scheme: Scheme  # the scheme of the unit's 考核类别
    parts: Parts
    extras: dict[str, float]
    entries: tuple[AdjustmentEntry, ...]
    integrity_from: str | None


def components(
    unit: str,
    facts: YearFacts,
    scheme: Scheme,
    integrity: Mapping[str, rules.IntegrityScore],
    integrity_from: str | None,
    appraisals: Mapping[str, rules.AppraisalScore],
    performances: Mapping[str, rules.PerformanceScore],
) -> Scored:
    """One unit's components, 加减分 and composite (rules.py) under the scheme of the
    unit's 考核类别; its 万人评议 and 绩效考核 from ``appraisals`` and
    ``performances`` (every unit's at once, ``appraisals`` and ``performances``)."""
    info = facts.units.get(unit, UNREGISTERED)
    scheme = scheme.for_group(info.group)
    appraisal = appraisals.get(unit)
    performance = performances.get(unit)
    if performance is not None and performance.score is None:
        performance = None
    special = facts.special.get(unit, {})
    extras = {
        name: special[name].total / special[name].n
        for name in scheme.extra_components
        if name in special and special[name].n
    }
    integ = integrity.get(integrity_from) if integrity_from else None
    if integ is not None and integ.score is None:
        integ = None
    entries = tuple(facts.adjustments.get(unit, ()))
    adj = rules.adjustment([(e.points, e.source) for e in entries], scheme)
    comp = rules.composite(
        {
            "appraisal": appraisal.score if appraisal else None,
            "performance": performance.score if performance else None,
            "integrity": integ.score if integ else None,
            **extras,
        },
        adj.value,
        scheme,
    )
    parts = Parts(appraisal, performance, integ, adj, comp)
    return Scored(unit, info, scheme, parts, extras, entries, integrity_from if integ else None)


def _result(
    s: Scored,
    facts: YearFacts,
    spread: bool,
    place: tuple[int | None, int | None, str | None] = (None, None, None),
) -> UnitResult:
    """The unit's result from its parts; with ``spread``, its flags and the composite's
    sampling spread; ``place`` = (rank, group size, grade)."""
    appraisal, performance, integ, adj, comp = s.parts
    rank, size, grade = place
    return UnitResult(
        unit=s.unit,
        type=s.info.type,
        parent=s.info.parent,
        group=s.info.group,
        appraisal_detail=appraisal,
        performance_detail=performance,
        integrity_detail=integ,
        integrity_from=s.integrity_from,
        adjustment_detail=adj,
        adjustment_entries=s.entries,
        composite_detail=comp,
        extra_scores=s.extras,
        rank=rank,
        group_size=size,
        grade=grade,
        flags=_flags(s.unit, facts, s.scheme, s.parts) if spread else (),
        spread=_spread(s.unit, facts, s.scheme, s.parts) if spread else None,
        veto_reasons=tuple(e.reason for e in s.entries if e.source in s.scheme.veto_sources),
    )


def _places(
    units: Sequence[tuple[str, str | None, float | None, bool]], scheme: Scheme
) -> dict[str, tuple[int, int]]:
    """(rank, group size) of each (unit, group, composite, vetoed) ranked within its
    考核类别 (ranking.rank_within_group); units without a group or composite have none."""
    groups: dict[str, list[tuple[str, float, bool]]] = defaultdict(list)
    for unit, group, value, vetoed in units:
        if group and value is not None:
            groups[group].append((unit, value, vetoed))
    placed: dict[str, tuple[int, int]] = {}
    for group, members in groups.items():
        decimals = scheme.for_group(group).decimals
        for name, place in rank_within_group(members, decimals).items():
            placed[str(name)] = (place, len(members))
    return placed


def with_last_place_odds(units: list[UnitResult]) -> list[UnitResult]:
    """Each unit at the last rank of its group gets ``p_last``, the probability that it
    is truly last given the composites' sampling spread (evidence.p_last)."""
    groups: dict[str, list[UnitResult]] = defaultdict(list)
    for u in units:
        if u.group and u.rank is not None:
            groups[u.group].append(u)
    odds: dict[str, float] = {}
    for members in groups.values():
        odds.update(evidence.last_place_probabilities(members))
    return [replace(u, p_last=odds[u.unit]) if u.unit in odds else u for u in units]


def _department_sections(units: list[UnitResult], scheme: Scheme) -> dict[str, list[UnitResult]]:
    """Each department's scored 科室, ordered by composite as 末位科室 orders them (one
    rank per distinct composite, vetoed ones last): the field a 末位科室 is judged in."""
    by_dept: dict[str, list[UnitResult]] = defaultdict(list)
    for u in units:
        if u.type == scheme.best_section_type and u.parent and u.composite is not None:
            by_dept[u.parent].append(u)
    out = {}
    for dept, members in by_dept.items():
        order = sorted({(not m.vetoed, -(m.composite or 0.0)) for m in members})
        place = {k: i + 1 for i, k in enumerate(order)}
        out[dept] = [
            replace(m, rank=place[(not m.vetoed, -(m.composite or 0.0))], p_last=None)
            for m in members
        ]
        odds = evidence.last_place_probabilities(out[dept])
        out[dept] = [replace(m, p_last=odds.get(m.unit)) for m in out[dept]]
    return out


def with_evidence(warns: list[Warning], units: list[UnitResult], scheme: Scheme) -> list[Warning]:
    """Each warning with the statement that fits its kind (evidence.statement), under the
    scheme of the unit's 考核类别; an escalation carries the evidence of this year's
    warning it rests on. A 末位科室 is judged against the other 科室 of its department."""
    by_unit = {u.unit: u for u in units}
    groups: dict[str, list[UnitResult]] = defaultdict(list)
    for u in units:
        if u.group and u.rank is not None:
            groups[u.group].append(u)
    sections = _department_sections(units, scheme)
    out: list[Warning] = []
    for w in warns:
        found = by_unit.get(w.unit)
        e = None
        if found is not None:
            u = found
            sch = scheme.for_group(u.group)
            kind, members = w.kind, groups.get(u.group or "", [])
            if w.kind == LAST_SECTION:
                members = sections.get(u.parent or "", [])
                u = next((m for m in members if m.unit == u.unit), u)
                kind = LAST_PLACE
            line = rules.band_line_above(u.grade, sch) if u.grade else None
            e = evidence.statement(
                kind,
                u,
                members,
                level=sch.confidence,
                grade_line=line if line is not None else sch.grade_bands[-1].min,
                rate_line=sch.supervision_below,
                decimals=sch.decimals,
            )
        if e is None:
            out.append(w)
            continue
        # A 重点监督检查's statement says all its reason says (满意率, the line, the
        # ballots) and how sure: the reason once, not twice in a row.
        said = e.sentence if w.kind == SUPERVISION else f"{w.reason}；{e.sentence}"
        out.append(replace(w, reason=said, evidence=e))
    # An escalation rests on this year's strongest warning of the unit (是 before 否 …).
    strength = {"不适用": 0, "是": 1, "否": 2, "无法判断": 3}
    basis: dict[str, evidence.Evidence] = {}
    for w in out:
        if w.kind in ESCALATING and w.evidence is not None:
            known = basis.get(w.unit)
            if known is None or strength[w.evidence.verdict] < strength[known.verdict]:
                basis[w.unit] = w.evidence
    return [
        replace(w, reason=f"{w.reason}；今年：{basis[w.unit].sentence}", evidence=basis[w.unit])
        if w.unit in basis and w.kind in scheme.for_group(w.group).escalation_ladder
        else w
        for w in out
    ]


def evaluate(
    facts: YearFacts,
    scheme: Scheme,
    history: Mapping[str, int] | None = None,
    *,
    scheme_version: int = 0,
) -> Results:
    """Score, rank, grade and warn every unit with facts this year.

    ``history[unit]`` is how many consecutive earlier years (ending last year) the
    unit got 末位告诫 or 效能告诫; empty when there is no earlier year."""
    history = history or {}
    integrity = {u: rules.integrity_score(c, scheme) for u, c in facts.integrity.items()}
    sources = _integrity_source(facts)
    c = columns.from_facts(facts)
    ready = appraisals(facts, scheme, design_effect(facts), c), performances(c, scheme)
    scored = [
        components(u, facts, scheme, integrity, sources.get(u), *ready)
        for u in facts.units_with_data()
    ]
    placed = _places(
        [
            (s.unit, s.info.group, s.parts.composite.value, s.parts.adjustment.vetoed)
            for s in scored
        ],
        scheme,
    )
    graded = []
    for s in scored:
        r, size = placed.get(s.unit, (None, None))
        grade = rules.grade(s.parts.composite.value, r, size, s.parts.adjustment.vetoed, s.scheme)
        graded.append(_result(s, facts, True, (r, size, grade)))
    graded = with_last_place_odds(graded)

    warns = with_evidence(year_warnings(graded, scheme, history), graded, scheme)
    by_unit: dict[str, list[Warning]] = defaultdict(list)
    for w in warns:
        by_unit[w.unit].append(w)
    final = tuple(
        replace(u, warning_details=tuple(by_unit[u.unit])) if u.unit in by_unit else u
        for u in graded
    )
    streaks = {
        u: history.get(u, 0) + 1
        for u in dict.fromkeys(w.unit for w in warns if w.kind in ESCALATING)
    }

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
    return Results(facts.year, scheme, scheme_version, final, tuple(warns), honours, streaks)
