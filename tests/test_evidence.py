"""The evidence behind a warning: quantiles, variances, p_last and the statements,
with expectations worked out by hand (and one seeded simulation for coverage)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from scoring import evidence as ev
from tests import reference


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        (0.975, 1, 12.7062),
        (0.975, 2, 4.3027),
        (0.975, 10, 2.2281),
        (0.975, 30, 2.0423),
        (0.95, 10, 1.8125),
        (0.995, 4, 4.6041),
        (0.975, math.inf, 1.95996),
    ],
)
def test_t_quantiles_match_the_printed_tables(p, df, expected):
    assert ev.t_quantile(p, df) == pytest.approx(expected, abs=2e-4)
    assert ev.t_quantiles(p, [df, 7.5]) == [ev.t_quantile(p, df), ev.t_quantile(p, 7.5)]


@pytest.mark.parametrize("p", [0.975, 0.95, 0.995, 0.025])
def test_t_quantiles_together_are_one_by_ones_to_the_last_bit(p):
    """The bisection run for many degrees of freedom at once (numpy) gives exactly what it
    gives for each alone: intervals stay the same to the last bit."""
    rnd = np.random.default_rng(7)
    dfs = [1.0, 0.5, 1.5, 2.0, 3.3, 1e6, 1e6 + 1, math.inf, 999_999.5]
    dfs += rnd.uniform(1, 40, 40).tolist() + np.exp(rnd.uniform(3, 13, 80)).tolist()
    one_by_one = [reference.t_quantile(p, df) for df in dfs]
    assert ev.t_quantiles(p, dfs) == one_by_one
    assert [ev.t_quantile(p, df) for df in dfs] == one_by_one


@pytest.mark.parametrize("p", [0.975, 0.995, 0.05])
def test_t_quantiles_decided_near_a_guess_are_one_by_ones_to_the_last_bit(p):
    """Steps far from the quantile are decided without the cdf (around an approximate
    quantile): a city's degrees of freedom, and those where the guess's bracket
    changes or fails, give what the bisection gives for each alone."""
    rnd = np.random.default_rng(11)
    dfs = [12.0, 15.0, 29.9, 30.0, 99.99, 100.0, 100.01, 149.9, 150.0, 150.2, 9_999.0, 10_000.0]
    dfs += [10_001.0]
    dfs += rnd.uniform(150, 600, 120).tolist() + np.exp(rnd.uniform(1, 10, 120)).tolist()
    one_by_one = [reference.t_quantile(p, df) for df in dfs]
    assert ev.t_quantiles(p, dfs) == one_by_one


@pytest.mark.parametrize("deff", [None, 1.7, 0.5, 9.0])
def test_appraisal_spreads_of_many_units_are_each_units_to_the_last_bit(deff):
    """The spreads and intervals of many units at once (engine.appraisals) are what
    appraisal_spread gives for each unit alone: tallies, empty and unweighted
    categories, a unit without any sample included; scores at 0 and 100."""
    rnd = np.random.default_rng(3)
    size, width = 300, 5
    weight = np.array([0.3, 0.2, 0.0, 0.35, 0.15])
    c = ev.CategoryArrays(
        sampled=rnd.random((size, width)) < 0.85,
        weight=np.broadcast_to(weight, (size, width)),
        score=rnd.uniform(0, 100, (size, width)),
        ballots=rnd.integers(0, 40, (size, width)) * (rnd.random((size, width)) < 0.9),
        variance=rnd.uniform(0, 30, (size, width)),
        tally_ballots=rnd.integers(0, 30, (size, width)) * (rnd.random((size, width)) < 0.2),
        tally_variance=rnd.uniform(0, 10, (size, width)),
        items=rnd.integers(0, 7, (size, width)),
    )
    c.sampled[0] = False
    score = rnd.uniform(0, 100, size)
    score[1:3] = 0.0, 100.0
    together = ev.appraisal_spreads(c, score, 0.95, deff)
    for j in range(size):
        samples = [
            reference.CategorySample(
                float(c.weight[j, k]),
                float(c.score[j, k]),
                int(c.ballots[j, k]),
                float(c.variance[j, k]),
                int(c.tally_ballots[j, k]),
                float(c.tally_variance[j, k]),
                int(c.items[j, k]),
            )
            for k in range(width)
            if c.sampled[j, k]
        ]
        assert together[j] == reference.appraisal_spread(samples, 0.95, deff, score[j]), j


def test_p_last_skips_only_the_flat_tails_of_erfc(monkeypatch):
    """p_last takes erfc's flat tails (exactly 2 and 0) without computing them: the same
    probabilities, to the last bit, as computing every one."""
    rnd = np.random.default_rng(5)
    values = rnd.normal(80, 6, 250).tolist()
    ses = rnd.uniform(0.3, 3, 250).tolist()
    ses[7] = 0.0
    last = int(np.argmin(values))
    quick = [ev.p_last(values, ses, i) for i in (last, 7, 0)]
    monkeypatch.setattr(ev, "_FLAT", False)
    assert quick == [ev.p_last(values, ses, i) for i in (last, 7, 0)]


def test_integrity_variance_of_the_spec_example_by_hand():
    # 优秀 12, 称职 6, 基本称职 1, 不称职 1: mean 87; Σ n (x − 87)² = 12·169 + 6·49 + 729 + 7569
    # = 10620; sample variance 10620 / 19; variance of the mean / 20.
    points = {"优秀": 100, "称职": 80, "基本称职": 60, "不称职": 0}
    v = ev.integrity_variance({"优秀": 12, "称职": 6, "基本称职": 1, "不称职": 1}, points)
    assert v == pytest.approx(10620 / 19 / 20, rel=1e-12)
    assert ev.integrity_variance({"优秀": 1}, points) is None


def test_performance_variance_uses_the_scores_the_trimmed_mean_keeps():
    # 工作效率 of the spec: 90, 80, 100, 60, 86.667 → kept 90, 80, 86.667 (mean 85.556).
    scores = [90, 80, 100, 60, 260 / 3]
    kept = [90, 80, 260 / 3]
    s2 = np.var(kept, ddof=1)
    row = (0.3, 5, sum(scores), sum(x * x for x in scores), 60, 100, True)
    assert ev.performance_variance([row]) == pytest.approx(s2 / 3, rel=1e-9)
    # Two indicators, weights 0.3 and 0.2 renormalised to 0.6 and 0.4.
    other = (0.2, 2, 170.0, 80.0**2 + 90.0**2, 80.0, 90.0, False)
    expected = 0.36 * s2 / 3 + 0.16 * 50.0 / 2
    assert ev.performance_variance([row, other]) == pytest.approx(expected, rel=1e-9)
    assert ev.performance_variance([(1.0, 1, 80.0, 6400.0, 80.0, 80.0, False)]) is None


def test_composite_variance_adds_weighted_component_variances_and_names_what_is_left_out():
    s = ev.composite_spread(
        77.0,
        {"appraisal": 0.4, "performance": 0.4, "integrity": 0.2},
        {"appraisal": 4.0, "performance": None, "integrity": 9.0},
        0.95,
        {"performance": "绩效考核"},
    )
    # 0.16 × 4 + 0.04 × 9 = 1.0
    assert s.se == pytest.approx(1.0)
    assert s.low == pytest.approx(77 - 1.959964, abs=1e-5)
    assert s.left_out == ("绩效考核",)
    none = ev.composite_spread(77.0, {"appraisal": 1.0}, {"appraisal": None}, 0.95)
    assert none.se is None and none.low is None


def test_p_last_by_quadrature_agrees_with_a_seeded_simulation():
    values, ses = [70.0, 70.2, 71.5, 75.0], [0.5, 0.4, 0.6, 0.3]
    rng = np.random.default_rng(7)
    draws = rng.normal(values, ses, size=(200_000, 4))
    simulated = (draws.argmin(axis=1) == 0).mean()
    assert ev.p_last(values, ses, 0) == pytest.approx(simulated, abs=0.005)
    assert ev.p_last([50, 50, 50], [1, 1, 1], 1) == pytest.approx(1 / 3, abs=1e-6)
    # A unit far below the others is last for sure; one far above never.
    assert ev.p_last([40, 70, 75], [1, 1, 1], 0) == pytest.approx(1.0, abs=1e-9)
    assert ev.p_last([40, 70, 75], [1, 1, 1], 2) == pytest.approx(0.0, abs=1e-9)


def test_gap_statement_for_a_last_place_resting_on_noise():
    e = ev.gap_evidence(70.0, 0.5, "市统计局上一名", 70.2, 0.4, 0.6, 0.95)
    se = math.hypot(0.5, 0.4)
    assert e.gap == pytest.approx(0.2)
    assert e.gap_low == pytest.approx(0.2 - 1.959964 * se, abs=1e-5)
    assert e.verdict == "否" and e.significant is False
    assert "排名差异不显著" in e.sentence and "95% 区间 −1.05～1.45" in e.sentence
    assert "为真实末位的概率约 60%" in e.sentence
    # The walk-through read 「差异显著：否」 beside 「约 95%」 (0.946 rounded up to the level):
    # the probability is rounded down, so it never reads as reaching the level it misses.
    near = ev.gap_evidence(70.0, 0.5, "乙", 70.2, 0.4, 0.946, 0.95)
    assert near.verdict == "否" and "为真实末位的概率约 94%" in near.sentence
    assert "概率约 99%" in ev.gap_evidence(60.0, 0.5, "甲", 70.0, 0.5, 0.999, 0.95).sentence
    clear = ev.gap_evidence(60.0, 0.5, "甲", 70.0, 0.5, 0.99, 0.9)
    assert clear.verdict == "是" and "90% 区间" in clear.sentence
    unknown = ev.gap_evidence(60.0, None, "甲", 70.0, 0.5, None, 0.95)
    assert unknown.verdict == "无法判断"


def test_line_rate_veto_statements():
    below = ev.line_evidence(66.0, 64.0, 68.0, 70, 0.95)
    assert below.verdict == "是" and "确定低于分数线" in below.sentence
    unsure = ev.line_evidence(69.0, 66.0, 72.0, 70, 0.95)
    assert unsure.verdict == "否" and "低于分数线不显著" in unsure.sentence
    # Wilson for 60 of 100: centre (0.6 + 1.92/100)/1.0384 = 0.5963, half 0.0943.
    rate = ev.rate_evidence(0.6, 100, 0.7, 0.95)
    lo, hi = ev.wilson(60, 100, 0.95)
    assert (round(lo, 3), round(hi, 3)) == (0.502, 0.691)
    assert rate.verdict == "是"
    assert ev.rate_evidence(0.65, 20, 0.7, 0.95).verdict == "否"
    veto = ev.veto_evidence("重大效能问题")
    assert veto.verdict == "不适用" and "不作统计判断" in veto.sentence


def test_appraisal_interval_of_three_ballots_by_hand():
    # One category, items weighted equally; ballots (满意, 满意), (基本满意, 不满意),
    # (满意, 基本满意): ballot scores 100, 30, 80, mean 70, Σ d² = 2600, so the store's
    # ballot variance is 2600 / 9. Guard: two pseudo-ballots (0 and 100) move the mean to
    # (210 + 100) / 5 = 62 and add 3·8² + 62² + 38² = 5480 → per-ballot variance
    # 8080 / 4 = 2020 → variance of the score 2020 / 3 (sd 25.95), df 2, t 4.3027.
    # Interval around the score 70: pseudo-ballot share a = 1/5, q = 0.6 · 0.70 + 0.2 =
    # 0.62; logit se = 0.2595 · 0.6 / (0.62 · 0.38) = 0.6608, half-width 2.8433; ends
    # (expit(0.4895 ∓ 2.8433) − 0.2) / 0.6 · 100 = −18.87 and 127.59, cut to 0 and 100:
    # three ballots say nothing about where the score lies. (Centred on the pseudo-ballot
    # mean 62 it was 1.41～99.47.)
    c = reference.CategorySample(weight=0.3, score=70.0, ballots=3, variance=2600 / 9, items=2)
    s = reference.appraisal_spread([c], 0.95, 1.0, 70.0)
    assert s.variance == pytest.approx(2020 / 3, rel=1e-12)
    assert s.df == pytest.approx(2.0)
    assert (s.low, s.high) == (0.0, 100.0)


def test_appraisal_interval_of_four_ballots_by_hand():
    """The interval is symmetric on the logit scale around the published score itself,
    not around the pseudo-ballot mean, and the pseudo-ballots stay in its variance."""
    # One category, two items weighted equally; ballots (满意, 不满意), (不满意, 满意),
    # (基本满意, 基本满意) twice: ballot scores 50, 50, 60, 60, both item means 55, score 55;
    # d = −5, −5, 5, 5, Σ d² = 100, the store's ballot variance Σ (d/4)² = 6.25.
    # Guard: pseudo-ballots at 0 and 100 → mean m = (4·55 + 100) / 6 = 53.3333;
    # Σ (x − m)² = 100 + 4 · 1.6667² + 53.3333² + 46.6667² = 5133.33, over n + 1 = 5 →
    # 1026.67 per ballot → variance of the score 256.667 (sd 16.0208); df 3, t 3.18245.
    # Logit scale with the pseudo-ballots' share a = 1/6 at each end: q = (1 − 2a) ·
    # 0.55 + a = 0.53333, logit 0.13353; se = 0.160208 · (2/3) / (0.53333 · 0.46667)
    # = 0.42913, half-width 3.18245 · 0.42913 = 1.36568.
    # Low: expit(0.13353 − 1.36568) = expit(−1.23215) = 0.22580 → (0.22580 − 1/6) · 1.5
    # · 100 = 8.87. High: expit(1.49921) = 0.81745 → (0.81745 − 1/6) · 150 = 97.62.
    # So 8.87～97.62 holds 55 (centred on m = 53.33, as before, it was 12.84～89.86).
    c = reference.CategorySample(weight=1.0, score=55.0, ballots=4, variance=6.25, items=2)
    s = reference.appraisal_spread([c], 0.95, 1.0, 55.0)
    assert s.variance == pytest.approx(256.667, abs=1e-3)
    assert s.df == pytest.approx(3.0)
    assert (s.low, s.high) == pytest.approx((8.870, 97.618), abs=1e-3)

    # Symmetric on that logit scale around the score: q(low) and q(high) equally far.
    def logit(x):
        q = (1 - 2 / 6) * x / 100 + 1 / 6
        return math.log(q / (1 - q))

    assert logit(55.0) - logit(s.low) == pytest.approx(logit(s.high) - logit(55.0), rel=1e-12)
    together = ev.appraisal_spreads(
        ev.CategoryArrays(
            *(np.array([[x]]) for x in (True, 1.0, 55.0, 4, 6.25, 0, 0.0, 2)),
        ),
        np.array([55.0]),
        0.95,
        1.0,
    )
    assert together == [s]


def test_four_ballots_through_the_store_give_the_interval_worked_by_hand(store):
    """The four ballots above, stored and computed: 万人评议 55.00, 95% 区间 8.87～97.62."""
    from scoring import results
    from tests.conftest import add_facts, add_units, ballots, scheme_text

    two_items = {"items": {"工作效率": 1, "总体评价": 1}, "categories": {"服务对象": 1.0}}
    store.set_scheme(2025, "例", scheme_text(appraisal=two_items), "test")
    add_units(store, [("甲局", "部门", None, "综合管理类")])
    answers = [("满意", "不满意"), ("不满意", "满意"), ("基本满意", "基本满意")]
    rows = ballots("甲局", "服务对象", answers + answers[2:], list(two_items["items"]))
    add_facts(store, 2025, "appraisal_answers", rows)
    u = results.compute(store, 2025).unit("甲局")
    assert u.appraisal == pytest.approx(55.0)
    assert u.appraisal_detail.variance == pytest.approx(256.667, abs=1e-3)
    assert (u.ci_low, u.ci_high) == pytest.approx((8.870, 97.618), abs=1e-3)


def test_constant_and_single_ballot_categories_never_claim_certainty():
    # 100 ballots all 满意: score 100, and the interval holds it (centred on the
    # pseudo-ballot mean 99.02 it was 93.03～99.87, leaving the score out), but is not
    # a zero-width [100, 100]: the pseudo-ballots keep its variance at 0.98.
    all_satisfied = reference.CategorySample(1.0, 100.0, 100, 0.0, items=6)
    s = reference.appraisal_spread([all_satisfied], 0.95, 1.0, 100.0)
    assert s.high == 100 and 90 < s.low < 99.5
    # One ballot says next to nothing: the interval spans the whole scale, so no
    # warning can call a difference significant on it.
    one = reference.appraisal_spread(
        [reference.CategorySample(1.0, 60.0, 1, 0.0, items=6)], 0.95, 1.0, 60.0
    )
    assert one.low < 5 and one.high > 95


def test_tally_variance_is_widened_by_the_design_effect_or_the_conservative_bound():
    tally = reference.CategorySample(
        1.0, 80.0, 0, 0.0, tally_ballots=200, tally_variance=1.5, items=6
    )
    measured = reference.appraisal_spread([tally], 0.95, 2.0, 80.0)
    bound = reference.appraisal_spread([tally], 0.95, None, 80.0)
    alone = reference.appraisal_spread([tally], 0.95, 1.0, 80.0)
    assert alone.variance < measured.variance < bound.variance
    assert bound.conservative and not measured.conservative
    assert ev.design_effect(288.888, 170.370, 2) == pytest.approx(288.888 / 170.370)


def _ballots(rng, n, items, rho, p_sat=(0.75, 0.2)):
    """n ballots of `items` answers with inter-item correlation through a shared factor."""
    z = rng.normal(size=(n, 1)) * math.sqrt(rho) + rng.normal(size=(n, items)) * math.sqrt(1 - rho)
    a, b = (np.quantile(rng.normal(size=100_000), 1 - q) for q in (p_sat[0], sum(p_sat)))
    return np.where(z > a, 100.0, np.where(z > b, 60.0, 0.0))


def _ballot_variances(x):
    """The store's two variances of the category score (equal item weights, no 不了解)."""
    n, k = x.shape
    terms = (x - x.mean(axis=0)) / k / n
    return float((terms.sum(axis=1) ** 2).sum()), float((terms**2).sum())


