"""The rules over arrays of units (scoring/columns.py) give exactly what the scalar rules
give unit by unit (tests/reference.py: score_unit, rank_and_grade; then
warnings.year_warnings): the same floats to the last bit (compared with ==, and by
repr), ranks, grades and warned units.
Cases worked out from shared/spec/scoring.md, then many generated ones."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from scoring import columns, engine, rules
from scoring.facts import AdjustmentEntry, IndicatorStats, UnitInfo, YearFacts
from scoring.scheme import Scheme, parse
from scoring.warnings import ESCALATING, year_warnings
from tests import reference
from tests.conftest import scheme, scheme_text
from tests.test_engine import EXAMPLE, example_facts


def scalar(facts: YearFacts, sch: Scheme) -> tuple[list, list[str]]:
    """Unit by unit, with the scalar rules (tests/reference.py)."""
    integrity = {u: rules.integrity_score(c, sch) for u, c in facts.integrity.items()}
    sources = engine._integrity_source(facts)
    scored = [
        reference.score_unit(u, facts, sch, integrity, sources.get(u), spread=False)
        for u in facts.units_with_data()
    ]
    graded = reference.rank_and_grade(scored, sch)
    warns = year_warnings(graded, sch, {})
    return graded, list(dict.fromkeys(w.unit for w in warns if w.kind in ESCALATING))


def same(facts: YearFacts, sch: Scheme) -> columns.Standings:
    """Assert the columns agree with the scalar rules on every unit; return them."""
    graded, warned = scalar(facts, sch)
    c = columns.from_facts(facts)
    s = columns.standings(c, sch)
    assert list(c.units) == [u.unit for u in graded]
    for k, u in enumerate(graded):
        value = None if math.isnan(s.composite[k]) else float(s.composite[k])
        assert repr(value) == repr(u.composite), u.unit
        assert value == u.composite, u.unit
        assert (int(s.rank[k]) or None, int(s.group_size[k]) or None) == (u.rank, u.group_size)
        assert s.grade[k] == u.grade and bool(s.vetoed[k]) == u.vetoed, u.unit
        rate = None if math.isnan(s.satisfaction_rate[k]) else float(s.satisfaction_rate[k])
        assert rate == u.satisfaction_rate, u.unit
    assert columns.warned(c, sch) == warned
    details(c, sch, graded)
    return s


def nan_none(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def details(c: columns.FactColumns, sch: Scheme, graded: list) -> None:
    """What the columns keep of each part equals the scalar rules' objects."""
    for group_scheme, rows in columns.by_scheme(c, sch):
        a = columns.appraisal(c, group_scheme, rows)
        p = columns.performance(c, group_scheme, rows)
        adj = columns.adjustment(c, group_scheme, rows)
        for j, k in enumerate(rows.tolist()):
            u = graded[k]
            if u.appraisal_detail is not None:
                want = u.appraisal_detail
                assert nan_none(a.score[j]) == want.score
                assert nan_none(a.satisfaction_rate[j]) == want.satisfaction_rate
                assert nan_none(a.awareness_rate[j]) == want.awareness_rate
                assert int(a.ballots[j]) == want.ballots
                for ci, cat in enumerate(want.categories):
                    assert nan_none(a.category_score[j, ci]) == cat.score
                    assert int(a.category_ballots[j, ci]) == cat.ballots
                    for ii, item in enumerate(cat.items):
                        assert nan_none(a.mean[j, ci, ii]) == item.mean
                        got = (a.answered, a.unknown, a.satisfied, a.scored)
                        assert [int(x[j, ci, ii]) for x in got] == [
                            item.answered,
                            item.unknown,
                            item.satisfied,
                            item.scored,
                        ]
            if u.performance_detail is not None and j not in p.by_rounds:
                assert nan_none(p.score[j]) == u.performance_detail.score
                means = {
                    i.indicator: (i.mean, i.scores, i.trimmed)
                    for i in u.performance_detail.indicators
                }
                for ii, ind in enumerate(group_scheme.indicators):
                    if ind in means:
                        got = (float(p.mean[j, ii]), int(p.scores[j, ii]), bool(p.trimmed[j, ii]))
                        assert got == means[ind]
                    else:
                        assert math.isnan(p.mean[j, ii])
            d = u.adjustment_detail
            assert (float(adj.value[j]), float(adj.positive[j]), float(adj.negative[j])) == (
                d.value,
                d.positive,
                d.negative,
            )
            assert (bool(adj.positive_capped[j]), bool(adj.negative_capped[j])) == (
                d.positive_capped,
                d.negative_capped,
            )


