"""Every layout an office receives from other systems (issue 12), from the command line
and from the upload page: it imports, or is refused with what to do."""

from __future__ import annotations

import io

import pytest

from scoring.accounts import ADMIN, User
from scoring.cli import main
from scoring.scheme import default_scheme
from tests.sheetmaker import xlsx
from tests.test_imports import WJX_HEAD, wide_tally, wjx_row
from tests.test_pages import run_app

ITEMS = list(default_scheme().items)
OFFICE = User("效能办", ADMIN)
REGISTRY = [
    ["单位名称", "类型", "考核类别"],
    ["市教育局", "部门", "综合管理类"],
    ["市财政局", "部门", "综合管理类"],
    ["市教育局领导班子", "领导班子", None],
]


def wenjuanxing():
    return xlsx([WJX_HEAD, wjx_row(1, "市教育局", ["满意", "(跳过)", *["基本满意"] * 4])])


def xiaoju():
    head = ["答题耗时（秒）", "提交时间", "您的身份", "您评议的单位", *ITEMS]
    return xlsx([head, [95, "2025-11-03 10:00:00", "企业代表", "市财政局", *["满意"] * 6]])


def summary():
    return xlsx([["单位名称", *ITEMS, "综合得分", "有效票数"], ["市财政局", *[80] * 6, 80, 60]])


def democratic():
    head = ["姓名", "测评范围", "应到人数", "实到人数", "优秀票数", "称职票数", "基本称职票数"]
    head += ["不称职票数", "优秀率", "称职及以上率"]
    return xlsx([head, ["市教育局领导班子", "本单位干部职工", 30, 25, 20, 5, 0, 0, "80%", "100%"]])


def old_xls():
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("问卷")
    for r, row in enumerate(
        [["问卷编号", "被评单位", "评议人类别", *ITEMS], ["X1", "市教育局", "群众", *["满意"] * 6]]
    ):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# (file name, bytes, what the first try says, the options that make it import)
LAYOUTS = [
    (
        "问卷星.xlsx",
        wenjuanxing,
        "--map '2、您评议的单位=被评单位'",
        {"2、您评议的单位": "被评单位"},
        None,
    ),
    ("xiaoju.xlsx", xiaoju, "--map '您评议的单位=被评单位'", {"您评议的单位": "被评单位"}, None),
    ("测评结果.xlsx", wide_tally, "--category", {}, "服务对象"),
    ("分项得分汇总.xlsx", summary, "--category", {}, "群众"),
    ("民主测评.xlsx", democratic, None, {}, None),
    ("旧版.xls", old_xls, None, {}, None),
]


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "intake.duckdb"
    monkeypatch.setenv("SCORING_DB", str(path))
    (tmp_path / "名录.xlsx").write_bytes(xlsx(REGISTRY))
    assert main(["units", str(tmp_path / "名录.xlsx")]) == 0
    return tmp_path


@pytest.mark.parametrize(("name", "make", "first", "mapping", "category"), LAYOUTS)
def test_each_layout_from_the_command_line(db, capsys, name, make, first, mapping, category):
    pytest.importorskip("xlwt")
    path = db / name
    path.write_bytes(make())
    capsys.readouterr()
    code = main(["import", str(path), "--year", "2025"])
    out = capsys.readouterr()
    if first is not None:
        assert code == 2 and first in out.err, out.err
        args = [f"--map={k}={v}" for k, v in mapping.items()]
        args += ["--category", category] if category else []
        code = main(["import", str(path), "--year", "2025", *args])
        out = capsys.readouterr()
    assert code == 0, out.err
    assert "已导入" in out.out
    assert main(["rank", "--year", "2025", "--format", "json"]) == 0


@pytest.mark.parametrize(("name", "make", "first", "mapping", "category"), LAYOUTS)
def test_each_layout_from_the_upload_page(app_db, tmp_path, name, make, first, mapping, category):
    pytest.importorskip("xlwt")
    from scoring.imports import load_units
    from scoring.store import Store

    db = tmp_path / "page.duckdb"
    with Store(db) as s:
        load_units(s, "名录.xlsx", xlsx(REGISTRY), OFFICE)
    app_db(db)
    at = run_app("pages/upload.py")
    at.number_input(key="upload_year").set_value(2025).run()
    at.file_uploader(key="upload_files").set_value((name, make(), "application/x")).run()
    assert not at.exception
    if first is not None:
        assert "此文件不会导入" in at.error[0].value
        if mapping:
            assert at.selectbox(key="map-0-0").value == next(iter(mapping.values()))
            at.button(key="apply-map-0").click().run()
        if category:
            at.selectbox(key="upload_category").set_value(category).run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="commit-0").click().run()
    assert "上传编号 1" in at.success[0].value
