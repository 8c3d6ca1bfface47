"""Run every benchmark in turn (make bench). Figures go to standard output.

The city-scale files are made once under benchmarks/out and reused; the first run of
the 10M-ballot size takes a long while (two years of ballots through the import path).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
for script, args in (
    ("import_bench.py", []),
    ("rank_bench.py", ["--ballots", "1000000", "--units", "200"]),
    ("rank_bench.py", ["--ballots", "1000000", "--units", "2000"]),
    ("rank_bench.py", ["--ballots", "10000000", "--units", "200"]),
    ("publish_bench.py", []),
    ("page_bench.py", []),
    ("page_bench.py", ["--db", str(OUT / "rank-1000000-2000.duckdb")]),
):
    print(f"== {script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)