def composite_of(facts: YearFacts, sch: Scheme, unit: str) -> float | None:
    c = columns.from_facts(facts)
    value = columns.standings(c, sch).composite[c.units.index(unit)]
    return None if math.isnan(value) else float(value)


def test_spec_worked_example():
    s = same(example_facts(), EXAMPLE)
    # 0.4 × 63 + 0.4 × 88.17 + 0.2 × 87 − 0.5 (shared/spec/scoring.md, unit A)
    assert rules.round2(float(s.composite[0])) == 77.37


def perf(value: float, n: int = 1) -> dict[str, IndicatorStats]:
    return {"工作效率": IndicatorStats(n, value * n, value, value)}


def group_of(names: str, group: str = "甲类") -> dict[str, UnitInfo]:
    return {n: UnitInfo(n, "部门", None, group) for n in names}


def test_missing_components_are_renormalised():
    facts = YearFacts(
        year=2025,
        units=group_of("ABC"),
        performance={"A": perf(80.0)},
        integrity={"A": {"优秀": 1, "称职": 1}, "B": {"称职": 2}},
        adjustments={"C": (AdjustmentEntry("表彰", 3, "表彰"),)},
    )
    same(facts, scheme())
    # A: performance 80 (0.4) and integrity 90 (0.2) → (0.4 × 80 + 0.2 × 90) / 0.6
    assert composite_of(facts, scheme(), "A") == 80 * (0.4 / 0.6000000000000001) + 90 * (
        0.2 / 0.6000000000000001
    )
    assert composite_of(facts, scheme(), "B") == 80.0  # integrity alone
    assert composite_of(facts, scheme(), "C") is None  # 加减分 alone: nothing to score


def test_caps_and_veto():
    entries = {
        # +3 +4 → capped at +5; −15 −10 → capped at −20
        "A": (
            AdjustmentEntry("表彰", 3, "表彰"),
            AdjustmentEntry("表彰", 4, "表彰"),
            AdjustmentEntry("暗访", -15, "暗访"),
            AdjustmentEntry("投诉", -10, "效能投诉"),
        ),
        "B": (AdjustmentEntry("否决", 0, "一票否决"), AdjustmentEntry("表彰", 2, "表彰")),
    }
    facts = YearFacts(
        year=2025,
        units=group_of("ABCDE"),
        performance={n: perf(v) for n, v in zip("ABCDE", [99, 98, 90, 85, 80], strict=True)},
        adjustments=entries,
    )
    s = same(facts, scheme())
    assert float(s.composite[0]) == 99 + 5 - 20
    # B is vetoed: ranked last despite 100, graded 较差, and so warned twice over.
    assert float(s.composite[1]) == 100.0 and s.rank[1] == 5 and s.grade[1] == "较差"
    assert columns.warned(columns.from_facts(facts), scheme()) == ["B"]


def test_ties_at_the_display_decimals():
    # 85.004 and 85.0 tie at 2 decimals (1, 2, 2, 4); 0.1 + 0.2 + 87.075 rounds like 87.375.
    values = [91.2, 85.004, 85.0, 77.37, 68.4, 0.1 + 0.2 + 87.075, 87.375, 87.36500000000001]
    facts = YearFacts(
        year=2025,
        units=group_of("ABCDEFGH"),
        performance={n: perf(v) for n, v in zip("ABCDEFGH", values, strict=True)},
    )
    s = same(facts, scheme())
    assert s.rank.tolist() == [1, 5, 5, 7, 8, 2, 2, 4]
    assert s.rounded.tolist() == [91.2, 85.0, 85.0, 77.37, 68.4, 87.38, 87.38, 87.37]
    one = scheme(display={"decimals": 1})
    assert same(facts, one).rank.tolist() == [1, 5, 5, 7, 8, 2, 2, 2]


