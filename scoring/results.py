"""A year's results (年度考评结果): the one entry point the dashboard, the command line
and publishing share.

``compute(store, year)`` runs the engine's two steps: ``facts.read_facts`` reads the
year's facts from the store in one snapshot, ``engine.evaluate`` applies the year's
scheme to them (pure, no database). Last year's warnings, which escalation needs,
come from ``previous_warnings`` alone.
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from scoring import columns, rules
from scoring.background import Background
from scoring.column_facts import read_columns
from scoring.columns import FactColumns
from scoring.engine import CADRE, LEADERSHIP, evaluate
from scoring.facts import YearFacts, read_facts
from scoring.formats import fmt_chance, fmt_span, place_in_group
from scoring.outcome import COMPONENT_NAMES, Results, Summary, UnitResult
from scoring.scale import composite_interval
from scoring.scheme import Scheme, for_year
from scoring.store import Store
from scoring.summation import left_sum

__all__ = [
    "CADRE",
    "COMPONENT_NAMES",
    "LEADERSHIP",
    "Results",
    "Summary",
    "UnitResult",
    "YearFacts",
    "compute",
    "explain",
    "previous_warnings",
    "shares_rank",
    "year_facts",
]


def year_facts(store: Store, year: int) -> tuple[Scheme, int, YearFacts]:
    """The year's scheme, its version and the facts read for it, in one snapshot."""
    with store.snapshot() as snap:
        scheme, version = for_year(snap, year)
        return scheme, version, read_facts(snap, year, scheme)


def _standing_facts(store: Store, year: int) -> tuple[FactColumns, Scheme]:
    """The facts an earlier year's warnings need (no variances), as columns, and its
    scheme."""
    with store.snapshot() as snap:
        scheme, _ = for_year(snap, year)
        return read_columns(snap, year, scheme), scheme


def previous_warnings(
    store: Store, year: int, *, previous: Results | None = None
) -> dict[str, int]:
    """For each unit, how many consecutive years up to last year it got 末位告诫 or
    效能告诫 (what escalation needs). From ``previous`` (last year's results, e.g. the
    app's cache) when given; else each earlier year is evaluated under its own scheme,
    going back as far as the escalation ladder can reach, scored only as far as its
    warnings need: every unit at once (columns.warned, the same figures as the
    scalar rules unit by unit), no variances, evidence or honours."""
    if previous is not None:
        return _follow_renames(store, year, dict(previous.streaks))
    years = set(store.years())
    scheme, _ = for_year(store, year)
    streak: dict[str, int] = {}
    alive: set[str] | None = None
    for back in range(1, scheme.escalation_depth + 1):
        y = year - back
        if y not in years:
            break
        facts, earlier = _standing_facts(store, y)
        warned = set(columns.warned(facts, earlier))
        alive = warned if alive is None else alive & warned
        if not alive:
            break
        for unit in alive:
            streak[unit] = back
    return _follow_renames(store, year, streak)


def _follow_renames(store: Store, year: int, streak: dict[str, int]) -> dict[str, int]:
    """A unit renamed or merged (前身 in the year's registry) carries its former names'
    warnings: 连续两年末位 follows the unit, not its name."""
    from scoring.registry import lineage

    for unit, former in lineage(store, year).items():
        carried = max((streak.get(f, 0) for f in former), default=0)
        if carried > streak.get(unit, 0):
            streak[unit] = carried
    return streak


def compute(
    store: Store,
    year: int,
    *,
    previous: Results | None = None,
    history: Mapping[str, int] | None = None,
) -> Results:
    """Score, rank, grade and warn every unit with data in ``year``.

    Escalation reads last year's warnings through ``previous_warnings``; pass
    ``previous`` when the caller already has last year's results, or ``history``
    (unit → consecutive earlier years warned) to skip that step."""
    with _cyclic_gc_paused():
        # The facts are freed when _evaluated returns, before the collector resumes: it
        # then walks only the results, not the facts too.
        return _evaluated(store, year, previous, history)


