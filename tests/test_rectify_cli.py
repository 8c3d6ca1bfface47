"""`python -m scoring rectify`: the ledger as JSON, the warnings sync, and the sheet import."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from scoring.cli import main
from tests.sheetmaker import csv_bytes, xlsx
from tests.test_cli import run  # (exit code, stdout, stderr) of one command


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("SCORING_DB", str(tmp_path / "cli.duckdb"))
    registry = tmp_path / "名录.xlsx"
    rows = [["单位名称", "简称", "类型", "考核类别"]]
    rows += [[f"市第{i}局", f"{i}局", "部门", "综合管理类"] for i in range(1, 6)]
    registry.write_bytes(xlsx(rows))
    assert main(["units", str(registry)]) == 0
    perf = tmp_path / "绩效.xlsx"
    perf.write_bytes(
        xlsx(
            [
                ["考核对象", "指标", "得分"],
                *[[f"市第{i}局", "工作效率", 100 - 3 * i] for i in range(1, 6)],
            ]
        )
    )
    assert main(["import", str(perf), "--year", "2025"]) == 0
    return tmp_path


def test_sync_then_json_keys_and_no_duplicates(db, capsys):
    code, out, _ = run(capsys, "rectify", "--year", "2025", "--format", "json")
    assert code == 0 and json.loads(out) == []
    code, out, err = run(capsys, "rectify", "--year", "2025", "--sync", "--format", "json")
    assert code == 0 and "新建 1 项" in err
    records = json.loads(out)
    assert [r["unit"] for r in records] == ["市第5局"]  # last of five, 85: no 较差
    assert set(records[0]) == {
        "id",
        "unit",
        "origin",
        "problem",
        "owner",
        "due",
        "status",
        "overdue",
    }
    assert records[0]["origin"] == "告诫" and records[0]["status"] == "待制定"
    code, out, err = run(capsys, "rectify", "--year", "2025", "--sync", "--format", "json")
    assert "新建 0 项" in err and "保持 1 项" in err and len(json.loads(out)) == 1


def test_import_sheet_checks_everything_and_is_idempotent(db, capsys):
    bad = db / "整改台账.xlsx"
    bad.write_bytes(
        xlsx(
            [
                ["单位", "问题", "整改目标", "责任人", "时限", "状态"],
                ["1局", "窗口脱岗", "杜绝脱岗", "张三", "2025-12-31", "整改中"],
                ["市第九局", "办事拖拉", "", "", "2025-13-01", "已完成"],
            ]
        )
    )
    code, _, err = run(capsys, "rectify", "--year", "2025", "--import", str(bad))
    assert code == 2
    assert "第 3 行「单位」列（A 列）" in err and "市第九局" in err
    assert "「时限」列（E 列）" in err and "「状态」列（F 列）" in err and "已完成" in err
    code, out, _ = run(capsys, "rectify", "--year", "2025", "--format", "json")
    assert json.loads(out) == []  # nothing from the rejected file
    good = db / "整改台账.csv"
    good.write_bytes(
        csv_bytes(
            [
                ["单位", "问题", "来源", "整改目标", "责任人", "时限", "状态"],
                ["1局", "窗口脱岗", "意见", "杜绝脱岗", "张三", "2025-12-31", "整改中"],
                ["市第2局", "办事拖拉", "", "", "", "", ""],
            ]
        )
    )
    code, _, err = run(capsys, "rectify", "--year", "2025", "--import", str(good))
    assert code == 0 and "已导入 2 项" in err
    code, _, err = run(capsys, "rectify", "--year", "2025", "--import", str(good))
    assert code == 0 and "已导入 0 项" in err and "2 项此前已导入" in err
    code, out, _ = run(capsys, "rectify", "--year", "2025", "--format", "json")
    records = json.loads(out)
    first, second = records
    assert (first["unit"], first["origin"], first["owner"], first["due"], first["status"]) == (
        "市第1局",
        "意见",
        "张三",
        "2025-12-31",
        "整改中",
    )
    assert (second["unit"], second["origin"], second["status"]) == ("市第2局", "查摆", "待制定")
    assert dt.date.fromisoformat(second["due"]) > dt.date.today()  # the scheme's 3 months


def test_assign_a_clerks_units(db, capsys):
    from scoring import accounts, rectify
    from scoring.store import Store, resolve_db_path

    code, _, err = run(capsys, "rectify", "--year", "2025", "--assign", "王录人=市第1局")
    assert code == 2 and "没有账号「王录人」" in err  # a misspelt name gets no units
    with Store(resolve_db_path()) as s:  # with accounts, the command line acts as one
        office = accounts.User("效能办", accounts.ADMIN)
        accounts.add_user(s, office.name, "office-password-1", accounts.ADMIN, by=office)
        accounts.add_user(s, "王录入", "clerk-password-1", accounts.EVALUATOR, by=office)
    assign = ("rectify", "--year", "2025", "--user", "效能办", "--assign")
    code, _, err = run(capsys, *assign, "王录入=市第1局，市第2局")
    assert code == 0 and "王录入 负责的整改单位：市第1局、市第2局" in err
    code, _, err = run(capsys, *assign, "效能办=市第1局")
    assert code == 2 and "是管理员：按负责单位更新整改的是录入员" in err
    code, _, err = run(capsys, *assign, "王录入=市第九局")
    assert code == 2 and "单位名录中没有：市第九局" in err
    with Store(resolve_db_path()) as s:
        assert rectify.units_of(s, "王录入") == ["市第1局", "市第2局"]


def test_a_write_without_user_on_a_database_with_accounts_says_how(db, capsys):
    """Without --user the command line only reads; the refusal says which option to add
    (it said only 「命令行（领导）无权进行此操作」)."""
    from scoring import accounts
    from scoring.store import Store, resolve_db_path

    with Store(resolve_db_path()) as s:
        office = accounts.User("效能办", accounts.ADMIN)
        accounts.add_user(s, office.name, "office-password-1", accounts.ADMIN, by=office)
    code, _, err = run(capsys, "rectify", "--year", "2025", "--sync")
    assert code == 2 and err.startswith("未用 --user 指定账号时，命令行只能读取，不能")
    assert "请用 --user 指定" in err and "领导" not in err


def test_review_on_the_command_line_keeps_to_its_dates(db, capsys):
    from scoring import accounts, rectify
    from scoring.scheme import default_scheme
    from scoring.store import Store, resolve_db_path

    office, s = accounts.User("效能办", accounts.ADMIN), default_scheme()
    today = dt.date.today()
    with Store(resolve_db_path()) as store:
        ids = []
        for unit, closed in (("市第1局", today), ("市第2局", today - dt.timedelta(days=10))):
            i = rectify.open_item(store, office, 2025, unit, "查摆", "脱岗", scheme=s)
            rectify.set_plan(store, office, i.id, target="在岗", owner="科长", measures="考勤")
            rectify.request_close(store, office, i.id, "整改完成")
            ids.append(rectify.sign_off(store, office, i.id, scheme=s, today=closed).id)
    review = ("rectify", "--year", "2025", "--note", "未见反弹", "--review")
    code, _, err = run(capsys, *review, str(ids[0]))
    assert code == 2 and "需同时给出 --result" in err
    code, _, err = run(capsys, *review, str(ids[0]), "--result", "通过")
    assert code == 2 and f"于 {today.isoformat()} 销号" in err and "不能在销号当日" in err
    code, _, err = run(capsys, *review, str(ids[1]), "--result", "通过")
    assert code == 2 and "尚未到期：提前通过须说明理由" in err
    code, _, err = run(
        capsys, *review, str(ids[1]), "--result", "通过", "--early-reason", "专项督查"
    )
    assert code == 0 and f"整改事项 {ids[1]}：回头看通过。" in err
    code, _, err = run(
        capsys, "rectify", "--year", "2024", "--review", str(ids[0]), "--result", "通过"
    )
    assert code == 2 and "属于 2025 年度，不是 2024 年度" in err


def test_the_table_names_the_late_deadline_as_the_ledger_does(db, capsys):
    from scoring import accounts, rectify
    from scoring.scheme import default_scheme
    from scoring.store import Store, resolve_db_path

    office = accounts.User("效能办", accounts.ADMIN)
    with Store(resolve_db_path()) as store:
        # Opened Fri 26 Sep 2025: plan due Thu 23 Oct, completion Fri 26 Dec 2025.
        rectify.open_item(
            store,
            office,
            2025,
            "市第1局",
            "查摆",
            "脱岗",
            scheme=default_scheme(),
            today=dt.date(2025, 9, 26),
        )
    code, out, _ = run(capsys, "rectify", "--year", "2025")
    header, row = out.splitlines()[:2]
    assert code == 0 and header.split("\t")[5] == "整改时限"
    late = dt.date.today() - dt.date(2025, 10, 23), dt.date.today() - dt.date(2025, 12, 26)
    assert row.split("\t")[5:] == [
        "2025-12-26",
        "待制定",
        f"整改方案逾期 {late[0].days} 天；整改完成逾期 {late[1].days} 天",
    ]


def test_a_year_without_items_says_so_and_keeps_its_header(db, capsys):
    code, out, err = run(capsys, "rectify", "--year", "2030")
    assert code == 0 and out.strip().split("\t")[0] == "编号" and len(out.strip().splitlines()) == 1
    assert "2030 年度还没有整改事项" in err
