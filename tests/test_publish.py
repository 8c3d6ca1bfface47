"""Publishing: the workbook's values and safety, the charts and the PDF (scoring/publish.py)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scoring import accounts, charts, results
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
    assert set(res.groups) | {"全部单位", "告诫名单", "评优名单", "说明"} == set(wb.sheetnames)
    assert wb["全部单位"].max_row == 2 + len(res.ranked())
    assert all(
        wb[n].auto_filter.ref and wb[n].auto_filter.ref.startswith("A2:") for n in res.groups
    )
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
    shown = " ".join(str(v) for v in about.values())
    assert "万人评议" in shown and not any(
        key in shown for key in ("appraisal", "adjustments", "performance", "integrity")
    )
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


def _texts_outside_canvas(svgs: list[Path]) -> list[tuple[str, str]]:
    """Every non-empty <text> of each SVG whose box, as headless Chromium lays it out with
    the installed fonts, is not inside the SVG's canvas (file name, text)."""
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        for svg in svgs:
            page.goto(svg.resolve().as_uri())
            found = page.evaluate(
                """() => {
                  const svg = document.querySelector("svg");
                  const w = +svg.getAttribute("width"), h = +svg.getAttribute("height");
                  const out = [];
                  for (const t of svg.querySelectorAll("text")) {
                    if (!t.textContent.trim()) continue;
                    const r = t.getBoundingClientRect();
                    if (r.left < -0.5 || r.top < -0.5 || r.right > w + 0.5 || r.bottom > h + 0.5)
                      out.push(t.textContent);
                  }
                  return out;
                }"""
            )
            outside += [(svg.name, t) for t in found]
        browser.close()
    return outside


def _pdf_text(path: Path) -> str:
    """The PDF's text as poppler's pdftotext reads it (pypdf 7 misreads fpdf2's CID fonts
    once a subset passes a few hundred glyphs, where poppler and viewers read it right)."""
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.browser
@pytest.mark.skipif(not HAS_CHROMIUM, reason="Debian chromium is not installed")
def test_published_charts_are_whole_from_the_page_and_the_command_line(demo_db, tmp_path):
    """Issue 13: from the app, 432 of 782 chart texts lay outside the canvas. The app's
    process differs by Streamlit's plotly template (set as the global default when
    Streamlit loads its chart element): publish there, and from a command-line process."""
    import datetime as dt
    import subprocess
    import sys

    import plotly.io as pio
    import streamlit.elements.plotly_chart  # noqa: F401  (what the app process loads)
    from pypdf import PdfReader

    from scoring.publish import Letterhead

    assert pio.templates.default == "streamlit"
    head = Letterhead(issuer="市效能办", number="效办〔2026〕3号", date=dt.date(2026, 1, 15))
    with Store(demo_db) as store:
        done = publish(store, 2025, tmp_path / "page", User("效能办", ADMIN), letterhead=head)
        assert store.audit_log()["action"].iloc[0] == "发布结果"
        # The files show a frozen record, which the page and the command line name.
        from scoring import publication

        record = publication.published(store, 2025)
        assert (done.version, done.status) == (record["version"], record["status"]) == (1, "公示")
        from scoring import rectify  # publishing opens the warnings' 整改 items

        warned = {(w.unit, w.kind) for w in results.compute(store, 2025).warnings}
        opened = rectify.items(store, 2025, origin="告诫", status="待制定")
        assert {(i.unit, i.origin_ref) for i in opened} == warned
        with pytest.raises(PermissionDenied):
            publish(store, 2025, tmp_path / "out2", User("王局长", LEADER))
    cli_db = shutil.copy(demo_db, tmp_path / "cli.duckdb")  # the module's store holds demo_db
    with Store(cli_db) as store:  # the command line acts as a named 管理员 account
        office = User("效能办", ADMIN)
        accounts.add_user(store, office.name, "office-pass-1", ADMIN, by=office)
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "scoring",
            "--db",
            str(cli_db),
            "--user",
            "效能办",
            "publish",
            "--year",
            "2025",
            "--out",
            str(tmp_path / "cli"),
            "--number",
            "效办〔2026〕4号",
            "--date",
            "2026-01-16",
            "--period-end",
            "2026-01-23",
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=600,
    )
    assert cli.returncode == 0, cli.stderr
    assert "文件中的结果即公示记录第 1 版（公示）" in cli.stdout
    # The 公示期: 7 days after the 成文日期 by default; the command line moved it.
    assert done.period_end == dt.date(2026, 1, 22)
    assert "公示期至 2026-01-23" in cli.stdout
    page_svgs = sorted((tmp_path / "page" / "charts").glob("*.svg"))
    cli_svgs = sorted((tmp_path / "cli" / "charts").glob("*.svg"))
    assert [p.name for p in page_svgs] == [p.name for p in cli_svgs]
    assert len(page_svgs) >= 8
    assert _texts_outside_canvas(page_svgs + cli_svgs) == []
    pngs = [p for p in done.charts if p.suffix == ".png"]
    assert len(pngs) == len(page_svgs)
    assert all(p.stat().st_size > 10_000 and p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    assert not [p for p in (tmp_path / "page").iterdir() if p.name.startswith(".publish-")]

    text = _pdf_text(done.report)
    assert "关于2025年度机关效能考评结果的通报" in text
    assert "市效能办" in text and "效办〔2026〕3号" in text and "2026年1月15日" in text
    assert "市信访局" in text and "末位告诫" in text
    assert "评选规则" in text and "附件" in text
    # The 落款 shares its page with the body's last lines and the whole 附件说明.
    closing = next(page for page in text.split("\f") if "2026年1月15日" in page)
    assert "以上考评结果自即日起公示" in closing and "附件：1." in closing and "5." in closing
    # The vetoed unit (市水利局, best composite of its group, ranked last) says so on its
    # row of the ranking table, with the reason.
    row = next(line for line in text.splitlines() if line.split()[:2] == ["10", "市水利局"])
    assert "一票否决：在建" in row  # the badge, then the reason (在建工程发生较大安全责任事故)
    reader = PdfReader(str(done.report))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    assert "效办〔2026〕4号" in _pdf_text(tmp_path / "cli" / done.report.name)
    assert "公示期至2026年1月22日" in "".join(text.split())
    assert "公示期至2026年1月23日" in "".join(
        _pdf_text(tmp_path / "cli" / done.report.name).split()
    )


def test_a_second_publication_of_the_year_is_refused_while_one_runs(demo_db, tmp_path):
    from scoring import publish as pub

    with Store(demo_db) as store:
        lock = pub._year_lock(store, 2025)
        with lock, pytest.raises(pub.PublishError, match="正在由另一位用户"):
            publish(store, 2025, tmp_path / "x", User("效能办", ADMIN))
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())


