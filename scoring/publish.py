"""Publishing the annual results (结果发布): the workbook, the charts and the printed report.

"考核结果在全市公开": ``publish(store, year, out_dir)`` writes
- ``{year}年度机关效能考评结果.xlsx``: one sheet per group, 告诫名单, 评优名单, and
  a 说明 sheet naming the scheme version and the uploads behind the results;
- ``charts/*.png`` and ``charts/*.svg``: the dashboard's own figures (scoring.charts);
- ``{year}年度机关效能考评结果通报.pdf``: A4, in Chinese.

Static charts use kaleido, which drives Debian's Chromium (never a downloaded
browser); the PDF embeds Noto Sans CJK from Debian's fonts-noto-cjk. Either
missing gives a ``PublishError`` in Chinese saying what to install.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from scoring import charts, results
from scoring.accounts import User, authorize
from scoring.results import Results
from scoring.store import Store, Upload
from scoring.tables import honours_table, ranking_table, warnings_table

__all__ = ["PublishError", "Published", "chart_figures", "publish", "report_pdf", "workbook"]

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GRADE_FILLS = {"优秀": "C8E6C9", "良好": "BBDEFB", "一般": "FFF59D", "较差": "FFCDD2"}
THIN = Side(style="thin", color="BBBBBB")


class PublishError(RuntimeError):
    """Publishing cannot proceed; the message says what to install or fix, in Chinese."""


@dataclass(frozen=True)
class Published:
    workbook: Path
    report: Path
    charts: tuple[Path, ...]
    seconds: float


def title_of(year: int) -> str:
    return f"{year}年度机关效能考评结果通报"


# -- workbook -----------------------------------------------------------------------------


def _put(ws, row: int, col: int, value: object):
    """Write a cell; user text that looks like a formula stays text (formula injection)."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and value != value):
        return cell
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.alignment = Alignment(horizontal="left")
        cell.quotePrefix = True
    return cell


def _sheet(
    wb: Workbook,
    name: str,
    title: str,
    frame,
    formats: dict[str, str] | None = None,
    grade_column: str | None = None,
) -> None:
    ws = wb.create_sheet(name[:31])
    columns = list(frame.columns)
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(columns)))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    for c, name_ in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=c, value=name_)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    for r, row in enumerate(frame.itertuples(index=False), start=3):
        for c, value in enumerate(row, start=1):
            cell = _put(ws, r, c, value)
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
            fmt = (formats or {}).get(columns[c - 1])
            if fmt:
                cell.number_format = fmt
        if grade_column:
            grade = row[columns.index(grade_column)]
            if grade in GRADE_FILLS:
                ws.cell(row=r, column=columns.index(grade_column) + 1).fill = PatternFill(
                    "solid", fgColor=GRADE_FILLS[grade]
                )
    for c, name_ in enumerate(columns, start=1):
        longest = max([len(str(name_))] + [len(str(v)) for v in frame[name_].tolist()[:500]])
        ws.column_dimensions[get_column_letter(c)].width = min(60, max(8, 1.8 * longest + 2))
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1


def workbook(res: Results, uploads: list[Upload]) -> bytes:
    """The results workbook as the office sends it out."""
    wb = Workbook()
    wb.remove(wb.active)
    score = "0.00"
    formats = {k: score for k in ("综合得分", "万人评议", "绩效考核", "勤廉测评", "加减分")}
    formats["满意率"] = "0.00%"
    for group in res.groups:
        frame = ranking_table(res, group).drop(columns=["考核类别"])
        _sheet(wb, group, f"{res.year}年度{group}考评结果", frame, formats, "等次")
    _sheet(wb, "告诫名单", f"{res.year}年度告诫名单", warnings_table(res.warnings))
    _sheet(wb, "评优名单", f"{res.year}年度最佳科室和最佳公务员", honours_table(res))
    import pandas as pd

    about = pd.DataFrame(
        [
            ("考评方案", res.scheme.name),
            ("方案版本", res.scheme_version or "默认方案"),
            ("生成时间", time.strftime("%Y-%m-%d %H:%M:%S")),
        ]
        + [
            (
                f"上传 {u.id}",
                f"{u.file}（{u.source}，{u.rows} 行，{u.at}，{u.user}，sha256 {u.sha256[:16]}…）",
            )
            for u in uploads
        ],
        columns=["项目", "内容"],
    )
    _sheet(wb, "说明", f"{res.year}年度考评结果的依据", about)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- charts -------------------------------------------------------------------------------


