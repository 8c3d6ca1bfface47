"""A year's facts read straight into columns (columns.FactColumns), for scoring every
unit at once: the same facts as ``facts.read_facts`` reads, in the same order, without
a per-unit dict. An earlier year's warnings (results.previous_warnings) need no more.

Answer cells come from the store as integers (``Store.appraisal_cell_codes``); every
other fact from the store methods ``read_facts`` uses, so the two readers cannot drift
apart in what they read, only in shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scoring import cases
from scoring.columns import LEADERSHIP, NO_GROUP_TYPE, FactColumns, integrity_sources
from scoring.scheme import Scheme
from scoring.store import Store

__all__ = ["read_columns"]


def _text(x: object) -> str | None:
    """facts._none: a registry cell as text, None for a missing one."""
    return None if x is None or (isinstance(x, float) and x != x) or pd.isna(x) else str(x)


def _codes(values: Sequence[object], names: dict[str, int]) -> np.ndarray:
    return np.array([names.setdefault(str(v), len(names)) for v in values], dtype=np.int64)


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
        registry = snap.units(year)
        cells, values = snap.appraisal_cell_codes(year)
        perf = snap.performance_stats(year, scheme.default_max, scheme.max_by_indicator)
        special = snap.special_stats(year)
        votes = snap.integrity_counts(year)
        entries = cases.adjustments_with_cases(snap, year, scheme)
        scored = snap.item_scores(year)
    unit_names: tuple[str, ...] = values[0] if values else ()
    with_cells = np.unique(cells["unit"])
    named = {unit_names[k] for k in with_cells.tolist()}
    for frame in (perf, special, votes, entries, scored):
        named.update(frame["unit"].tolist())
    units = sorted(named)
    position = {u: k for k, u in enumerate(units)}
    size = len(units)

    # 万人评议: a cell's unit as its position; the cells of each (unit, category, item)
    # in the order of their answers (stable: by answer alone), as the counts add them.
    at = np.array([position.get(u, -1) for u in unit_names] + [-1], dtype=np.int64)
    order = np.argsort(cells["answer"].astype(np.int32), kind="stable")
    categories = {c: k for k, c in enumerate(values[1] if values else ())}
    items = {i: k for k, i in enumerate(values[2] if values else ())}
    keep = np.array([u in position for u in cells["ballot_unit"].tolist()], dtype=bool)
    ballot_unit = [position[u] for u in cells["ballot_unit"][keep].tolist()]
    ballot_category = _codes(cells["ballot_category"][keep].tolist(), categories)

    # 分项得分汇总: rows summed per (unit, category, item) in their order (facts._item_scores).
    s_unit = scored["unit"].to_numpy(dtype=object)
    s_cat = scored["category"].to_numpy(dtype=object)
    s_item = scored["item"].to_numpy(dtype=object)
    run, first = _runs(s_unit, s_cat, s_item) if len(scored) else (np.zeros(0, np.int64),) * 2
    s_points = np.bincount(
        run,
        weights=scored["score"].to_numpy(dtype=np.float64) * scored["ballots"].to_numpy(np.int64),
        minlength=len(first),
    )
    s_n = np.bincount(run, weights=scored["ballots"].to_numpy(np.int64), minlength=len(first))
    has_appraisal = np.zeros(size, dtype=bool)
    has_appraisal[at[with_cells]] = True
    has_appraisal[[position[u] for u in s_unit[first].tolist()]] = True

    # 绩效考核, sorted by unit, indicator and month: months pooled in that order (facts.pool).
    p_unit = perf["unit"].to_numpy(dtype=object)
    p_ind = perf["indicator"].to_numpy(dtype=object)
    prun, pfirst = _runs(p_unit, p_ind) if len(perf) else (np.zeros(0, np.int64),) * 2
    p_n = perf["n"].to_numpy(dtype=np.int64)
    p_lo, p_hi = perf["lo"].to_numpy(np.float64), perf["hi"].to_numpy(np.float64)
    indicators: dict[str, int] = {}
    months = {}
    if scheme.performance_rounds or any(g.performance_rounds for g in scheme.groups.values()):
        from scoring.facts import _performance  # the rounds' months, as read_facts keeps them

        months = _performance(perf)[1]

    results: dict[str, int] = {}
    sources: dict[str, int] = {}
    specials: dict[str, int] = {}
    names = registry["name"].tolist()
    row_of = {n: k for k, n in enumerate(names)}
    types_all, parents_all = registry["type"].tolist(), registry["parent"].tolist()
    groups_all = registry["group"].tolist()
    rows = [row_of.get(u) for u in units]
    leadership = {
        n: (LEADERSHIP, _text(p))
        for n, t, p in zip(names, types_all, parents_all, strict=True)
        if str(t) == LEADERSHIP
    }
    types = tuple(NO_GROUP_TYPE if r is None else str(types_all[r]) for r in rows)
    parents = tuple(None if r is None else _text(parents_all[r]) for r in rows)
    vote_units = votes["unit"].tolist()
    # Every name numbered before the numbers are frozen into tuples.
    scored_category = _codes(s_cat[first].tolist(), categories)
    scored_item = _codes(s_item[first].tolist(), items)
    perf_indicator = _codes(p_ind[pfirst].tolist(), indicators)
    vote_result = _codes(votes["result"].tolist(), results)
    adj_source = _codes(entries["source"].tolist(), sources)
    special_item = _codes(special["item"].tolist(), specials)
    return FactColumns(
        year=year,
        units=tuple(units),
        types=types,
        parents=parents,
        groups=tuple(None if r is None else _text(groups_all[r]) for r in rows),
        registered=np.array([r is not None for r in rows], dtype=bool),
        categories=tuple(categories),
        items=tuple(items),
        answers=tuple(values[3]) if values else (),
        cell_unit=at[cells["unit"]][order],
        cell_category=cells["category"][order],
        cell_item=cells["item"][order],
        cell_answer=cells["answer"][order],
        cell_n=cells["n"][order],
        ballot_unit=np.array(ballot_unit, dtype=np.int64),
        ballot_category=ballot_category,
        ballot_n=cells["ballots"][keep],
        scored_unit=np.array([position[u] for u in s_unit[first].tolist()], dtype=np.int64),
        scored_category=scored_category,
        scored_item=scored_item,
        scored_points=s_points,
        scored_n=s_n.astype(np.int64),
        has_appraisal=has_appraisal,
        indicators=tuple(indicators),
        perf_unit=np.array([position[u] for u in p_unit[pfirst].tolist()], dtype=np.int64),
        perf_indicator=perf_indicator,
        perf_n=np.bincount(prun, weights=p_n, minlength=len(pfirst)).astype(np.int64),
        perf_total=np.bincount(
            prun, weights=perf["total"].to_numpy(np.float64), minlength=len(pfirst)
        ),
        perf_lo=np.minimum.reduceat(p_lo, pfirst) if len(pfirst) else p_lo,
        perf_hi=np.maximum.reduceat(p_hi, pfirst) if len(pfirst) else p_hi,
        results=tuple(results),
        vote_unit=np.array([position[u] for u in vote_units], dtype=np.int64),
        vote_result=vote_result,
        vote_n=votes["n"].to_numpy(dtype=np.int64),
        integrity_from=integrity_sources(units, types, parents, leadership, vote_units),
        sources=tuple(sources),
        adj_unit=np.array([position[u] for u in entries["unit"].tolist()], dtype=np.int64),
        adj_points=entries["points"].to_numpy(dtype=np.float64),
        adj_source=adj_source,
        specials=tuple(specials),
        special_unit=np.array([position[u] for u in special["unit"].tolist()], dtype=np.int64),
        special_item=special_item,
        special_n=special["n"].to_numpy(dtype=np.int64),
        special_total=special["total"].to_numpy(dtype=np.float64),
        performance_months=months,
    )
