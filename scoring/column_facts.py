"""A year's facts read straight into columns (columns.FactColumns), for scoring every
unit at once: the same facts as ``facts.read_facts`` reads, in the same order, without
a per-unit dict. An earlier year's warnings (results.previous_warnings) need no more.

Answer cells come from the store as integers (``Store.appraisal_cell_codes``); every
other fact from the store methods ``read_facts`` uses, so the two readers cannot drift
apart in what they read, only in shape (tests/test_columns.py compares the columns with
``columns.from_facts(read_facts(...))``). That pair would do here too, but at 2,000
units it took 0.14 s against this reader's 0.05 s, and the recomputation with last
year's warnings 0.58 s of CPU against 0.49 s (rank_bench, 1M ballots, median of 5);
``columns.from_facts`` stays for this year's facts, which ``engine.evaluate`` takes as
``YearFacts`` (its variances, evidence and details), and for facts built by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring import cases
from scoring.columns import LEADERSHIP, NO_GROUP_TYPE, FactColumns, integrity_sources
from scoring.scheme import Scheme
from scoring.store import Store

__all__ = ["read_columns"]


def _factor(column: pd.Series | np.ndarray, names: dict[str, int]) -> np.ndarray:
    """Each value's number in ``names`` (a new name numbered on), looked up once per
    distinct value."""
    codes, distinct = pd.factorize(column)
    table = [names.setdefault(str(v), len(names)) for v in distinct.tolist()]
    return np.array([*table, -1], dtype=np.int64)[codes]


def _lookup(column: pd.Series | np.ndarray, position: dict[str, int]) -> np.ndarray:
    """Each value's place in ``position`` (-1: none), looked up once per distinct value."""
    codes, distinct = pd.factorize(column)
    table = [position.get(str(v), -1) for v in distinct.tolist()]
    return np.array([*table, -1], dtype=np.int64)[codes]


