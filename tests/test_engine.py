"""The engine's two steps apart: pure evaluation of hand-built facts (no database), the
store snapshot the facts are read in, and last year's warnings from one function."""

from __future__ import annotations

import pytest

from scoring import results
from scoring.engine import evaluate
from scoring.facts import AdjustmentEntry, IndicatorStats, UnitInfo, YearFacts, read_facts
from scoring.rules import round2
from scoring.store import Store, StoreError
from tests.conftest import add_facts, add_units, scheme

EXAMPLE = scheme(
    appraisal={
        "items": {"工作效率": 1, "总体评价": 1},
        "categories": {"服务对象": 0.6, "企业代表": 0.4},
    }
)


def example_facts() -> YearFacts:
    """The spec's worked example, unit A, as facts (no store)."""
    return YearFacts(
        year=2025,
        units={
            "A局": UnitInfo("A局", "部门", None, "综合管理类"),
            "A局领导班子": UnitInfo("A局领导班子", "领导班子", "A局", None),
        },
        appraisal={
            "A局": {
                "服务对象": {
                    "工作效率": {"满意": 1, "基本满意": 1, "不满意": 1, "不了解": 1},
                    "总体评价": {"满意": 3, "基本满意": 1},
                },
                "企业代表": {
                    "工作效率": {"满意": 1, "不满意": 1},
                    "总体评价": {"满意": 1, "不满意": 1},
                },
            }
        },
        appraisal_ballots={"A局": {"服务对象": 4, "企业代表": 2}},
        performance={
            "A局": {
                # 27, 24, 30, 18, 26 of 30 → 90, 80, 100, 60, 86.667 %
                "工作效率": IndicatorStats(5, 90 + 80 + 100 + 60 + 260 / 3, 60, 100),
                "工作质量": IndicatorStats(2, 2500 / 30 + 2800 / 30, 2500 / 30, 2800 / 30),
                "工作纪律": IndicatorStats(1, 100, 100, 100),
                "服务态度": IndicatorStats(3, 75 + 85 + 80, 75, 85),
            }
        },
        integrity={"A局领导班子": {"优秀": 12, "称职": 6, "基本称职": 1, "不称职": 1}},
        adjustments={
            "A局": (
                AdjustmentEntry("暗访发现脱岗", -2, "暗访"),
                AdjustmentEntry("群众投诉查实", -1.5, "效能投诉"),
                AdjustmentEntry("省级表彰", 3, "表彰"),
            )
        },
    )


def test_worked_example_from_hand_built_facts():
    r = evaluate(example_facts(), EXAMPLE)
    a = r.unit("A局")
    assert round2(a.appraisal) == 63.00
    assert round2(a.performance) == 88.17
    assert round2(a.integrity) == 87.00 and a.integrity_from == "A局领导班子"
    assert round2(a.composite) == 77.37 and a.grade == "一般"
    assert a.rank == 1 and a.group_size == 1
    # The 领导班子 is scored too but not ranked (no 考核类别).
    assert r.unit("A局领导班子").rank is None


def test_history_escalates_and_streaks_count_on():
    units = {n: UnitInfo(n, "部门", None, "甲类") for n in "ABCDE"}
    perf = {
        n: {"工作效率": IndicatorStats(1, v, v, v)}
        for n, v in zip("ABCDE", [95, 90, 85, 80, 75], strict=True)
    }
    facts = YearFacts(2025, units=units, performance=perf)
    s = scheme()
    fresh = evaluate(facts, s)
    assert fresh.unit("E").warnings == ("末位告诫",)
    assert fresh.streaks == {"E": 1}
    again = evaluate(facts, s, {"E": 1, "A": 3})
    e = again.unit("E")
    assert e.warnings == ("末位告诫", "连续两年末位")
    assert all(w.reason for w in e.warning_details)
    assert again.streaks == {"E": 2}  # A was not warned this year: its streak ends
    assert evaluate(facts, s, {"E": 5}).unit("E").warnings == ("末位告诫", "连续三年末位")


def test_snapshot_reads_one_state_and_refuses_writes(store):
    add_units(store, [("甲局", "部门", None, "甲类")])
    add_facts(
        store, 2025, "performance_scores", [{"unit": "甲局", "indicator": "工作效率", "score": 80}]
    )
    with store.snapshot() as snap:
        before = snap.performance_stats(2025, 100, {})
        # Another session's upload, committed while the snapshot is open …
        add_facts(
            store,
            2025,
            "performance_scores",
            [{"unit": "甲局", "indicator": "工作效率", "score": 60}],
        )
        # … is not seen inside it.
        assert snap.performance_stats(2025, 100, {}).equals(before)
        with pytest.raises(StoreError):
            snap.set_scheme(2025, "x", "", "u")
    assert int(store.performance_stats(2025, 100, {})["n"].iloc[0]) == 2
    facts = read_facts(store, 2025, scheme())
    assert facts.performance["甲局"]["工作效率"] == IndicatorStats(
        2, 140.0, 60.0, 80.0, 60.0**2 + 80.0**2
    )


