"""From the walk-through: published figures never move, and a new version only with a
reason that names everything it changes.

1. an upload, undo or restore into a year in 公示 is said first; into a year 正式发布 it
   is refused for a 录入员 and needs the 管理员's explicit confirmation (audited);
2. a 更正 names every unit and figure it changes, and asks before it moves units beyond
   the appellant; 3. a corrected version is a new 公示 with its own period;
4. publishing again re-uses the version in 公示, or is refused naming the differences.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from scoring import publication, results
from scoring.accounts import ADMIN, EVALUATOR, User, add_user
from scoring.cli import main
from scoring.imports import import_file, load_units, undo
from scoring.store import Store
from tests.sheetmaker import xlsx

OFFICE = User("效能办", ADMIN)
CLERK = User("王录入", EVALUATOR)
NAMES = ["甲局", "乙局", "丙局", "丁局", "戊局"]
HEAD = [["考核对象", "指标", "得分"]]


def _perf(values, names=NAMES, indicator="工作效率"):
    return xlsx(HEAD + [[n, indicator, v] for n, v in zip(names, values, strict=True)])


def _adjust(unit, points):
    return xlsx([["对象", "事由", "分值", "来源"], [unit, "表彰", points, "表彰"]])


@pytest.fixture
def db(tmp_path):
    """A file database with five units' 绩效考核 for 2025, an office and a clerk."""
    path = tmp_path / "flow.duckdb"
    with Store(path) as s:
        add_user(s, OFFICE.name, "office-pass-1", ADMIN, by=OFFICE)
        add_user(s, CLERK.name, "clerk-pass-12", EVALUATOR, by=OFFICE)
        roster = [["单位名称", "类型", "考核类别"], *[[n, "部门", "执法监管类"] for n in NAMES]]
        load_units(s, "名录.xlsx", xlsx(roster), OFFICE)
        import_file(s, "绩效.xlsx", _perf([91.2, 85, 84, 77.37, 68.4]), 2025, OFFICE)
    return path