def test_coverage_of_the_appraisal_interval_in_a_seeded_simulation():
    """Ballot sheets with correlated items (ρ = 0.4), 60 ballots per category, two
    categories: the interval should cover the true score about 95% of the time."""
    rng = np.random.default_rng(2026)
    truth = _ballots(rng, 400_000, 6, 0.4).mean()
    hits, runs = 0, 400
    for _ in range(runs):
        cats = []
        for w in (0.6, 0.4):
            x = _ballots(rng, 60, 6, 0.4)
            var, _ = _ballot_variances(x)
            cats.append(reference.CategorySample(w, float(x.mean()), 60, var, items=6))
        score = sum(c.weight * c.score for c in cats)  # weights 0.6 and 0.4
        s = reference.appraisal_spread(cats, 0.95, 1.0, score)
        hits += s.low <= truth <= s.high
    assert 0.92 <= hits / runs <= 0.99


def test_coverage_of_a_tally_widened_by_the_year_design_effect():
    """Tallies of strongly correlated items (latent ρ = 0.7): answers taken alone undercover;
    widened by the design effect measured on a ballot sheet of the same year they cover
    about 95%."""
    rng = np.random.default_rng(18)
    truth = _ballots(rng, 400_000, 6, 0.7).mean()
    sheet = _ballots(rng, 2_000, 6, 0.7)
    deff = ev.design_effect(*_ballot_variances(sheet), items=6)
    assert 2.0 < deff < 6.0
    widened = alone = 0
    runs = 400
    for _ in range(runs):
        x = _ballots(rng, 80, 6, 0.7)
        _, answer_var = _ballot_variances(x)
        c = reference.CategorySample(1.0, float(x.mean()), 0, 0.0, 80, answer_var, items=6)
        w = reference.appraisal_spread([c], 0.95, deff, c.score)
        a = reference.appraisal_spread([c], 0.95, 1.0, c.score)
        widened += w.low <= truth <= w.high
        alone += a.low <= truth <= a.high
    assert 0.92 <= widened / runs <= 0.99
    assert alone / runs < 0.88, alone / runs


