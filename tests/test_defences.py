"""The app's defences: hostile files and names, concurrent writers, a killed import."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from scoring import results
from scoring.accounts import ADMIN, User
from scoring.imports import import_file, load_units, prepare
from scoring.store import Store
from scoring.tables import csv_safe
from tests.sheetmaker import xlsx

OFFICE = User("效能办", ADMIN)
ROOT = Path(__file__).resolve().parents[1]
ADJUST = [["对象", "事由", "分值", "来源"], ["市教育局", "暗访发现脱岗", "-2", "暗访"]]


def with_cells(book: bytes, cells: str, shared: list[str] | None = None) -> bytes:
    """The workbook with raw cell XML added at the end of its first sheet (what openpyxl
    will not write: a stray cell at XFD1048576, cells without addresses, name prefixes)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", cells.encode() + b"</sheetData>")
            if shared and item.filename == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rIdS" Type="{kind}" Target="sharedStrings.xml"/>'
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            if shared and item.filename == "[Content_Types].xml":
                over = (
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                )
                data = data.replace(b"</Types>", over.encode() + b"</Types>")
            dst.writestr(item, data)
        if shared:
            items = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in shared)
            dst.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{items}</sst>')
    return out.getvalue()


def registered_store(path) -> Store:
    s = Store(path)
    load_units(s, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)
    return s