def cli(capsys, db, *args):
    code = main(["--db", str(db), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_upload_into_a_year_in_notice_is_said_and_published_figures_stay(db, tmp_path, capsys):
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE, period_end=date(2031, 1, 9))
        notice = publication.change_notice(s, 2025, CLERK)
        assert notice is not None and notice.status == "公示" and not notice.needs_confirmation
        assert "正在公示（第 1 版，公示期至 2031-01-09）" in notice.text
        assert "不会改变公示的结果" in notice.text and "更正" in notice.text
    late = tmp_path / "补录加减分.xlsx"
    late.write_bytes(_adjust("丁局", 2))
    code, out, err = cli(capsys, db, "--user", CLERK.name, "import", str(late), "--year", "2025")
    assert code == 0, err
    assert "注意：2025 年度的结果正在公示（第 1 版" in out
    with Store(db) as s:
        record = publication.published(s, 2025)
        assert {r["unit"]: r["composite"] for r in record["units"]}["丁局"] == 77.37
        assert results.compute(s, 2025).unit("丁局").composite == pytest.approx(79.37)


def test_a_year_published_final_refuses_a_clerk_and_asks_the_office(db, tmp_path, capsys):
    with Store(db) as s:
        import_file(s, "丙局加分.xlsx", _adjust("丙局", 1), 2025, CLERK)  # upload 2, the clerk's
        publication.snapshot(s, 2025, OFFICE)  # no period: final at once
        publication.finalize(s, 2025, OFFICE)
        with pytest.raises(publication.PublicationError, match="录入员不能再改动"):
            import_file(s, "补录.xlsx", _adjust("丁局", 2), 2025, CLERK)
        with pytest.raises(publication.NeedsConfirmation, match=r"已于 .* 正式发布（第 1 版）"):
            import_file(s, "补录.xlsx", _adjust("丁局", 2), 2025, OFFICE)
        assert [u.file for u in s.uploads(2025)] == ["绩效.xlsx", "丙局加分.xlsx"]  # nothing new
        with pytest.raises(publication.PublicationError, match="录入员不能再改动"):
            undo(s, 2, CLERK)  # their own upload: refused once final
    late = tmp_path / "24_发布后补录问卷.xlsx"
    late.write_bytes(_adjust("丁局", 2))
    code, _, err = cli(capsys, db, "--user", CLERK.name, "import", str(late), "--year", "2025")
    assert code == 2 and "录入员不能再改动该年度的数据" in err
    code, _, err = cli(capsys, db, "--user", OFFICE.name, "import", str(late), "--year", "2025")
    assert code == 2 and "--confirm-published" in err and "正式发布的结果不会改变" in err
    code, out, err = cli(
        capsys, db, "--user", OFFICE.name, "import", str(late), "--year", "2025",
        "--confirm-published",
    )  # fmt: skip
    assert code == 0, err
    assert "上传编号 3" in out and "注意：2025 年度的结果已于" in out
    with Store(db) as s:
        log = s.audit_log()
        line = log[log["action"] == "改动已正式发布年度的数据"]["detail"].tolist()
        assert line == [
            "2025 年度（第 1 版已正式发布，公布的结果不变）："
            "导入第 3 号上传「24_发布后补录问卷.xlsx」"
        ]
        assert publication.published(s, 2025)["status"] == "正式发布"
    # Undo and restore: the same rule, the same confirmation.
    code, _, err = cli(capsys, db, "--user", OFFICE.name, "undo", "3")
    assert code == 2 and "未撤销" in err and "--confirm-published" in err
    assert cli(capsys, db, "--user", OFFICE.name, "undo", "3", "--confirm-published")[0] == 0
    code, _, err = cli(capsys, db, "--user", OFFICE.name, "restore", "3")
    assert code == 2 and "--confirm-published" in err
    assert cli(capsys, db, "--user", OFFICE.name, "restore", "3", "--confirm-published")[0] == 0
    with Store(db) as s:
        log = s.audit_log()
        said = log[log["action"] == "改动已正式发布年度的数据"]["detail"].tolist()
        assert [d.split("：", 1)[1] for d in said] == [
            "恢复第 3 号上传「24_发布后补录问卷.xlsx」",
            "撤销第 3 号上传「24_发布后补录问卷.xlsx」",
            "导入第 3 号上传「24_发布后补录问卷.xlsx」",
        ]


def test_a_correction_names_every_change_and_asks_before_moving_other_units(db):
    """The walk-through's version 2 froze 市乙服务局's change from an unrelated upload
    (83.96 → 82.94) under a note naming only the appeal's unit."""
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE, period_end=date.today() + timedelta(days=3))
        appeal = publication.record_appeal(s, 2025, "丁局", "绩效得分录入有误，应为 80", OFFICE)
        with pytest.raises(publication.PublicationError, match="更正不会改变任何数字"):
            publication.decide_appeal(s, appeal, "更正", "核实", OFFICE)
        # The appeal's correction, and an unrelated 加减分 for 乙局 (85 → 83).
        import_file(s, "丁局更正.xlsx", _adjust("丁局", 2.63), 2025, OFFICE)  # 77.37 → 80
        import_file(s, "乙局扣分.xlsx", _adjust("乙局", -2), 2025, OFFICE)
        plan = publication.correction(s, appeal)
        assert plan.unit == "丁局" and plan.others == ("丙局", "乙局")  # 乙局 83 < 丙局 84
        with pytest.raises(publication.NeedsConfirmation) as refused:
            publication.decide_appeal(s, appeal, "更正", "核实录入错误", OFFICE)
        said = str(refused.value)
        assert "除申诉单位「丁局」外，还将改变 2 个单位" in said
        assert "乙局 综合得分 85.00 → 83.00" in said and "排名 2 → 3" in said
        assert publication.published(s, 2025)["version"] == 1  # nothing frozen
        version = publication.decide_appeal(
            s, appeal, "更正", "核实录入错误", OFFICE, confirm_others=True
        )
        second = publication.published(s, 2025)
        assert version == 2 and second["status"] == "公示"
        note = second["note"]
        assert note.startswith(
            "更正：第 1 号申诉（丁局）：核实录入错误。与第 1 版相比共变动 7 处（3 个单位）：丁局"
        )
        assert "乙局 综合得分 85.00 → 83.00" in note and "加减分 0.00 → -2.00" in note
        assert "丙局 排名 3 → 2" in note
        assert "丁局 综合得分 77.37 → 80.00、等次 一般 → 良好、加减分 0.00 → +2.63" in note
        assert "申诉单位以外的 丙局、乙局 经确认一并更正" in note
        # Its own 公示期: 7 days from today, not the first version's 3.
        assert second["period_end"] == str(date.today() + timedelta(days=7))
        with pytest.raises(publication.NeedsConfirmation, match="尚未结束"):
            publication.finalize(s, 2025, OFFICE)


def test_publishing_again_reuses_the_version_or_refuses_naming_the_differences(db):
    with Store(db) as s:
        assert publication.snapshot(s, 2025, OFFICE, period_end=date(2031, 1, 9)) == 1
        assert publication.snapshot(s, 2025, OFFICE) == 1  # same results: same version
        import_file(s, "乙局扣分.xlsx", _adjust("乙局", -2), 2025, OFFICE)
        with pytest.raises(publication.NeedsConfirmation) as refused:
            publication.snapshot(s, 2025, OFFICE)
        said = str(refused.value)
        assert "当前结果与第 1 版（公示）不同，共" in said and "乙局 综合得分 85.00 → 83.00" in said
        assert "申诉「更正」" in said and "--reason" in said
        assert s.publication_versions(2025) == [1]
        # A year 正式发布 likewise: its figures stay, a new version needs a reason.
        publication.finalize(s, 2025, OFFICE, early_reason="领导小组决定")
        with pytest.raises(publication.NeedsConfirmation, match="正式发布的结果不变"):
            publication.snapshot(s, 2025, OFFICE)
        assert publication.status(s, 2025) == "正式发布"