def test_three_ballot_two_item_variances_through_the_store(store):
    """Ballots (满意, 满意), (基本满意, 不满意), (满意, 基本满意) on 工作效率 and 总体评价.

    Item means 86.667 and 53.333; each answer's term is ½ (x − mean) / 3. Ballot terms:
    (13.333 + 46.667)/6 = 10, (−26.667 − 53.333)/6 = −13.333, (13.333 + 6.667)/6 = 3.333,
    so the ballot-level variance is 100 + 177.778 + 11.111 = 2600/9. The answer-level one
    sums the six squared terms: (177.78 + 711.11 + 177.78 + 2177.78 + 2844.44 + 44.44)/36
    = 6133.33/36. The same answers as a tally give 3 ballots and the answer-level figure."""
    from tests.conftest import add_facts, ballots, tally_rows

    items = ["工作效率", "总体评价"]
    rows = ballots(
        "甲局", "服务对象", [("满意", "满意"), ("基本满意", "不满意"), ("满意", "基本满意")], items
    )
    add_facts(store, 2025, "appraisal_answers", rows)
    tally = [
        ("工作效率", "满意", 2),
        ("工作效率", "基本满意", 1),
        ("总体评价", "满意", 1),
        ("总体评价", "基本满意", 1),
        ("总体评价", "不满意", 1),
    ]
    add_facts(store, 2025, "appraisal_answers", tally_rows("乙局", "服务对象", tally))
    import pandas as pd

    cells = pd.DataFrame(
        [
            (u, "服务对象", i, m, 0.5 / 3)
            for u in ("甲局", "乙局")
            for i, m in (("工作效率", 260 / 3), ("总体评价", 160 / 3))
        ],
        columns=["unit", "category", "item", "mean", "coef"],
    )
    points = {"满意": 100.0, "基本满意": 60.0, "不满意": 0.0}
    stats = reference.appraisal_ballot_stats(store, 2025, points, cells).set_index("unit")
    assert stats.loc["甲局", "ballots"] == 3
    assert stats.loc["甲局", "variance"] == pytest.approx(2600 / 9, abs=1e-6)
    assert stats.loc["甲局", "answer_variance"] == pytest.approx(6133.333333 / 36, abs=1e-6)
    assert stats.loc["甲局", "tally_ballots"] == 0
    assert stats.loc["乙局", "tally_ballots"] == 3
    assert stats.loc["乙局", "tally_variance"] == pytest.approx(6133.333333 / 36, abs=1e-6)
    assert stats.loc["乙局", "variance"] == 0


