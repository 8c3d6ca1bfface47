"""Server time of a page rerun with a warm cache (issue 5: rankings under 300 ms).

Run: .venv/bin/python benchmarks/page_bench.py
Uses Streamlit's AppTest on a demo database: the first run computes and caches the
year's results; later runs (a widget change) must only render.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from streamlit.testing.v1 import AppTest

    from scoring.accounts import ADMIN, User
    from scoring.demo import load_demo
    from scoring.store import Store

    db = Path(tempfile.mkdtemp()) / "bench.duckdb"
    with Store(db) as s:
        load_demo(s)
    os.environ["SCORING_DB"] = str(db)
    for page, widget, values in [
        ("pages/rankings.py", "rank_group", ["社会服务类", "执法监管类"]),
        ("pages/overview.py", None, []),
        ("pages/profile.py", "profile_select", ["市信访局", "市水利局"]),
    ]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["user"] = User("效能办", ADMIN)
        t = time.perf_counter()
        at.run()
        at.switch_page(page).run()
        cold = time.perf_counter() - t
        warm = []
        for i in range(10):
            t = time.perf_counter()
            if widget:
                at.selectbox(key=widget).set_value(values[i % 2]).run()
            else:
                at.run()
            warm.append(time.perf_counter() - t)
        print(
            f"{page:24s} first run {cold * 1000:7.0f} ms; warm rerun median "
            f"{statistics.median(warm) * 1000:5.0f} ms, max {max(warm) * 1000:5.0f} ms"
        )


if __name__ == "__main__":
    main()