def test_any_group_name_makes_safe_sheet_and_file_names(store):
    odd = "执法/监管：类*[甲]?＼乙／丙"
    add_units(store, [("市甲局", "部门", None, odd), ("市乙局", "部门", None, odd)])
    add_facts(
        store,
        2025,
        "performance_scores",
        [
            {"unit": "市甲局", "indicator": "工作效率", "score": 90.0},
            {"unit": "市乙局", "indicator": "工作效率", "score": 80.0},
        ],
    )
    res = results.compute(store, 2025)
    wb = load_workbook(io.BytesIO(workbook(res, store.uploads(2025))))
    safe = "执法_监管_类__甲___乙_丙"
    assert safe in wb.sheetnames
    assert wb[safe]["A1"].value == f"2025年度{odd}考评结果"
    about = [r for r in wb["说明"].iter_rows(min_row=3, values_only=True)]
    assert (f"工作表「{safe}」", f"即考核类别「{odd}」") in about
    stems = list(chart_figures(res))
    assert f"01-排名-{safe}" in stems
    assert all(not set(s) & set("/\\:*?[]／＼") for s in stems)


def test_long_group_names_stay_unique_as_sheet_names():
    from scoring.publish import Names

    names = Names(limit=31)
    a, b = names("很" * 40 + "甲"), names("很" * 40 + "乙")
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert names.changed == [(a, "很" * 40 + "甲"), (b, "很" * 40 + "乙")]


def test_names_in_charts_are_text_not_markup(store):
    evil = "<a href='javascript:alert(1)'>市教育局</a>"
    add_units(store, [(evil, "部门", None, "综合管理类")])
    add_facts(
        store, 2025, "performance_scores", [{"unit": evil, "indicator": "工作效率", "score": 90.0}]
    )
    fig = charts.ranking_bars(results.compute(store, 2025), "综合管理类")
    labels = list(fig.data[0].y)
    assert labels == ["&lt;a href='javascript:alert(1)'&gt;市教育局&lt;/a&gt;"]


def test_templates_keep_formula_like_registry_names_as_text():
    import zipfile

    from scoring.scheme import default_scheme
    from scoring.templates import template

    evil = ['=HYPERLINK("http://e.invalid","x")', "+SUM(A1)", "@cmd", "-1+2", "市教育局"]
    book = template("adjustments", default_scheme(), evil)
    wb = load_workbook(io.BytesIO(book))
    options = [c.value for row in wb["选项"].iter_rows() for c in row if c.value in evil]
    assert sorted(options) == sorted(evil)
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    assert "<f>" not in xml.replace("<f>选项!", "")  # the drop-downs' own ranges aside