@dataclass
class J:
    """A hand-made unit as the statements read it (evidence.Judged)."""

    unit: str
    rank: int | None
    composite: float | None
    composite_se: float | None = 0.5
    group: str | None = "甲类"
    vetoed: bool = False
    veto_reasons: tuple[str, ...] = ()
    satisfaction_rate: float | None = None
    ballots: int = 0
    p_last: float | None = None

    @property
    def composite_low(self):
        return None if self.composite_se is None else self.composite - 1.959964 * self.composite_se

    @property
    def composite_high(self):
        return None if self.composite_se is None else self.composite + 1.959964 * self.composite_se


def _say(kind, unit, members, level=0.95):
    return ev.statement(kind, unit, members, level=level, grade_line=70, rate_line=0.7)


def test_last_place_is_judged_on_the_composite_gap_to_the_unit_just_above():
    members = [J("u1", 1, 88.0), J("u2", 2, 85.0), J("u3", 3, 80.3), J("u4", 4, 80.0)]
    odds = ev.last_place_probabilities(members)
    assert set(odds) == {"u4"}
    members[3].p_last = odds["u4"]
    e = _say("末位告诫", members[3], members)
    # gap 0.3, se √(0.25 + 0.25) = 0.7071, half-width 1.386 → −1.09～1.69
    assert e.verdict == "否" and "与上一名 u3 相差 0.30 分" in e.sentence
    assert "95% 区间 −1.09～1.69" in e.sentence and "排名差异不显著" in e.sentence
    assert 0.55 < odds["u4"] < 0.75
    members[2].composite = 84.0  # now 4 points clear
    assert _say("末位告诫", members[3], members).verdict == "是"
    # The level follows the scheme.
    assert "90% 区间" in _say("末位告诫", members[3], members, level=0.9).sentence


