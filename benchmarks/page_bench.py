"""The app's pages timed in a real browser: click in the sidebar → page rendered.

Run: .venv/bin/python benchmarks/page_bench.py [--db FILE] [--rounds 3]

Starts the app (``streamlit run app.py``) on a database file (the demo city by
default, made once under benchmarks/out; ``--db`` for another, e.g. rank_bench's city
scale file), with a benchmark account created before the start, signs in with
Chromium (playwright, /usr/bin/chromium) and clicks through the pages. A page counts
as rendered when its title is shown and Streamlit's running indicator is gone.

- cold: the first visit of each page after the server started (nothing cached: the
  first page computes the year's results; later pages reuse them);
- warm: ``--rounds`` further visits of each page; median and minimum.

Also prints the server process's peak memory (VmHWM) and the machine's load.
Not a test; figures go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = [  # sidebar label, title shown on the page
    ("总览", "总览"),
    ("分类排名", "分类排名"),
    ("单位画像", "单位画像"),
    ("告诫名单", "告诫名单"),
    ("数据质量", "数据质量"),
]
USER, PASSWORD = "bench", "bench-password-1"
CHROMIUM = "/usr/bin/chromium"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def prepare(db: Path) -> None:
    """The demo city when the file is missing; the benchmark account in any case."""
    from scoring import accounts
    from scoring.accounts import ADMIN
    from scoring.demo import load_demo
    from scoring.store import Store

    with Store(db) as store:
        if not store.years():
            load_demo(store)
        if store.user_row(USER) is None:
            accounts.add_user(store, USER, PASSWORD, ADMIN, sources=[], years=[], by="bench")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rendered(page, title: str, timeout_ms: float) -> None:
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )


def browse(port: int, rounds: int, timeout_s: float) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    timings: dict[str, list[float]] = {label: [] for label, _ in PAGES}
    timings["sign-in"] = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
            viewport={"width": 1400, "height": 900},
        )
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=timeout_s * 1000)
        page.get_by_label("用户名").fill(USER)
        page.get_by_label("密码").fill(PASSWORD)
        t = time.perf_counter()
        page.get_by_role("button", name="登录").click()
        _rendered(page, PAGES[0][1], timeout_s * 1000)
        timings["sign-in"].append(time.perf_counter() - t)
        for _ in range(rounds + 1):
            for label, title in PAGES:
                link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=label)
                t = time.perf_counter()
                link.first.click()
                _rendered(page, title, timeout_s * 1000)
                timings[label].append(time.perf_counter() - t)
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database file (default: the demo city under out/)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per page")
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    args = parser.parse_args()
    db = Path(args.db) if args.db else Path(args.out) / "demo.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    prepare(db)
    port = _free_port()
    load_before = loadavg()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, "SCORING_DB": str(db), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        timings = browse(port, args.rounds, args.timeout)
        peak = _peak_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"pages of {db.name} in Chromium (click → rendered), seconds:")
    print(f"  sign-in → {PAGES[0][0]} (cold: computes the year): {timings['sign-in'][0]:.2f}")
    for label, _ in PAGES:
        cold, warm = timings[label][0], timings[label][1:]
        print(
            f"  {label:6s} first visit {cold:6.2f}; again: median {statistics.median(warm):5.2f}, "
            f"min {min(warm):5.2f} ({len(warm)} visits)"
        )
    print(f"  server peak RSS {peak:,.0f} MB; load {load_before} → {loadavg()}")


if __name__ == "__main__":
    main()