def chart_figures(res: Results, previous: Results | None = None) -> dict[str, go.Figure]:
    """Every published chart by file stem (the same builders as the dashboard)."""
    figs: dict[str, go.Figure] = {}
    for i, group in enumerate(res.groups, start=1):
        figs[f"{i:02d}-排名-{group}"] = charts.ranking_bars(res, group)
    figs["20-等次分布"] = charts.grade_distribution(res)
    figs["21-综合得分分布"] = charts.composite_box(res)
    sat = res.satisfaction_by_item()
    if not sat.empty:
        figs["22-分项满意率"] = charts.satisfaction_by_item(sat, res.year)
    if previous is not None:
        for i, group in enumerate(res.groups, start=1):
            if any(previous.unit(u.unit) for u in res.ranked(group)):
                figs[f"3{i}-名次变化-{group}"] = charts.movement(res, previous, group)
    return figs


def _browser() -> str:
    found = os.environ.get("BROWSER_PATH") or next(
        (p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None
    )
    if not found:
        raise PublishError(
            "导出静态图表需要 Chromium 浏览器，但本机没有安装。请安装 Debian 软件包 "
            "chromium（apt-get install chromium），或设置 BROWSER_PATH 指向浏览器。"
        )
    return found


def export_charts(
    figs: dict[str, go.Figure], out_dir: Path, progress: Callable[[float], None] | None = None
) -> list[Path]:
    """Write each figure as PNG (documents) and SVG (web), with one browser for all."""
    import warnings

    import kaleido

    # plotly passes export options that a persistent kaleido server ignores; say nothing.
    warnings.filterwarnings("ignore", message="The kopts argument is ignored")

    os.environ["BROWSER_PATH"] = _browser()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as exc:  # kaleido raises its own error types when Chromium fails
        raise PublishError(f"无法启动 Chromium 导出图表：{exc}") from exc
    try:
        for k, (stem, fig) in enumerate(figs.items()):
            height = fig.layout.height or 500
            for fmt, scale in (("png", 2), ("svg", 1)):
                path = out_dir / f"{stem}.{fmt}"
                path.write_bytes(fig.to_image(format=fmt, width=1000, height=height, scale=scale))
                written.append(path)
            if progress:
                progress((k + 1) / len(figs))
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return written


# -- report -------------------------------------------------------------------------------


def _cjk_font() -> tuple[str, int]:
    """Path and collection index of Noto Sans CJK SC."""
    candidates = []
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Sans CJK SC"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        if out:
            candidates.append(out)
    except (OSError, subprocess.SubprocessError):
        pass
    candidates += ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]
    for path in candidates:
        if Path(path).exists() and "CJK" in path:
            from fontTools.ttLib import TTCollection

            if path.endswith(".ttc"):
                for i, font in enumerate(TTCollection(path).fonts):
                    if "Noto Sans CJK SC" in str(font["name"].getDebugName(1)):
                        return path, i
            return path, 0
    raise PublishError(
        "生成 PDF 需要中文字体 Noto Sans CJK SC，但本机没有安装。"
        "请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk）。"
    )