def test_a_vetoed_last_place_gets_the_veto_and_no_statistics():
    members = [J("u1", 1, 88.0), J("v", 2, 91.5, vetoed=True, veto_reasons=("重大责任事故",))]
    assert ev.last_place_probabilities(members) == {}  # a rule put it last
    e = _say("末位告诫", members[1], members)
    assert e.verdict == "不适用" and "重大责任事故" in e.sentence


def test_inefficiency_and_supervision_statements_use_their_own_lines():
    unit = J("u", 5, 68.4, composite_se=0.5)  # 68.4 + 0.98 < 70
    assert _say("效能告诫", unit, [unit]).verdict == "是"
    unit.composite_se = 1.5  # 68.4 + 2.94 crosses 70
    assert _say("效能告诫", unit, [unit]).verdict == "否"
    unit.composite_se = None
    assert _say("效能告诫", unit, [unit]).verdict == "无法判断"
    low = J("s", 1, 80.0, satisfaction_rate=0.6, ballots=100)
    assert _say("重点监督检查", low, [low]).verdict == "是"


def test_the_chain_from_the_store_gives_the_interval_and_the_composite_spread(store):
    """The 3-ballot, 2-item unit above, through compute: the appraisal interval is the one
    worked out by hand (variance 2020/3), and with appraisal as the only component the
    composite's standard error is its square root."""
    from scoring import results
    from tests.conftest import add_facts, add_units, ballots, scheme_text

    store.set_scheme(
        2025,
        "例",
        scheme_text(
            appraisal={"items": {"工作效率": 1, "总体评价": 1}, "categories": {"服务对象": 1.0}}
        ),
        "test",
    )
    add_units(store, [("甲局", "部门", None, "综合管理类")])
    rows = ballots(
        "甲局",
        "服务对象",
        [("满意", "满意"), ("基本满意", "不满意"), ("满意", "基本满意")],
        ["工作效率", "总体评价"],
    )
    add_facts(store, 2025, "appraisal_answers", rows)
    u = results.compute(store, 2025).unit("甲局")
    assert u.appraisal == pytest.approx(70.0)
    assert u.appraisal_detail.variance == pytest.approx(2020 / 3, rel=1e-9)
    assert u.composite_se == pytest.approx(math.sqrt(2020 / 3), rel=1e-9)
    expected = reference.appraisal_spread(
        [reference.CategorySample(1.0, 70.0, 3, 2600 / 9, items=2)],
        0.95,
        2600 / 9 / (6133.3333 / 36),
        70.0,
    )
    assert u.ci_low == pytest.approx(expected.low, rel=1e-6)
    assert u.ci_high == pytest.approx(expected.high, rel=1e-6)


