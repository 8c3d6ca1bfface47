"""The leader's card (scoring/explain.py): who is last in each group, why, the gap to
the unit above and whether it is significant (evidence.statement), never blank."""

from __future__ import annotations

import pytest

from scoring import results
from scoring.explain import group_verdicts
from scoring.store import Store


@pytest.fixture(scope="module")
def verdicts(demo_db):
    with Store(demo_db) as s:
        res = results.compute(s, 2025)
    return res, {v.group: v for v in group_verdicts(res)}


def test_every_group_has_a_card_with_every_field(verdicts):
    res, by_group = verdicts
    assert list(by_group) == res.groups
    for v in by_group.values():
        optional = ("vetoed", "tie_note")  # a tie note only where units tie at the last rank
        assert all(str(getattr(v, f)).strip() for f in v.__dataclass_fields__ if f not in optional)
        assert v.significant in ("是", "否", "无法判断", "不适用")


def test_a_vetoed_unit_is_last_for_its_veto(verdicts):
    res, by_group = verdicts
    v = by_group["执法监管类"]
    assert v.unit == "市水利局" and v.vetoed and v.grade == res.scheme.floor_grade
    assert v.reason == "一票否决（在建工程发生较大安全责任事故）"


def test_the_main_reason_is_the_component_that_pulls_down_most(verdicts):
    res, by_group = verdicts
    v = by_group["社会服务类"]
    last = res.unit("市信访局")
    assert v.unit == "市信访局"
    peers = [u for u in res.ranked("社会服务类") if u.unit != "市信访局"]
    pulls = {}
    for key, w in last.composite_detail.weights.items():
        others = [u.component(key) for u in peers if u.component(key) is not None]
        pulls[key] = (last.component(key) - sum(others) / len(others)) * w
    worst = min(pulls, key=pulls.get)
    assert worst == "appraisal" and v.reason.startswith("万人评议")
    above = max((u for u in peers if u.rank < last.rank), key=lambda u: u.rank)
    assert v.above == above.unit
    assert v.gap == f"{above.composite - last.composite:.2f} 分"


def test_a_tie_at_the_last_rank_says_whose_figures_and_that_the_odds_are_shared(demo_db):
    """The demo's 项目指挥部类 has two units tied last: the card said 「差异显著：是」 and
    「为真实末位的概率约 50%」 with one unit's figures, which read as a contradiction."""
    with Store(demo_db) as store:
        verdicts = {v.group: v for v in group_verdicts(results.compute(store, 2025))}
    tied = verdicts["项目指挥部类"]
    assert tied.unit.endswith("（并列）")
    first = tied.unit.split("、")[0]
    assert tied.tie_note.startswith("2 个单位并列末位")
    assert f"「{first}」的" in tied.tie_note and "约各占50%" in tied.tie_note
    assert all(not v.tie_note for g, v in verdicts.items() if g != "项目指挥部类")