def test_csv_downloads_neutralise_formula_prefixes():
    import pandas as pd

    from scoring.tables import csv_safe

    frame = pd.DataFrame({"意见": ["=1+1", "+86 电话", "-差评", "@x", "好"], "n": [1, 2, 3, 4, 5]})
    out = csv_safe(frame)
    assert out["意见"].tolist() == ["'=1+1", "'+86 电话", "'-差评", "'@x", "好"]
    assert out["n"].tolist() == [1, 2, 3, 4, 5]


def test_the_report_says_until_when_objections_are_taken(demo_store, tmp_path):
    """The 通报 of a year in 公示 names the last day of the 公示期 and where to object;
    once 正式发布 it says the notice is over."""
    import datetime as dt

    from scoring.publish import Letterhead, Notice, report_pdf

    res = results.compute(demo_store, 2025)
    head = Letterhead(issuer="市效能办", date=dt.date(2026, 1, 15))

    def text(notice: Notice, tmp: Path) -> str:
        tmp.write_bytes(report_pdf(res, {}, head, notice))
        return "".join(_pdf_text(tmp).split())  # lines joined: the sentence spans two

    pdf = tmp_path / "notice.pdf"
    notice = text(Notice(dt.date(2026, 1, 22)), pdf)
    assert "以上考评结果自即日起公示，公示期至2026年1月22日。" in notice
    assert "公示期内对考评结果有异议的，可向市效能办书面提出申诉，逾期不再受理。" in notice
    final = text(Notice(dt.date(2026, 1, 22), final=True), pdf)
    assert "以上考评结果已经公示（公示期至2026年1月22日），现正式发布。" in final
    assert "逾期不再受理" not in final


def test_the_body_flows_to_its_end_and_only_its_last_lines_go_with_the_closing(
    demo_store, tmp_path
):
    """The 通报 of the demo year left page 2 two-fifths blank: its whole last section
    moved to page 3 with the 附件说明 and 落款. Now the body fills page 2 and the 落款's
    page holds only the body's last line(s), the whole 附件说明 and the 落款."""
    import datetime as dt

    from scoring.publish import Letterhead, Notice, report_pdf, section_groups

    res = results.compute(demo_store, 2025)
    head = Letterhead(issuer="市效能办", date=dt.date(2026, 1, 15))
    pdf = tmp_path / "flow.pdf"
    pdf.write_bytes(report_pdf(res, {}, head, Notice(dt.date(2026, 1, 22))))
    pages = ["".join(page.split()) for page in _pdf_text(pdf).split("\f")]
    closing = next(i for i, page in enumerate(pages) if "2026年1月15日" in page)
    assert closing == 2
    assert "四、工作要求" in pages[1] and "各单位要对照考评结果认真查找问题" in pages[1]
    # 一、考评结果 names the groups whose results are in the 科室 annex only, and the
    # summary counts the grades best first.
    body = "".join(pages[: closing + 1])
    annexed = [g for g in res.groups if g in section_groups(res)]
    assert annexed and f"{'、'.join(annexed)}共" in body and "个单位的考评结果见附件5。" in body
    grades = [g for g in res.scheme.grade_names if g in res.summary().grades]
    assert body.index(f"{grades[0]}") < body.index(f"{grades[-1]}")
    last_page = pages[closing]
    # Body text above the 附件说明 (the notice's three lines, which do not split).
    assert last_page.startswith("以上考评结果自即日起公示，公示期至2026年1月22日。")
    assert "逾期不再受理。附件：1." in last_page
    assert "5.2025年度科室考评结果" in last_page and "市效能办2026年1月15日" in last_page


def test_a_last_paragraph_keeps_two_lines_with_what_follows_and_leaves_two():
    """Body text flows across a page; with ``keep_with`` the paragraph's last lines go
    to the next page only when they and what follows do not fit below."""
    from scoring.document import OfficialDocument

    doc = OfficialDocument("试排")
    text = "各单位要对照考评结果认真查找问题、分析原因、落实整改。" * 5  # 5 lines
    assert doc.line_count(text) == 5
    bottom = doc.pdf.h - doc.pdf.b_margin
    doc.pdf.set_y(bottom - 4.5 * doc.LINE)  # room for four lines
    doc.paragraph(text, keep_with=60)
    assert doc.pdf.page_no() == 2  # three lines stayed, the last two moved
    assert doc.pdf.get_y() == pytest.approx(doc.pdf.t_margin + 2 * doc.LINE)
    doc.pdf.set_y(bottom - 4.5 * doc.LINE)
    three = text[: len(text) * 3 // 5 - 2]
    assert doc.line_count(three) == 3
    doc.paragraph(three, keep_with=60)  # three lines: never one alone, it moves whole
    assert doc.pdf.page_no() == 3
    assert doc.pdf.get_y() == pytest.approx(doc.pdf.t_margin + 3 * doc.LINE)
    doc.pdf.set_y(bottom - 8 * doc.LINE)
    doc.paragraph(text, keep_with=2 * doc.LINE)  # all of it fits with what follows
    assert doc.pdf.page_no() == 3