def test_the_demo_statistics_office_is_last_on_noise(demo_db):
    """The demo's 市统计局 is last in 综合管理类 by 0.20 points with a composite standard
    error near 0.85: the verdict is 排名差异不显著 and it is truly last with probability
    about 0.57 (an independent check put it at 0.55–0.66)."""
    from scoring import results
    from scoring.cli import rank_records
    from scoring.store import Store

    with Store(demo_db) as s:
        res = results.compute(s, 2025)
    u = res.unit("市统计局")
    last = next(w for w in u.warning_details if w.kind == "末位告诫")
    assert last.verdict == "否" and "排名差异不显著" in last.reason
    assert 0.5 < u.p_last < 0.7
    assert u.composite_low < u.composite < u.composite_high
    records = {r["unit"]: r for r in rank_records(res, "综合管理类")}
    assert records["市统计局"]["p_last"] == pytest.approx(u.p_last, abs=1e-4)
    assert "p_last" not in records["市财政局"]  # only units at the last rank carry it
    low, high = records["市财政局"]["composite_ci"]
    assert low < records["市财政局"]["composite"] < high
    vetoed = res.unit("市水利局")
    assert vetoed.p_last is None
    assert {w.verdict for w in vetoed.warning_details} == {"不适用"}


def test_the_leader_cards_carry_the_same_evidence(demo_db):
    """总览/告诫名单 cards: per group the last unit with the verdict of the statement its
    末位告诫 carries; a vetoed last unit is 不适用; every verdict filled."""
    from scoring import results
    from scoring.explain import group_verdicts
    from scoring.store import Store

    with Store(demo_db) as s:
        res = results.compute(s, 2025)
    cards = {v.group: v for v in group_verdicts(res)}
    office = cards["综合管理类"]
    assert office.unit == "市统计局" and office.significant == "否"
    assert "排名差异不显著" in office.statement and "为真实末位的概率约 57%" in office.statement
    assert office.interval == "69.74～73.07"
    assert cards["执法监管类"].significant == "不适用"
    assert all(v.significant in {"是", "否", "无法判断", "不适用"} for v in cards.values())