def report_pdf(res: Results, chart_pngs: dict[str, Path]) -> bytes:
    """The printable 通报 (A4): summary, ranking tables, charts, warnings, honours."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font, index = _cjk_font()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", "", font, collection_font_number=index)
    pdf.set_title(title_of(res.year))
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, title_of(res.year), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(
        0,
        6,
        f"考评方案：{res.scheme.name}（版本 {res.scheme_version or '默认'}）",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    s = res.summary()
    pdf.set_font("cjk", size=11)
    sat = "—" if s.mean_satisfaction is None else f"{s.mean_satisfaction:.2%}"
    grades = "，".join(f"{g} {n} 个" for g, n in s.grades.items())
    kinds = "，".join(f"{k} {n} 个" for k, n in s.warnings_by_kind.items()) or "无"
    pdf.multi_cell(
        0,
        7,
        f"　　{res.year}年度机关效能考评共有 {s.units} 个单位参加 {s.groups} "
        f"个类别的排名，收回万人评议问卷 {s.ballots:,} 份，平均满意率 {sat}。"
        f"考评等次：{grades}。告诫：{kinds}。现将结果通报如下。",
    )
    header = FontFace(emphasis=None, fill_color=(221, 235, 247))
    for group in res.groups:
        table = ranking_table(res, group)
        pdf.ln(3)
        pdf.set_font("cjk", size=13)
        pdf.cell(0, 9, f"{group}（{len(table)} 个单位）", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=8)
        cols = [
            "排名",
            "单位名称",
            "综合得分",
            "等次",
            "万人评议",
            "绩效考核",
            "勤廉测评",
            "加减分",
            "告诫",
        ]
        with pdf.table(
            col_widths=(8, 46, 14, 10, 14, 14, 14, 12, 40),
            headings_style=header,
            line_height=5,
            text_align="CENTER",
        ) as t:
            row = t.row()
            for c in cols:
                row.cell(c)
            for rec in table[cols].itertuples(index=False):
                row = t.row()
                for v in rec:
                    row.cell(
                        ""
                        if v is None or v != v
                        else (f"{v:.2f}" if isinstance(v, float) else str(v))
                    )
    pdf.add_page()
    for png in chart_pngs.values():
        width_px, height_px = _png_size(png)
        height_mm = 180 * height_px / width_px
        if pdf.get_y() + height_mm > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(str(png), w=180)
        pdf.ln(4)
    pdf.add_page()
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 9, "告诫名单", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    warns = warnings_table(res.warnings)
    with pdf.table(col_widths=(36, 20, 20, 100), headings_style=header, line_height=5) as t:
        row = t.row()
        for c in ("单位名称", "考核类别", "告诫类型", "事由与依据"):
            row.cell(c)
        for rec in warns.itertuples(index=False):
            row = t.row()
            for v in (rec[0], rec[1], rec[2], rec[3]):
                row.cell(str(v))
    honours = honours_table(res)
    if not honours.empty:
        pdf.ln(4)
        pdf.set_font("cjk", size=13)
        pdf.cell(0, 9, "最佳科室和最佳公务员", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=8)
        with pdf.table(col_widths=(22, 40, 44, 70), headings_style=header, line_height=5) as t:
            row = t.row()
            for c in honours.columns:
                row.cell(c)
            for rec in honours.itertuples(index=False):
                row = t.row()
                for v in rec:
                    row.cell(str(v))
    return bytes(pdf.output())


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


# -- all of it ----------------------------------------------------------------------------


REPORT_CHARTS = ("排名", "等次分布", "分项满意率")


def publish(
    store: Store,
    year: int,
    out_dir: str | os.PathLike,
    user: User,
    progress: Callable[[float], None] | None = None,
) -> Published:
    """Write the workbook, the charts and the report for ``year`` into ``out_dir``."""
    authorize(user, "publish")
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = results.compute(store, year - 1) if year - 1 in store.years() else None
    res = results.compute(store, year, previous=previous)
    from scoring import publication  # the figures published are frozen as a snapshot

    publication.snapshot(store, year, user, res=res)
    book = out / f"{year}年度机关效能考评结果.xlsx"
    book.write_bytes(workbook(res, store.uploads(year)))
    figs = chart_figures(res, previous)
    with tempfile.TemporaryDirectory() as tmp:
        written = export_charts(figs, Path(tmp), progress)
        chart_dir = out / "charts"
        if chart_dir.exists():
            shutil.rmtree(chart_dir)
        shutil.copytree(tmp, chart_dir)
    pngs = {p.stem: chart_dir / p.name for p in written if p.suffix == ".png"}
    in_report = {
        k: v
        for k, v in pngs.items()
        if any(word in k for word in REPORT_CHARTS) and not any(t in k for t in ("科室类",))
    }
    report = out / f"{title_of(year)}.pdf"
    report.write_bytes(report_pdf(res, in_report))
    from scoring import rectify  # each published warning has its 整改 item (never twice)

    rectify.sync_warnings(store, user, res)
    store.audit(
        user.name, "发布结果", f"{year} 年度，方案版本 {res.scheme_version or '默认'}，输出到 {out}"
    )
    return Published(
        book, report, tuple(chart_dir / p.name for p in written), time.perf_counter() - start
    )