def test_rounding_matches_round_to_on_ties_and_near_ties():
    rng = np.random.default_rng(7)
    tenths = rng.integers(-20000, 110000, 4000) / 1000 + 0.0005  # ties at 3 decimals
    values = np.concatenate(
        [tenths, tenths + 1e-12, tenths - 1e-12, rng.uniform(-30, 110, 4000), [0.0, -0.0, -0.004]]
    )
    for d in range(7):
        got = columns.round_to(values, d)
        want = [rules.round_to(float(v), d) for v in values]
        assert [repr(float(g)) for g in got] == [repr(w) for w in want]


def test_group_schemes_and_item_score_summaries():
    text = scheme_text(
        appraisal={
            "items": {"工作效率": 1, "总体评价": 2},
            "categories": {"服务对象": 0.6, "企业代表": 0.4},
        }
    )
    text += (
        '\n[groups."窗口类"]\ncomposite.weights = { appraisal = 0.7, performance = 0.3 }\n'
        'appraisal.points = { "满意" = 100, "基本满意" = 83.3, "不满意" = 16.7 }\n'
        "display.decimals = 1\n"
    )
    sch = parse(text)
    answers = {
        "服务对象": {
            "工作效率": {"满意": 3, "基本满意": 2, "不满意": 1, "不了解": 4},
            "总体评价": {"基本满意": 5, "满意": 1},
        },
        "企业代表": {"工作效率": {"不满意": 2, "满意": 1}},
    }
    units = {**group_of("ABCDE"), **group_of("VWXYZ", "窗口类")}
    facts = YearFacts(
        year=2025,
        units=units,
        appraisal={n: answers for n in "ABVWX"},
        appraisal_scored={n: {"企业代表": {"总体评价": (3 * 91.5, 3)}} for n in "BCWY"},
        performance={n: perf(60 + 7.3 * k) for k, n in enumerate("ABCDEVWXYZ")},
    )
    s = same(facts, sch)
    assert s.group_size.tolist() == [5] * 10
    # A: 服务对象 (1 × 420/6 + 2 × 400/6) / 3 = 67.78; 企业代表 100/3 → 0.6·67.78 + 0.4·33.33
    a = columns.appraisal(columns.from_facts(facts), sch, np.array([0]))
    assert rules.round2(float(a.score[0])) == 54.00


def test_rounds_extras_leadership_and_last_place_rules():
    text = scheme_text(
        composite={
            "weights": {"appraisal": 0.4, "performance": 0.3, "integrity": 0.2, "目标考核": 0.1}
        },
        warnings={
            "last_place": {"rule": "bottom_share", "share": 0.3, "below": 85, "min_group": 3}
        },
        performance={
            "rounds": {
                "上半年": {"months": [1, 6], "weight": 0.4},
                "下半年": {"months": [7, 12], "weight": 0.6},
            }
        },
    )
    sch = parse(text)
    assert sch.performance_rounds
    units = {**group_of("ABCDEF"), "A班子": UnitInfo("A班子", "领导班子", "A", None)}
    months = {
        n: {"2025-03": perf(70 + 3 * k), "2025-09": perf(80 + k, 2), "": perf(50)}
        for k, n in enumerate("ABCDE")
    }
    facts = YearFacts(
        year=2025,
        units=units,
        performance={n: perf(75 + k) for k, n in enumerate("ABCDE")},
        performance_months=months,
        special={n: {"目标考核": IndicatorStats(2, 170.5, 80, 90.5)} for n in "ACF"},
        integrity={"A班子": {"优秀": 3, "不称职": 1}, "B": {"称职": 1}, "F": {"基本称职": 2}},
        adjustments={"F": (AdjustmentEntry("否决", -1, "一票否决"),)},
    )
    same(facts, sch)


