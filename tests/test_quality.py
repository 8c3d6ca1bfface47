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


def test_a_group_without_a_weighted_component_is_named_and_its_units_listed(store):
    """Two groups: 甲类 has 绩效考核 and 万人评议 for some units, 乙类 only 绩效考核 for all.
    The scheme weighs 万人评议, 绩效考核 and 勤廉测评 for both: 乙类 lacks 万人评议 and
    勤廉测评 as a whole group (not 'by design' because its peers lack them too), and each
    of its units is listed as missing them, as every published line says."""
    from scoring.quality import check, groups_without
    from tests.conftest import ballots

    add_units(
        store,
        [
            ("甲局", "部门", None, "甲类"),
            ("丙局", "部门", None, "甲类"),
            ("乙一", "部门", None, "乙类"),
            ("乙二", "部门", None, "乙类"),
        ],
    )
    add_facts(
        store,
        2026,
        "performance_scores",
        [
            {"unit": u, "indicator": "工作效率", "score": 80 + k}
            for k, u in enumerate(["甲局", "丙局", "乙一", "乙二"])
        ],
    )
    items = ["工作作风", "总体评价"]
    add_facts(
        store, 2026, "appraisal_answers", ballots("甲局", "服务对象", [("满意", "满意")] * 3, items)
    )
    res = results.compute(store, 2026)
    whole = groups_without(res)
    assert sorted(whole.values.tolist()) == [
        ["乙类", 2, "万人评议、勤廉测评"],
        ["甲类", 2, "勤廉测评"],
    ]
    quality = check(store, res)
    # 甲局's 3 ballots, all 满意: 万人评议 100.00 beside its interval, which holds it. One
    # category (n 3, a = 1/5): pseudo-ballot variance (3·20² + 80² + 20²) / 4 / 3 = 666.67,
    # logit se 25.82 · 0.6 / 100 / (0.8 · 0.2) = 0.968, t(2) 4.30 → 4.17 either side of
    # logit 0.8 = 1.386: the low end (expit(−2.78) − 0.2) / 0.6 < 0, cut to 0.
    assert quality.few_ballots.columns.tolist()[3:] == ["万人评议", "万人评议 95% 区间"]
    assert quality.few_ballots.values.tolist() == [["甲局", "甲类", 3, 100.0, "0.00～100.00"]]
    missing = quality.missing_components
    assert sorted(missing.values.tolist()) == [
        ["丙局", "甲类", "万人评议、勤廉测评"],
        ["乙一", "乙类", "万人评议、勤廉测评"],
        ["乙二", "乙类", "万人评议、勤廉测评"],
        ["甲局", "甲类", "勤廉测评"],
    ]


def test_the_demo_citys_performance_only_groups_miss_nothing(demo_db):
    """The demo's scheme weighs 科室, 窗口 and 项目指挥部 on 绩效考核 alone: none of their
    units is missing a component, and no group lacks one."""
    from scoring.quality import check, groups_without
    from scoring.store import Store

    with Store(demo_db) as store:
        res = results.compute(store, 2025)
        assert groups_without(res).empty
        missing = check(store, res).missing_components
    groups = ["综合科室类", "业务科室类", "窗口服务类", "项目指挥部类"]
    assert not missing["考核类别"].isin(groups).any()
