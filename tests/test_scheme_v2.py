"""Scheme version 2 computed by hand: the fairness evidence pinned (each surviving mutant
of issue 14), two real methods modelled as their documents say, and first-form schemes
equal to their version-2 equivalents."""

from __future__ import annotations

import math
import tomllib

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import results
from scoring.accounts import ADMIN, User
from scoring.engine import evaluate
from scoring.facts import IndicatorStats, UnitInfo, YearFacts, read_facts
from scoring.imports import ImportRejected, import_file
from scoring.scheme import default_text, parse
from scoring.warnings import CadreVotes, best_cadres
from tests.conftest import add_facts, add_units, ballots, scheme, scheme_text, tally_rows
from tests.sheetmaker import xlsx

TWO_ITEMS = {"items": {"工作效率": 1, "总体评价": 1}, "categories": {"服务对象": 1.0}}


def perf_facts(values: dict[str, float], group: str = "甲类", year: int = 2025) -> YearFacts:
    """Units whose composite is the one 绩效考核 score given (of 100)."""
    return YearFacts(
        year,
        units={n: UnitInfo(n, "部门", None, group) for n in values},
        performance={n: {"工作效率": IndicatorStats(1, v, v, v)} for n, v in values.items()},
    )


# -- the interval: 3 ballots, 2 items, worked by hand -------------------------------------


def _logit_interval(
    score: float, ballots: int, variance: float, df: float, level: float = 0.95
) -> tuple[float, float]:
    """evidence.appraisal_spreads' interval for one category: symmetric around the score
    on the logit of q = (1 − 2a) · score/100 + a, a = 1/(n + 2) the pseudo-ballots' share,
    half-width t(df) · sd / 100 · (1 − 2a) / (q(1 − q)); the ends mapped back through the
    same shift and cut at 0 and 100."""
    from scoring.evidence import t_quantile

    a = 1 / (ballots + 2)
    q = (1 - 2 * a) * score / 100 + a
    shrink = 1 - 2 * a
    half = t_quantile(0.5 + level / 2, df) * math.sqrt(variance) / 100 * shrink / (q * (1 - q))
    centre = math.log(q / (1 - q))
    low, high = ((1 / (1 + math.exp(-(centre + s * half))) - a) / shrink * 100 for s in (-1, 1))
    return max(0.0, low), min(100.0, high)


def test_variance_of_three_ballots_through_the_store(store):
    """Ballots (工作效率, 总体评价): (满意, 满意), (基本满意, 不满意), (不满意, 基本满意).
    Both item means 160/3; coef = ½ / 3 = 1/6 per answer. Ballot terms (a ballot's items
    summed before squaring): 140/9, −70/9, −70/9 → Σt² = 29400/81. Variance of the score
    = Σt² · n/(n−1) = 44100/81, sd = 210/9. (Squaring items apart would give 22800/81.)"""
    store.set_scheme(2025, "两项", scheme_text(appraisal=TWO_ITEMS), "t")
    add_units(store, [("A局", "部门", None, "甲类")])
    rows = ballots(
        "A局",
        "服务对象",
        [("满意", "满意"), ("基本满意", "不满意"), ("不满意", "基本满意")],
        ["工作效率", "总体评价"],
    )
    add_facts(store, 2025, "appraisal_answers", rows)
    facts = read_facts(store, 2025, scheme(appraisal=TWO_ITEMS))
    assert facts.appraisal_ballots["A局"] == {"服务对象": 3}
    assert facts.appraisal_variance["A局"]["服务对象"] == pytest.approx(29400 / 81, abs=1e-6)
    a = results.compute(store, 2025).unit("A局")
    assert a.appraisal == pytest.approx(160 / 3, abs=1e-6)
    # The interval (evidence.py): ballot scores 100, 30, 30, so Σd² = 29400/9; one
    # pseudo-ballot at 0 and one at 100 move the mean to 52 and add 3·(4/3)² + 52² + 48²
    # → 8280 over n + 1 = 4 → 2070 per ballot → variance 690. The interval is centred on
    # the score 53.33 (q = 0.6 · 0.5333 + 0.2 = 0.52): logit se 0.2627 · 0.6 / 0.2496
    # = 0.6314, × t(2) 4.3027 = 2.717 either side of logit 0.08: expit 0.0668 and 0.9425
    # → (x − 0.2) / 0.6 = −22.2 and 123.8 of the score scale, cut to 0～100 (three
    # ballots). At the level 0.5 (t 0.8165, half-width 0.5156): expit(−0.4356) = 0.3928
    # → (0.3928 − 0.2) / 0.6 = 32.13, expit(0.5956) = 0.6447 → 74.11.
    assert a.appraisal_detail.variance == pytest.approx(690, abs=1e-6)
    assert (a.ci_low, a.ci_high) == (0.0, 100.0)
    assert _logit_interval(160 / 3, 3, 690, 2) == (0.0, 100.0)
    half_level = scheme_text(appraisal=TWO_ITEMS, warnings={"confidence": 0.5})
    store.set_scheme(2025, "两项", half_level, "t")
    a = results.compute(store, 2025).unit("A局")
    expected = _logit_interval(160 / 3, 3, 690, 2, 0.5)
    assert (a.ci_low, a.ci_high) == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx((32.13, 74.11), abs=0.01)