def _evaluated(
    store: Store, year: int, previous: Results | None, history: Mapping[str, int] | None
) -> Results:
    earlier = None
    if history is None:  # last year's warnings, read beside this year's facts
        earlier = Background(lambda: previous_warnings(store, year, previous=previous))
        if store.reads_at_once:
            earlier.start()
    scheme, version, facts = year_facts(store, year)
    if earlier is not None:
        history = earlier.result()
    return evaluate(facts, scheme, history, scheme_version=version)


_gc_lock = threading.Lock()
_gc_paused_by = 0  # computations running with the cyclic collector paused
_gc_was_enabled = False


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a year is computed. The rules make
    hundreds of thousands of small objects, none in a cycle (reference counting frees
    them); the collector, started by the count of allocations, walked every object of the
    process again and again: a quarter of 2,000 units' recomputation. Threads computing
    at once share the pause; the collector resumes when the last one ends, as it was.
    Before it resumes, what was made meanwhile (the results: 100,000 objects at 2,000
    units, kept by the caller) joins the oldest generation (``gc.freeze``, then
    ``gc.unfreeze``: two list splices) instead of being walked by the young generations'
    collections first (10-40 ms); full collections walk it as before. Not when the
    process keeps frozen objects of its own (unfreeze would release them)."""
    global _gc_paused_by, _gc_was_enabled
    with _gc_lock:
        if _gc_paused_by == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_paused_by += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_paused_by -= 1
            if _gc_paused_by == 0 and _gc_was_enabled:
                if gc.get_freeze_count() == 0:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()


class _Fmt:
    """Numbers as explain writes them: at the scheme's display decimals, rates as %."""

    def __init__(self, decimals: int) -> None:
        self.d = decimals

    def __call__(self, x: float | None, pct: bool = False) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "—"
        return f"{x:.2%}" if pct else f"{rules.round_to(x, self.d):.{self.d}f}"


def _explain_appraisal(a: rules.AppraisalScore, scheme: Scheme, f: _Fmt) -> list[str]:
    lines = [
        f"万人评议：{a.ballots} 份问卷，满意率 {f(a.satisfaction_rate, True)}，"
        f"知晓率 {f(a.awareness_rate, True)}"
    ]
    used = left_sum(c.weight for c in a.categories if c.score is not None)
    for c in a.categories:
        if c.score is None:
            continue
        items = "，".join(
            f"{i.item} {f(i.mean)}（{i.answered} 人作答"
            + (f"，分项得分汇总 {i.scored} 票" if i.scored else "")
            + "）"
            for i in c.items
            if i.mean is not None
        )
        lines.append(
            f"  · {c.category}（{c.ballots} 份，权重 {c.weight:g} → "
            f"{c.weight / used:.4f}）：{items}；类别得分 {f(c.score)}"
        )
    if a.missing_categories:
        lines.append("  · 无问卷的评议人类别（权重已重新分配）：" + "、".join(a.missing_categories))
    interval = (
        f"{scheme.confidence_label} 区间 {fmt_span(a.ci_low, a.ci_high, f)}"
        + ("（问卷汇总表按题目完全相关的保守上限计）" if a.conservative else "")
        if a.ci_low is not None
        else "无区间（含分项得分汇总，没有逐票答案）"
    )
    lines.append(f"  = 万人评议得分 {f(a.score)}，{interval}")
    return lines


def _explain_performance(p: rules.PerformanceScore, f: _Fmt) -> list[str]:
    lines = []
    for i in p.indicators:
        how = "去掉最高分和最低分后平均" if i.trimmed else "平均"
        lines.append(
            f"绩效考核 · {i.indicator}：{i.scores} 个分数，{how} {f(i.mean)}（权重 {i.weight:g}）"
        )
    for r in p.rounds:
        lines.append(
            f"绩效考核 · {r.round}：{r.scores} 个分数，得分 {f(r.score)}（权重 {r.weight:g}）"
        )
    if p.outside_rounds:
        lines.append(f"  · {p.outside_rounds} 个分数没有考核月份或不在任何一轮内，未计入")
    how = "各轮加权" if p.rounds else "各指标加权"
    lines.append(f"  = 绩效考核得分（{how}）{f(p.score)}")
    return lines


