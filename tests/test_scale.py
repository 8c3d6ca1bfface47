"""A composite's interval is shown within the scores its scheme allows (scoring.scale),
written with the one separator of Chinese text (formats.fmt_span)."""

from __future__ import annotations

from types import SimpleNamespace

from scoring import scale
from scoring.formats import fmt_span
from scoring.scheme import default_scheme
from tests.conftest import scheme


def unit(low, high, weights, adjustment=0.0, group=None):
    """The parts of a UnitResult the interval reads."""
    return SimpleNamespace(
        composite_low=low,
        composite_high=high,
        composite_detail=SimpleNamespace(weights=weights),
        adjustment=adjustment,
        group=group,
    )


def test_the_scale_comes_from_the_schemes_points_weights_and_the_adjustment():
    s = scheme(appraisal={"points": {"满意": 100, "基本满意": 60, "不满意": 20}})
    assert scale.component_scale(s, "appraisal") == (20.0, 100.0)
    assert scale.component_scale(s, "integrity") == (0.0, 100.0)  # 优秀 100 … 不称职 0
    assert scale.component_scale(s, "performance") == (0.0, 100.0)  # percent of 满分
    assert scale.component_scale(s, "目标考核") == (0.0, 100.0)  # a 专项考评 score
    # 0.5 × 20 + 0.5 × 0 + 3 = 13 and 0.5 × 100 + 0.5 × 100 + 3 = 103.
    assert scale.composite_scale({"appraisal": 0.5, "integrity": 0.5}, 3.0, s) == (13.0, 103.0)
    assert scale.composite_scale({}, 3.0, s) is None


def test_an_interval_past_the_top_or_the_floor_is_cut_and_says_so():
    s = default_scheme()
    top = scale.composite_interval(unit(93.0, 104.5, {"integrity": 1.0}), s)
    assert (top.low, top.high, top.cut_low, top.cut_high) == (93.0, 100.0, False, True)
    assert top.text() == "93.00～100.00（超出得分范围 0.00～100.00 的部分已截去）"
    # A 20-point deduction moves the whole scale: -20 to 80, and a high of 10 stands.
    weights = {"appraisal": 0.4, "performance": 0.4, "integrity": 0.2}
    low = scale.composite_interval(unit(-25.0, 10.0, weights, adjustment=-20.0), s)
    assert (low.low, low.high, low.floor, low.top) == (-20.0, 10.0, -20.0, 80.0)
    assert low.text() == "-20.00～10.00（超出得分范围 -20.00～80.00 的部分已截去）"
    # A bonus lifts the top: 101.50 with +3 is a score the unit can have.
    within = scale.composite_interval(unit(96.5, 101.5, weights, adjustment=3.0), s)
    assert not within.cut and within.text() == "96.50～101.50"
    assert scale.composite_interval(unit(None, None, weights), s) is None


def test_fmt_span_is_the_one_separator():
    assert fmt_span(69.744, 73.07) == "69.74～73.07"
    assert fmt_span(0.6, 0.7, "{:.2%}".format) == "60.00%～70.00%"
    assert fmt_span(None, 73.07) == "—"


def test_a_cadres_explain_line_cuts_its_interval_at_100(demo_db):
    """胡杰 (2025, 干部) is judged on 8 勤廉 votes, 7 优秀 (100) and 1 基本称职 (60): mean
    95, s² = (7 × 5² + 35²) / 7 = 200, se = √(200 / 8) = 5, so 95 ± 1.96 × 5 reaches
    104.80; the scale is 0–100 (integrity alone)."""
    from scoring import results
    from scoring.store import Store

    with Store(demo_db) as s:
        res = results.compute(s, 2025)
    u = res.unit("胡杰")
    assert round(u.composite_high, 2) == 104.80  # the results keep the computed interval
    lines = results.explain(u, res.scheme)
    assert (
        "综合得分的抽样标准误 5.00，95% 区间 85.20～100.00"
        "（超出得分范围 0.00～100.00 的部分已截去）" in lines
    )