def test_previous_warnings_comes_from_one_place(store):
    names = ["甲局", "乙局", "丙局", "丁局", "戊局"]
    add_units(store, [(n, "部门", None, "甲类") for n in names])
    for year in (2023, 2024, 2025):
        add_facts(
            store,
            year,
            "performance_scores",
            [{"unit": n, "indicator": "工作效率", "score": 95 - i} for i, n in enumerate(names)],
        )
    assert results.previous_warnings(store, 2023) == {}
    # The default ladder has two steps: it looks back two years.
    assert results.previous_warnings(store, 2024) == {"戊局": 1}
    assert results.previous_warnings(store, 2025) == {"戊局": 2}
    last = results.compute(store, 2024)
    assert results.previous_warnings(store, 2025, previous=last) == {"戊局": 2}
    third = results.compute(store, 2025).unit("戊局")
    assert "连续三年末位" in third.warnings and "连续两年末位" not in third.warnings


def test_explain_says_a_shared_rank_is_shared():
    units = {n: UnitInfo(n, "部门", None, "甲类") for n in "ABCDE"}
    perf = {
        n: {"工作效率": IndicatorStats(1, v, v, v)}
        for n, v in zip("ABCDE", [95, 90, 85, 65, 65], strict=True)
    }
    r = evaluate(YearFacts(2025, units=units, performance=perf), scheme())
    assert results.shares_rank(r, r.unit("D")) and not results.shares_rank(r, r.unit("C"))
    tied = "\n".join(results.explain(r.unit("E"), r.scheme, results.shares_rank(r, r.unit("E"))))
    assert "排名：甲类并列第 4 名（共 5 个单位）；等次：较差" in tied
    assert "告诫：末位告诫——甲类并列第 4 名（共 5 个单位），综合得分 65.00" in tied
    alone = "\n".join(results.explain(r.unit("C"), r.scheme, results.shares_rank(r, r.unit("C"))))
    assert "排名：甲类第 3 名（共 5 个单位）；等次：良好" in alone


def test_explain_prints_each_warning_with_its_reason():
    units = {n: UnitInfo(n, "部门", None, "甲类") for n in "ABCDE"}
    perf = {
        n: {"工作效率": IndicatorStats(1, v, v, v)}
        for n, v in zip("ABCDE", [95, 90, 85, 80, 65], strict=True)
    }
    r = evaluate(YearFacts(2025, units=units, performance=perf), scheme())
    text = "\n".join(results.explain(r.unit("E"), r.scheme))
    assert "告诫：末位告诫——甲类第 5 名（共 5 个单位），综合得分 65.00" in text
    assert "告诫：效能告诫——考评等次为较差（综合得分 65.00 低于 70 分）" in text


def test_the_same_scores_in_another_order_give_the_same_bits(tmp_path):
    """Floating-point sums depend on their order: 69.5 + 81.8 + 74.8 is 226.10000000000002
    added left to right and 226.1 added right to left. A year's figures must not move
    with the order rows were saved in (or with DuckDB's threads): scores are summed in
    the order of their values within a month, and months pooled in month order."""
    rows = [
        {"unit": "甲局", "indicator": "工作效率", "score": x, "month": m}
        for x, m in [
            (69.5, "2025-06"),
            (81.8, "2025-06"),
            (74.8, "2025-06"),
            (84.9, "2025-09"),
            (89.7, "2025-03"),
        ]
    ]
    assert 69.5 + 81.8 + 74.8 != 74.8 + 81.8 + 69.5  # the premise
    found = []
    for order in (rows, rows[::-1], rows[1:] + rows[:1]):
        s = Store(str(tmp_path / f"{len(found)}.duckdb"))
        add_units(s, [("甲局", "部门", None, "甲类")])
        add_facts(s, 2025, "performance_scores", order)
        found.append(read_facts(s, 2025, scheme()).performance["甲局"]["工作效率"])
        s.close()
    assert found[0] == found[1] == found[2]
    # Months in order (03, 06, 09), each month's scores in the order of their values.
    assert found[0].total == 0 + 89.7 + (69.5 + 74.8 + 81.8) + 84.9
    assert found[0].sumsq == 0 + 89.7**2 + (69.5**2 + 74.8**2 + 81.8**2) + 84.9**2
