"""Full recomputation of a year's results over 1M (and 10M) ballots: DuckDB vs pandas.

Run: .venv/bin/python benchmarks/rank_bench.py [--sizes 1000000,10000000]
Prints seconds per run (best of 3) and the speed-up. Not a test: figures go in the note.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring import results, rules
from scoring.scheme import default_scheme
from scoring.store import Store

UNITS = 200


def fill(store: Store, ballots: int, year: int = 2025) -> None:
    store.upsert_units(
        pd.DataFrame(
            {
                "name": [f"单位{i}" for i in range(UNITS)],
                "aliases": [[] for _ in range(UNITS)],
                "type": "部门",
                "parent": None,
                "group": [f"第{i % 5}类" for i in range(UNITS)],
            }
        )
    )
    upload, _ = store.add_upload(
        year=year,
        file="bench",
        source="appraisal",
        sha256=str(ballots),
        user="bench",
        rows=ballots,
        facts={},
    )
    sql = (Path(__file__).parent / "make_ballots.sql").read_text(encoding="utf-8")
    with store.transaction() as cur:
        cur.execute(sql, {"upload_id": upload.id, "year": year, "ballots": ballots, "units": UNITS})
        # What the store does on import (migration 003): one integer id per answer cell.
        cur.execute(
            "INSERT INTO appraisal_cells (unit, category, item, answer) "
            "SELECT DISTINCT unit, category, item, answer FROM appraisal_answers "
            "ON CONFLICT DO NOTHING"
        )
        cur.execute(
            "UPDATE appraisal_answers AS a SET cell_id = c.id FROM appraisal_cells c "
            "WHERE c.unit = a.unit AND c.category = a.category AND c.item = a.item "
            "AND c.answer = a.answer"
        )


def duckdb_aggregates(store: Store, scheme) -> tuple:
    """What results.compute asks of DuckDB for 万人评议: counts, then ballots and variances."""
    counts = store.appraisal_counts(2025)
    nested: dict = {}
    for unit, cat, item, answer, n in counts.itertuples(index=False):
        nested.setdefault(unit, {}).setdefault(cat, {}).setdefault(item, {})[answer] = n
    cells = pd.DataFrame(
        [
            (u, *c)
            for u, by in nested.items()
            for c in rules.variance_cells(rules.appraisal_score(by, scheme))
        ],
        columns=["unit", "category", "item", "mean", "coef"],
    )
    return counts, store.appraisal_ballot_stats(2025, scheme.appraisal_points, cells)


def pandas_aggregates(
    answers: pd.DataFrame, points: dict[str, float], items: dict[str, float]
) -> tuple:
    """The same three aggregations the store runs in DuckDB, in pandas."""
    counts = answers.groupby(["unit", "category", "item", "answer"], observed=True)["n"].sum()
    ballots = (
        answers[answers["item"] == answers["item"].iloc[0]]
        .groupby(["unit", "category"], observed=True)["ballot"]
        .nunique()
    )
    scored = answers[answers["answer"].isin(list(points))].copy()
    scored["pts"] = scored["answer"].map(points).astype(float)
    keys = ["unit", "category", "item"]
    g = scored.groupby(keys, observed=True)
    m = (g["pts"].sum() / g["n"].sum()).rename("mean").reset_index()
    m["answered"] = g["n"].sum().values
    m["w"] = m["item"].map(items).astype(float)
    m["v"] = m["w"] / m.groupby(["unit", "category"], observed=True)["w"].transform("sum")
    scored = scored.merge(m, on=keys)
    scored["t"] = scored["v"] * (scored["pts"] - scored["mean"]) / scored["answered"]
    per_ballot = scored.groupby(["unit", "category", "ballot"], observed=True)["t"].sum()
    variance = (per_ballot**2).groupby(level=[0, 1], observed=True).sum()
    return counts, ballots, variance


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--pandas-max", type=int, default=10_000_000)
    args = parser.parse_args()
    scheme = default_scheme()
    for size in (int(s) for s in args.sizes.split(",")):
        with Store(":memory:") as store:
            t = time.perf_counter()
            fill(store, size)
            made = time.perf_counter() - t
            full = best_of(lambda s=store: results.compute(s, 2025))
            counted = sum(u.ballots for u in results.compute(store, 2025).units)
            assert counted == size, f"{counted} ballots counted of {size}"
            heavy = best_of(lambda s=store: duckdb_aggregates(s, scheme))
            line = (
                f"{size:>10,} ballots ({6 * size:,} answers): generated in {made:.1f} s; "
                f"full recomputation {full:.3f} s; DuckDB aggregation {heavy:.3f} s"
            )
            if size <= args.pandas_max:
                answers = store.query(
                    "SELECT ballot, unit, category, item, answer, n FROM appraisal_answers"
                )
                for c in ("unit", "category", "item", "answer"):
                    answers[c] = answers[c].astype("category")
                pandas_t = best_of(
                    lambda a=answers: pandas_aggregates(
                        a, dict(scheme.appraisal_points), dict(scheme.items)
                    ),
                    runs=1 if size > 2e6 else 3,
                )
                line += f"; pandas aggregation {pandas_t:.3f} s ({pandas_t / heavy:.1f}× slower)"
                del answers
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(line + f"; peak RSS {peak:,.0f} MB", flush=True)
    _ = np


if __name__ == "__main__":
    main()
