"""Every benchmark script runs (tiny sizes, nothing timed): `make bench` cannot rot."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_rank_bench_runs(tmp_path):
    out = _run(
        "rank_bench.py", "--ballots", "3000", "--units", "30", "--runs", "1", tmp_path=tmp_path
    )
    assert "recomputation with last year's warnings" in out and "numpy baseline" in out


def test_import_bench_runs(tmp_path):
    out = _run(
        "import_bench.py",
        "--ballots",
        "300",
        "--runs",
        "1",
        "--readers",
        "raw_fastexcel,raw_fastexcel_parts",
        tmp_path=tmp_path,
    )
    assert "full import at" in out and "reading the same parts at once" in out


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_page_bench_runs(tmp_path):
    if (
        shutil.which("streamlit") is None
        and not (Path(sys.executable).parent / "streamlit").exists()
    ):
        pytest.skip("streamlit is not installed")
    out = _run("page_bench.py", "--rounds", "1", tmp_path=tmp_path)
    assert "数据质量" in out and "server peak RSS" in out


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_publish_bench_runs(tmp_path):
    out = _run("publish_bench.py", "--runs", "1", tmp_path=tmp_path)
    assert "whole process wall" in out and "breakdown" in out and "38 chart files" in out
