"""Each scoring rule alone, with expectations worked out by hand (shared/spec/scoring.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import rules
from scoring.ranking import rank_within_group
from scoring.scheme import default_scheme
from tests import reference
from tests.conftest import scheme

S = default_scheme()


def counts(**by_category):
    """counts(服务对象={"工作效率": {"满意": 2}}) with the scheme's other items empty."""
    return by_category


def test_appraisal_worked_example_of_the_spec():
    s = scheme(
        appraisal={
            "items": {"工作效率": 1, "总体评价": 1},
            "categories": {"服务对象": 0.6, "企业代表": 0.4},
        }
    )
    c = {
        "服务对象": {
            "工作效率": {"满意": 1, "基本满意": 1, "不满意": 1, "不了解": 1},
            "总体评价": {"满意": 3, "基本满意": 1},
        },
        "企业代表": {"工作效率": {"满意": 1, "不满意": 1}, "总体评价": {"满意": 1, "不满意": 1}},
    }
    a = reference.appraisal_score(c, s, {"服务对象": 4, "企业代表": 2})
    assert rules.round2(a.score) == 63.00
    assert [rules.round2(x.score) for x in a.categories] == [71.67, 50.0]
    assert a.satisfaction_rate == pytest.approx(8 / 11)
    assert a.awareness_rate == pytest.approx(11 / 12)
    assert a.ballots == 6


def test_a_missing_category_drops_out_and_the_rest_are_renormalised():
    # Only 服务对象 (0.30) and 群众 (0.15): weights become 2/3 and 1/3.
    c = {"服务对象": {"总体评价": {"满意": 1}}, "群众": {"总体评价": {"不满意": 1}}}
    a = reference.appraisal_score(c, S)
    assert a.score == pytest.approx(100 * 2 / 3)
    assert a.missing_categories == ("企业代表", "人大代表政协委员", "基层单位")


def test_a_category_weight_of_zero_counts_for_nothing():
    s = scheme(appraisal={"categories": {"服务对象": 1.0, "群众": 0.0}})
    a = reference.appraisal_score(
        {"服务对象": {"总体评价": {"基本满意": 2}}, "群众": {"总体评价": {"不满意": 5}}}, s
    )
    assert a.score == pytest.approx(60.0)
    assert a.missing_categories == ()
    assert a.satisfaction_rate == pytest.approx(2 / 7)  # the rate still pools every answer


def test_a_unit_with_only_unknown_answers_has_no_appraisal():
    a = reference.appraisal_score({"群众": {"总体评价": {"不了解": 3}}}, S)
    assert a.score is None and a.satisfaction_rate is None and a.awareness_rate == 0.0
    assert a.ci_low is None


def test_trimmed_mean_only_from_five_scores():
    assert rules.trimmed_mean(4, 340, 70, 100, 5) == 85.0
    assert rules.trimmed_mean(5, 430, 70, 100, 5) == pytest.approx(260 / 3)


def test_performance_worked_example_and_missing_indicator():
    stats = {
        "工作效率": (5, 90 + 80 + 100 + 60 + 260 / 3, 60, 100),
        "工作质量": (2, 250 / 3 + 280 / 3, 250 / 3, 280 / 3),
        "工作纪律": (1, 100, 100, 100),
        "服务态度": (3, 75 + 85 + 80, 75, 85),
    }
    p = rules.performance_score(stats, S)
    assert rules.round2(p.score) == 88.17
    p2 = rules.performance_score({"工作效率": (1, 80, 80, 80), "工作纪律": (1, 100, 100, 100)}, S)
    assert p2.score == pytest.approx((0.3 * 80 + 0.2 * 100) / 0.5)
    assert p2.missing_indicators == ("工作质量", "服务态度")


def test_integrity_flag_above_one_third_only():
    exactly = rules.integrity_score({"称职": 2, "不称职": 1}, S)
    assert not exactly.unfit_flag  # one third is not above one third
    above = rules.integrity_score({"称职": 3, "不称职": 2}, S)
    assert above.unfit_flag and above.score == pytest.approx(48.0)
    assert rules.integrity_score({}, S).score is None


def test_adjustment_caps_and_veto():
    a = rules.adjustment([(3, "表彰"), (4, "表彰"), (-15, "暗访"), (-9, "效能投诉")], S)
    assert (a.value, a.positive_capped, a.negative_capped) == (5 - 20, True, True)
    v = rules.adjustment([(-10, "一票否决"), (-1, "暗访")], S)
    assert v.vetoed and v.value == -1


def test_composite_renormalises_missing_components():
    c = rules.composite({"appraisal": 80.0, "performance": None, "integrity": 90.0}, -1.0, S)
    assert c.value == pytest.approx((0.4 * 80 + 0.2 * 90) / 0.6 - 1)
    assert c.missing == ("performance",)
    assert rules.composite({}, 3.0, S).value is None


def test_grades_need_the_top_fifth_for_excellent():
    # Group of 12: ceil(2.4) = 3 places may be 优秀.
    assert rules.grade(95, 3, 12, False, S) == "优秀"
    assert rules.grade(95, 4, 12, False, S) == "良好"
    assert rules.grade(89.996, 1, 12, False, S) == "优秀"  # 90.00 at 2 decimals
    assert rules.grade(69.994, 5, 12, False, S) == "较差"
    assert rules.grade(99, 1, 12, True, S) == "较差"
    assert rules.grade(99, None, None, False, S) is None


def test_ranking_ties_skip_and_vetoes_come_last():
    r = rank_within_group(
        [
            ("a", 80.0, False),
            ("b", 90.0, True),
            ("c", 80.004, False),
            ("d", 70.0, False),
            ("e", 60.0, True),
        ]
    )
    assert r == {"a": 1, "c": 1, "d": 3, "b": 4, "e": 5}
    assert rank_within_group([]) == {}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 110, allow_nan=False), st.booleans()), min_size=1, max_size=12),
    st.randoms(),
)
def test_ranks_depend_on_composites_only_not_on_order(entries, rnd):
    named = [(f"u{i}", v, veto) for i, (v, veto) in enumerate(entries)]
    shuffled = named[:]
    rnd.shuffle(shuffled)
    ranks = rank_within_group(named)
    assert ranks == rank_within_group(shuffled)
    for a, va, xa in named:
        for b, vb, xb in named:
            if xa == xb and rules.round2(va) > rules.round2(vb):
                assert ranks[a] < ranks[b]
            if xb and not xa:
                assert ranks[a] < ranks[b]
            if xa == xb and rules.round2(va) == rules.round2(vb):
                assert ranks[a] == ranks[b]
    assert min(ranks.values()) == 1
    assert all(1 <= r <= len(named) for r in ranks.values())


ANSWERS = ["不满意", "基本满意", "满意"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(S.categories)),
            st.sampled_from(list(S.items)),
            st.integers(0, 1),
            st.integers(1, 5),
        ),
        min_size=1,
        max_size=30,
    ),
    st.data(),
)
def test_raising_answers_never_lowers_the_score(cells, data):
    base: dict = {}
    better: dict = {}
    for cat, item, level, n in cells:
        up = data.draw(st.integers(level, 2))
        for target, answer in ((base, ANSWERS[level]), (better, ANSWERS[up])):
            slot = target.setdefault(cat, {}).setdefault(item, {})
            slot[answer] = slot.get(answer, 0) + n
    low, high = reference.appraisal_score(base, S).score, reference.appraisal_score(better, S).score
    assert high >= low - 1e-9
