"""The demo city is deterministic and shows what the dashboard must show."""

from __future__ import annotations

import pandas as pd

from scoring import results
from scoring.demo import generate, load_demo
from scoring.store import Store


def test_same_seed_same_city():
    a, b = generate((2025,)), generate((2025,))
    pd.testing.assert_frame_equal(a.units, b.units)
    for source, frames in a.facts[2025].items():
        for table, frame in frames.items():
            pd.testing.assert_frame_equal(frame, b.facts[2025][source][table])
    c = generate((2025,), seed=1)
    assert not c.facts[2025]["appraisal"]["appraisal_answers"].equals(
        a.facts[2025]["appraisal"]["appraisal_answers"]
    )


def test_demo_year_has_ties_vetoes_warnings_and_escalation():
    with Store(":memory:") as store:
        assert load_demo(store) == 8
        assert load_demo(store) == 0  # loading twice adds nothing
        res = results.compute(store, 2025)
    units = res.table()
    ballots = units["ballots"].sum()
    assert 20_000 <= ballots <= 40_000
    assert 35 <= (units["type"] == "部门").sum() <= 45
    ranks = units.groupby("group")["rank"].apply(lambda r: r.duplicated().any())
    assert ranks.any(), "some group has a tie"
    kinds = {w.kind for w in res.warnings}
    assert {"末位告诫", "效能告诫", "重点监督检查", "连续两年末位"} <= kinds
    assert res.unit("市水利局").vetoed
    assert {h.kind for h in res.honours} == {"最佳科室", "最佳公务员"}
