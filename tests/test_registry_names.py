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


# -- a unit renamed within a year (前身) is one unit ---------------------------------------

from scoring import quality, results  # noqa: E402
from scoring.imports import import_file  # noqa: E402
from tests.conftest import add_facts, ballots  # noqa: E402

OLD, NEW = "市戊监管局", "市戊综合监管局"
OTHERS = ["市甲局", "市乙局", "市丙局", "市丁局", "市己局"]
ITEMS = ["工作作风", "工作效率", "服务质量", "依法行政", "廉洁自律", "总体评价"]
RENAME = [[*HEAD, "前身"], [NEW, "市戊局", "部门", None, "综合管理类", OLD]]


def _city(store, name=OLD):
    """Six units of one group; 2025 and 2026 facts of ``name`` (the old name, or the new
    one for a store that never had the old), performance for all. Returns the id of the
    2026 ballots' upload."""
    _load(store, [HEAD, *[[n, None, "部门", None, "综合管理类"] for n in [*OTHERS, name]]], 0)
    for year in (2025, 2026):
        # 市己局 is last by far: 50 against 92-95 (and the renamed unit's 60 or 90).
        perf = [
            {"unit": n, "indicator": "工作效率", "score": v}
            for n, v in zip(OTHERS, [95, 94, 93, 92, 50], strict=True)
        ]
        add_facts(store, year, "performance_scores", perf)
    last_year = ballots(name, "服务对象", [("满意",) * 6], ITEMS, prefix="25")
    add_facts(store, 2025, "appraisal_answers", last_year)
    # 2026, before the rename: two ballots all 满意 and a 绩效考核 score of 80.
    first = add_facts(
        store,
        2026,
        "appraisal_answers",
        ballots(name, "服务对象", [("满意",) * 6] * 2, ITEMS),
        source="appraisal",
    )
    add_facts(
        store,
        2026,
        "performance_scores",
        [{"unit": name, "indicator": "工作效率", "score": 80}],
        source="performance",
    )
    return first


def test_a_unit_renamed_mid_year_is_one_unit_with_all_its_facts(store):
    first = _city(store)
    plan = registry.preview(store, "更名.xlsx", xlsx(RENAME), 2026)
    assert [(c.unit, c.kind) for c in plan.changes] == [(NEW, "新增单位"), (OLD, "合并数据")]
    assert plan.merges == [plan.changes[1].new]  # said above the page's table too
    assert plan.changes[1].new == (
        f"自 2026 年度起，{OLD} 的数据将计入 {NEW}（{OLD} 不再单独排名；此前各年度不变）"
    )
    registry.apply(store, plan, OFFICE)
    # After the rename: two ballots all 不满意 and a score of 60, under the new name.
    second = add_facts(
        store, 2026, "appraisal_answers", ballots(NEW, "服务对象", [("不满意",) * 6] * 2, ITEMS)
    )
    sheet = [["考核对象", "指标", "得分"], [OLD, "工作效率", 60]]  # a late sheet, old name
    import_file(store, "绩效补录.xlsx", xlsx(sheet), 2026, OFFICE)

    r = results.compute(store, 2026)
    assert r.unit(OLD) is None
    unit = r.unit(NEW)
    # Each item: (100 + 100 + 0 + 0) / 4 = 50 over 4 ballots; 满意率 12 / 24.
    assert unit.appraisal == pytest.approx(50.0) and unit.ballots == 4
    assert unit.appraisal_detail.satisfaction_rate == pytest.approx(0.5)
    assert unit.performance == pytest.approx(70.0)  # mean(80, 60)
    assert unit.composite == pytest.approx(60.0)  # (0.4 × 50 + 0.4 × 70) / 0.8
    assert unit.group_size == 6 and unit.rank == 5  # six units, not seven
    assert r.unit("市己局").rank == 6 and "末位告诫" in r.unit("市己局").warnings
    assert f"含{OLD}（前身）本年度的数据，已合并计算" in unit.flags
    assert any("已合并计算" in line for line in results.explain(unit, r.scheme))
    # The year before keeps the old name and its own figures.
    r2025 = results.compute(store, 2025)
    assert r2025.unit(OLD).appraisal == pytest.approx(100.0) and r2025.unit(NEW) is None
    # 数据质量 says where the old name's facts went, as stored.
    q = quality.check(store, r)
    assert q.merged[["原单位名称（前身）", "计入单位", "数据来源", "数据行数"]].values.tolist() == [
        [OLD, NEW, "万人评议（问卷）", 12],
        [OLD, NEW, "绩效考核", 1],
    ]
    # Retiring the old name (状态 撤销) drops nothing, and asks nothing.
    retire = registry.preview(
        store, "撤销.xlsx", xlsx([["单位名称", "类型", "状态"], [OLD, "部门", "撤销"]]), 2026
    )
    assert retire.confirm == ()
    registry.apply(store, retire, OFFICE)
    assert repr(results.compute(store, 2026).unit(NEW)) == repr(unit)
    # Undo after the rename takes off exactly what the upload added.
    store.undo(first)
    unit = results.compute(store, 2026).unit(NEW)
    assert unit.appraisal == pytest.approx(0.0) and unit.ballots == 2
    store.undo(second)
    assert results.compute(store, 2026).unit(NEW).appraisal is None