def test_variance_of_a_tally_counts_each_answer(store):
    """A tally (no ballot ids): 工作效率 满意 2, 不满意 1; 总体评价 满意 1, 基本满意 2.
    Means 200/3 and 220/3, score 70; each counted answer an independent term n·(coef·(x−m))²:
    2·(50/9)² + (100/9)² + (40/9)² + 2·(20/9)² = 17400/81; 3 ballots (the largest item
    total) → variance 17400/81 · 3/2 = 26100/81."""
    store.set_scheme(2025, "两项", scheme_text(appraisal=TWO_ITEMS), "t")
    add_units(store, [("A局", "部门", None, "甲类")])
    tally = [
        ("工作效率", "满意", 2),
        ("工作效率", "不满意", 1),
        ("总体评价", "满意", 1),
        ("总体评价", "基本满意", 2),
    ]
    add_facts(store, 2025, "appraisal_answers", tally_rows("A局", "服务对象", tally))
    facts = read_facts(store, 2025, scheme(appraisal=TWO_ITEMS))
    assert facts.appraisal_ballots["A局"] == {"服务对象": 3}
    assert facts.appraisal_variance["A局"]["服务对象"] == pytest.approx(17400 / 81, abs=1e-6)
    a = results.compute(store, 2025).unit("A局")
    assert a.appraisal == pytest.approx(70, abs=1e-9)
    # No ballot sheet this year to measure how items move together: the tally takes the
    # conservative bound (× 2 items): Σd² = 2 · 17400/81 · 9 = 3866.67; pseudo-ballots move
    # the mean to 62 and add 3·8² + 62² + 38² = 5480 → 9346.67 / 4 / 3 = 778.89.
    assert a.appraisal_detail.conservative
    assert a.appraisal_detail.variance == pytest.approx((2 * 17400 / 9 + 5480) / 12, abs=1e-6)
    # Around the score 70 (q 0.62), t(2) 4.3027 × logit se 0.7107 = 3.058 either side of
    # logit 0.4895 → −21.5 and 128.7, cut to 0～100.
    expected = _logit_interval(70, 3, (2 * 17400 / 9 + 5480) / 12, 2)
    assert (a.ci_low, a.ci_high) == pytest.approx(expected, abs=1e-6)
    assert expected == (0.0, 100.0)  # within the scale: cut where it reaches past it


def test_the_same_three_ballots_as_a_tally_give_the_tally_variance(store):
    """The 3 ballots of the first test, tallied: answers are no longer tied to ballots,
    so each counts alone: 22800/81 (the ballot form gave 29400/81)."""
    store.set_scheme(2025, "两项", scheme_text(appraisal=TWO_ITEMS), "t")
    add_units(store, [("A局", "部门", None, "甲类")])
    tally = [("工作效率", a, 1) for a in ("满意", "基本满意", "不满意")]
    tally += [("总体评价", a, 1) for a in ("满意", "不满意", "基本满意")]
    add_facts(store, 2025, "appraisal_answers", tally_rows("A局", "服务对象", tally))
    facts = read_facts(store, 2025, scheme(appraisal=TWO_ITEMS))
    assert facts.appraisal_variance["A局"]["服务对象"] == pytest.approx(22800 / 81, abs=1e-6)


# -- the other surviving mutants ------------------------------------------------------------


