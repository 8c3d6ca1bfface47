"""Warnings and honours on hand-made standings (scoring/warnings.py)."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.scheme import default_scheme
from scoring.warnings import (
    CadreVotes,
    best_cadres,
    best_sections,
    last_sections,
    year_warnings,
)
from tests.conftest import scheme

S = default_scheme()


@dataclass
class U:
    unit: str
    rank: int | None
    composite: float | None
    grade: str | None = None
    group: str | None = "甲类"
    type: str = "部门"
    parent: str | None = None
    group_size: int | None = None
    vetoed: bool = False
    satisfaction_rate: float | None = None
    ballots: int = 0
    ci_low: float | None = None
    ci_high: float | None = None


def kinds(warnings, unit):
    return sorted(w.kind for w in warnings if w.unit == unit)


def test_no_last_place_warning_in_a_group_of_four():
    group = [U(f"u{i}", i, 90 - i, "良好") for i in range(1, 5)]
    assert year_warnings(group, S) == []
    group.append(U("u5", 5, 85, "良好"))
    assert kinds(year_warnings(group, S), "u5") == ["末位告诫"]


def test_tied_last_units_are_both_warned():
    group = [U(f"u{i}", i, 90 - i, "良好") for i in range(1, 4)]
    group += [U("a", 4, 80, "良好"), U("b", 4, 80, "良好")]
    last = [x for x in year_warnings(group, S) if x.kind == "末位告诫"]
    assert sorted(x.unit for x in last) == ["a", "b"]
    assert all(x.verdict == "无法判断" for x in last)  # no evidence attached yet


def test_units_tied_at_the_last_rank_are_said_to_share_it():
    """「第 4 名（共 5 个单位）」 read oddly for two units both last of five: 并列第 4 名."""
    group = [U(f"u{i}", i, 90 - i, "良好") for i in range(1, 4)]
    group += [U("a", 4, 80, "良好"), U("b", 4, 80, "良好")]
    reasons = {x.unit: x.reason for x in year_warnings(group, S) if x.kind == "末位告诫"}
    assert reasons == {
        "a": "甲类并列第 4 名（共 5 个单位），综合得分 80.00",
        "b": "甲类并列第 4 名（共 5 个单位），综合得分 80.00",
    }
    alone = [U(f"u{i}", i, 90 - i, "良好") for i in range(1, 6)]
    (last,) = [x for x in year_warnings(alone, S) if x.kind == "末位告诫"]
    assert last.reason == "甲类第 5 名（共 5 个单位），综合得分 85.00"


def test_poor_grade_low_satisfaction_and_escalation():
    units = [
        U("甲", 1, 91, "优秀", satisfaction_rate=0.95, ballots=300),
        U("乙", 2, 65, "较差", satisfaction_rate=0.69, ballots=200),
        U("丙", None, None, None, group=None, satisfaction_rate=0.5, ballots=30),
    ]
    w = year_warnings(units, S, warned_last_year={"乙"})
    assert kinds(w, "乙") == ["效能告诫", "连续两年末位", "重点监督检查"]
    assert kinds(w, "丙") == ["重点监督检查"]
    assert kinds(w, "甲") == []
    supervision = next(x for x in w if x.unit == "乙" and x.kind == "重点监督检查")
    assert "69.00%" in supervision.reason and "200 份" in supervision.reason


def test_empty_input():
    assert year_warnings([], S) == [] and best_sections([], S) == [] and best_cadres([], S) == []


def test_best_section_per_group_needs_first_place_and_the_top_band():
    units = [
        U("科1", 1, 95, "优秀", group="科室类", type="科室"),
        U("科2", 1, 88, "良好", group="乙科室类", type="科室"),
        U("部1", 1, 95, "优秀", group="部门类", type="部门"),
    ]
    by_group = scheme(honours={"best_section_scope": "group"})
    assert [h.unit for h in best_sections(units, by_group)] == ["科1"]


def test_each_department_names_its_best_and_last_section():
    """Seed 002: 各部门评出本单位最佳科室 … 及末位科室 (min_sections 科室 at least)."""
    s = scheme(honours={"min_sections": 3})
    units = [
        U("甲办", 3, 91.0, "优秀", type="科室", parent="甲局"),
        U("甲一科", 9, 85.004, "良好", type="科室", parent="甲局"),
        U("甲二科", 12, 84.996, "良好", type="科室", parent="甲局"),  # ties 甲一科 at 85.00
        U("乙办", 1, 99.0, "优秀", type="科室", parent="乙局"),
        U("乙一科", 2, 98.0, "优秀", type="科室", parent="乙局"),  # 乙局: only two 科室
        U("丙办", 4, 90.0, "优秀", type="科室", parent="丙局", vetoed=True),
        U("丙一科", 5, 80.0, "良好", type="科室", parent="丙局"),
        U("丙二科", 6, 70.0, "一般", type="科室", parent="丙局"),
    ]
    best = {(h.scope, h.unit) for h in best_sections(units, s)}
    assert best == {("甲局", "甲办"), ("丙局", "丙一科")}  # a vetoed 科室 is never best
    last = {w.unit for w in last_sections(units, s)}
    assert last == {"甲一科", "甲二科", "丙办"}  # ties all named; a veto is lowest
    assert all(w.kind == "末位科室" for w in last_sections(units, s))
    none = scheme(honours={"min_sections": 3, "last_section_scope": "none"})
    assert last_sections(units, none) == []


def test_best_cadre_per_department():
    cadres = [
        CadreVotes("张三", "市教育局", 20, 0.6, False),
        CadreVotes("李四", "市教育局", 9, 0.9, False),  # too few votes
        CadreVotes("王五", "市教育局", 30, 0.8, True),  # flagged
        CadreVotes("赵六", "市财政局", 12, 0.5, False),
        CadreVotes("钱七", "市财政局", 16, 0.5, False),
    ]  # tie
    best = {(h.scope, h.unit) for h in best_cadres(cadres, S)}
    assert best == {("市教育局", "张三"), ("市财政局", "赵六"), ("市财政局", "钱七")}


def test_a_supervision_warning_says_its_figures_once(demo_db):
    """The 通报's 告诫名单 read 「满意率 60.59% 低于 70%（739 份问卷）；满意率 60.59%，低于
    70%（95% 区间 …，按 739 份问卷计），确定低于门槛」: the statement alone says it all."""
    from scoring import results
    from scoring.store import Store

    with Store(demo_db) as store:
        res = results.compute(store, 2025)
    supervised = [w for w in res.warnings if w.kind == "重点监督检查"]
    assert supervised
    for w in supervised:
        assert w.evidence is not None and w.reason == w.evidence.sentence
        rate = w.reason.split("，")[0]  # 「满意率 60.59%」
        assert rate.startswith("满意率 ") and w.reason.count(rate) == 1
        assert f"按 {res.unit(w.unit).ballots} 份问卷计" in w.reason
    others = [w for w in res.warnings if w.kind == "效能告诫" and w.evidence is not None]
    assert all("；" in w.reason for w in others)  # the other kinds keep reason；statement