STRAYS = {
    # what the cell at the far corner holds -> what the import must say
    "spaces": (
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t> </t></is></c></row>',
        None,
    ),
    "styled": ('<row r="1048576"><c r="XFD1048576" s="0"/></row>', None),
    "shared-blank": ('<row r="1048576"><c r="XFD1048576" t="s"><v>SHARED</v></c></row>', None),
    "no-address": ('<row r="1048576"><c t="str"><v>  </v></c><c><v></v></c></row>', None),
    "value": ('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "XFD1048576"),
    "prefixed": (
        '<x:row r="1048576" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:c r="XFD1048576" t="str"><x:v>x</x:v></x:c></x:row>',
        "XFD1048576",
    ),
    "far-row": ('<row r="900000"><c r="Z900000" t="str"><v>x</v></c></row>', "Z900000"),
    "never-closed": ('<row r="1048576"><c r="XFD1048576"><v>1</v></row>', "XFD1048576"),
}

CEILING = """
import json, resource, sys
limit = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from pathlib import Path
from scoring.imports import prepare
from scoring.store import Store
store = Store(sys.argv[1])
out = {}
for path in sorted(Path(sys.argv[3]).iterdir()):
    parsed = prepare(store, path.name, path.read_bytes(), 2025)
    out[path.stem] = [parsed.rows, [str(p) for p in parsed.problems]]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"files": out, "peak_mb": peak}, ensure_ascii=False))
"""


def test_stray_far_cells_cost_nothing_and_far_data_is_refused(tmp_path):
    """A 5 KB workbook whose only oddity is one cell at XFD1048576 used to make the reader
    allocate 17 billion cells and kill the app. Now: read under a 2.5 GB address-space
    ceiling (the old reader needed hundreds of GB), blank stray cells ignored, real data
    that far out refused with the sheet and the cell named."""
    db = tmp_path / "c.duckdb"
    registered_store(db).close()
    files = tmp_path / "files"
    files.mkdir()
    base = xlsx(ADJUST, sheet="加减分")
    for name, (cells, _) in STRAYS.items():
        shared = None
        if "SHARED" in cells:
            shared = ["x", "  \u3000 "]
            cells = cells.replace("SHARED", "1")
        book = with_cells(base, cells, shared)
        assert len(book) < 8 * 1024
        (files / f"{name}.xlsx").write_bytes(book)
    proc = subprocess.run(
        [sys.executable, "-c", CEILING, str(db), "2560", str(files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)["files"]
    for name, (_, far) in STRAYS.items():
        rows, problems = got[name]
        if far is None:
            assert (rows, problems) == (1, []), name
        else:
            assert len(problems) == 1, name
            assert "工作表「加减分」" in problems[0] and f"延伸到 {far} 单元格" in problems[0]
            assert "500 万个单元格的上限" in problems[0]


def test_sql_looking_names_are_just_names(store):
    evil = "市教育局'); DROP TABLE units; --"
    load_units(
        store,
        "名录.xlsx",
        xlsx([["单位名称", "类型", "考核类别"], [evil, "部门", "综合管理类'--"]]),
        OFFICE,
    )
    import_file(store, "绩效.csv", f'考核对象,工作效率\n"{evil}",88\n'.encode(), 2025, OFFICE)
    res = results.compute(store, 2025)
    assert res.unit(evil).performance == 88.0
    assert store.units()["name"].tolist() == [evil]


def test_an_external_entity_is_not_expanded(store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE")
    base = xlsx([["对象", "事由", "分值", "来源"], ["市教育局", "占位", "-1", "暗访"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode().replace("占位", "&xxe;")
                data = (
                    f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM '
                    f'"file://{secret}">]>' + xml
                ).encode()
            dst.writestr(item, data)
    load_units(store, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)
    parsed = prepare(store, "xxe.xlsx", out.getvalue(), 2025)
    text = repr(parsed.facts) + repr(parsed.preview) + " ".join(map(str, parsed.problems))
    assert "TOP-SECRET-LINE" not in text


def test_a_huge_shared_strings_table_is_refused_before_parsing(store):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/sharedStrings.xml", "<si><t>x</t></si>" * (120 * 1024 * 1024 // 17))
    parsed = prepare(store, "巨表.xlsx", buf.getvalue(), 2025)
    assert not parsed.ok and "共享字符串" in str(parsed.problems[0])


def test_csv_exports_neutralise_formulas():
    frame = pd.DataFrame(
        {"单位名称": ['=HYPERLINK("x")', "+1", "-2", "@a", "市教育局"], "分": [1, 2, 3, 4, 5]}
    )
    safe = csv_safe(frame)
    assert safe["单位名称"].tolist() == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@a", "市教育局"]
    assert safe["分"].tolist() == [1, 2, 3, 4, 5]


def test_two_evaluators_uploading_at_once_lose_nothing(tmp_path):
    store = Store(tmp_path / "c.duckdb")
    units = [f"市第{i}局" for i in range(8)]
    load_units(
        store, "名录.xlsx", xlsx([["单位名称", "类型"], *[[u, "部门"] for u in units]]), OFFICE
    )
    files = [
        (
            f"加减分{i}.xlsx",
            xlsx(
                [
                    ["对象", "事由", "分值", "来源"],
                    *[[u, f"第{i}批事由{k}", "-1", "暗访"] for k, u in enumerate(units)],
                ]
            ),
        )
        for i in range(12)
    ]
    errors: list[BaseException] = []

    def work(batch):
        try:
            for name, data in batch:
                import_file(store, name, data, 2025, User(f"录入员{name}", ADMIN))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(files[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.uploads(2025)) == 12
    assert store.row_counts()["adjustments"] == 12 * 8
    store.close()


IMPORTER = """
import sys
from pathlib import Path
from scoring.accounts import ADMIN, User
from scoring.imports import import_file
from scoring.store import Store
store = Store(sys.argv[1])
import_file(store, "big.xlsx", Path(sys.argv[2]).read_bytes(), 2025, User("x", ADMIN))
print("done", flush=True)
"""


@pytest.mark.parametrize("point", ["upload-begin", "rows-written"])
def test_an_import_killed_inside_its_transaction_stores_nothing(tmp_path, point):
    """The child stops inside the write (the store's test hook writes a marker file after
    the upload's BEGIN, or once all 240,000 answer rows are inserted but not committed) and
    is killed there: no timer decides whether the kill lands before, during or after it."""
    from benchmarks.import_bench import UNITS, make_workbook

    db = tmp_path / "k.duckdb"
    with Store(db) as s:
        load_units(
            s, "名录.xlsx", xlsx([["单位名称", "类型"], *[[u, "部门"] for u in UNITS]]), OFFICE
        )
        audit_before = len(s.audit_log())
    big = tmp_path / "big.xlsx"
    make_workbook(big, 40_000)
    marker = tmp_path / "inside.txt"
    env = {**os.environ, "SCORING_TEST_PAUSE": point, "SCORING_TEST_MARKER": str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(db), str(big)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 300  # a safety net only: the kill waits for the marker
        while not marker.exists():
            assert proc.poll() is None, "the import ended before reaching its transaction"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        out, _ = proc.communicate()
    assert proc.returncode == -signal.SIGKILL and "done" not in out
    if point == "rows-written":  # the write had really begun: every row was in, uncommitted
        assert marker.read_text(encoding="utf-8") == "upload 1: 240000 answer rows written"
    with Store(db) as s:
        assert s.uploads() == []
        assert s.row_counts()["appraisal_answers"] == 0
        assert len(s.audit_log()) == audit_before


def test_a_full_disk_is_told_in_chinese_and_stores_nothing(store, monkeypatch):
    import duckdb

    import scoring.store as store_module

    load_units(store, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)

    def full(cur, user, action, detail):
        raise duckdb.IOException("Could not write all bytes to file: No space left on device")

    monkeypatch.setattr(store_module, "_audit", full)
    with pytest.raises(store_module.StoreError) as caught:
        import_file(store, "加减分.xlsx", xlsx(ADJUST), 2025, OFFICE)
    assert "磁盘空间可能已满" in str(caught.value) and "没有保存任何内容" in str(caught.value)
    monkeypatch.undo()
    assert store.uploads() == [] and store.row_counts()["adjustments"] == 0
    assert import_file(store, "加减分.xlsx", xlsx(ADJUST), 2025, OFFICE).created  # still works


def test_csv_limits_are_told_in_chinese(store):
    load_units(store, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)
    big = "考核对象,工作效率\n市教育局," + "长" * (130 * 1024) + "\n"
    parsed = prepare(store, "超长.csv", big.encode(), 2025)
    assert len(parsed.problems) == 1
    assert "超过 128 KB" in str(parsed.problems[0]) and "第 2 行" in str(parsed.problems[0])
    semi = "考核对象;工作效率\n市教育局;88\n"
    parsed = prepare(store, "分号.csv", semi.encode(), 2025)
    assert len(parsed.problems) == 1
    assert parsed.problems[0].expected.startswith("这个 CSV 文件用分号（;）分隔各列")
    wide = "考核对象,工作效率" + "," * 3_000_000 + "\n市教育局,88" + "," * 3_000_000 + "\n"
    parsed = prepare(store, "很宽.csv", wide.encode(), 2025)
    assert "500 万个单元格的上限" in str(parsed.problems[0])
    assert store.uploads() == []


def test_closest_name_suggestions_are_bounded(store, monkeypatch):
    from scoring.sheets import MAX_SUGGESTED_NAMES, Registry

    load_units(store, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)
    calls = []
    real = Registry.closest
    monkeypatch.setattr(Registry, "closest", lambda self, v, n=3: calls.append(v) or real(self, v))
    rows = "".join(f"市教育局{i},88\n" for i in range(2000))
    parsed = prepare(store, "绩效.csv", ("考核对象,工作效率\n" + rows).encode(), 2025)
    # 2,000 rows (the limit) and, first, one line that sums the column up
    assert len(parsed.problems) == 2001
    assert parsed.problems[0].expected.startswith(
        "「考核对象」列（A 列）有 2,000 个不同的值不符合要求，共 2,000 行（逐行列在下表）："
        "市教育局0、市教育局1、"
    ) and parsed.problems[0].expected.endswith("等 2,000 个")
    hinted = [p for p in parsed.problems if "最接近的已登记单位：市教育局" in p.expected]
    assert len(calls) == MAX_SUGGESTED_NAMES == len(hinted) == 50


HOLDER = """
import sys, time
from scoring.store import Store
store = Store(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def test_a_visitor_meets_a_locked_database_as_a_chinese_message(app_db, tmp_path):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "held.duckdb"
    Store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        app_db(db)
        at = AppTest.from_file(ROOT / "app.py", default_timeout=60).run()
        assert not at.exception
        assert len(at.error) == 1
        assert at.error[0].value.startswith("数据库文件正被另一个程序（通常是正在执行的命令行")
    finally:
        holder.kill()
        holder.wait()


def test_a_full_disk_on_the_upload_page_is_a_chinese_message(app_db, tmp_path, monkeypatch):
    import duckdb

    import scoring.store as store_module
    from tests.test_pages import run_app

    db = tmp_path / "full.duckdb"
    registered_store(db).close()
    app_db(db)
    at = run_app("pages/upload.py")
    at.file_uploader(key="upload_files").set_value(("加减分.xlsx", xlsx(ADJUST), "x")).run()

    def full(cur, user, action, detail):
        raise duckdb.IOException("Could not write all bytes to file: No space left on device")

    monkeypatch.setattr(store_module, "_audit", full)
    at.button(key="commit-0").click().run()
    assert not at.exception
    assert any("磁盘空间可能已满" in e.value for e in at.error)
    monkeypatch.undo()
    from pages.common import get_store

    assert get_store().uploads() == []


EVIL = "![看](http://e.invalid/x.png)<img src=x onerror=alert(1)>**粗**"


def _rendered_as_markdown(at) -> list[str]:
    """Every text the page hands to Streamlit's markdown renderer: bodies of markdown,
    captions, titles, alerts, and the labels of metrics, expanders, tabs and widgets."""
    texts = []
    for kind in ("markdown", "caption", "title", "header", "subheader"):
        texts += [e.value for e in getattr(at, kind)]
    for kind in ("info", "warning", "error", "success"):
        texts += [e.value for e in getattr(at, kind)]
    for kind in ("metric", "expander", "tabs", "selectbox", "multiselect", "button"):
        texts += [getattr(e, "label", "") or "" for e in getattr(at, kind)]
    for kind in ("radio", "checkbox", "text_input", "number_input", "toggle"):
        texts += [getattr(e, "label", "") or "" for e in getattr(at, kind)]
    return texts


@pytest.mark.parametrize(
    "page",
    [None, "pages/rankings.py"],
)
def test_group_names_never_reach_markdown_unescaped(app_db, demo_db, tmp_path, page):
    """A 考核类别 holding an image link and HTML (an outside host every viewer's browser
    would fetch from) is shown as text wherever it appears."""
    import shutil

    from tests.test_pages import run_app

    db = tmp_path / "evil.duckdb"
    shutil.copy(demo_db, db)
    with Store(db) as s:
        s.query("UPDATE units SET grp = ? WHERE grp = '社会服务类' RETURNING 1", [EVIL])
        s.query("UPDATE unit_versions SET grp = ? WHERE grp = '社会服务类' RETURNING 1", [EVIL])
    app_db(db)
    at = run_app(page)
    if page == "pages/rankings.py":
        at.selectbox(key="rank_group").set_value(EVIL).run()
    texts = _rendered_as_markdown(at)
    shown = [t for t in texts if "看" in t]
    assert shown, "the group name should appear on the page"
    for text in texts:
        assert "](http://e.invalid" not in text, text
        assert "<img" not in text.replace("\\<img", ""), text


def test_a_workbook_with_hundreds_of_sheets_is_refused_before_reading(store):
    base = xlsx(ADJUST)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for i in range(2, 502):
            dst.writestr(f"xl/worksheets/sheet{i}.xml", src.read("xl/worksheets/sheet1.xml"))
    parsed = prepare(store, "很多表.xlsx", out.getvalue(), 2025)
    assert [p.expected for p in parsed.problems] == [
        "工作簿有 501 个工作表，超过上限 100 个；请只保留评分表所在的工作表后再上传"
    ]