def test_efficiency_warning_last_year_escalates_too(store):
    """2024: four units (no 末位告诫 below five), 丁局 at 60 gets 效能告诫 only.
    2025: five units, 丁局 last at 75 gets 末位告诫 only → escalated all the same."""
    add_units(store, [(n, "部门", None, "甲类") for n in ["甲局", "乙局", "丙局", "丁局", "戊局"]])
    last_year = {"甲局": 95, "乙局": 90, "丙局": 85, "丁局": 60}
    this_year = {"甲局": 95, "乙局": 90, "丙局": 85, "戊局": 80, "丁局": 75}
    for year, values in ((2024, last_year), (2025, this_year)):
        add_facts(
            store,
            year,
            "performance_scores",
            [{"unit": u, "indicator": "工作效率", "score": v} for u, v in values.items()],
        )
    before = results.compute(store, 2024).unit("丁局")
    assert before.warnings == ("效能告诫",)
    now = results.compute(store, 2025).unit("丁局")
    assert now.warnings == ("末位告诫", "连续两年末位")


def test_leadership_votes_win_over_the_departments_own():
    facts = YearFacts(
        2025,
        units={
            "甲局": UnitInfo("甲局", "部门", None, "甲类"),
            "甲局领导班子": UnitInfo("甲局领导班子", "领导班子", "甲局", None),
        },
        integrity={"甲局": {"优秀": 10}, "甲局领导班子": {"称职": 4, "不称职": 1}},
    )
    u = evaluate(facts, scheme()).unit("甲局")
    assert u.integrity_from == "甲局领导班子" and u.integrity == pytest.approx(64.0)


def test_a_sheets_full_marks_win_over_the_schemes(store):
    """Scheme: 工作效率 满分 50. A row with 满分 20 and 10 points is 50%, not 20%;
    a row without 满分 takes the scheme's 50 (10 → 20%)."""
    s = scheme(performance={"max_by_indicator": {"工作效率": 50.0}})
    store.set_scheme(2025, "满分", s.text, "t")
    add_units(store, [("甲局", "部门", None, "甲类"), ("乙局", "部门", None, "甲类")])
    add_facts(
        store,
        2025,
        "performance_scores",
        [
            {"unit": "甲局", "indicator": "工作效率", "score": 10, "max_score": 20},
            {"unit": "乙局", "indicator": "工作效率", "score": 10},
        ],
    )
    r = results.compute(store, 2025)
    assert r.unit("甲局").performance == pytest.approx(50.0)
    assert r.unit("乙局").performance == pytest.approx(20.0)


def test_supervision_line_is_strictly_below_seventy_percent():
    def rate_unit(satisfied: int, unhappy: int) -> YearFacts:
        return YearFacts(
            2025,
            units={"甲局": UnitInfo("甲局", "部门", None, "甲类")},
            appraisal={"甲局": {"服务对象": {"总体评价": {"满意": satisfied, "不满意": unhappy}}}},
        )

    at_line = evaluate(rate_unit(7, 3), scheme()).unit("甲局")
    assert (
        at_line.satisfaction_rate == pytest.approx(0.7) and "重点监督检查" not in at_line.warnings
    )
    under = evaluate(rate_unit(69, 31), scheme()).unit("甲局")
    assert "重点监督检查" in under.warnings
    reason = next(w.reason for w in under.warning_details if w.kind == "重点监督检查")
    assert "低于 70%" in reason


def test_best_cadre_needs_ten_votes_exactly_ten_will_do():
    s = scheme()
    cadres = [
        CadreVotes("张三", "市教育局", 10, 0.9, False),
        CadreVotes("李四", "市教育局", 30, 0.8, False),
    ]
    assert [h.unit for h in best_cadres(cadres, s)] == ["张三"]
    cadres[0] = CadreVotes("张三", "市教育局", 9, 0.9, False)
    assert [h.unit for h in best_cadres(cadres, s)] == ["李四"]


# -- version-2 rules one by one -------------------------------------------------------------


def test_bottom_n_takes_ties_at_the_boundary():
    values = {"A": 95, "B": 90, "C": 85, "D": 80, "E": 70, "F": 70}
    two = scheme(warnings={"last_place": {"rule": "bottom_n", "n": 2, "min_group": 5}})
    r = evaluate(perf_facts(values), two)
    assert sorted(w.unit for w in r.warnings if w.kind == "末位告诫") == ["E", "F"]
    three = scheme(warnings={"last_place": {"rule": "bottom_n", "n": 3, "min_group": 5}})
    r = evaluate(perf_facts(values), three)
    assert sorted(w.unit for w in r.warnings if w.kind == "末位告诫") == ["D", "E", "F"]