def random_facts(seed: int) -> tuple[YearFacts, Scheme]:
    """A city of units with every kind of fact, some missing, under a scheme with a
    group that scores differently."""
    rng = random.Random(seed)
    text = scheme_text(
        warnings={
            "last_place": {
                "rule": rng.choice(["last", "bottom_n", "bottom_share"]),
                "n": 2,
                "below": rng.choice([0, 75]),
                "min_group": 3,
            }
        },
        composite={
            "weights": {"appraisal": 0.4, "performance": 0.3, "integrity": 0.2, "目标考核": 0.1}
        },
    )
    text += (
        '\n[groups."乙类"]\ncomposite.weights = { appraisal = 0.55, performance = 0.45 }\n'
        'appraisal.points = { "满意" = 97.3, "基本满意" = 61.7, "不满意" = 3.1 }\n'
        f"display.decimals = {rng.choice([0, 1, 3])}\n"
        'grades.bands = [{ name = "好", min = 85, top_share = 0.3 },\n'
        '  { name = "中", min = 70 }, { name = "差", min = 0 }]\n'
        'warnings.inefficient_grades = ["差"]\n'
    )
    sch = parse(text)
    names = [f"单位{k:03d}" for k in range(60)]
    units = {}
    for k, n in enumerate(names):
        if k % 17 == 16:
            continue  # not in the registry
        group = rng.choice(["甲类", "乙类", None])
        units[n] = UnitInfo(
            n,
            "领导班子" if group is None else "部门",
            names[k - 1] if group is None else None,
            group,
        )
    answers = ["满意", "基本满意", "不满意", "不了解", "其他"]
    items = ["工作作风", "工作效率", "服务质量", "依法行政", "廉洁自律", "总体评价", "额外"]
    cats = ["服务对象", "企业代表", "人大代表政协委员", "基层单位", "群众", "别的"]
    appraisal: dict = {}
    ballots: dict = {}
    scored: dict = {}
    performance: dict = {}
    integrity: dict = {}
    adjustments: dict = {}
    special: dict = {}
    for n in names:
        if rng.random() < 0.8:
            appraisal[n] = {
                c: {
                    i: {a: rng.randint(1, 40) for a in rng.sample(answers, rng.randint(1, 5))}
                    for i in rng.sample(items, rng.randint(1, 7))
                }
                for c in rng.sample(cats, rng.randint(1, 6))
            }
            ballots[n] = {c: rng.randint(1, 90) for c in appraisal[n]}
        if rng.random() < 0.15:
            scored[n] = {rng.choice(cats): {rng.choice(items): (rng.uniform(50, 100) * 7, 7)}}
        if rng.random() < 0.85:
            performance[n] = {}
            for ind in rng.sample(
                ["工作效率", "工作质量", "工作纪律", "服务态度", "其他"], rng.randint(1, 5)
            ):
                xs = [rng.uniform(40, 100) for _ in range(rng.randint(0, 8))]
                performance[n][ind] = IndicatorStats(
                    len(xs), sum(xs), min(xs, default=0.0), max(xs, default=0.0)
                )
        if rng.random() < 0.5:
            integrity[n] = {
                r: rng.randint(0, 9)
                for r in rng.sample(["优秀", "称职", "基本称职", "不称职", "弃权"], 3)
            }
        if rng.random() < 0.4:
            adjustments[n] = tuple(
                AdjustmentEntry(
                    "事由",
                    rng.choice([-12.5, -8, -1.3, 0.7, 2.2, 4, 0]),
                    rng.choice(
                        ["表彰", "暗访", "一票否决"] if rng.random() < 0.1 else ["表彰", "暗访"]
                    ),
                )
                for _ in range(rng.randint(1, 4))
            )
        if rng.random() < 0.3:
            xs = [rng.uniform(60, 100) for _ in range(rng.randint(0, 3))]
            special[n] = {
                "目标考核": IndicatorStats(
                    len(xs), sum(xs), min(xs, default=0.0), max(xs, default=0.0)
                )
            }
    facts = YearFacts(
        year=2025,
        units=units,
        appraisal=appraisal,
        appraisal_ballots=ballots,
        appraisal_scored=scored,
        performance=performance,
        integrity=integrity,
        adjustments=adjustments,
        special=special,
    )
    return facts, sch


@pytest.mark.parametrize("seed", range(12))
def test_generated_cities(seed):
    same(*random_facts(seed))


