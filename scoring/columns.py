"""The scoring rules over arrays of units (按列计分): every unit of a year at once.

``rules.py`` states each rule for one unit; scoring 2,000 units one by one costs a
quarter of a millisecond each in Python. Here the same rules run as numpy columns, one
row per unit: 万人评议 from the item sums of every unit and category, 绩效考核 (trimmed
means), 勤廉测评, 加减分 (caps, 一票否决), 专项考评 components and the composite with
the weights of missing components redistributed; then ranks, 等次 and the warnings
escalation reads (末位告诫, 效能告诫), without a per-unit result object.

The results are the scalar rules' to the last bit: every column performs the scalar
rule's floating-point operations in the same order. A Python ``sum`` adds left to
right from 0, so sums here are accumulated column by column (never numpy's pairwise
``sum``), a term being skipped where the scalar rule skips it (``np.where``; adding
0.0 instead is used only for a sum that starts at 0.0 and so is never -0.0, where it
changes nothing); sums over a unit's rows (answers, entries) are ``np.bincount``, which
adds in the rows' order. What is rare and awkward as columns falls back to the scalar rule
for the units concerned: rounds of 绩效考核 (``rules.performance_by_rounds``) and
display rounding near a tie (``round_to``).

>>> round_to(np.array([87.37499999999999, 77.365, -0.001, np.nan]), 2).tolist()
[87.38, 77.37, -0.0, nan]
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from scoring import rules
from scoring.scheme import Scheme

if TYPE_CHECKING:
    from scoring.facts import IndicatorStats, YearFacts

__all__ = [
    "AdjustmentColumns",
    "AppraisalColumns",
    "FactColumns",
    "PerformanceColumns",
    "Standings",
    "adjustment",
    "appraisal",
    "by_scheme",
    "composite",
    "extras",
    "from_facts",
    "integrity",
    "performance",
    "round_to",
    "standings",
    "warned",
]

LEADERSHIP = "领导班子"  # as engine.LEADERSHIP (the engine imports this module)
NO_GROUP_TYPE = "未登记"  # engine.UNREGISTERED's type


def _codes(values: Iterable[str], names: dict[str, int]) -> np.ndarray:
    """Each value's position in ``names`` (added at the end when new)."""
    return np.array([names.setdefault(v, len(names)) for v in values], dtype=np.int64)


def _numbered(ranks: np.ndarray, values: Sequence[str], names: dict[str, int]) -> np.ndarray:
    """Each rank's value (``values[rank]``) numbered in ``names`` (added when new), each
    distinct rank looked up once (a year's 60,000 labels have a few thousand)."""
    table = np.full(len(values), -1, dtype=np.int64)
    for k in np.unique(ranks).tolist():
        table[k] = names.setdefault(values[k], len(names))
    return table[ranks]


