"""Publishing: the workbook's values and safety, the charts and the PDF (scoring/publish.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scoring import charts, results
from scoring.accounts import ADMIN, LEADER, PermissionDenied, User
from scoring.publish import chart_figures, publish, workbook
from scoring.rules import round2
from scoring.store import Store
from tests.conftest import add_facts, add_units

HAS_CHROMIUM = Path("/usr/bin/chromium").exists()


@pytest.fixture(scope="module")
def demo_store(demo_db):
    with Store(demo_db) as s:
        yield s


def test_workbook_holds_the_demo_year(demo_store):
    res = results.compute(demo_store, 2025)
    wb = load_workbook(io.BytesIO(workbook(res, demo_store.uploads(2025))))
    assert set(res.groups) | {"告诫名单", "评优名单", "说明"} == set(wb.sheetnames)
    ws = wb["社会服务类"]
    assert ws["A1"].value == "2025年度社会服务类考评结果"
    header = [c.value for c in ws[2]]
    assert header[:4] == ["排名", "单位名称", "综合得分", "等次"]
    assert ws.freeze_panes == "A3"
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    last = rows["市信访局"]
    unit = res.unit("市信访局")
    assert last[0] == unit.rank == 10
    assert last[2] == round2(unit.composite) and last[3] == "较差"
    assert "末位告诫" in last[header.index("告诫")]
    grade_cell = ws.cell(row=3 + 9, column=4)
    assert grade_cell.value == "较差" and grade_cell.fill.fgColor.rgb.endswith("FFCDD2")
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=3, values_only=True)}
    assert about["考评方案"] == res.scheme.name
    assert sum(k.startswith("上传") for k in about) == len(demo_store.uploads(2025))
    warned = [r for r in wb["告诫名单"].iter_rows(min_row=3, values_only=True)]
    assert len(warned) == len(res.warnings)


def test_a_formula_in_user_data_stays_text(store):
    evil = '=HYPERLINK("http://example.invalid","点我")'
    add_units(store, [(evil, "部门", None, "执法监管类"), ("+SUM(A1)", "部门", None, "执法监管类")])
    add_facts(
        store,
        2025,
        "performance_scores",
        [
            {"unit": evil, "indicator": "工作效率", "score": 90.0},
            {"unit": "+SUM(A1)", "indicator": "工作效率", "score": 80.0},
        ],
    )
    add_facts(
        store,
        2025,
        "adjustments",
        [{"unit": evil, "reason": "@cmd|' /C calc'!A0", "points": -1.0, "source": "暗访"}],
    )
    res = results.compute(store, 2025)
    wb = load_workbook(io.BytesIO(workbook(res, store.uploads(2025))))
    cells = [
        c
        for row in wb["执法监管类"].iter_rows(min_row=3)
        for c in row
        if c.value in (evil, "+SUM(A1)")
    ]
    assert len(cells) == 2
    assert all(c.data_type == "s" for c in cells)
    raw = io.BytesIO(workbook(res, store.uploads(2025)))
    import zipfile

    with zipfile.ZipFile(raw) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    assert "<f>" not in xml  # no formula anywhere in the sheets


def test_every_chart_has_chinese_titles(demo_store):
    res = results.compute(demo_store, 2025)
    figs = chart_figures(res, results.compute(demo_store, 2024))
    assert len([k for k in figs if "排名" in k]) == len(res.groups)
    assert any("名次变化" in k for k in figs)
    assert all(
        "年" in f.layout.title.text or "名次变化" in f.layout.title.text for f in figs.values()
    )
    assert all("Noto Sans CJK SC" in f.layout.font.family for f in figs.values())


@pytest.mark.skipif(not HAS_CHROMIUM, reason="Debian chromium is not installed")
def test_publish_writes_workbook_charts_and_pdf(demo_db, tmp_path):
    from pypdf import PdfReader

    with Store(demo_db) as store:
        done = publish(store, 2025, tmp_path / "out", User("效能办", ADMIN))
        assert store.audit_log()["action"].iloc[0] == "发布结果"
        from scoring import rectify  # publishing opens the warnings' 整改 items

        warned = {(w.unit, w.kind) for w in results.compute(store, 2025).warnings}
        opened = rectify.items(store, 2025, origin="告诫", status="待制定")
        assert {(i.unit, i.origin_ref) for i in opened} == warned
        with pytest.raises(PermissionDenied):
            publish(store, 2025, tmp_path / "out2", User("王局长", LEADER))
    assert done.workbook.exists() and done.report.exists()
    pngs = [p for p in done.charts if p.suffix == ".png"]
    svgs = [p for p in done.charts if p.suffix == ".svg"]
    assert len(pngs) == len(svgs) >= 8
    assert all(p.stat().st_size > 10_000 and p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    assert all(b"<svg" in p.read_bytes()[:500] for p in svgs)
    reader = PdfReader(str(done.report))
    # pypdf reads fpdf2's two-byte CID text with a NUL before each character (poppler's
    # pdftotext reads it cleanly); dropping the NULs leaves the text as written.
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    assert "2025年度机关效能考评结果通报" in text
    assert "市信访局" in text and "末位告诫" in text
    assert len(reader.pages) >= 5
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4


def test_names_in_charts_are_text_not_markup(store):
    evil = "<a href='javascript:alert(1)'>市教育局</a>"
    add_units(store, [(evil, "部门", None, "综合管理类")])
    add_facts(
        store, 2025, "performance_scores", [{"unit": evil, "indicator": "工作效率", "score": 90.0}]
    )
    fig = charts.ranking_bars(results.compute(store, 2025), "综合管理类")
    labels = list(fig.data[0].y)
    assert labels == ["&lt;a href='javascript:alert(1)'&gt;市教育局&lt;/a&gt;"]