def _runs(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by ``keys``: each row's run of equal keys and the runs' first rows."""
    size = len(keys[0])
    new = np.zeros(size, dtype=bool)
    new[:1] = True
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    return np.cumsum(new) - 1, np.flatnonzero(new)


def read_columns(store: Store, year: int, scheme: Scheme) -> FactColumns:
    """The facts of ``year`` that scores, ranks and warnings need (no variances), as
    columns, read in one snapshot of the store."""
    with store.snapshot() as snap:
        registry = snap.unit_infos(year)
        cells, values = snap.appraisal_cell_codes(year)
        perf = snap.performance_stats(year, scheme.default_max, scheme.max_by_indicator)
        special = snap.special_stats(year)
        votes = snap.integrity_counts(year)
        entries = cases.adjustments_with_cases(snap, year, scheme)
        scored = snap.item_scores(year)
    unit_names, categories_of, items_of, answers_of = values
    with_cells = np.flatnonzero(np.bincount(cells["unit"], minlength=len(unit_names)))
    named = {unit_names[k] for k in with_cells.tolist()}
    for frame in (perf, special, votes, entries, scored):
        named.update(str(u) for u in pd.unique(frame["unit"]).tolist())
    units = sorted(named)
    position = {u: k for k, u in enumerate(units)}
    size = len(units)

    # 万人评议: a cell's unit as its position; the cells of each (unit, category, item)
    # in the order of their answers (a stable sort by answer alone), as the counts add them.
    at = np.array([position.get(u, -1) for u in unit_names] + [-1], dtype=np.int64)
    small = np.uint8 if len(answers_of) < 256 else np.uint16 if len(answers_of) < 65536 else None
    answer = cells["answer"].astype(small) if small is not None else cells["answer"]
    order = np.argsort(answer, kind="stable")
    categories = {c: k for k, c in enumerate(categories_of)}
    items = {i: k for k, i in enumerate(items_of)}
    ballot_unit = _lookup(cells["ballot_unit"], position)
    keep = ballot_unit >= 0
    ballot_category = _factor(cells["ballot_category"][keep], categories)

    # 分项得分汇总: rows summed per (unit, category, item) in their order (facts._item_scores).
    s_unit = _lookup(scored["unit"], position)
    s_cat, s_item = _factor(scored["category"], categories), _factor(scored["item"], items)
    run, first = _runs(s_unit, s_cat, s_item)
    s_points = np.bincount(
        run,
        weights=scored["score"].to_numpy(dtype=np.float64) * scored["ballots"].to_numpy(np.int64),
        minlength=len(first),
    )
    s_n = np.bincount(run, weights=scored["ballots"].to_numpy(np.int64), minlength=len(first))
    has_appraisal = np.zeros(size, dtype=bool)
    has_appraisal[at[with_cells]] = True
    has_appraisal[s_unit[first]] = True

    # 绩效考核, sorted by unit, indicator and month: months pooled in that order (facts.pool).
    indicators: dict[str, int] = {}
    p_unit, p_ind = _lookup(perf["unit"], position), _factor(perf["indicator"], indicators)
    prun, pfirst = _runs(p_unit, p_ind)
    p_n = perf["n"].to_numpy(dtype=np.int64)
    p_lo, p_hi = perf["lo"].to_numpy(np.float64), perf["hi"].to_numpy(np.float64)
    months = {}
    if scheme.performance_rounds or any(g.performance_rounds for g in scheme.groups.values()):
        from scoring.facts import _performance  # the rounds' months, as read_facts keeps them

        months = _performance(perf)[1]

    row_of = {str(n): k for k, (n, *_) in enumerate(registry)}
    types_all = [str(t) for _, t, _, _ in registry]
    parents_all = [None if p is None else str(p) for _, _, p, _ in registry]
    groups_all = [None if g is None else str(g) for _, _, _, g in registry]
    rows = [row_of.get(u) for u in units]
    leadership = {
        str(n): (LEADERSHIP, parents_all[k])
        for k, (n, *_) in enumerate(registry)
        if types_all[k] == LEADERSHIP
    }
    types = tuple(NO_GROUP_TYPE if r is None else types_all[r] for r in rows)
    parents = tuple(None if r is None else parents_all[r] for r in rows)
    results: dict[str, int] = {}
    sources: dict[str, int] = {}
    specials: dict[str, int] = {}
    vote_unit = _lookup(votes["unit"], position)
    vote_result = _factor(votes["result"], results)
    adj_source = _factor(entries["source"], sources)
    special_item = _factor(special["item"], specials)
    return FactColumns(
        year=year,
        units=tuple(units),
        types=types,
        parents=parents,
        groups=tuple(None if r is None else groups_all[r] for r in rows),
        registered=np.array([r is not None for r in rows], dtype=bool),
        categories=tuple(categories),
        items=tuple(items),
        answers=tuple(answers_of),
        cell_unit=at[cells["unit"]][order],
        cell_category=cells["category"][order],
        cell_item=cells["item"][order],
        cell_answer=cells["answer"][order],
        cell_n=cells["n"][order],
        ballot_unit=ballot_unit[keep],
        ballot_category=ballot_category,
        ballot_n=cells["ballots"][keep],
        scored_unit=s_unit[first],
        scored_category=s_cat[first],
        scored_item=s_item[first],
        scored_points=s_points,
        scored_n=s_n.astype(np.int64),
        has_appraisal=has_appraisal,
        indicators=tuple(indicators),
        perf_unit=p_unit[pfirst],
        perf_indicator=p_ind[pfirst],
        perf_n=np.bincount(prun, weights=p_n, minlength=len(pfirst)).astype(np.int64),
        perf_total=np.bincount(
            prun, weights=perf["total"].to_numpy(np.float64), minlength=len(pfirst)
        ),
        perf_lo=np.minimum.reduceat(p_lo, pfirst) if len(pfirst) else p_lo,
        perf_hi=np.maximum.reduceat(p_hi, pfirst) if len(pfirst) else p_hi,
        results=tuple(results),
        vote_unit=vote_unit,
        vote_result=vote_result,
        vote_n=votes["n"].to_numpy(dtype=np.int64),
        integrity_from=integrity_sources(
            units, types, parents, leadership, (units[k] for k in np.unique(vote_unit).tolist())
        ),
        sources=tuple(sources),
        adj_unit=_lookup(entries["unit"], position),
        adj_points=entries["points"].to_numpy(dtype=np.float64),
        adj_source=adj_source,
        specials=tuple(specials),
        special_unit=_lookup(special["unit"], position),
        special_item=special_item,
        special_n=special["n"].to_numpy(dtype=np.int64),
        special_total=special["total"].to_numpy(dtype=np.float64),
        performance_months=months,
    )
