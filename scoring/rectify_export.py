"""The 整改台账 as the office's workbook, and a unit's 整改 as a printable page (上墙公开).

The workbook has three sheets: 整改台账 (one row per item: the plan, 方案时限, 整改时限,
the latest action and its date, the 整改结果 the unit reported, 销号 and 回头看 dates, and
which deadline is overdue by how long — what an office reports on 整改), 分单位进度 (per
unit), and 办理记录 (every change, who and when). The printable page is one self-contained HTML
file (A4, print styles, no scripts or outside resources) listing the unit's items that
are not withdrawn — what the seeds call 查摆出来的问题和整改措施上墙公开.
"""

from __future__ import annotations

import html
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from scoring import accounts, rectify
from scoring.publish import _put  # text that looks like a formula stays text
from scoring.rectify_store import RectifyStore
from scoring.store import Store

__all__ = ["public_page", "workbook"]

THIN = Side(style="thin", color="999999")
STATUS_FILLS = {
    rectify.HELD: "C6EFCE",
    rectify.CLOSED: "E2EFDA",
    rectify.REQUESTED: "FFF2CC",
    rectify.REDO: "F8CBAD",
    rectify.REVOKED: "D9D9D9",
}


# The 整改台账 sheet's columns and widths (characters): the ledger's columns but 下一节点
# (the three deadlines and 逾期 say it), set to print on A4 landscape at about 80%.
LEDGER_WIDTHS = {
    "编号": 4.5,
    "单位": 9,
    "来源": 5,
    "问题": 22,
    "整改目标": 13,
    "责任人": 6.5,
    "整改措施": 18,
    **dict.fromkeys(rectify.DATE_COLUMNS, 9.5),
    "状态": 7,
    "最新进展": 20,
    "整改结果": 18,
    "逾期": 9,
}
# The warning's kind is already the 问题's first words there (「2025 年度末位告诫：…」).
LEDGER_SHEET = [c for c in rectify.LEDGER_COLUMNS if c not in ("下一节点", "告诫类型")]


def _sheet(
    wb: Workbook,
    name: str,
    title: str,
    frame,
    widths: dict[str, float],
    *,
    font_size: float | None = None,
) -> None:
    ws = wb.create_sheet(name)
    columns = list(frame.columns)
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(columns)))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    box = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    for c, col in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=c, value=col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    status_col = columns.index("状态") + 1 if "状态" in columns else None
    for r, row in enumerate(frame.itertuples(index=False), start=3):
        for c, value in enumerate(row, start=1):
            cell = _put(ws, r, c, value)
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if font_size:
                cell.font = Font(size=font_size)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, float) and columns[c - 1].endswith("率"):
                cell.number_format = "0.0%"
        if status_col and row[status_col - 1] in STATUS_FILLS:
            ws.cell(row=r, column=status_col).fill = PatternFill(
                "solid", fgColor=STATUS_FILLS[row[status_col - 1]]
            )
    for c, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(col, 12)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4  # inches: the width goes to the text
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True


def workbook(store: Store, year: int, today: date | None = None) -> bytes:
    """The year's 整改台账 workbook (xlsx bytes)."""
    today = today or date.today()
    found = rectify.items(store, year)
    wb = Workbook()
    wb.remove(wb.active)
    ledger = rectify.ledger_table(found, today, rectify.progress(store, year))[LEDGER_SHEET]
    _sheet(
        wb,
        "整改台账",
        f"{year}年度效能问题整改台账（截至 {today.isoformat()}）",
        ledger,
        LEDGER_WIDTHS,
        font_size=9,
    )
    progress = rectify.unit_progress(found, today)
    _sheet(wb, "分单位进度", f"{year}年度各单位整改进度", progress, {"单位": 18})
    hist = (
        RectifyStore(store)
        .year_history(year)
        .rename(columns={"item_id": "编号", "unit": "单位", **rectify.HISTORY_LABELS})
    )
    hist["时间"] = hist["时间"].astype(str).str[:19]
    _sheet(wb, "办理记录", f"{year}年度整改办理记录", hist, {"说明": 60, "时间": 20, "单位": 16})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_CSS = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC",
       "Microsoft YaHei", "SimSun", sans-serif; color: #111; margin: 0 auto; max-width: 190mm; }
h1 { text-align: center; font-size: 22pt; margin: 0 0 4mm; letter-spacing: 2pt; }
.sub { text-align: center; color: #444; margin-bottom: 6mm; }
table { width: 100%; border-collapse: collapse; font-size: 10.5pt; }
th, td { border: 1px solid #333; padding: 2mm; vertical-align: top; text-align: left; }
th { background: #e8eef7; white-space: nowrap; }
tr { page-break-inside: avoid; }
.status { white-space: nowrap; font-weight: bold; }
.nowrap { white-space: nowrap; }
.pre { white-space: pre-wrap; }
.foot { margin-top: 8mm; font-size: 10pt; color: #333; }
@media print { .noprint { display: none; } }
"""


def public_page(
    store: Store, user: accounts.User, year: int, unit: str, today: date | None = None
) -> str:
    """A unit's 整改 for the wall (上墙公开): problems, targets, measures, 责任人, 时限,
    status — a printable HTML page. Made by the office; the making is in the audit log."""
    accounts.authorize(user, "rectify_manage", year=year)
    today = today or date.today()
    shown = [i for i in rectify.items(store, year, unit=unit) if i.status != rectify.REVOKED]
    e = html.escape
    rows = "\n".join(
        "<tr>"
        f"<td>{n}</td><td>{e(i.problem)}</td><td>{e(i.target or '—')}</td>"
        f"<td class='pre'>{e(i.measures or '—')}</td><td>{e(i.owner or '—')}</td>"
        f"<td class='nowrap'>{e(i.due.isoformat() if i.due else '—')}</td>"
        f"<td class='status'>{e(i.status)}</td>"
        "</tr>"
        for n, i in enumerate(shown, start=1)
    )
    if not shown:
        rows = "<tr><td colspan='7'>本年度没有整改事项。</td></tr>"
    store.audit(user.name, "整改上墙公开", f"{year} 年度 {unit}：{len(shown)} 项")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{e(unit)} {year}年度效能问题整改公开</title>
<style>{_CSS}</style></head>
<body>
<h1>{e(unit)}效能问题整改公开</h1>
<div class="sub">{year} 年度 · 共 {len(shown)} 项 · 公开日期 {today.isoformat()}</div>
<table>
<thead><tr><th>序号</th><th>查摆问题</th><th>整改目标</th><th>整改措施</th>
<th>责任人</th><th>整改时限</th><th>状态</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<div class="foot">欢迎群众和服务对象监督、评议。对整改情况有意见建议的，请向市效能办反映。</div>
</body></html>
"""