def test_four_decimals_decide_ties_and_display():
    values = {"A": 85.0004, "B": 84.9996, "C": 80.0}
    two = evaluate(perf_facts(values), scheme())
    assert [two.unit(n).rank for n in "ABC"] == [1, 1, 3]
    four = evaluate(perf_facts(values), scheme(display={"decimals": 4}))
    assert [four.unit(n).rank for n in "ABC"] == [1, 2, 3]
    text = "\n".join(results.explain(four.unit("A"), four.scheme))
    assert "85.0004" in text


def test_a_group_override_changes_that_group_only():
    text = scheme_text() + (
        '\n[groups."窗口服务类"]\ncomposite.weights = { appraisal = 0.6, performance = 0.4 }\n'
    )
    s = parse(text)
    facts = YearFacts(
        2025,
        units={
            "窗口甲": UnitInfo("窗口甲", "窗口", None, "窗口服务类"),
            "部门甲": UnitInfo("部门甲", "部门", None, "综合管理类"),
        },
        appraisal={u: {"服务对象": {"总体评价": {"满意": 1}}} for u in ("窗口甲", "部门甲")},
        performance={u: {"工作效率": IndicatorStats(1, 50, 50, 50)} for u in ("窗口甲", "部门甲")},
        integrity={u: {"不称职": 1} for u in ("窗口甲", "部门甲")},
    )
    r = evaluate(facts, s)
    assert r.unit("窗口甲").composite == pytest.approx(0.6 * 100 + 0.4 * 50)
    assert r.unit("部门甲").composite == pytest.approx(0.4 * 100 + 0.4 * 50 + 0.2 * 0)


def test_labels_take_their_numbers_from_the_scheme():
    s = scheme(
        warnings={"confidence": 0.9, "supervision_below": 0.8},
        integrity={"unfit_flag_share": 0.25},
    )
    facts = YearFacts(
        2025,
        units={"甲局": UnitInfo("甲局", "部门", None, None)},
        appraisal={"甲局": {"服务对象": {"总体评价": {"满意": 3, "不满意": 1}}}},
        appraisal_ballots={"甲局": {"服务对象": 4}},
        appraisal_variance={"甲局": {"服务对象": 100.0}},
        integrity={"甲局": {"称职": 2, "不称职": 1}},
    )
    u = evaluate(facts, s).unit("甲局")
    assert "不称职票超四分之一" in u.flags
    text = "\n".join(results.explain(u, s))
    assert "90% 区间" in text and "95%" not in text
    assert any("低于 80%" in w.reason for w in u.warning_details)


def test_problems_in_version_two_keys_are_named():
    raw = tomllib.loads(default_text())
    raw["warnings"]["last_place"]["rule"] = "worst"
    raw["warnings"]["inefficient_grades"] = ["差"]
    raw["performance"]["rounds"] = {
        "上半年": {"months": [1, 7], "weight": 0.5},
        "下半年": {"months": [7, 12], "weight": 0.5},
    }
    raw["composite"]["weights"]["apraisal"] = 0.1
    with pytest.raises(Exception) as err:
        parse(tomli_w.dumps(raw))
    message = str(err.value)
    for expected in ("worst", "「差」", "月份重叠（7 月）", "apraisal"):
        assert expected in message


# -- two real methods, as their documents say -----------------------------------------------

HANGZHOU = """
[grades]
bands = [
  { name = "优秀", min = 90, top_share = 0.15 },
  { name = "合格", min = 70 },
  { name = "基本合格", min = 60 },
  { name = "不合格", min = 0 },
]
[warnings]
inefficient_grades = ["不合格"]
supervision_below = 0.70
confidence = 0.95
[warnings.last_place]
rule = "bottom_share"
share = 0.2
below = 60
min_group = 5
"""


def hangzhou_scheme():
    raw = tomllib.loads(default_text())
    for section, values in tomllib.loads(HANGZHOU).items():
        raw[section] = values
    return parse(tomli_w.dumps(raw))