def test_read_columns_reads_what_read_facts_reads(store):
    """The columns read from the store score, rank and warn exactly as the facts that
    read_facts reads; previous_warnings from them as the unit-by-unit path."""
    from scoring import results
    from scoring.column_facts import read_columns
    from scoring.facts import read_facts
    from tests.conftest import add_facts, add_units

    sch = scheme(composite={"weights": {"appraisal": 0.4, "performance": 0.4, "目标考核": 0.2}})
    names = ["甲局", "乙局", "丙局", "丁局", "戊局", "己局"]
    add_units(
        store,
        [(n, "部门", None, "甲类") for n in names] + [("甲局领导班子", "领导班子", "甲局", None)],
    )
    rnd = random.Random(5)
    answers = ["满意", "基本满意", "不满意", "不了解", "很满意"]
    for year in (2023, 2024, 2025):
        ballots = [
            {"ballot": f"{year}-{b}", "unit": u, "category": c, "item": i, "answer": a, "n": 1}
            for b in range(120)
            for u, c in [(rnd.choice(names[:5]), rnd.choice(list(sch.categories)[:3]))]
            for i in sch.items
            if rnd.random() < 0.9
            for a in [rnd.choice(answers)]
        ]
        add_facts(store, year, "appraisal_answers", ballots)
        tally = [
            {"ballot": None, "unit": "乙局", "category": "群众", "item": i, "answer": a, "n": k}
            for k, (i, a) in enumerate(zip(sch.items, answers * 2, strict=False), start=1)
        ]
        add_facts(store, year, "appraisal_answers", tally, source="appraisal-tally")
        add_facts(
            store,
            year,
            "performance_scores",
            [
                {"unit": u, "indicator": ind, "score": rnd.uniform(55, 100), "month": m}
                for u in [*names, "未登记局"]
                for ind in sch.indicators
                for m in ["2025-03", "2025-06", None]
                if rnd.random() < 0.7
            ],
        )
        add_facts(
            store,
            year,
            "integrity_votes",
            [
                {"unit": u, "result": r, "n": rnd.randint(0, 9)}
                for u in ["甲局领导班子", "丙局"]
                for r in ["优秀", "称职", "不称职"]
            ],
        )
        add_facts(
            store,
            year,
            "adjustments",
            [
                {"unit": "丁局", "reason": "表彰", "points": 4.5, "source": "表彰"},
                {"unit": "丁局", "reason": "表彰", "points": 3.25, "source": "表彰"},
                {"unit": "戊局", "reason": "暗访", "points": -1.3, "source": "暗访"},
                {"unit": names[year % 6], "reason": "否决", "points": 0, "source": "一票否决"},
            ],
        )
        add_facts(
            store,
            year,
            "appraisal_item_scores",
            [{"unit": "己局", "category": "群众", "item": "总体评价", "score": 88.8, "ballots": 9}],
        )
        add_facts(
            store,
            year,
            "special_scores",
            [{"unit": u, "item": "目标考核", "score": rnd.uniform(70, 100)} for u in names[::2]],
        )
        facts = read_facts(store, year, sch, spread=False)
        c = read_columns(store, year, sch)
        assert c.units == tuple(facts.units_with_data())
        assert not c.registered[c.units.index("未登记局")]
        want, got = columns.standings(columns.from_facts(facts), sch), columns.standings(c, sch)
        assert [repr(x) for x in got.composite.tolist()] == [
            repr(x) for x in want.composite.tolist()
        ]
        assert got.grade == want.grade and got.rank.tolist() == want.rank.tolist()
        assert columns.warned(c, sch) == scalar(facts, sch)[1]
    # The store's own scheme (the default) each year, two years back at most.
    for year in (2024, 2025):
        streak: dict[str, int] = {}
        alive = None
        for back in (1, 2):
            if year - back < 2023:
                break
            earlier = read_facts(store, year - back, scheme(), spread=False)
            warned = set(scalar(earlier, scheme())[1])
            alive = warned if alive is None else alive & warned
            streak.update(dict.fromkeys(alive, back))
        assert results.previous_warnings(store, year) == streak
