"""Import speed: a 100,000-ballot 万人评议 workbook, raw reading vs the full import.

Run: .venv/bin/python benchmarks/import_bench.py [--ballots 100000] [--runs 5]
Each measurement runs in a fresh process so that its peak memory (max RSS) is its own;
``--runs`` rounds, each running every reader once in turn (A B C A B C …), so that the
machine's drift over the minutes falls on all of them alike; reported as median and
minimum, and the full import against fastexcel's raw read round by round (the ratio of
each round's pair, its median and range). The full import is the whole of
``imports.import_file`` (read, check against the registry and the year, store the
rows, keep the counts) into a database FILE, as an office's import is. Every process,
baseline or import, keeps freed memory as the command line and the app do
(scoring.allocator; the raw read takes the same time without it).
Target (issue 15): the full import at >= 70 % of fastexcel's raw read rate.
"""

from __future__ import annotations

import argparse
import functools
import io
import multiprocessing as mp
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import loadavg

ITEMS = ["工作作风", "工作效率", "服务质量", "依法行政", "廉洁自律", "总体评价"]
UNITS = [f"市第{i}局" for i in range(40)]
CATEGORIES = ["服务对象", "企业代表", "人大代表政协委员", "基层单位", "群众"]
ANSWERS = ["满意", "满意", "满意", "基本满意", "基本满意", "不满意", "不了解", None]


