"""Issue 10: a year that stays true (demo apart, registry per year)."""

from __future__ import annotations

from scoring.cli import main
from scoring.demo import load_demo
from scoring.store import Store


def test_demo_and_office_databases_stay_apart(tmp_path, capsys):
    office, demo = tmp_path / "office.duckdb", tmp_path / "demo.duckdb"
    assert main(["--db", str(office), "init"]) == 0
    assert "admin" in capsys.readouterr().out  # the first administrator's password, once
    assert main(["--db", str(office), "demo", "--years", "2025"]) == 2
    assert "正式数据库" in capsys.readouterr().err
    with Store(office) as s:
        assert s.kind() == "office" and s.uploads() == [] and s.units().empty
    assert main(["--db", str(demo), "demo", "--years", "2025"]) == 0
    assert main(["--db", str(demo), "init"]) == 2
    assert "演示数据库" in capsys.readouterr().err
    assert main(["--db", str(office), "init"]) == 0  # opening an office's file again is fine
    with Store(demo) as s:
        assert s.kind() == "demo" and len(s.uploads()) == 4


def test_a_database_with_the_demo_from_before_is_marked_demo():
    with Store(":memory:") as s:
        load_demo(s, (2025,))
        assert s.kind() is None  # load_demo alone does not mark; migration 004 does
        s.query("DELETE FROM database_info")
        s.query("DELETE FROM schema_version WHERE version = 4")
        s.query("DROP TABLE database_info")
        s.migrate()
        assert s.kind() == "demo"


# -- registry per year -------------------------------------------------------------------------

import pytest  # noqa: E402

from scoring import registry, results  # noqa: E402
from scoring.accounts import ADMIN, User  # noqa: E402
from scoring.cli import rank_records  # noqa: E402
from scoring.imports import import_file  # noqa: E402
from tests.conftest import add_facts, add_units  # noqa: E402
from tests.sheetmaker import xlsx  # noqa: E402

OFFICE = User("效能办", ADMIN)
FIVE = ["甲局", "乙局", "丙局", "丁局", "戊局"]
HEAD = ["单位名称", "简称", "类型", "上级单位", "考核类别"]


def _perf(store, year, names=FIVE):
    """Performance alone: each unit's composite is its one score, 95, 94, … down the list."""
    add_facts(
        store,
        year,
        "performance_scores",
        [{"unit": n, "indicator": "工作效率", "score": 95 - i} for i, n in enumerate(names)],
    )


def _load(store, rows, year, *, confirmed=False, name="名录.xlsx"):
    plan = registry.preview(store, name, xlsx(rows), year)
    assert not plan.problems, plan.problems
    registry.apply(store, plan, OFFICE, confirmed=confirmed)
    return plan


def test_a_2026_registry_change_leaves_2024_and_2025_as_they_were(store):
    add_units(store, [(n, "部门", None, "执法监管类") for n in FIVE])
    for year in (2024, 2025, 2026):
        _perf(store, year)
    before = {y: rank_records(results.compute(store, y)) for y in (2024, 2025)}
    # 戊局 (last of five: 末位告诫, and 连续两年末位 in 2025) moves to another group in 2026.
    rows = [HEAD, ["戊局", None, "部门", None, "综合管理类"]]
    plan = registry.preview(store, "2026名录.xlsx", xlsx(rows), 2026)
    assert [(c.unit, c.kind, c.field, c.old, c.new) for c in plan.changes] == [
        ("戊局", "修改", "考核类别", "执法监管类", "综合管理类"),
        ("戊局", "新考核类别", "考核类别", "", "综合管理类"),
    ]
    with pytest.raises(registry.NeedsConfirmation):  # a new group may be a typo
        registry.apply(store, plan, OFFICE)
    registry.apply(store, plan, OFFICE, confirmed=True)
    after = {y: rank_records(results.compute(store, y)) for y in (2024, 2025)}
    assert after == before
    last_2025 = next(r for r in after[2025] if r["unit"] == "戊局")
    assert last_2025["group"] == "执法监管类" and last_2025["rank"] == 5
    assert "连续两年末位" in last_2025["warnings"]
    r2026 = results.compute(store, 2026)
    assert r2026.unit("戊局").group == "综合管理类" and r2026.unit("戊局").rank == 1
    assert r2026.unit("丁局").rank == 4  # last of four: under last_place_min_group (5)
    assert r2026.unit("丁局").warnings == ()
    latest = dict(zip(store.units()["name"], store.units()["group"], strict=True))
    assert latest == {n: "执法监管类" for n in FIVE[:4]} | {"戊局": "综合管理类"}


def test_absent_columns_keep_fields_and_an_empty_cell_clears_only_when_confirmed(store):
    _load(store, [HEAD, ["市教育局", "教育局", "部门", None, "综合管理类"]], 0)
    _perf(store, 2025, ["市教育局"])
    # No 简称 and no 考核类别 column: nothing changes (formerly both were erased).
    plan = _load(store, [["单位名称", "类型"], ["市教育局", "部门"]], 2025)
    assert plan.changes == () and (plan.added, plan.updated) == (0, 0)
    unit = store.units(2025).iloc[0]
    assert list(unit["aliases"]) == ["教育局"] and unit["group"] == "综合管理类"
    # The column is there and the cell is empty: the preview says it clears the field.
    rows = [["单位名称", "类型", "考核类别"], ["市教育局", "部门", None]]
    plan = registry.preview(store, "名录.xlsx", xlsx(rows), 2025)
    assert [(c.kind, c.field, c.old) for c in plan.changes] == [("清空", "考核类别", "综合管理类")]
    with pytest.raises(registry.NeedsConfirmation, match="清空"):
        registry.apply(store, plan, OFFICE)
    assert store.units(2025).iloc[0]["group"] == "综合管理类"
    registry.apply(store, plan, OFFICE, confirmed=True)
    assert store.units(2025).iloc[0]["group"] is None


