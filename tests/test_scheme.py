"""The scheme as data: parsed, validated with every problem named (scoring/scheme.py)."""

from __future__ import annotations

import pytest

from scoring.scheme import SchemeError, default_scheme, for_year, parse
from tests.conftest import scheme_text


def test_default_scheme_follows_the_spec():
    s = default_scheme()
    assert dict(s.appraisal_points) == {"满意": 100, "基本满意": 60, "不满意": 0}
    assert list(s.items) == ["工作作风", "工作效率", "服务质量", "依法行政", "廉洁自律", "总体评价"]
    assert dict(s.categories) == {
        "服务对象": 0.3,
        "企业代表": 0.2,
        "人大代表政协委员": 0.2,
        "基层单位": 0.15,
        "群众": 0.15,
    }
    assert dict(s.indicators) == {
        "工作效率": 0.3,
        "工作质量": 0.3,
        "工作纪律": 0.2,
        "服务态度": 0.2,
    }
    assert dict(s.integrity_points) == {"优秀": 100, "称职": 80, "基本称职": 60, "不称职": 0}
    assert (s.positive_cap, s.negative_cap) == (5, -20)
    assert dict(s.composite_weights) == {"appraisal": 0.4, "performance": 0.4, "integrity": 0.2}
    bands = [(b.name, b.min, b.top_share) for b in s.grade_bands]
    assert bands == [("优秀", 90, 0.2), ("良好", 80, None), ("一般", 70, None), ("较差", 0, None)]
    assert s.inefficient_grades == ("较差",) and s.supervision_below == 0.7
    assert (s.last_place.rule, s.last_place.min_group) == ("last", 5)
    assert s.escalation_ladder == ("连续两年末位", "连续三年末位")
    assert (s.best_section_scope, s.last_section_scope, s.decimals) == ("department",) * 2 + (2,)


def test_every_problem_is_listed_at_once():
    text = scheme_text(
        appraisal={"categories": {"服务对象": -1}, "satisfied": ["很满意"]},
        composite={"weights": {"appraisal": 0, "performance": 0, "integrity": 0}},
        grades={"bands": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 95}]},
        warnings={"supervision_below": 7},
    )
    with pytest.raises(SchemeError) as err:
        parse(text)
    message = str(err.value)
    for expected in (
        "不能为负数",
        "很满意",
        "composite.weights 的权重之和必须大于 0",
        "优秀 ≥ 良好",
        "supervision_below",
    ):
        assert expected in message


def test_not_toml_at_all():
    with pytest.raises(SchemeError, match="不是有效的 TOML"):
        parse("weights = [1, 2")


def test_a_set_scheme_is_versioned(store):
    assert for_year(store, 2025)[1] == 0
    store.set_scheme(2025, "甲", scheme_text(), "u")
    bands = [{"name": "优秀", "min": 92.0}, {"name": "其他", "min": 0}]
    v = store.set_scheme(
        2025,
        "乙",
        scheme_text(grades={"bands": bands}, warnings={"inefficient_grades": ["其他"]}),
        "u",
    )
    s, version = for_year(store, 2025)
    assert version == v == 2 and s.grade_bands[0].min == 92.0 and s.floor_grade == "其他"
    assert for_year(store, 2024)[1] == 0