def test_finalizing_before_the_notice_period_ends_needs_a_reason(db):
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE, period_end=date.today())
        with pytest.raises(publication.NeedsConfirmation, match=r"第 1 版的公示期至 .*尚未结束"):
            publication.finalize(s, 2025, OFFICE, early_reason="  ")
        publication.finalize(s, 2025, OFFICE, early_reason="领导小组会议决定")
        detail = s.audit_log()["detail"].iloc[0]
        assert detail == (
            f"2025 年度第 1 版：提前结束公示（公示期至 {date.today()}）：领导小组会议决定"
        )


def test_differences_read_as_the_tables_do(db):
    """Drift notices said 「满意率：公布 0.9174 → 当前 0.8586」 and 「→ 当前 79.2」."""
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE)
        import_file(s, "丁局.xlsx", _perf([81.03], ["丁局"], "工作质量"), 2025, OFFICE)
        record = publication.published(s, 2025)
        record["units"] = [
            {**r, "appraisal": 88.5, "satisfaction_rate": 0.9174, "ballots": 472}
            for r in record["units"]
        ]
        now = results.compute(s, 2025)
        shown = {
            (d.unit, d.figure): (d.published, d.current)
            for d in publication.differences(record, now)
        }
    assert shown[("丁局", "综合得分")] == ("77.37", "79.20")
    assert shown[("丁局", "满意率")] == ("91.74%", "无")
    assert shown[("丁局", "问卷数")] == ("472", "无")  # no 万人评议 now: no count, not 0
    assert shown[("丁局", "万人评议")] == ("88.50", "无")
    json.dumps([list(v) for v in shown.values()])  # plain text, as pages and notes show


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is missing")
def test_publish_on_the_command_line_reuses_the_version_or_needs_a_reason(db, tmp_path, capsys):
    """The walk-through's 生成发布文件 / ``publish`` made version 2 silently."""
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE, period_end=date(2031, 1, 9))
        import_file(s, "乙局扣分.xlsx", _adjust("乙局", -2), 2025, OFFICE)
    out = tmp_path / "发布"
    publish = ["--user", OFFICE.name, "publish", "--year", "2025", "--out", str(out)]
    code, _, err = cli(capsys, db, *publish)
    assert code == 2, err
    assert "未发布：当前结果与第 1 版（公示）不同，共 4 处（2 个单位）" in err
    assert "乙局 综合得分 85.00 → 83.00、排名 2 → 3、加减分 0.00 → -2.00" in err
    assert "--reason" in err
    with Store(db) as s:
        assert s.publication_versions(2025) == [1]
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]
    code, text, err = cli(capsys, db, *publish, "--date", "2031-01-02", "--reason", "补录乙局扣分")
    assert code == 0, err
    assert "公示记录第 2 版（公示）" in text and "公示期至 2031-01-09" in text
    with Store(db) as s:
        record = publication.published(s, 2025)
    assert record["note"] == (
        "重新发布：补录乙局扣分。与第 1 版相比共变动 4 处（2 个单位）：丙局 排名 3 → 2；"
        "乙局 综合得分 85.00 → 83.00、排名 2 → 3、加减分 0.00 → -2.00。"
    )
    # The same results again: the version is re-used, no reason asked.
    code, text, err = cli(capsys, db, *publish, "--date", "2031-01-02")
    assert code == 0 and "公示记录第 2 版（公示）" in text, err


def test_csv_downloads_and_the_published_table_read_as_the_tables_do(db, capsys):
    """CSV downloads gave 问卷数 as 472.0 and 满意率 as 0.9628; ``published`` printed
    问卷数 0 where the workbook leaves it blank (a unit without 万人评议)."""
    import pandas as pd

    from scoring.tables import csv_safe

    frame = pd.DataFrame(
        {
            "单位名称": ["甲局", "=乙局"],
            "综合得分": [79.2, 80.125],
            "满意率": [0.9628, None],
            "问卷数": [472.0, None],
            "加减分": [1.5, -2.0],
        }
    )
    text = csv_safe(frame).to_csv(index=False)
    assert text.splitlines() == [
        "单位名称,综合得分,满意率,问卷数,加减分",
        "甲局,79.20,96.28%,472,+1.50",
        "'=乙局,80.13,,,-2.00",
    ]
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE)
    code, out, _ = cli(capsys, db, "published", "--year", "2025")
    assert code == 0
    header, first = out.splitlines()[1:3]
    cells = dict(zip(header.split("\t"), first.split("\t"), strict=True))
    assert cells["单位"] == "甲局" and cells["万人评议"] == "" and cells["问卷数"] == ""