def test_hangzhou_style_method():
    """优秀 (≥ 90, top 15%: ceil(1.5) = 2 of 10), 合格 ≥ 70, 基本合格 ≥ 60, 不合格 below;
    末位: the last 20% (2 of 10) but only below the pass line 60; 不合格 → 效能告诫."""
    values = dict(zip("ABCDEFGHIJ", [95, 93, 91, 88, 84, 79, 72, 65, 61, 55], strict=True))
    r = evaluate(perf_facts(values, "市直单位"), hangzhou_scheme())
    assert [r.unit(n).grade for n in "ABCDEFGHIJ"] == [
        "优秀",
        "优秀",
        "合格",  # 91 but third: outside the top 15%
        "合格",
        "合格",
        "合格",
        "合格",
        "基本合格",
        "基本合格",
        "不合格",
    ]
    warned = {(w.unit, w.kind) for w in r.warnings}
    assert warned == {("J", "末位告诫"), ("J", "效能告诫")}  # I (61) is last-20% but above 60
    j = {w.kind: w.reason for w in r.unit("J").warning_details}
    assert "低于 60 分" in j["末位告诫"]
    assert j["效能告诫"].startswith("考评等次为不合格（综合得分 55.00 低于 60 分）")
    assert r.summary().grades == {"优秀": 2, "合格": 5, "基本合格": 2, "不合格": 1}


COUNTY = """
[composite.weights]
performance = 0.7
"目标考核" = 0.3

[performance.rounds]
"上半年" = { months = [1, 6], weight = 0.5 }
"下半年" = { months = [7, 12], weight = 0.5 }
"""


def test_county_method_with_two_rounds_and_a_target_component(store):
    """Two rounds at 50% each; composite = 0.7 × 绩效考核 + 0.3 × 目标考核.
    甲镇: 上半年 80, 90 → 85; 下半年 70 → 70; 绩效 77.5 (a score without 考核月份 is
    left out and flagged). 目标考核 45/50 = 90 and 80/100 → 85. Composite 79.75.
    乙镇: 上半年 60, 下半年 100, 90 → 95; 绩效 77.5 (pooled it would be 83.33);
    目标考核 70 → composite 75.25."""
    raw = tomllib.loads(default_text())
    raw["composite"] = {}
    raw.setdefault("performance", {})
    extra = tomllib.loads(COUNTY)
    raw["composite"]["weights"] = extra["composite"]["weights"]
    raw["performance"]["rounds"] = extra["performance"]["rounds"]
    store.set_scheme(2025, "县作风考评", tomli_w.dumps(raw), "t")
    add_units(store, [("甲镇", "乡镇", None, "乡镇类"), ("乙镇", "乡镇", None, "乡镇类")])
    perf = [
        ("甲镇", 80, "2025-03"),
        ("甲镇", 90, "2025-05"),
        ("甲镇", 70, "2025-09"),
        ("甲镇", 0, None),
        ("乙镇", 60, "2025-02"),
        ("乙镇", 100, "2025-08"),
        ("乙镇", 90, "2025-11"),
    ]
    add_facts(
        store,
        2025,
        "performance_scores",
        [{"unit": u, "indicator": "工作效率", "score": s, "month": m} for u, s, m in perf],
    )
    sheet = xlsx(
        [
            ["对象", "项目", "得分", "满分", "考核人"],
            ["甲镇", "目标考核", 45, 50, "县考核办"],
            ["甲镇", "目标考核", 80, None, "县发改局"],
            ["乙镇", "目标考核", 70, None, "县考核办"],
        ]
    )
    outcome = import_file(store, "目标考核.xlsx", sheet, 2025, User("效能办", ADMIN))
    assert outcome.upload.source == "special"
    r = results.compute(store, 2025)
    a, b = r.unit("甲镇"), r.unit("乙镇")
    assert a.performance == pytest.approx(77.5) and b.performance == pytest.approx(77.5)
    assert [x.score for x in a.performance_detail.rounds] == [85.0, 70.0]
    assert a.extra_scores == {"目标考核": pytest.approx(85.0)}
    assert a.composite == pytest.approx(79.75) and b.composite == pytest.approx(75.25)
    assert (a.rank, b.rank) == (1, 2)
    assert any("1 个绩效考核分数没有考核月份" in f for f in a.flags)
    text = "\n".join(results.explain(a, r.scheme))
    assert "绩效考核 · 上半年" in text and "专项考评 · 目标考核：得分 85.00" in text