def test_an_item_score_summary_has_no_interval_and_is_named_as_left_out():
    """A contractor's 分项得分汇总 gives scores without answers: the appraisal has no
    interval, and the composite's spread says 万人评议 is left out of it."""
    from scoring.engine import evaluate
    from scoring.facts import IndicatorStats, UnitInfo, YearFacts
    from tests.conftest import scheme

    s = scheme(appraisal={"items": {"总体评价": 1}, "categories": {"群众": 1}})
    facts = YearFacts(
        year=2025,
        units={"甲局": UnitInfo("甲局", "部门", None, "甲类")},
        appraisal_scored={"甲局": {"群众": {"总体评价": (85.0 * 40, 40)}}},
        # Two scores per indicator: 80 and 90 (variance of the mean 50 / 2 = 25 each).
        performance={
            "甲局": {
                i: IndicatorStats(2, 170.0, 80.0, 90.0, 80.0**2 + 90.0**2) for i in s.indicators
            }
        },
    )
    u = evaluate(facts, s).unit("甲局")
    assert u.appraisal == pytest.approx(85.0)
    assert u.ci_low is None and u.appraisal_detail.variance is None
    assert u.spread.left_out == ("万人评议",)
    # Performance alone carries the spread (Σ v² · 25 over the indicators); the composite
    # weighs appraisal and performance 0.5 each (0.4 and 0.4 renormalised).
    weights = list(s.indicators.values())
    perf_var = sum((w / sum(weights)) ** 2 * 25 for w in weights)
    assert u.composite_se == pytest.approx(math.sqrt(0.25 * perf_var), rel=1e-9)