def _ints(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _floats(values: Iterable[float]) -> np.ndarray:
    return np.fromiter(values, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class FactColumns:
    """A year's facts as columns: one row per unit (``units``, sorted, as
    ``YearFacts.units_with_data``) and, for each kind of fact, rows that name their unit
    by its position. Names (categories, items, answers …) are numbered in tuples.

    Rows keep the order in which the scalar rules add them up (a unit's answer cells in
    the order of its answers, its 加减分 entries and votes as read), so that sums over a
    unit's rows come out the same to the last bit."""

    year: int
    units: tuple[str, ...]
    types: tuple[str, ...]
    parents: tuple[str | None, ...]
    groups: tuple[str | None, ...]
    registered: np.ndarray  # bool per unit: in the registry (单位名录)
    # 万人评议 answer cells (unit, category, item, answer) with their answer counts
    categories: tuple[str, ...]
    items: tuple[str, ...]
    answers: tuple[str, ...]
    cell_unit: np.ndarray
    cell_category: np.ndarray
    cell_item: np.ndarray
    cell_answer: np.ndarray
    cell_n: np.ndarray  # answers on ballot and tally sheets together
    # ballots per (unit, category), ballot and tally sheets together
    ballot_unit: np.ndarray
    ballot_category: np.ndarray
    ballot_n: np.ndarray
    # 分项得分汇总 per (unit, category, item): score × ballots, ballots
    scored_unit: np.ndarray
    scored_category: np.ndarray
    scored_item: np.ndarray
    scored_points: np.ndarray
    scored_n: np.ndarray
    has_appraisal: np.ndarray  # bool per unit: answer cells or item-score summaries
    # 绩效考核 per (unit, indicator), pooled over months (facts.pool)
    indicators: tuple[str, ...]
    perf_unit: np.ndarray
    perf_indicator: np.ndarray
    perf_n: np.ndarray
    perf_total: np.ndarray
    perf_lo: np.ndarray
    perf_hi: np.ndarray
    # 勤廉测评 votes (unit, result, n) and whose votes count for each unit (-1: none)
    results: tuple[str, ...]
    vote_unit: np.ndarray
    vote_result: np.ndarray
    vote_n: np.ndarray
    integrity_from: np.ndarray
    # 加减分 entries (unit, points, source), each unit's in their order
    sources: tuple[str, ...]
    adj_unit: np.ndarray
    adj_points: np.ndarray
    adj_source: np.ndarray
    # 专项考评 per (unit, 项目): count and sum of the percentages
    specials: tuple[str, ...]
    special_unit: np.ndarray
    special_item: np.ndarray
    special_n: np.ndarray
    special_total: np.ndarray
    # 绩效考核 by 考核月份, only for schemes with rounds (YearFacts.performance_months)
    performance_months: Mapping[str, Mapping[str, Mapping[str, IndicatorStats]]] = field(
        default_factory=dict
    )

    def __len__(self) -> int:
        return len(self.units)


def integrity_sources(
    units: Sequence[str],
    types: Sequence[str],
    parents: Sequence[str | None],
    registry: Mapping[str, tuple[str, str | None]],
    voted: Iterable[str],
) -> np.ndarray:
    """Whose 勤廉测评 votes count for each unit (its position; -1 none): a department's
    领导班子 (the registry unit of type 领导班子 whose 上级单位 it is), else the unit's
    own votes (engine._integrity_source). ``registry[name] = (type, parent)`` in the
    registry's order; ``voted``: the units with votes."""
    has_votes = set(voted)
    leadership = {
        parent: name
        for name, (kind, parent) in registry.items()
        if kind == LEADERSHIP and parent and name in has_votes
    }
    position = {u: k for k, u in enumerate(units)}
    out = np.full(len(units), -1, dtype=np.int64)
    for k, unit in enumerate(units):
        source = leadership.get(unit) if types[k] != LEADERSHIP else None
        if source is None and unit in has_votes:
            source = unit
        if source is not None:
            out[k] = position.get(source, -1)
    return out


def from_facts(facts: YearFacts) -> FactColumns:
    """A ``YearFacts``'s facts as columns (hand-built facts, or facts already read)."""
    from scoring.counts import NestedCounts

    units = facts.units_with_data()
    position = {u: k for k, u in enumerate(units)}
    infos = [facts.units.get(u) for u in units]
    categories: dict[str, int] = {}
    items: dict[str, int] = {}
    answers: dict[str, int] = {}
    if isinstance(facts.appraisal, NestedCounts) and len(facts.appraisal.kept.labels):
        kept = facts.appraisal.kept  # the counts as read: cells in the order they are added
        ranks = kept.label_codes()  # each label's unit, category and item as integers
        unit_at = np.array([position.get(u, -1) for u in ranks.units], dtype=np.int64)[ranks.unit]
        cat_at = _numbered(ranks.category, ranks.categories, categories)
        item_at = _numbered(ranks.item, ranks.items, items)
        answer_at = _codes(kept.answers, answers)
        cells = (
            unit_at[kept.item_of],
            cat_at[kept.item_of],
            item_at[kept.item_of],
            answer_at[kept.answer_of],
            np.asarray(kept.answers_per_cell, dtype=np.int64),
        )
    else:
        rows = [
            (position[u], c, i, a, n)
            for u, cats in facts.appraisal.items()
            for c, its in cats.items()
            for i, ans in its.items()
            for a, n in ans.items()
        ]
        cells = (
            _ints(r[0] for r in rows),
            _codes((r[1] for r in rows), categories),
            _codes((r[2] for r in rows), items),
            _codes((r[3] for r in rows), answers),
            _ints(int(r[4]) for r in rows),
        )
    ballots = [
        (position[u], c, n)
        for u, cats in facts.appraisal_ballots.items()
        if u in position
        for c, n in cats.items()
    ]
    scored = [
        (position[u], c, i, p, n)
        for u, cats in facts.appraisal_scored.items()
        for c, its in cats.items()
        for i, (p, n) in its.items()
    ]
    has_appraisal = np.zeros(len(units), dtype=bool)
    has_appraisal[[position[u] for u in facts.appraisal]] = True
    has_appraisal[[position[u] for u in facts.appraisal_scored]] = True
    indicators: dict[str, int] = {}
    perf = [
        (position[u], i, s.n, s.total, s.lo, s.hi)
        for u, inds in facts.performance.items()
        for i, s in inds.items()
    ]
    results: dict[str, int] = {}
    votes = [(position[u], r, n) for u, c in facts.integrity.items() for r, n in c.items()]
    sources: dict[str, int] = {}
    entries = [(position[u], e.points, e.source) for u, es in facts.adjustments.items() for e in es]
    specials: dict[str, int] = {}
    special = [
        (position[u], i, s.n, s.total) for u, its in facts.special.items() for i, s in its.items()
    ]
    types = tuple(i.type if i else NO_GROUP_TYPE for i in infos)
    parents = tuple(i.parent if i else None for i in infos)
    ballot_category = _codes((b[1] for b in ballots), categories)
    scored_category = _codes((s[1] for s in scored), categories)
    scored_item = _codes((s[2] for s in scored), items)
    perf_indicator = _codes((p[1] for p in perf), indicators)
    vote_result = _codes((v[1] for v in votes), results)
    adj_source = _codes((str(e[2]) for e in entries), sources)
    special_item = _codes((s[1] for s in special), specials)
    return FactColumns(
        year=facts.year,
        units=tuple(units),
        types=types,
        parents=parents,
        groups=tuple(i.group if i else None for i in infos),
        registered=np.array([i is not None for i in infos], dtype=bool),
        categories=tuple(categories),
        items=tuple(items),
        answers=tuple(answers),
        cell_unit=cells[0],
        cell_category=cells[1],
        cell_item=cells[2],
        cell_answer=cells[3],
        cell_n=cells[4],
        ballot_unit=_ints(b[0] for b in ballots),
        ballot_category=ballot_category,
        ballot_n=_ints(int(b[2]) for b in ballots),
        scored_unit=_ints(s[0] for s in scored),
        scored_category=scored_category,
        scored_item=scored_item,
        scored_points=_floats(float(s[3]) for s in scored),
        scored_n=_ints(int(s[4]) for s in scored),
        has_appraisal=has_appraisal,
        indicators=tuple(indicators),
        perf_unit=_ints(p[0] for p in perf),
        perf_indicator=perf_indicator,
        perf_n=_ints(int(p[2]) for p in perf),
        perf_total=_floats(float(p[3]) for p in perf),
        perf_lo=_floats(float(p[4]) for p in perf),
        perf_hi=_floats(float(p[5]) for p in perf),
        results=tuple(results),
        vote_unit=_ints(v[0] for v in votes),
        vote_result=vote_result,
        vote_n=_ints(int(v[2]) for v in votes),
        integrity_from=integrity_sources(
            units,
            types,
            parents,
            {n: (i.type, i.parent) for n, i in facts.units.items()},
            facts.integrity,
        ),
        sources=tuple(sources),
        adj_unit=_ints(e[0] for e in entries),
        adj_points=_floats(float(e[1]) for e in entries),
        adj_source=adj_source,
        specials=tuple(specials),
        special_unit=_ints(s[0] for s in special),
        special_item=special_item,
        special_n=_ints(int(s[2]) for s in special),
        special_total=_floats(float(s[3]) for s in special),
        performance_months=facts.performance_months,
    )


# -- the rules as columns ------------------------------------------------------------


def _local(size: int, rows: np.ndarray) -> np.ndarray:
    """Each unit's place among ``rows`` (-1: not among them)."""
    out = np.full(size, -1, dtype=np.int64)
    out[rows] = np.arange(len(rows))
    return out


def _positions(names: Sequence[str], wanted: Iterable[str]) -> np.ndarray:
    """For each of ``names`` its position among ``wanted`` (-1: not wanted)."""
    at = {w: k for k, w in enumerate(wanted)}
    return np.array([at.get(n, -1) for n in names] + [-1], dtype=np.int64)


class AppraisalColumns(NamedTuple):
    """万人评议 of the units scored (rules.AppraisalScore as columns; NaN for None):
    per unit, per unit and category (the scheme's order) and per unit, category and item."""

    score: np.ndarray
    satisfaction_rate: np.ndarray
    awareness_rate: np.ndarray
    ballots: np.ndarray
    category_score: np.ndarray  # [unit, category]
    category_ballots: np.ndarray  # [unit, category]
    mean: np.ndarray  # [unit, category, item]
    answered: np.ndarray  # [unit, category, item]
    unknown: np.ndarray
    satisfied: np.ndarray
    scored: np.ndarray  # ballots from item-score summaries


def appraisal(c: FactColumns, scheme: Scheme, rows: np.ndarray | None = None) -> AppraisalColumns:
    """万人评议 (as tests/reference.py's appraisal_score) of the units at ``rows`` (all by
    default) under ``scheme``, from their answer counts: each item's sums, its mean over
    the answered ballots and an item-score summary's, the category score over the items with a mean,
    then the categories' weighted mean, renormalised over the categories with a score."""
    rows = np.arange(len(c)) if rows is None else np.asarray(rows, dtype=np.int64)
    size = len(rows)
    local = _local(len(c), rows)
    cat_at = _positions(c.categories, scheme.categories)
    item_at = _positions(c.items, scheme.items)
    n_cat, n_item = len(scheme.categories), len(scheme.items)
    shape = (size, n_cat, n_item)
    bins = size * n_cat * n_item

    everyone = size == len(c) and bool((rows == np.arange(size)).all())
    # (category, item) of the facts → its place among the scheme's (-1: not scored).
    pair_at = np.where(
        (cat_at[:, None] >= 0) & (item_at[None, :] >= 0),
        cat_at[:, None] * n_item + item_at[None, :],
        -1,
    ).ravel()
    pair_stride = item_at.size

    def flat(unit: np.ndarray, cat: np.ndarray, item: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = unit if everyone else local[unit]
        k = np.where((cat >= 0) & (item >= 0), pair_at[cat * pair_stride + item], -1)
        keep = (k >= 0) if everyone else (u >= 0) & (k >= 0)
        return (u * (n_cat * n_item) + k)[keep], keep

    where, keep = flat(c.cell_unit, c.cell_category, c.cell_item)
    every = c.cell_n[keep]
    answer = c.cell_answer[keep]
    n_answers = len(c.answers)

    # Every cell's answers per (unit, category, item) and answer (integers, exact as
    # doubles): the sums of answered, unknown and satisfied answers are columns of it.
    by_answer = np.bincount(
        where * n_answers + answer, weights=every, minlength=bins * n_answers
    ).reshape(bins, n_answers)

    def count(value: Mapping[str, float] | Sequence[str]) -> np.ndarray:
        columns = [k for k, a in enumerate(c.answers) if a in value]
        return by_answer[:, columns].sum(axis=1).astype(np.int64).reshape(shape)

    answered = count(scheme.appraisal_points)
    unknown = count(scheme.appraisal_unknown)
    satisfied = count(scheme.appraisal_satisfied)
    # Points summed answer by answer in the cells' order, as reference.item_sums sums them
    # (an answer without points adds 0.0, which changes no sum that starts at 0.0).
    points_of = np.array([float(scheme.appraisal_points.get(a, 0.0)) for a in c.answers] + [0.0])
    points = np.bincount(where, weights=every * points_of[answer], minlength=bins).reshape(shape)
    extra_points = np.zeros(bins)
    extra_n = np.zeros(bins, dtype=np.int64)
    s_where, s_keep = flat(c.scored_unit, c.scored_category, c.scored_item)
    extra_points[s_where] = c.scored_points[s_keep]
    extra_n[s_where] = c.scored_n[s_keep]
    extra_points, extra_n = extra_points.reshape(shape), extra_n.reshape(shape)

    base = answered + extra_n
    has_mean = base > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(has_mean, (points + extra_points) / base, np.nan)
    weight_sum = np.zeros((size, n_cat))
    term_sum = np.zeros((size, n_cat))
    for i, weight in enumerate(scheme.items.values()):
        here = has_mean[:, :, i]
        weight_sum = np.where(here, weight_sum + weight, weight_sum)
        term_sum = np.where(here, term_sum + mean[:, :, i] * weight, term_sum)
    with np.errstate(divide="ignore", invalid="ignore"):
        category_score = np.where(weight_sum > 0, term_sum / weight_sum, np.nan)

    ballots = np.zeros(size * n_cat, dtype=np.int64)
    b_unit, b_cat = local[c.ballot_unit], cat_at[c.ballot_category]
    b_keep = (b_unit >= 0) & (b_cat >= 0)
    np.add.at(ballots, (b_unit * n_cat + b_cat)[b_keep], c.ballot_n[b_keep])
    summary = extra_n.max(axis=2, initial=0)
    category_ballots = ballots.reshape(size, n_cat) + summary

    used_weight = np.zeros(size)
    used_terms = np.zeros(size)
    for k, weight in enumerate(scheme.categories.values()):
        if not weight > 0:
            continue
        here = ~np.isnan(category_score[:, k])
        used_weight = np.where(here, used_weight + weight, used_weight)
        used_terms = np.where(here, used_terms + category_score[:, k] * weight, used_terms)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(used_weight > 0, used_terms / used_weight, np.nan)
    total_answered = answered.sum(axis=(1, 2))  # integers: any order gives the same
    total_unknown = unknown.sum(axis=(1, 2))
    total_satisfied = satisfied.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        satisfaction = np.where(total_answered > 0, total_satisfied / total_answered, np.nan)
        heard = total_answered + total_unknown
        awareness = np.where(heard > 0, total_answered / heard, np.nan)
    score = np.where(c.has_appraisal[rows], score, np.nan)
    return AppraisalColumns(
        score,
        satisfaction,
        awareness,
        category_ballots.sum(axis=1),
        category_score,
        category_ballots,
        mean,
        answered,
        unknown,
        satisfied,
        extra_n,
    )


class PerformanceColumns(NamedTuple):
    """绩效考核 of the units scored (rules.PerformanceScore as columns; NaN for None):
    per unit and per unit and indicator (the scheme's order). Units scored by rounds
    have their ``rules.PerformanceScore`` in ``by_rounds`` (by their place in the rows)."""

    score: np.ndarray
    mean: np.ndarray  # [unit, indicator] (trimmed) mean, NaN: no score
    scores: np.ndarray  # [unit, indicator] how many scores
    trimmed: np.ndarray  # [unit, indicator] highest and lowest dropped
    by_rounds: Mapping[int, rules.PerformanceScore]


def performance(
    c: FactColumns, scheme: Scheme, rows: np.ndarray | None = None
) -> PerformanceColumns:
    """绩效考核 (rules.performance_score) of the units at ``rows``: per indicator the
    (trimmed) mean, then the indicators' weighted mean over those with scores. With
    rounds (``performance.rounds``) each unit with months is scored by
    ``rules.performance_by_rounds`` itself."""
    rows = np.arange(len(c)) if rows is None else np.asarray(rows, dtype=np.int64)
    size = len(rows)
    local = _local(len(c), rows)
    at = _positions(c.indicators, scheme.indicators)
    n_ind = len(scheme.indicators)
    u, k = local[c.perf_unit], at[c.perf_indicator]
    keep = (u >= 0) & (k >= 0)
    cell = (u * n_ind + k)[keep]

    def dense(values: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        out: np.ndarray = np.zeros(size * n_ind, dtype=dtype)
        out[cell] = values[keep]
        return out.reshape(size, n_ind)

    n = dense(c.perf_n, np.int64)
    total, lo, hi = dense(c.perf_total), dense(c.perf_lo), dense(c.perf_hi)
    trimmed = n >= scheme.trim_from
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(trimmed, (total - lo - hi) / (n - 2), total / n)
    mean = np.where(n > 0, mean, np.nan)
    weight_sum = np.zeros(size)
    term_sum = np.zeros(size)
    for j, weight in enumerate(scheme.indicators.values()):
        here = n[:, j] > 0
        weight_sum = np.where(here, weight_sum + weight, weight_sum)
        term_sum = np.where(here, term_sum + mean[:, j] * weight, term_sum)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(weight_sum > 0, term_sum / weight_sum, np.nan)
    by_rounds = {}
    if scheme.performance_rounds:
        months = c.performance_months
        for j, unit in enumerate(rows.tolist()):
            name = c.units[unit]
            if name in months:
                by_rounds[j] = rules.performance_by_rounds(months[name], scheme)
                value = by_rounds[j].score
                score[j] = np.nan if value is None else value
    return PerformanceColumns(score, mean, n, trimmed & (n > 0), by_rounds)


def integrity(c: FactColumns, scheme: Scheme) -> np.ndarray:
    """勤廉测评 score (rules.integrity_score, under the year's ``scheme``) that counts for
    each unit: the mean vote points of the votes it takes (``integrity_from``)."""
    size = len(c)
    value = np.array([float(scheme.integrity_points.get(r, 0.0)) for r in c.results] + [0.0])
    counted = np.array([r in scheme.integrity_points for r in c.results] + [False])
    mask = counted[c.vote_result] if len(c.vote_result) else np.zeros(0, dtype=bool)
    unit, n = c.vote_unit[mask], c.vote_n[mask]
    votes = np.bincount(unit, weights=n, minlength=size).astype(np.int64)
    points = np.bincount(unit, weights=n * value[c.vote_result[mask]], minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(votes > 0, points / votes, np.nan)
    source = c.integrity_from
    return np.where(source >= 0, own[np.maximum(source, 0)], np.nan) if size else own


class AdjustmentColumns(NamedTuple):
    """加减分 of the units scored (rules.Adjustment as columns). Where a unit has no
    positive (negative) entry the scalar rule's sum is the integer 0: ``positives``
    (``negatives``) counts the entries, for whoever rebuilds the rule's objects."""

    value: np.ndarray
    positive: np.ndarray
    negative: np.ndarray
    positive_capped: np.ndarray
    negative_capped: np.ndarray
    vetoed: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray


def adjustment(c: FactColumns, scheme: Scheme, rows: np.ndarray | None = None) -> AdjustmentColumns:
    """加减分 (rules.adjustment) of the units at ``rows``: positives and negatives summed
    in the entries' order and capped; a veto source adds no points, it vetoes."""
    rows = np.arange(len(c)) if rows is None else np.asarray(rows, dtype=np.int64)
    size = len(rows)
    local = _local(len(c), rows)
    veto_of = np.array([s in scheme.veto_sources for s in c.sources] + [False])
    unit = local[c.adj_unit]
    mine = unit >= 0
    unit, points = unit[mine], c.adj_points[mine]
    veto = veto_of[c.adj_source[mine]] if len(unit) else np.zeros(0, dtype=bool)
    vetoed = np.bincount(unit[veto], minlength=size) > 0
    up, down = (points > 0) & ~veto, (points < 0) & ~veto
    pos = np.bincount(unit[up], weights=points[up], minlength=size)
    neg = np.bincount(unit[down], weights=points[down], minlength=size)
    capped_pos = np.minimum(pos, scheme.positive_cap)
    capped_neg = np.maximum(neg, scheme.negative_cap)
    return AdjustmentColumns(
        capped_pos + capped_neg,
        pos,
        neg,
        capped_pos < pos,
        capped_neg > neg,
        vetoed,
        np.bincount(unit[up], minlength=size),
        np.bincount(unit[down], minlength=size),
    )


def extras(c: FactColumns, scheme: Scheme, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """专项考评 components the scheme weighs: each 项目's mean percentage (NaN: none)."""
    rows = np.arange(len(c)) if rows is None else np.asarray(rows, dtype=np.int64)
    local = _local(len(c), rows)
    out = {}
    for name in scheme.extra_components:
        n = np.zeros(len(rows), dtype=np.int64)
        total = np.zeros(len(rows))
        item = c.specials.index(name) if name in c.specials else -1
        mine = (c.special_item == item) & (local[c.special_unit] >= 0)
        n[local[c.special_unit[mine]]] = c.special_n[mine]
        total[local[c.special_unit[mine]]] = c.special_total[mine]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = np.where(n > 0, total / n, np.nan)
    return out


def composite(
    components: Mapping[str, np.ndarray], adjustment_value: np.ndarray, scheme: Scheme
) -> np.ndarray:
    """rules.composite as columns (NaN: no component): the weighted mean of the
    components a unit has, weights renormalised over them, plus the adjustment."""
    size = len(adjustment_value)
    nothing = np.full(size, np.nan)
    total = np.zeros(size)
    present = {}
    for key, weight in scheme.composite_weights.items():
        if weight > 0:
            present[key] = ~np.isnan(components.get(key, nothing))
            total = np.where(present[key], total + weight, total)
    value = np.zeros(size)
    with np.errstate(divide="ignore", invalid="ignore"):
        for key, weight in scheme.composite_weights.items():
            if weight > 0:
                term = components[key] * (weight / total) if key in components else nothing
                value = np.where(present[key], value + term, value)
    return np.where(total > 0, value + adjustment_value, np.nan)


# -- display rounding, ranks, grades, warnings ---------------------------------------


def round_to(x: np.ndarray, decimals: int) -> np.ndarray:
    """rules.round_to of each value (NaN stays NaN), the same floats: half up at the
    display decimals after the 9-decimal step. Away from a tie, rounding to the nearest
    multiple is the same whatever the 9-decimal step did, and k / 10^d is the float
    nearest to the decimal; values near a tie are rounded by rules.round_to itself."""
    x = np.asarray(x, dtype=np.float64)
    scale = 10.0**decimals
    y = x * scale
    low = np.floor(y)
    frac = y - low
    # The 9-decimal step moves a value by up to 5e-10 (times the scale here), and the
    # product above errs by a few ulps: anything that close to a tie goes the slow way.
    near = np.abs(frac - 0.5) <= 1e-9 * scale + 1e-6
    near |= np.abs(y) > 1e15
    out = np.copysign((low + (frac > 0.5)) / scale, x)
    for k in np.flatnonzero(near & ~np.isnan(x)).tolist():
        value = rules.round_to(float(x[k]), decimals)
        out[k] = np.nan if value is None else value
    out[np.isnan(x)] = np.nan
    return out


class Standings(NamedTuple):
    """Every unit's composite, veto, rank, group size and 等次 (rank 0, size 0 and
    grade None: not ranked), as ``rank_and_grade`` (tests/reference.py) gives them."""

    composite: np.ndarray
    vetoed: np.ndarray
    rank: np.ndarray
    group_size: np.ndarray
    grade: list[str | None]
    rounded: np.ndarray  # the composite at the display decimals of the unit's scheme
    satisfaction_rate: np.ndarray


def by_scheme(c: FactColumns, scheme: Scheme) -> list[tuple[Scheme, np.ndarray]]:
    """The units (positions) scored under each 考核类别's scheme (Scheme.for_group),
    each scheme once."""
    by: dict[int, tuple[Scheme, list[int]]] = {}
    known: dict[str | None, Scheme] = {}
    for k, group in enumerate(c.groups):
        if group not in known:
            known[group] = scheme.for_group(group)
        sch = known[group]
        by.setdefault(id(sch), (sch, []))[1].append(k)
    return [(sch, np.array(rows, dtype=np.int64)) for sch, rows in by.values()]


def standings(c: FactColumns, scheme: Scheme) -> Standings:
    """Composite of every unit under its 考核类别's scheme (``score_unit`` in
    tests/reference.py), then ranks within each group and grades (``rank_and_grade``)."""
    size = len(c)
    value = np.full(size, np.nan)
    vetoed = np.zeros(size, dtype=bool)
    rounded = np.full(size, np.nan)
    satisfaction = np.full(size, np.nan)
    integ = integrity(c, scheme)
    for sch, rows in by_scheme(c, scheme):
        a = appraisal(c, sch, rows)
        adj = adjustment(c, sch, rows)
        parts = {
            "appraisal": a.score,
            "performance": performance(c, sch, rows).score,
            "integrity": integ[rows],
            **extras(c, sch, rows),
        }
        value[rows] = composite(parts, adj.value, sch)
        vetoed[rows] = adj.vetoed
        rounded[rows] = round_to(value[rows], sch.decimals)
        satisfaction[rows] = np.where(np.isnan(a.score), np.nan, a.satisfaction_rate)
    rank = np.zeros(size, dtype=np.int64)
    group_size = np.zeros(size, dtype=np.int64)
    grade: list[str | None] = [None] * size
    members: dict[str, list[int]] = defaultdict(list)
    for k, group in enumerate(c.groups):
        if group and not math.isnan(value[k]):
            members[group].append(k)
    for group, ks in members.items():
        sch = scheme.for_group(group)
        at = np.array(ks, dtype=np.int64)
        # Competition ranks (ranking.rank_within_group): 1 + the members placed before,
        # i.e. not vetoed when it is, or vetoed alike and higher at the display decimals.
        key_v, key_r = vetoed[at], rounded[at]
        order = np.lexsort((-key_r, key_v))
        sorted_v, sorted_r = key_v[order], -key_r[order]
        first = np.ones(len(at), dtype=bool)
        first[1:] = (sorted_v[1:] != sorted_v[:-1]) | (sorted_r[1:] != sorted_r[:-1])
        start = np.maximum.accumulate(np.where(first, np.arange(len(at)), 0))
        placed = np.empty(len(at), dtype=np.int64)
        placed[order] = start + 1
        rank[at] = placed
        group_size[at] = len(at)
        for k, name in zip(at.tolist(), _grades(key_r, placed, key_v, sch), strict=True):
            grade[k] = name
    return Standings(value, vetoed, rank, group_size, grade, rounded, satisfaction)


def _grades(rounded: np.ndarray, rank: np.ndarray, vetoed: np.ndarray, scheme: Scheme) -> list[str]:
    """rules.grade of one group's units, their composites already at the display
    decimals: the first band whose line a unit reaches, within the band's top share of
    the group; the floor band for the rest and for a veto."""
    size = len(rank)
    out = np.full(size, scheme.floor_grade, dtype=object)
    done = vetoed.copy()
    for band in scheme.grade_bands[:-1]:
        here = ~done & (rounded >= band.min)
        if band.top_share is not None:
            here &= rank <= math.ceil(band.top_share * size - 1e-9)
        out[here] = band.name
        done |= here
    return out.tolist()


def warned(c: FactColumns, scheme: Scheme, ranked: Standings | None = None) -> list[str]:
    """The units that got 末位告诫 or 效能告诫 (warnings.year_warnings, each under its
    考核类别's scheme), in the order ``engine.evaluate`` lists their warnings: what
    escalation reads of an earlier year."""
    s = standings(c, scheme) if ranked is None else ranked
    groups: dict[str, list[int]] = defaultdict(list)
    for k, group in enumerate(c.groups):
        if group and s.rank[k] > 0:
            groups[group].append(k)
    out: list[str] = []
    for group, ks in groups.items():
        rule = scheme.for_group(group).last_place
        if len(ks) < rule.min_group:
            continue
        at = np.array(ks, dtype=np.int64)
        ranks = s.rank[at]
        # warnings.last_place: fewer than ``count`` units rank below it.
        below = len(at) - np.searchsorted(np.sort(ranks), ranks, side="right")
        chosen = below < rule.count(len(at))
        if rule.below > 0:
            chosen &= s.vetoed[at] | (s.rounded[at] < rule.below)
        out += [
            c.units[k]
            for _, _, k in sorted((int(s.rank[k]), c.units[k], k) for k in at[chosen].tolist())
        ]
    inefficient = {g: scheme.for_group(g).inefficient_grades for g in groups}
    for k, grade in enumerate(s.grade):
        if grade is not None and grade in inefficient[c.groups[k] or ""]:
            out.append(c.units[k])
    return list(dict.fromkeys(out))
