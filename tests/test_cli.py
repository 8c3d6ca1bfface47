"""The command line contract of shared/spec/cli.md."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scoring.cli import main
from scoring.scheme import default_scheme
from tests.conftest import scheme_text
from tests.sheetmaker import xlsx

ITEMS = list(default_scheme().items)


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "cli.duckdb"
    monkeypatch.setenv("SCORING_DB", str(path))
    registry = tmp_path / "名录.xlsx"
    rows = [["单位名称", "类型", "考核类别"]]
    rows += [[f"市第{i}局", "部门", "综合管理类"] for i in range(1, 6)]
    registry.write_bytes(xlsx(rows))
    assert main(["units", str(registry)]) == 0
    return tmp_path


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_uploads_rank_undo(db, capsys):
    perf = db / "绩效.xlsx"
    perf.write_bytes(
        xlsx(
            [
                ["考核对象", "指标", "得分"],
                *[[f"市第{i}局", "工作效率", 100 - 5 * i] for i in range(1, 6)],
            ]
        )
    )
    code, out, _ = run(capsys, "import", str(perf), "--year", "2025")
    assert code == 0 and "上传编号 1" in out
    # The same file again: a no-op that says so, and succeeds (a batch run again does not
    # fail); nothing is stored a second time.
    code, out, err = run(capsys, "import", str(perf), "--year", "2025", "--source", "performance")
    assert code == 0 and "第 1 号上传「绩效.xlsx」" in out and "未重复导入" in out and not err
    code, out, _ = run(capsys, "uploads", "--year", "2025", "--format", "json")
    listed = json.loads(out)
    assert len(listed) == 1
    assert [set(u) for u in listed] == [{"id", "file", "source", "rows", "sha256", "at", "user"}]
    assert listed[0]["rows"] == 5 and listed[0]["source"] == "performance"
    code, out, _ = run(capsys, "rank", "--year", "2025", "--format", "json")
    ranked = json.loads(out)
    assert list(ranked[0]) == [
        "unit",
        "group",
        "appraisal",
        "satisfaction_rate",
        "ballots",
        "performance",
        "integrity",
        "adjustment",
        "composite",
        "rank",
        "grade",
        "warnings",
        "composite_ci",
    ]
    # One score per unit: no sampling spread can be estimated, and the last unit's
    # probability of being truly last is null rather than a guess.
    assert all(r["composite_ci"] is None for r in ranked)
    assert "p_last" in ranked[-1] and ranked[-1]["p_last"] is None
    assert [(r["unit"], r["composite"], r["rank"]) for r in ranked] == [
        (f"市第{i}局", 100.0 - 5 * i, i) for i in range(1, 6)
    ]
    assert ranked[0]["appraisal"] is None and ranked[0]["satisfaction_rate"] is None
    assert ranked[-1]["grade"] == "一般" and ranked[-1]["warnings"] == ["末位告诫"]
    code, out, _ = run(capsys, "undo", "1")
    assert code == 0 and "已撤销" in out
    code, _, err = run(capsys, "rank", "--year", "2025")
    assert code == 2 and "没有任何考评数据" in err


def test_bad_file_exits_2_with_the_reason_and_stores_nothing(db, capsys):
    bad = db / "问卷.xlsx"
    bad.write_bytes(
        xlsx(
            [
                ["问卷编号", "被评单位", "评议人类别", *ITEMS],
                ["1", "市第九局", "群众", *["满意"] * 6],
            ]
        )
    )
    code, _, err = run(capsys, "import", str(bad), "--year", "2025")
    assert code == 2
    assert "第 2 行" in err and "市第九局" in err and "B 列" in err
    code, out, _ = run(capsys, "uploads", "--year", "2025", "--format", "json")
    assert json.loads(out) == []


def test_scheme_set_changes_results_and_rejects_a_bad_scheme(db, capsys):
    perf = db / "绩效.xlsx"
    perf.write_bytes(xlsx([["考核对象", "工作效率", "工作质量"], ["市第1局", 100, 50]]))
    assert run(capsys, "import", str(perf), "--year", "2025")[0] == 0
    _, out, _ = run(capsys, "rank", "--year", "2025", "--format", "json")
    assert json.loads(out)[0]["composite"] == 75.0  # 0.3 and 0.3: equal weights
    custom = db / "方案.toml"
    custom.write_text(
        scheme_text(performance={"indicators": {"工作效率": 0.75, "工作质量": 0.25}}),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "scheme", "--year", "2025", "--set", str(custom))
    assert code == 0 and "版本 1" in out
    _, out, _ = run(capsys, "rank", "--year", "2025", "--format", "json")
    assert json.loads(out)[0]["composite"] == 87.5
    broken = db / "坏方案.toml"
    broken.write_text(
        scheme_text(composite={"weights": {"appraisal": -1, "quality": 1}}), encoding="utf-8"
    )
    code, _, err = run(capsys, "scheme", "--year", "2025", "--set", str(broken))
    assert code == 2 and "不能为负数" in err and "quality" in err
    _, out, _ = run(capsys, "scheme", "--year", "2025")
    assert "版本 1" in out


def test_python_dash_m_runs(tmp_path):
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "scoring", "--db", str(tmp_path / "x.duckdb"), *args],
            capture_output=True,
            text=True,
        )

    proc = cli("demo", "--years", "2025")
    assert proc.returncode == 0, proc.stderr
    assert "初始密码" in proc.stdout
    proc = cli("rank", "--year", "2025", "--group", "社会服务类", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("排名,单位名称,考核类别,综合得分") and len(lines) == 11


def test_rank_csv_has_the_workbooks_chinese_headers_and_json_keeps_the_spec_keys(db, capsys):
    """rank --format csv had the JSON keys (unit, group …) as headers; the spec fixes only
    the JSON keys, so the CSV is headed as the pages and the workbook head the figures."""
    import csv
    import io

    perf = db / "绩效.xlsx"
    rows = [
        ["考核对象", "指标", "得分"],
        *[[f"市第{i}局", "工作效率", 100 - 5 * i] for i in range(1, 6)],
    ]
    perf.write_bytes(xlsx(rows))
    assert run(capsys, "import", str(perf), "--year", "2025")[0] == 0
    code, out, _ = run(capsys, "rank", "--year", "2025", "--format", "csv")
    assert code == 0
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == [
        "排名",
        "单位名称",
        "考核类别",
        "综合得分",
        "等次",
        "告诫",
        "万人评议",
        "满意率",
        "问卷数",
        "绩效考核",
        "勤廉测评",
        "加减分",
        "综合得分 95% 区间",
        "为真实末位的概率",
    ]
    # Hand-worked: performance alone, 市第5局 has 75 and is last of five (末位告诫).
    last = dict(zip(table[0], table[-1], strict=True))
    assert last["排名"] == "5" and last["单位名称"] == "市第5局" and last["综合得分"] == "75.0"
    assert last["绩效考核"] == "75.0" and last["万人评议"] == "" and "末位告诫" in last["告诫"]
    assert len(table) == 6
    code, out, _ = run(capsys, "rank", "--year", "2025", "--format", "json")
    assert list(json.loads(out)[0])[:3] == ["unit", "group", "appraisal"]  # the spec's keys
    from scoring.cli import _csv_cell  # text a spreadsheet would run stays text

    assert (_csv_cell("=1+1"), _csv_cell(-2.5), _csv_cell(None)) == ("'=1+1", -2.5, "")


def test_output_closed_by_its_reader_ends_quietly(db):
    """``python -m scoring rectify --year 2025 | head`` with a reader that has gone
    before the command writes: no BrokenPipeError traceback, nothing on standard
    error beyond what the command says anyway (here: that the year has no 整改 items
    yet), exit status 1 (shared/spec/cli.md: not a success)."""
    command = [sys.executable, "-m", "scoring", "rectify", "--year", "2025"]
    whole = subprocess.run(command, capture_output=True, text=True)
    assert whole.returncode == 0 and whole.stdout.strip(), whole.stderr  # it has output
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes at once, as head does after its lines
    err = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert err == whole.stderr and "Traceback" not in err


def test_import_maps_foreign_headers_and_names_the_category(db, capsys):
    """Issue 12: without --source a file with unused columns is refused (exit 2) with the
    candidates and the columns; --map and --category make foreign files import."""
    rows = [["考核对象", "工作效率", "备注"], ["市第1局", 90, "抽查"]]
    path = db / "绩效.xlsx"
    path.write_bytes(xlsx(rows))
    code, _, err = run(capsys, "import", str(path), "--year", "2025")
    assert code == 2 and "「备注」（C 列）" in err and "--source performance" in err
    code, out, _ = run(capsys, "import", str(path), "--year", "2025", "--map", "备注=-")
    assert code == 0 and "已导入" in out
    tally = [["单位名称", *[f"{i}" for i in ITEMS], "有效票数"], ["市第2局", *[80] * 6, 30]]
    path = db / "分项得分.xlsx"
    path.write_bytes(xlsx(tally))
    code, _, err = run(capsys, "import", str(path), "--year", "2025")
    assert code == 2 and "--category" in err
    code, out, _ = run(capsys, "import", str(path), "--year", "2025", "--category", "群众")
    assert code == 0 and "注意" in out
    code, _, err = run(capsys, "import", str(path), "--year", "2025", "--map", "单位名称")
    assert code == 2 and "源列=标准列" in err


def test_the_command_line_speaks_chinese_also_for_its_own_help_and_errors(capsys):
    """shared/spec/cli.md: bad input gets its message in Chinese on standard error."""
    from scoring.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["rank"])
    assert exited.value.code == 2
    assert "错误：缺少必需的参数：--year" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["rank", "--year", "二〇二五"])
    assert "参数 --year：'二〇二五' 不是有效的 int 值" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("用法：python -m scoring") and "显示本帮助并退出" in shown
    assert "usage" not in shown and "show this help" not in shown


def test_undo_says_how_to_restore_only_to_whom_may(db, capsys):
    """A 录入员 may undo their own upload but not restore it: the message tells them to ask
    the administrator, instead of a restore command that would be refused."""
    perf = db / "绩效.xlsx"
    rows = [["考核对象", "指标", "得分"], *[[f"市第{i}局", "工作效率", 90] for i in (1, 2)]]
    perf.write_bytes(xlsx(rows))
    assert (
        run(capsys, "user", "add", "效能办", "--role", "管理员", "--password", "office-pass-1")[0]
        == 0
    )
    code, _, err = run(
        capsys,
        "--user",
        "效能办",
        "user",
        "add",
        "王录入",
        "--role",
        "录入员",
        "--password",
        "clerk-pass-1",
    )
    assert code == 0, err
    assert run(capsys, "--user", "王录入", "import", str(perf), "--year", "2025")[0] == 0
    code, out, err = run(capsys, "--user", "王录入", "undo", "1")
    assert code == 0, err
    assert "请管理员从回收站恢复第 1 号上传" in out and "scoring restore" not in out
    assert run(capsys, "--user", "王录入", "restore", "1")[0] == 2  # as the message says
    code, out, _ = run(capsys, "--user", "效能办", "restore", "1")
    assert code == 0
    assert run(capsys, "--user", "效能办", "undo", "1")[1].endswith(
        "恢复：python -m scoring --user 效能办 restore 1\n"
    )