def test_a_typo_in_a_group_is_not_a_new_group_without_confirmation(store, tmp_path, capsys):
    from scoring.cli import main

    db = tmp_path / "t.duckdb"
    first = tmp_path / "名录.xlsx"
    first.write_bytes(xlsx([HEAD, ["甲局", None, "部门", None, "综合管理类"]]))
    assert main(["--db", str(db), "units", str(first), "--year", "2025"]) == 0
    typo = tmp_path / "名录2.xlsx"
    typo.write_bytes(xlsx([HEAD, ["乙局", None, "部门", None, "综合管里类"]]))
    assert main(["--db", str(db), "units", str(typo), "--year", "2025"]) == 2
    out = capsys.readouterr()
    assert "新增单位\t乙局" in out.out and "综合管里类" in out.out
    assert "是否应为「综合管理类」" in out.err and "--confirm" in out.err
    with Store(db) as s:
        assert s.units(2025)["name"].tolist() == ["甲局"]  # nothing stored
    assert main(["--db", str(db), "units", str(typo), "--year", "2025", "--confirm"]) == 0
    with Store(db) as s:
        assert sorted(s.units(2025)["name"]) == sorted(["甲局", "乙局"])


def test_a_parent_named_by_its_short_name_keeps_the_leadership_integrity(store):
    rows = [
        HEAD,
        ["市教育局", "教育局", "部门", None, "综合管理类"],
        ["市教育局领导班子", None, "领导班子", "教育局", None],  # the 简称, declared above
    ]
    _load(store, rows, 0)
    assert store.units().set_index("name").loc["市教育局领导班子", "parent"] == "市教育局"
    add_facts(
        store,
        2025,
        "integrity_votes",
        [{"unit": "市教育局领导班子", "result": r, "n": n} for r, n in [("优秀", 8), ("称职", 2)]],
    )
    _perf(store, 2025, ["市教育局"])
    r = results.compute(store, 2025)
    dept, team = r.unit("市教育局"), r.unit("市教育局领导班子")
    assert dept.integrity_from == "市教育局领导班子"
    assert dept.integrity is not None and dept.integrity == team.integrity


def test_a_renamed_unit_keeps_its_history_and_a_withdrawn_unit_leaves(store):
    add_units(store, [(n, "部门", None, "执法监管类") for n in FIVE])
    _perf(store, 2025)
    assert "末位告诫" in results.compute(store, 2025).unit("戊局").warnings
    rows = [
        ["单位名称", "类型", "考核类别", "前身", "状态"],
        ["市新局", "部门", "执法监管类", "戊局", None],
        ["戊局", "部门", "执法监管类", None, "撤销"],
    ]
    plan = _load(store, rows, 2026)
    assert {(c.unit, c.kind) for c in plan.changes} == {
        ("市新局", "新增单位"),
        ("戊局", "撤销"),
        ("戊局", "合并数据"),  # the preview says where 戊局's 2026 facts go
    }
    # A 2026 sheet that still names the old unit reaches the new one.
    sheet = [["考核对象", "指标", "得分"]] + [[n, "工作效率", 95 - i] for i, n in enumerate(FIVE)]
    import_file(store, "2026绩效.xlsx", xlsx(sheet), 2026, OFFICE)
    r = results.compute(store, 2026)
    assert r.unit("戊局") is None
    assert r.unit("市新局").rank == 5
    assert "连续两年末位" in r.unit("市新局").warnings  # 2025's 末位告诫 follows the unit
    assert "戊局" in store.units(2025)["name"].tolist()
    assert "戊局" not in store.units(2026)["name"].tolist()
    assert registry.former_names(store, 2026, "市新局") == ["市新局", "戊局"]


def test_an_existing_single_registry_becomes_every_year_s_registry(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path) as s, s.transaction() as cur:  # back to before 005, with a registry
        cur.execute("DROP TABLE unit_versions")
        cur.execute("DROP TABLE registry_versions")
        cur.execute("DELETE FROM schema_version WHERE version = 5")
        cur.execute(
            "INSERT INTO units (name, aliases, type, parent, grp) VALUES "
            "('甲局', ['甲'], '部门', NULL, '综合管理类'), "
            "('甲局领导班子', [], '领导班子', '甲局', NULL)"
        )
    with Store(path) as s:
        for year in (2020, 2025, None):
            got = s.units(year)
            assert got["name"].tolist() == ["甲局", "甲局领导班子"]
            assert got["group"].tolist()[0] == "综合管理类"
        assert s.registry_version() == 1


def test_two_registry_loads_previewed_together_store_one(store):
    from scoring.store import StoreError

    _load(store, [HEAD, ["甲局", None, "部门", None, "综合管理类"]], 0)
    a = registry.preview(
        store, "甲.xlsx", xlsx([HEAD, ["乙局", None, "部门", None, "综合管理类"]]), 0
    )
    b = registry.preview(
        store, "乙.xlsx", xlsx([HEAD, ["丙局", None, "部门", None, "综合管理类"]]), 0
    )
    registry.apply(store, a, OFFICE)
    with pytest.raises(StoreError, match="重新预览"):
        registry.apply(store, b, OFFICE)
    assert sorted(store.units()["name"]) == sorted(["甲局", "乙局"])
