"""The year-level data check: a whole source not uploaded yet is said, not hidden."""

from __future__ import annotations

from scoring import results
from scoring.quality import absent_components
from tests.conftest import add_facts, add_units


def test_a_source_no_unit_has_is_named(store):
    add_units(store, [("甲局", "部门", None, "甲类"), ("乙局", "部门", None, "甲类")])
    add_facts(
        store,
        2026,
        "performance_scores",
        [
            {"unit": "甲局", "indicator": "工作效率", "score": 90},
            {"unit": "乙局", "indicator": "工作效率", "score": 80},
        ],
    )
    res = results.compute(store, 2026)
    # Both units are ranked on 绩效考核 alone, each flagged only for itself.
    assert [u.unit for u in res.ranked()] == ["甲局", "乙局"]
    assert absent_components(res) == ["万人评议", "勤廉测评"]


def test_a_source_some_units_have_is_not_absent(demo_db):
    from scoring.store import Store

    with Store(demo_db) as store:
        assert absent_components(results.compute(store, 2025)) == []