def test_an_undone_rename_gives_the_old_name_its_facts_back(store):
    _city(store)
    before = results.compute(store, 2026)
    _load(store, RENAME)
    plan = registry.preview(
        store,
        "撤回.xlsx",
        xlsx([[*HEAD, "前身"], [NEW, None, "部门", None, "综合管理类", None]]),
        2026,
    )
    assert (OLD, "取消合并") in [(c.unit, c.kind) for c in plan.changes]
    registry.apply(store, plan, OFFICE, confirmed=True)
    after = results.compute(store, 2026)
    assert repr(after.unit(OLD)) == repr(before.unit(OLD))


def _ballots_and_tallies(store, year, unit, seed, prefix):
    import random

    rnd = random.Random(seed)
    cats = ["服务对象", "企业代表", "群众"]
    answers = ["满意", "基本满意", "不满意", "不了解"]
    rows = [
        {"ballot": f"{prefix}{b}", "unit": unit, "category": c, "item": i, "answer": a, "n": 1}
        for b in range(40)
        for c in [rnd.choice(cats)]
        for i in ITEMS
        if rnd.random() < 0.9
        for a in [rnd.choice(answers)]
    ]
    add_facts(store, year, "appraisal_answers", rows, source="appraisal")
    tally = [
        {"ballot": None, "unit": unit, "category": "群众", "item": i, "answer": a, "n": k}
        for k, (i, a) in enumerate(zip(ITEMS, answers * 2, strict=False), start=seed % 3 + 1)
    ]
    add_facts(store, year, "appraisal_answers", tally, source="appraisal-tally")


def test_merged_counts_score_as_if_every_ballot_named_the_new_unit(tmp_path):
    """The counts kept per year are read on the successor's cells: scores, ballots,
    variances and intervals as a store holding every ballot under the new name gives."""
    from scoring import columns
    from scoring.column_facts import read_columns
    from scoring.facts import read_facts
    from scoring.scheme import for_year

    renamed, direct = Store(tmp_path / "a.duckdb"), Store(tmp_path / "b.duckdb")
    _city(renamed)
    _ballots_and_tallies(renamed, 2026, OLD, 1, "P")
    _load(renamed, RENAME)
    _city(direct, NEW)
    _ballots_and_tallies(direct, 2026, NEW, 1, "P")
    for s in (renamed, direct):
        _ballots_and_tallies(s, 2026, NEW, 2, "S")
    got, want = results.compute(renamed, 2026), results.compute(direct, 2026)
    a, b = got.unit(NEW), want.unit(NEW)
    # 2 + 40 + 40 ballots; each tally sheet its largest total over the items (7 and 8).
    assert a.ballots == b.ballots == 2 + 40 + 40 + 7 + 8
    # Item means and scores exactly; the variances (pairs added in another order) and the
    # intervals built on them to the last bits.
    x, y = a.appraisal_detail, b.appraisal_detail
    assert (x.score, x.satisfaction_rate, x.awareness_rate) == (
        y.score,
        y.satisfaction_rate,
        y.awareness_rate,
    )
    for p, q in zip(x.categories, y.categories, strict=True):
        assert (p.category, p.score, p.ballots, p.items) == (
            q.category,
            q.score,
            q.ballots,
            q.items,
        )
        assert p.variance == q.variance or p.variance == pytest.approx(q.variance, rel=1e-12)
    assert (x.ci_low, x.ci_high) == pytest.approx((y.ci_low, y.ci_high), rel=1e-12)
    assert (a.composite, a.rank, a.group_size) == (b.composite, b.rank, 6)
    # The columns an earlier year's warnings are read from (column_facts) agree too.
    sch, _ = for_year(renamed, 2026)
    c = read_columns(renamed, 2026, sch)
    assert OLD not in c.units
    want_c = columns.standings(
        columns.from_facts(read_facts(renamed, 2026, sch, spread=False)), sch
    )
    got_c = columns.standings(c, sch)
    assert got_c.composite.tolist() == want_c.composite.tolist()
    assert (
        columns.standings(read_columns(direct, 2026, sch), sch).composite.tolist()
        == got_c.composite.tolist()
    )
    renamed.close()
    direct.close()


def test_withdrawing_a_unit_whose_facts_no_successor_takes_needs_a_confirmation(store):
    _city(store)
    rows = [["单位名称", "类型", "状态"], [OLD, "部门", "撤销"]]
    plan = registry.preview(store, "撤销.xlsx", xlsx(rows), 2026)
    assert plan.confirm == (
        f"撤销的单位「{OLD}」在 2026 年度已有数据（万人评议（问卷） 12 行、绩效考核 1 行），"
        "撤销后这些数据不计入任何单位的结果；如系更名或合并，请在新单位的「前身」列填写"
        f"「{OLD}」。",
    )
    with pytest.raises(registry.NeedsConfirmation):
        registry.apply(store, plan, OFFICE)
    assert OLD in store.units(2026)["name"].tolist()