def make_workbook(path: Path, ballots: int) -> None:
    from openpyxl import Workbook

    rnd = random.Random(7)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("万人评议")
    ws.append(["2025年度万人评议问卷录入表"])
    ws.append([])
    ws.append(["问卷编号", "被评单位", "评议人类别", *ITEMS, "意见建议"])
    for i in range(ballots):
        ws.append(
            [
                f"2025-{i:07d}",
                rnd.choice(UNITS),
                rnd.choice(CATEGORIES),
                *(rnd.choice(ANSWERS) for _ in ITEMS),
                "希望进一步简化办事流程" if i % 25 == 0 else None,
            ]
        )
    ws.append(["合计"])
    wb.save(path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_fastexcel(path: str) -> tuple[float, int]:
    import fastexcel

    data = Path(path).read_bytes()
    t, _CPU[0] = time.perf_counter(), time.process_time()
    sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string", skip_rows=0)
    rows = sheet.to_arrow().num_rows
    return time.perf_counter() - t, rows


def raw_fastexcel_parts(path: str) -> tuple[float, int]:
    """fastexcel reading the sheet in parts at once, as the import does (a baseline for
    the import's own use of the second core): unzip the sheet, cut it, read the parts
    (sheet_parts), no extent scan and no checks."""
    import zipfile

    from scoring import sheet_parts, sheets

    data = Path(path).read_bytes()
    t, _CPU[0] = time.perf_counter(), time.process_time()
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = list(sheets._member_pieces(z, member))
    parts = max(2, sheet_parts.parts_for(sum(len(p) for p in xml)))
    load = functools.partial(sheets._load, sheet_name="万人评议")
    read = sheet_parts.read_in_parts(data, member, xml, parts, load)
    assert read is not None, "the sheet was not cut"
    return time.perf_counter() - t, read[0].num_rows


def raw_calamine(path: str) -> tuple[float, int]:
    from python_calamine import CalamineWorkbook

    data = Path(path).read_bytes()
    t, _CPU[0] = time.perf_counter(), time.process_time()
    rows = len(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python())
    return time.perf_counter() - t, rows


def raw_openpyxl(path: str) -> tuple[float, int]:
    from openpyxl import load_workbook

    data = Path(path).read_bytes()
    t, _CPU[0] = time.perf_counter(), time.process_time()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    rows = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    return time.perf_counter() - t, rows


def full_import(path: str) -> tuple[float, int]:
    import tempfile

    import pandas as pd

    from scoring.accounts import ADMIN, User
    from scoring.imports import import_file
    from scoring.store import Store

    folder = tempfile.mkdtemp()
    store = Store(Path(folder) / "import.duckdb")
    store.upsert_units(
        pd.DataFrame(
            {
                "name": UNITS,
                "aliases": [[] for _ in UNITS],
                "type": "部门",
                "parent": None,
                "group": "综合管理类",
            }
        )
    )
    data = Path(path).read_bytes()
    t, _CPU[0] = time.perf_counter(), time.process_time()
    outcome = import_file(store, Path(path).name, data, 2025, User("bench", ADMIN))
    seconds = time.perf_counter() - t  # committed: the rows are in the file (or its WAL)
    _CPU[1] = time.process_time()
    t = time.perf_counter()
    store.close()  # the checkpoint (as when the command line ends), reported apart
    _CLOSE[0] = time.perf_counter() - t
    return seconds, outcome.upload.rows


_CPU = [0.0, 0.0]  # process CPU time when the measured part started (and ended, if not last)
_CLOSE = [0.0]  # full import: closing the store afterwards (not in its time)


def _child(fn_name: str, path: str, queue) -> None:
    from scoring.allocator import keep_freed_memory

    keep_freed_memory()
    seconds, rows = globals()[fn_name](path)
    cpu = (_CPU[1] or time.process_time()) - _CPU[0]
    queue.put((seconds, rows, _peak_mb(), cpu, _CLOSE[0]))


def measure(fn_name: str, path: Path) -> tuple:
    """One run of ``fn_name`` in a fresh process: (seconds, rows, peak MB, CPU, close)."""
    queue = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=_child, args=(fn_name, str(path), queue))
    proc.start()
    out = queue.get(timeout=600)  # a child that fails says so instead of hanging
    proc.join()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--readers", default="raw_fastexcel,raw_fastexcel_parts,raw_calamine,raw_openpyxl"
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(exist_ok=True, parents=True)
    path = out / f"ballots-{args.ballots}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        make_workbook(path, args.ballots)
        print(
            f"made {path.name} ({path.stat().st_size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - t:.1f} s"
        )
    print(f"load before: {loadavg()}")
    medians, minimums = {}, {}
    names = [n for n in args.readers.split(",") if n] + ["full_import"]
    done: dict[str, list[tuple]] = {n: [] for n in names}
    for round_ in range(args.runs):
        for name in names:
            if name == "raw_openpyxl" and round_:
                continue  # once: it is slow and only for scale
            done[name].append(measure(name, path))
    for name in names:
        runs = done[name]
        seconds = [r[0] for r in runs]
        medians[name], minimums[name] = statistics.median(seconds), min(seconds)
        print(
            f"{name:14s} median {medians[name]:6.2f} s, min {minimums[name]:6.2f} s "
            f"({args.ballots / minimums[name]:>9,.0f} ballots/s at the min); "
            f"peak RSS {max(r[2] for r in runs):,.0f} MB; {runs[0][1]:,} rows; {len(runs)} runs; "
            f"CPU median {statistics.median(r[3] for r in runs):.2f} s"
            + (
                f"; closing the store after it (checkpoint, not counted): median "
                f"{statistics.median(r[4] for r in runs):.2f} s"
                if name == "full_import"
                else ""
            ),
            flush=True,
        )
    for base, words in (
        ("raw_fastexcel", "fastexcel's raw read rate"),
        ("raw_fastexcel_parts", "fastexcel's rate reading the same parts at once"),
    ):
        if base not in done:
            continue
        pairs = sorted(b[0] / f[0] for b, f in zip(done[base], done["full_import"], strict=True))
        print(
            f"full import at {statistics.median(pairs):.0%} of {words}, round by round "
            f"(median of {len(pairs)} pairs; {pairs[0]:.0%}–{pairs[-1]:.0%}); "
            f"{medians[base] / medians['full_import']:.0%} of the medians, "
            f"{minimums[base] / minimums['full_import']:.0%} of the minimums"
        )
    print(f"load after: {loadavg()}")


if __name__ == "__main__":
    main()
