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
