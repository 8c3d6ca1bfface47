"""Run every benchmark in turn (make bench). Figures go to standard output."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for script, args in (
    ("import_bench.py", []),
    ("rank_bench.py", ["--sizes", "1000000"]),
    ("page_bench.py", []),
):
    print(f"== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)