def test_special_sheet_rejects_unknown_items_and_scores_over_full_marks(store):
    add_units(store, [("甲镇", "乡镇", None, "乡镇类")])
    raw = tomllib.loads(default_text())
    raw["composite"]["weights"]["目标考核"] = 0.2
    store.set_scheme(2025, "加目标考核", tomli_w.dumps(raw), "t")
    sheet = xlsx(
        [
            ["对象", "项目", "得分", "满分"],
            ["甲镇", "领导评价", 80, None],
            ["甲镇", "目标考核", 60, 50],
        ]
    )
    with pytest.raises(ImportRejected) as err:
        import_file(store, "专项.xlsx", sheet, 2025, User("效能办", ADMIN), source="special")
    text = str(err.value)
    assert "领导评价" in text and "目标考核" in text and "得分超过满分 50" in text
    assert store.row_counts()["special_scores"] == 0


# -- the first form and its version-2 equivalent -----------------------------------------


def first_and_second_form(ex: float, top: float, good: float, fair: float, min_group: int):
    raw = tomllib.loads(default_text())
    for key in ("escalation", "display"):
        raw.pop(key)
    raw["honours"] = {"best_section_type": "科室", "best_cadre_min_votes": 10}
    first = dict(raw)
    first["grades"] = {
        "excellent_min": ex,
        "excellent_top_share": top,
        "good_min": good,
        "fair_min": fair,
    }
    first["warnings"] = {
        "last_place_min_group": min_group,
        "supervision_below": 0.7,
        "confidence": 0.95,
    }
    second = dict(raw)
    second["grades"] = {
        "bands": [
            {"name": "优秀", "min": ex, "top_share": top},
            {"name": "良好", "min": good},
            {"name": "一般", "min": fair},
            {"name": "较差", "min": 0},
        ]
    }
    second["warnings"] = {
        "inefficient_grades": ["较差"],
        "supervision_below": 0.7,
        "confidence": 0.95,
        "last_place": {"rule": "last", "n": 1, "min_group": min_group},
    }
    second["escalation"] = {"ladder": ["连续两年末位"]}
    second["honours"] = {
        "best_section_type": "科室",
        "best_section_scope": "group",
        "last_section_scope": "none",
        "min_sections": 3,
        "best_cadre_min_votes": 10,
    }
    return parse(tomli_w.dumps(first)), parse(tomli_w.dumps(second))


def outcome(r):
    return (
        r.table(ranked_only=False).to_dict("records"),
        [(w.unit, w.kind, w.reason) for w in r.warnings],
        [(h.unit, h.kind, h.reason) for h in r.honours],
        dict(r.streaks),
    )


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.integers(50, 95), min_size=3, max_size=3),
    top=st.sampled_from([0.1, 0.2, 0.3, 0.5]),
    min_group=st.integers(2, 7),
    scores=st.lists(st.integers(4000, 10000), min_size=2, max_size=9),
    warned=st.sets(st.integers(0, 8), max_size=4),
)
def test_first_form_and_its_version_two_equivalent_agree(lines, top, min_group, scores, warned):
    fair, good, ex = sorted(lines)
    first, second = first_and_second_form(ex, top, good, fair, min_group)
    facts = YearFacts(
        2025,
        units={f"科{i}": UnitInfo(f"科{i}", "科室", f"局{i % 2}", "科室类") for i in range(9)},
        performance={
            f"科{i}": {"工作效率": IndicatorStats(1, v / 100, v / 100, v / 100)}
            for i, v in enumerate(scores)
        },
    )
    history = {f"科{i}": 1 for i in warned}
    assert outcome(evaluate(facts, first, history)) == outcome(evaluate(facts, second, history))


def test_grade_counts_are_told_best_first_whatever_the_groups_order():
    """The 通报 said 「较差 5 个，良好 4 个，一般 5 个，优秀 1 个」: counts in the order the
    units came. The first group here has the worse units; the counts still go 优秀 first."""
    from scoring.scheme import default_scheme

    worse = perf_facts({"A": 62, "B": 75}, "一类")
    better = perf_facts({"C": 95, "D": 85, "E": 83}, "二类")
    facts = YearFacts(
        2025,
        units={**worse.units, **better.units},
        performance={**worse.performance, **better.performance},
    )
    r = evaluate(facts, default_scheme())
    assert [u.unit for u in r.ranked()][:2] == ["B", "A"]  # 一类 (一般, 较差) is listed first
    assert list(r.summary().grades.items()) == [("优秀", 1), ("良好", 2), ("一般", 1), ("较差", 1)]
