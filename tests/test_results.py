"""The whole chain on hand-made data: the spec's worked example and a ranked group."""

from __future__ import annotations

import pytest

from scoring import results
from scoring.rules import round2
from tests.conftest import add_facts, add_units, ballots, scheme_text

ITEMS = ["工作效率", "总体评价"]


def worked_example(store, year=2025):
    store.set_scheme(
        year,
        "例",
        scheme_text(
            appraisal={
                "items": {"工作效率": 1, "总体评价": 1},
                "categories": {"服务对象": 0.6, "企业代表": 0.4},
            }
        ),
        "test",
    )
    add_units(
        store, [("A局", "部门", None, "综合管理类"), ("A局领导班子", "领导班子", "A局", None)]
    )
    rows = ballots(
        "A局",
        "服务对象",
        [("满意", "满意"), ("基本满意", "满意"), ("不满意", "基本满意"), ("不了解", "满意")],
        ITEMS,
    )
    rows += ballots("A局", "企业代表", [("满意", "满意"), ("不满意", "不满意")], ITEMS, start=10)
    add_facts(store, year, "appraisal_answers", rows)
    perf = []
    for ind, full, scores in [
        ("工作效率", 30, [27, 24, 30, 18, 26]),
        ("工作质量", 30, [25, 28]),
        ("工作纪律", 20, [20]),
        ("服务态度", 20, [15, 17, 16]),
    ]:
        perf += [{"unit": "A局", "indicator": ind, "score": s, "max_score": full} for s in scores]
    add_facts(store, year, "performance_scores", perf)
    votes = [("优秀", 12), ("称职", 6), ("基本称职", 1), ("不称职", 1)]
    add_facts(
        store,
        year,
        "integrity_votes",
        [{"unit": "A局领导班子", "result": r, "n": n} for r, n in votes],
    )
    add_facts(
        store,
        year,
        "adjustments",
        [
            {"unit": "A局", "reason": "暗访发现脱岗", "points": -2, "source": "暗访"},
            {"unit": "A局", "reason": "群众投诉查实", "points": -1.5, "source": "效能投诉"},
            {"unit": "A局", "reason": "省级表彰", "points": 3, "source": "表彰"},
        ],
    )


def test_worked_example_of_the_spec(store):
    worked_example(store)
    r = results.compute(store, 2025)
    a = r.unit("A局")
    assert round2(a.appraisal) == 63.00
    assert a.appraisal_detail.satisfaction_rate == pytest.approx(8 / 11)
    assert a.appraisal_detail.awareness_rate == pytest.approx(11 / 12)
    assert a.ballots == 6
    assert round2(a.performance) == 88.17
    assert round2(a.integrity) == 87.00
    assert a.integrity_from == "A局领导班子"
    assert a.adjustment == pytest.approx(-0.5)
    assert round2(a.composite) == 77.37
    assert a.grade == "一般"
    assert r.scheme_version == 1
    text = "\n".join(results.explain(a, r.scheme))
    assert "63.00" in text and "88.17" in text and "77.37" in text


def test_group_of_five_ranks_grades_and_warns(store):
    """The spec's group: 91.20, 85.00, 85.00, 77.37, 68.40 → 1,2,2,4,5."""
    names = ["甲局", "乙局", "丙局", "丁局", "戊局"]
    add_units(store, [(n, "部门", None, "执法监管类") for n in names])
    # Performance alone: composite = performance score = the one score given (of 100).
    values = [91.2, 85.0, 85.0, 77.37, 68.4]
    add_facts(
        store,
        2025,
        "performance_scores",
        [
            {"unit": n, "indicator": "工作效率", "score": v}
            for n, v in zip(names, values, strict=True)
        ],
    )
    r = results.compute(store, 2025)
    assert [r.unit(n).rank for n in names] == [1, 2, 2, 4, 5]
    assert [r.unit(n).grade for n in names] == ["优秀", "良好", "良好", "一般", "较差"]
    assert set(r.unit("戊局").warnings) == {"末位告诫", "效能告诫"}
    assert r.unit("丁局").warnings == ()
    assert any("缺少万人评议" in f for f in r.unit("甲局").flags)


def test_veto_ranks_last_and_escalates_next_year(store):
    names = ["甲局", "乙局", "丙局", "丁局", "戊局"]
    add_units(store, [(n, "部门", None, "执法监管类") for n in names])
    for year in (2024, 2025):
        add_facts(
            store,
            year,
            "performance_scores",
            [{"unit": n, "indicator": "工作效率", "score": 95 - i} for i, n in enumerate(names)],
        )
        add_facts(
            store,
            year,
            "adjustments",
            [{"unit": "甲局", "reason": "发生重大责任事故", "points": -10, "source": "一票否决"}],
        )
    r = results.compute(store, 2025)
    a = r.unit("甲局")
    assert a.vetoed and a.adjustment == 0  # a veto's 分值 is not added
    assert a.rank == 5 and a.grade == "较差"
    assert r.unit("乙局").rank == 1
    assert "末位告诫" in a.warnings and "效能告诫" in a.warnings
    assert "连续两年末位" in a.warnings
    assert "连续两年末位" not in results.compute(store, 2024).unit("甲局").warnings
    # Handing in last year's results (as the app's cache does) changes nothing.
    given = results.compute(store, 2025, previous=results.compute(store, 2024))
    assert given.warnings == r.warnings


def test_the_garbage_collector_is_paused_only_while_computing(store, monkeypatch):
    """compute pauses Python's cyclic collector and leaves it as it found it: on, off, or
    on after a computation that failed."""
    import gc

    worked_example(store)
    seen = []
    real = results.evaluate

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(results, "evaluate", spy)
    assert gc.isenabled()
    results.compute(store, 2025)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        results.compute(store, 2025)
        assert not gc.isenabled()
    finally:
        gc.enable()

    def broken(*args, **kwargs):
        raise RuntimeError("坏")

    monkeypatch.setattr(results, "evaluate", broken)
    with pytest.raises(RuntimeError):
        results.compute(store, 2025)
    assert gc.isenabled()


def test_the_results_join_the_oldest_generation_and_frozen_objects_stay_frozen(store):
    """compute moves what it made to the collector's oldest generation (freeze, then
    unfreeze), leaving nothing frozen; a process that froze objects of its own keeps
    them frozen (then nothing is moved)."""
    import gc

    worked_example(store)
    assert gc.get_freeze_count() == 0
    results.compute(store, 2025)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.freeze()
    try:
        results.compute(store, 2025)
        assert gc.get_freeze_count() > 0  # not released by an unfreeze
    finally:
        gc.unfreeze()


def test_last_years_warnings_read_beside_this_years_facts_change_nothing(demo_db):
    """compute reads earlier years' warnings on a thread of their own while it reads the
    year's facts (a store allows reads at once); over one connection (a snapshot) both
    run in turn. The demo city's 2025, whose escalation reads 2024, is the same either
    way, field for field."""
    from scoring.store import Store

    with Store(demo_db) as s:
        beside = results.compute(s, 2025)
        with s.snapshot() as snap:
            assert not snap.reads_at_once and s.reads_at_once
            in_turn = results.compute(snap, 2025)
    assert repr(beside.units) == repr(in_turn.units)
    assert repr(beside.warnings) == repr(in_turn.warnings) and beside.streaks == in_turn.streaks
    assert beside.streaks  # 2024's warnings did reach 2025
