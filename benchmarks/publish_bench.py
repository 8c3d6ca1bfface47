"""Publishing a year (结果发布) end to end, each run a fresh process, as an office runs it.

Run: .venv/bin/python benchmarks/publish_bench.py [--db FILE] [--year 2025] [--runs 5]

Each run copies the database FILE (the demo city by default, made once under
benchmarks/out) to a fresh file, so that every run does the same work (publishing
writes a snapshot, the 整改 items and the audit log), and publishes the year into a
fresh folder in a new Python process: what ``python -m scoring publish`` does (open
the file, compute the year and the one before, workbook, charts through Chromium,
the PDF, the 整改 items). Reported over the runs, median and minimum:

- wall: the whole process, from its start (interpreter and imports included) to its
  exit; ``in publish`` is the part inside ``scoring.publish.publish``;
- CPU: user + system time of the Python process and, apart, of the child processes it
  reaped (Chromium, with the processes Chromium reaped in turn);
- the breakdown of ``publish`` by phase (``Published.phases``);
- peak RSS of the Python process and of the largest Chromium process;
- the files written (PDF size, chart count and total size), and the load before/after.

Not a test; figures go to benchmarks/README.md (target, issue 15: ≤ 8 s for the demo year).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import USER, loadavg, prepare  # noqa: E402


def child(db: str, year: int, out: str) -> None:
    """One publication in this (fresh) process, as cmd_publish does it; a JSON line of
    figures on stdout."""
    import resource

    from scoring import accounts
    from scoring.publish import publish
    from scoring.store import Store

    with Store(db) as store:
        user = accounts.operator(store, USER)
        assert user is not None
        done = publish(store, year, out, user)
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    pngs = [p for p in done.charts if p.suffix == ".png"]
    print(
        json.dumps(
            {
                "in_publish": done.seconds,
                "phases": done.phases,
                "cpu": me.ru_utime + me.ru_stime,
                "cpu_children": kids.ru_utime + kids.ru_stime,
                "rss_mb": me.ru_maxrss / 1024,
                "rss_children_mb": kids.ru_maxrss / 1024,
                "pdf_kb": done.report.stat().st_size / 1024,
                "charts": len(done.charts),
                "png_kb": sum(p.stat().st_size for p in pngs) / 1024,
                "largest_png_kb": max((p.stat().st_size for p in pngs), default=0) / 1024,
            }
        )
    )


def run_once(db: Path, year: int, work: Path) -> dict:
    copy = work / "run.duckdb"
    for suffix in ("", ".wal"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(db, copy)
    out = work / "published"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(copy), "--year", str(year), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"publish failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall"] = wall
    return figures


def _stats(values: list[float], unit: str = "s", digits: int = 2) -> str:
    return (
        f"median {statistics.median(values):.{digits}f} {unit}, min {min(values):.{digits}f} {unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database FILE (default: the demo city under --out)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.year, args.out)
        return
    db = Path(args.db) if args.db else Path(args.out) / "demo.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    prepare(db)
    print(f"load before: {loadavg()}", flush=True)
    runs = []
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        for i in range(args.runs):
            runs.append(run_once(db, args.year, Path(tmp)))
            r = runs[-1]
            print(
                f"  run {i + 1}: wall {r['wall']:.2f} s (in publish {r['in_publish']:.2f} s), "
                f"CPU {r['cpu']:.2f} s + Chromium {r['cpu_children']:.2f} s; "
                f"load {loadavg()}",
                flush=True,
            )
    print(f"publish {args.year} of {db.name}, {len(runs)} runs, each a fresh process:")
    print(f"  whole process wall: {_stats([r['wall'] for r in runs])}")
    print(f"  inside publish():   {_stats([r['in_publish'] for r in runs])}")
    print(f"  CPU, Python:        {_stats([r['cpu'] for r in runs])}")
    print(f"  CPU, Chromium (the processes it reaped): {_stats([r['cpu_children'] for r in runs])}")
    names = [name for name, _ in runs[0]["phases"]]
    print(
        "  breakdown (median s): "
        + ", ".join(
            f"{name} {statistics.median(dict(r['phases']).get(name, 0.0) for r in runs):.2f}"
            for name in names
        )
    )
    print(
        f"  peak RSS: Python {max(r['rss_mb'] for r in runs):,.0f} MB, "
        f"largest Chromium process {max(r['rss_children_mb'] for r in runs):,.0f} MB"
    )
    last = runs[-1]
    print(
        f"  files: PDF {last['pdf_kb']:,.0f} KB; {last['charts']} chart files, PNGs "
        f"{last['png_kb']:,.0f} KB in all (largest {last['largest_png_kb']:,.0f} KB)"
    )
    print(f"load after: {loadavg()}")


if __name__ == "__main__":
    main()