def _explain_spread(result: UnitResult, scheme: Scheme, f: _Fmt) -> list[str]:
    """How sure the composite is (evidence.py), and for a last unit how likely truly last."""
    spread = result.spread
    if spread is None or spread.se is None:
        return ["综合得分的抽样误差无法估计（各组成部分的数据不足以估计误差）"]
    left_out = f"（未计入：{'、'.join(spread.left_out)}）" if spread.left_out else ""
    bounded = composite_interval(result, scheme)
    lines = [
        f"综合得分的抽样标准误 {spread.se:.2f}，{scheme.confidence_label} 区间 "
        f"{bounded.text(f) if bounded else fmt_span(spread.low, spread.high, f)}{left_out}"
    ]
    if result.p_last is not None:
        lines.append(f"为组内真实末位的概率约 {fmt_chance(result.p_last)}")
    return lines


def _explain_rest(result: UnitResult, scheme: Scheme, f: _Fmt, tied: bool) -> list[str]:
    """Integrity, 专项考评, 加减分, composite, rank, flags and warnings."""
    lines = []
    g = result.integrity_detail
    if g:
        counts = "，".join(f"{k} {g.counts.get(k, 0)}" for k in scheme.integrity_points)
        src = "" if result.integrity_from == result.unit else f"（取自 {result.integrity_from}）"
        lines.append(
            f"勤廉测评{src}：{counts}，共 {g.votes} 票 → 得分 {f(g.score)}，"
            f"优秀率 {f(g.excellent_rate, True)}"
        )
    lines += [f"专项考评 · {k}：得分 {f(v)}" for k, v in result.extra_scores.items()]
    adj = result.adjustment_detail
    lines += [f"加减分 · {s}：{r} {p:+g}" for r, p, s in result.adjustment_entries]
    if result.adjustment_entries:
        lines.append(
            f"  = 加分合计 {adj.positive:g}（上限 {scheme.positive_cap:g}），"
            f"减分合计 {adj.negative:g}（下限 {scheme.negative_cap:g}），"
            f"计入 {adj.value:+.{f.d}f}" + ("；一票否决" if adj.vetoed else "")
        )
    comp = result.composite_detail
    if comp.value is not None:
        parts = " + ".join(
            f"{comp.weights[k]:.4g} × {f(result.component(k))}" for k in comp.weights
        )
        lines.append(f"综合得分 = {parts} {adj.value:+.{f.d}f} = {f(comp.value)}")
        lines += _explain_spread(result, scheme, f)
    if result.rank is not None:
        lines.append(
            f"排名：{result.group}{place_in_group(result.rank, result.group_size or 0, tied)}；"
            f"等次：{result.grade}"
        )
    elif result.grade:
        lines.append(f"等次：{result.grade}（不参加排名）")
    lines += [f"提示：{flag}" for flag in result.flags]
    lines += [f"告诫：{w.kind}——{w.reason}" for w in result.warning_details]
    return lines


def shares_rank(res: Results, result: UnitResult) -> bool:
    """Whether another unit of ``result``'s 考核类别 has its rank (并列)."""
    if result.rank is None:
        return False
    return sum(u.rank == result.rank for u in res.ranked(result.group)) > 1


def explain(result: UnitResult, scheme: Scheme, tied: bool = False) -> list[str]:
    """From ballots to composite, rank and warnings, in the office's words (one line each),
    at the display decimals of the unit's scheme; ``tied``: its rank is shared
    (``shares_rank``), said as 「并列第 N 名」."""
    scheme = scheme.for_group(result.group)
    f = _Fmt(scheme.decimals)
    lines = [f"【{result.unit}】类型：{result.type}；考核类别：{result.group or '不参加排名'}"]
    if result.appraisal_detail:
        lines += _explain_appraisal(result.appraisal_detail, scheme, f)
    if result.performance_detail:
        lines += _explain_performance(result.performance_detail, f)
    return lines + _explain_rest(result, scheme, f, tied)