def test_every_units_interval_holds_its_score_on_a_small_generated_city(store):
    """A city of 8 ballots or fewer per category (as a new office's first year): every
    unit's 万人评议 interval holds its published score, lies within 0–100 and is never a
    point, units all 满意 or all 不满意 included. Centred on the pseudo-ballot mean, a
    unit scoring 94.90 on 8 ballots per category got 71.95～93.56."""
    from scoring import results
    from scoring.scheme import default_scheme
    from tests.conftest import add_facts, add_units, ballots

    sch = default_scheme()
    items, categories = list(sch.items), list(sch.categories)
    rng = np.random.default_rng(26)
    names = [f"第{i}局" for i in range(30)]
    add_units(store, [(n, "部门", None, "甲类" if i % 2 else "乙类") for i, n in enumerate(names)])
    rows = []
    for i, unit in enumerate(names):
        sat = rng.uniform(0.5, 0.98)
        p = {0: (1.0, 0.0), 1: (0.0, 0.0)}.get(i, (sat, (1 - sat) * 0.8))
        for category in categories:
            n = int(rng.integers(0 if i > 1 else 1, 9))
            u = rng.random((n, len(items)))
            answers = np.where(u < p[0], "满意", np.where(u < p[0] + p[1], "基本满意", "不满意"))
            answers[rng.random((n, len(items))) < 0.05] = "不了解"
            rows += ballots(unit, category, [tuple(a) for a in answers], items, prefix=category)
    add_facts(store, 2026, "appraisal_answers", rows)
    res = results.compute(store, 2026)
    shown = [u for u in res.units if u.ci_low is not None]
    assert len(shown) == 30
    assert res.unit(names[0]).appraisal == 100.0 and res.unit(names[1]).appraisal == 0.0
    for u in shown:
        assert 0.0 <= u.ci_low <= u.appraisal <= u.ci_high <= 100.0, u.unit
        assert u.ci_high - u.ci_low > 1.0, u.unit
