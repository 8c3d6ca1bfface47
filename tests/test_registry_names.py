"""The unit registry (单位名录): one name or 简称 stands for one unit in a year, and a
unit renamed within a year (前身) is one unit, whatever was imported before or after."""

from __future__ import annotations

import pytest

from scoring import registry
from scoring.accounts import ADMIN, User
from scoring.cli import main
from scoring.imports import ImportRejected
from scoring.store import Store
from tests.sheetmaker import xlsx

OFFICE = User("效能办", ADMIN)
HEAD = ["单位名称", "简称", "类型", "上级单位", "考核类别"]
REG = [
    HEAD,
    ["市甲事务管理局", "市甲局", "部门", None, "综合管理类"],
    ["市乙服务局", "市乙局", "部门", None, "综合管理类"],
]


def _load(store, rows, year=2026, name="名录.xlsx"):
    plan = registry.preview(store, name, xlsx(rows), year)
    assert not plan.problems, plan.problems
    registry.apply(store, plan, OFFICE, confirmed=True)
    return plan


def test_a_short_name_another_unit_uses_is_refused_naming_both_and_the_row(store):
    _load(store, REG)
    rows = [
        HEAD,
        ["市丙局", None, "部门", None, "综合管理类"],
        ["市新设局", "市乙局", "部门", None, "综合管理类"],
    ]
    plan = registry.preview(store, "冲突.xlsx", xlsx(rows), 2026)
    assert len(plan.problems) == 1
    (p,) = plan.problems
    assert (p.file, p.sheet, p.row, p.column, p.letter, p.value) == (
        "冲突.xlsx",
        "Sheet1",
        3,
        "简称",
        "B",
        "市乙局",
    )
    assert "市新设局" in p.expected and "市乙服务局" in p.expected
    with pytest.raises(ImportRejected):
        registry.apply(store, plan, OFFICE, confirmed=True)
    # Nothing of the file is stored, not even its harmless first row.
    assert store.units(2026)["name"].tolist() == ["市乙服务局", "市甲事务管理局"]


def test_a_name_that_is_another_unit_s_short_name_is_refused(store):
    _load(store, REG)
    plan = registry.preview(
        store, "冲突.xlsx", xlsx([HEAD, ["市甲局", None, "部门", None, "综合管理类"]]), 2026
    )
    (p,) = plan.problems
    assert (p.row, p.column, p.letter) == (2, "单位名称", "A")
    assert "市甲事务管理局" in p.expected


def test_two_rows_of_one_file_sharing_a_short_name_are_refused(store):
    rows = [
        HEAD,
        ["市甲局一", "甲局", "部门", None, "综合管理类"],
        ["市甲局二", "甲局", "部门", None, "综合管理类"],
    ]
    plan = registry.preview(store, "冲突.xlsx", xlsx(rows), 0)
    (p,) = plan.problems
    assert p.row == 3 and "市甲局一" in p.expected and "市甲局二" in p.expected


def test_a_successor_may_keep_its_predecessor_s_short_name_and_a_split_shares_the_old_name(store):
    _load(store, [HEAD, ["市戊监管局", "市戊局", "部门", None, "综合管理类"]])
    renamed = [
        [*HEAD, "前身"],
        ["市戊综合监管局", "市戊局", "部门", None, "综合管理类", "市戊监管局"],
    ]
    _load(store, renamed)
    split = [
        [*HEAD, "前身", "状态"],
        ["市戊一局", None, "部门", None, "综合管理类", "市戊综合监管局", None],
        ["市戊二局", None, "部门", None, "综合管理类", "市戊综合监管局", None],
        ["市戊综合监管局", None, "部门", None, "综合管理类", None, "撤销"],
    ]
    _load(store, split, 2027)


def test_the_command_line_refuses_a_clashing_registry_with_exit_2(tmp_path, capsys):
    db = tmp_path / "t.duckdb"
    first, clash = tmp_path / "名录.xlsx", tmp_path / "22_简称冲突.xlsx"
    first.write_bytes(xlsx(REG))
    clash.write_bytes(xlsx([HEAD, ["市新设局", "市乙局", "部门", None, "综合管理类"]]))
    assert main(["--db", str(db), "units", str(first), "--year", "2026", "--confirm"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "units", str(clash), "--year", "2026", "--confirm"]) == 2
    err = capsys.readouterr().err
    assert "第 2 行「简称」列（B 列）" in err and "市乙服务局" in err and "市新设局" in err
    with Store(db) as s:
        assert "市新设局" not in s.units(2026)["name"].tolist()
