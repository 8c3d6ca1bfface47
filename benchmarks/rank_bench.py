"""Full recomputation of a year's results, previous year's warnings included, in a FILE store.

Run: .venv/bin/python benchmarks/rank_bench.py [--ballots 1000000] [--units 200] [--runs 5]

Two years of synthetic 万人评议 ballots (plus 绩效考核 and 勤廉测评 rows for every unit)
are stored through the real import path (``Store.add_upload``: cells, answer rows as
integers, the counts kept per year) into a database file under benchmarks/out (made
once per size and reused). Each measurement then runs in a fresh process that opens
the file (so its peak memory is its own):

- ``results.compute(store, year)`` for the later year, which also scores the previous
  year for its warnings (连续两年末位): one cold run, then ``--runs`` runs; median, min.
  Each run takes its t quantiles afresh (no cache of the intervals' quantiles carries
  over); the store's copy of the cells' strings does, as it does in the app.
- the baseline: a competent numpy implementation of the 万人评议 aggregation that reads
  the same integer keys (cell id, ballot number) of both years' answer rows from the file
  and computes answer counts, ballots per unit and category and the per-ballot variance
  with ``np.bincount`` (the rules themselves, composite, ranking and warnings, are not
  in the baseline: it flatters the baseline, not us).

The machine's load (/proc/loadavg) is printed before and after. Not a test; figures
go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import loadavg  # noqa: E402

YEAR = 2025
# Ballots per upload when filling (offices upload in batches). Each upload's content
# check reads the year's answers stored before it, so many small uploads of a large
# year take quadratic time: the builder uses few, large ones.
PER_UPLOAD = 2_000_000


def _units(n: int) -> pd.DataFrame:
    names = [f"单位{i:04d}" for i in range(n)]
    return pd.DataFrame(
        {
            "name": names,
            "aliases": [[] for _ in names],
            "type": "部门",
            "parent": None,
            "group": [f"第{i % 8}类" for i in range(n)],
        }
    )


def _ballot_table(rng, start: int, count: int, units: list[str], scheme) -> pa.Table:
    """``count`` ballots as the parser hands them over: one row per ballot and item."""
    cats = list(scheme.categories)
    items = list(scheme.items)
    answers = list(scheme.appraisal_answers)
    unit = rng.integers(0, len(units), count)
    cat = rng.integers(0, len(cats), count)
    quality = 0.004 * (unit % 50)
    k = len(items)
    r = rng.random((count, k))
    p_unknown, p_sat = 0.05, 0.55 + quality[:, None]
    code = np.where(r < p_unknown, 3, np.where(r < p_sat, 0, np.where(r < 0.9, 1, 2)))
    rows = np.arange(count, dtype=np.int64)

    def dictionary(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(values))

    ballot = pa.array([f"B{start + i}" for i in range(count)])
    pieces = []
    for j in range(len(items)):
        pieces.append(
            pa.table(
                {
                    "ballot": ballot,
                    "unit": dictionary(unit, units),
                    "category": dictionary(cat, cats),
                    "item": dictionary(np.full(count, j), items),
                    "answer": dictionary(code[:, j], answers),
                    "n": pa.array(np.ones(count, dtype=np.int32)),
                    "ballot_row": pa.array(rows),
                }
            )
        )
    return pa.concat_tables(pieces)


def fill(path: Path, ballots: int, n_units: int, per_upload: int = PER_UPLOAD) -> None:
    from scoring.scheme import default_scheme
    from scoring.store import Store

    scheme = default_scheme()
    rng = np.random.default_rng(2025)
    registry = _units(n_units)
    units = registry["name"].tolist()
    with Store(path) as store:
        store.upsert_units(registry, "bench")
        for year in (YEAR - 1, YEAR):
            done = 0
            while done < ballots:
                count = min(per_upload, ballots - done)
                t = time.perf_counter()
                table = _ballot_table(rng, year * 10**8 + done, count, units, scheme)
                made = time.perf_counter() - t
                store.add_upload(
                    year=year,
                    file=f"ballots-{done}",
                    source="appraisal",
                    sha256=f"{year}-{ballots}-{done}",
                    user="bench",
                    rows=count,
                    facts={"appraisal_answers": table},
                )
                done += count
                print(
                    f"  {year}: {done:,} ballots stored (made {made:.1f} s, stored "
                    f"{time.perf_counter() - t - made:.1f} s; load {loadavg()})",
                    flush=True,
                )
            perf = pd.DataFrame(
                [
                    (u, ind, float(rng.uniform(60, 100)), 100.0)
                    for u in units
                    for ind in scheme.indicators
                    for _ in range(3)
                ],
                columns=["unit", "indicator", "score", "max_score"],
            )
            store.add_upload(
                year=year,
                file="perf",
                source="performance",
                sha256=f"perf-{year}",
                user="bench",
                rows=len(perf),
                facts={"performance_scores": perf},
            )


def _numpy_baseline(store, years: tuple[int, ...], points: dict[str, float]) -> dict:
    """Counts, ballots per unit/category and per-ballot variance from the answers' integer
    keys with numpy: what recomputation cost before the counts were kept."""
    cells = store.query("SELECT id, unit, category, item, answer FROM appraisal_cells ORDER BY id")
    size = int(cells["id"].max()) + 1
    group = np.zeros(size, dtype=np.int64)
    group[cells["id"].to_numpy()] = pd.factorize(cells["unit"] + "\x00" + cells["category"])[0]
    item_group = np.zeros(size, dtype=np.int64)
    item_group[cells["id"].to_numpy()] = pd.factorize(
        cells["unit"] + "\x00" + cells["category"] + "\x00" + cells["item"]
    )[0]
    pts = np.full(size, np.nan)
    pts[cells["id"].to_numpy()] = cells["answer"].map(points).to_numpy(dtype=float)
    timings = {}
    for year in years:
        t = time.perf_counter()
        with store.cursor() as cur:
            m = cur.execute(
                "SELECT cell_id, ballot_no FROM appraisal_answer_rows WHERE year = ?", [year]
            ).fetchnumpy()
        read = time.perf_counter() - t
        t = time.perf_counter()
        cell = np.asarray(m["cell_id"])
        counts = np.bincount(cell, minlength=size)
        scored = ~np.isnan(pts[cell])
        ig = item_group[cell]
        answered = np.bincount(ig[scored], minlength=item_group.max() + 1)
        total = np.bincount(ig[scored], weights=pts[cell][scored], minlength=item_group.max() + 1)
        mean = np.divide(total, answered, out=np.zeros_like(total), where=answered > 0)
        coef = np.divide(1.0, answered, out=np.zeros_like(total), where=answered > 0)
        term = np.where(scored, coef[ig] * (np.nan_to_num(pts[cell]) - mean[ig]), 0.0)
        first, ballot = pd.factorize(np.asarray(m["ballot_no"]))  # hashing, not sorting
        per_ballot = np.bincount(first, weights=term)
        ballot_group = np.zeros(len(ballot), dtype=np.int64)
        ballot_group[first] = group[cell]
        ballots = np.bincount(ballot_group)
        variance = np.bincount(ballot_group, weights=per_ballot**2)
        timings[year] = (read, time.perf_counter() - t)
        del counts, ballots, variance
    return timings


def forget_quantiles() -> None:
    """Each run takes its t quantiles afresh: after an upload a unit's degrees of freedom
    change, so a cache of them would flatter the figures."""
    from scoring import evidence

    evidence.t_quantile.cache_clear()


def measure(path: Path, runs: int) -> dict:
    """In a fresh process: open the file, time the recomputation, then the baseline. The
    process keeps freed memory as the command line and the app do (scoring.allocator);
    the baseline runs in it too."""
    from scoring import results
    from scoring.allocator import keep_freed_memory
    from scoring.scheme import default_scheme
    from scoring.store import Store

    keep_freed_memory()
    out: dict = {"load_before": loadavg()}
    t0 = time.perf_counter()
    store = Store(path)
    out["open"] = time.perf_counter() - t0
    t = time.perf_counter()
    res = results.compute(store, YEAR)
    out["cold"] = time.perf_counter() - t
    out["ballots"] = sum(u.ballots for u in res.units)
    out["units"] = len(res.units)
    out["warnings"] = len(res.warnings)
    times, cpu = [], []
    for _ in range(runs):
        forget_quantiles()
        t, c = time.perf_counter(), time.process_time()
        results.compute(store, YEAR)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)  # this process's CPU, all its threads
    out["median"], out["min"], out["max"] = statistics.median(times), min(times), max(times)
    out["cpu_median"], out["cpu_min"] = statistics.median(cpu), min(cpu)
    out["peak_mb_compute"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = []
    points = dict(default_scheme().appraisal_points)
    for _ in range(max(1, runs // 2)):
        timing = _numpy_baseline(store, (YEAR - 1, YEAR), points)
        base.append((sum(r for r, _ in timing.values()), sum(a for _, a in timing.values())))
    out["numpy_read_min"] = min(r for r, _ in base)
    out["numpy_aggregate_min"] = min(a for _, a in base)
    out["numpy_aggregate_median"] = statistics.median(a for _, a in base)
    out["peak_mb_all"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_after"] = loadavg()
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=1_000_000, help="ballots per year")
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.runs)))
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"rank-{args.ballots}-{args.units}.duckdb"
    if not path.exists():
        t = time.perf_counter()
        fill(path.with_suffix(".part"), args.ballots, args.units)
        path.with_suffix(".part").rename(path)
        print(f"made {path.name} in {time.perf_counter() - t:.1f} s", flush=True)
    child = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), "--runs", str(args.runs)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    r = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"{args.ballots:>10,} ballots/year × 2 years, {args.units} units (file store): "
        f"recomputation with last year's warnings median {r['median']:.3f} s, "
        f"min {r['min']:.3f} s, max {r['max']:.3f} s, cold {r['cold']:.3f} s "
        f"(open {r['open']:.2f} s); CPU median {r['cpu_median']:.3f} s, min {r['cpu_min']:.3f} s; "
        f"peak RSS {r['peak_mb_compute']:,.0f} MB",
        flush=True,
    )
    print(
        f"{'':>10} numpy baseline on the integer keys (both years): aggregation "
        f"median {r['numpy_aggregate_median']:.3f} s, min {r['numpy_aggregate_min']:.3f} s "
        f"+ reading the keys {r['numpy_read_min']:.3f} s; peak RSS {r['peak_mb_all']:,.0f} MB; "
        f"load {r['load_before']} → {r['load_after']}",
        flush=True,
    )
    assert r["ballots"] == args.ballots, f"{r['ballots']} ballots counted of {args.ballots}"


if __name__ == "__main__":
    main()
