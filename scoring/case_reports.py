"""Printed outputs of the case register: a case's 通报 (反面典型) and the 专报.

Seed 002: 对检查、暗访中发现的反面典型，在全市范围内通报，对相关责任人问责; 专报推进:
每周一报 (活动专报), 每月双报, 问责专报 (随时向市领导报送). A 专报 covers a period: the cases
registered in it, the verifications made in it, the 问责 recorded in it, and every case
overdue at its end. Each comes as a PDF (A4, the same embedded CJK font as the annual
通报) and a workbook. A complainant's contact never appears in either.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from scoring import cases_store
from scoring.accounts import User, authorize
from scoring.cases import VERIFY_EVENT, overdue_on, register
from scoring.store import Store

__all__ = [
    "REPORT_KINDS",
    "CaseReport",
    "case_notice_pdf",
    "period_of",
    "period_report",
    "report_pdf",
    "report_workbook",
]

WEEKLY, MONTHLY, ACCOUNTABILITY = "每周一报", "每月双报", "问责专报"
REPORT_KINDS = (WEEKLY, MONTHLY, ACCOUNTABILITY)
OFFICE = "机关效能建设办公室"


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The period a report on ``day`` covers: its week (Monday–Sunday) for 每周一报, its
    calendar month for 每月双报 and 问责专报."""
    if kind == WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt - timedelta(days=1)


@dataclass(frozen=True)
class CaseReport:
    """One 专报: its kind and period, and its tables (Chinese headings)."""

    kind: str
    year: int
    start: date
    end: date
    new_cases: pd.DataFrame
    verifications: pd.DataFrame
    accountability: pd.DataFrame
    overdue: pd.DataFrame

    @property
    def title(self) -> str:
        return f"{self.kind}（{_cn(self.start)}至{_cn(self.end)}）"

    def summary(self) -> str:
        verified = int(self.verifications["核实结果"].isin(["属实", "部分属实"]).sum())
        parts = [
            f"本期新登记督查与投诉案件 {len(self.new_cases)} 件",
            f"完成核实 {len(self.verifications)} 件（属实或部分属实 {verified} 件）",
            f"问责 {len(self.accountability)} 人次",
            f"截至 {self.end.month}月{self.end.day}日 超期未办结 {len(self.overdue)} 件",
        ]
        if self.kind == ACCOUNTABILITY:
            parts = [parts[2], parts[1]]
        return "，".join(parts) + "。"

    def tables(self) -> list[tuple[str, pd.DataFrame]]:
        out = [("问责情况", self.accountability), ("核实情况", self.verifications)]
        if self.kind != ACCOUNTABILITY:
            out = [
                ("新登记案件", self.new_cases),
                ("核实情况", self.verifications),
                ("问责情况", self.accountability),
                ("超期未办结", self.overdue),
            ]
        return out


def _cn(d: date) -> str:
    """A date as 公文 write it: 2025年5月6日."""
    return f"{d.year}年{d.month}月{d.day}日"


def _d(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    return pd.Timestamp(v).date().isoformat()


def period_report(
    store: Store, year: int, kind: str, start: date, end: date, viewer: User | None
) -> CaseReport:
    """The cases, verifications, 问责 and overdue cases of a period (see module doc)."""
    authorize(viewer, "view", year=year)
    if kind not in REPORT_KINDS:
        raise ValueError(f"专报类型应为 {'、'.join(REPORT_KINDS)}")
    reg = register(store, year, viewer, today=end)
    in_period = reg[[start <= d <= end for d in reg["date"]]] if not reg.empty else reg
    new_cases = pd.DataFrame(
        {
            "案件编号": in_period["number"],
            "对象": in_period["unit"],
            "来源": in_period["source"],
            "日期": [_d(d) for d in in_period["date"]],
            "发现问题": in_period["finding"],
            "状态": in_period["status"],
        }
    )
    events = cases_store.events(store, year)
    days = pd.to_datetime(events["on"]).dt.date
    checks = events[(events["status"] == VERIFY_EVENT) & (days >= start) & (days <= end)]
    by_id = reg.set_index("id") if not reg.empty else reg
    verifications = pd.DataFrame(
        {
            "案件编号": checks["number"],
            "对象": checks["unit"],
            "核实日期": [_d(d) for d in checks["on"]],
            "核实结果": [str(n).split("，")[0].split("；")[0] for n in checks["note"]],
            "说明": checks["note"],
            "发现问题": [
                by_id.loc[i, "finding"] if i in by_id.index else "" for i in checks["case_id"]
            ],
        }
    )
    acc = cases_store.accountability(store, year)
    acc_days = pd.to_datetime(acc["date"]).dt.date
    acc = acc[(acc_days >= start) & (acc_days <= end)]
    accountability = pd.DataFrame(
        {
            "对象": acc["unit"],
            "问责对象": acc["person"],
            "问责方式": acc["measure"],
            "日期": [_d(d) for d in acc["date"]],
            "文号": acc["doc_no"].fillna(""),
            "出自": [
                f"案件 {n}" if isinstance(n, str) and n else (w or "")
                for n, w in zip(acc["case_number"], acc["warning"], strict=True)
            ],
        }
    )
    late = overdue_on(store, year, end, viewer)
    overdue = pd.DataFrame(
        {
            "案件编号": late["number"],
            "对象": late["unit"],
            "来源": late["source"],
            "日期": [_d(d) for d in late["date"]],
            "当时状态": late["status"],
            "应完成环节": late["next_stage"],
            "期限": [_d(d) for d in late["due"]],
        }
    )
    return CaseReport(kind, year, start, end, new_cases, verifications, accountability, overdue)


# -- PDF ------------------------------------------------------------------------------------


def _pdf(title: str):
    from fpdf import FPDF

    from scoring.publish import _cjk_font

    font, index = _cjk_font()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("cjk", "", font, collection_font_number=index)
    pdf.set_title(title)
    pdf.add_page()
    return pdf


def _head(pdf, doc_line: str, title: str) -> None:
    """A 公文-style head: the office in red, the document line, a red rule, the title."""
    pdf.set_text_color(200, 0, 0)
    pdf.set_font("cjk", size=24)
    pdf.cell(0, 16, OFFICE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, doc_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(200, 0, 0)
    pdf.set_line_width(0.8)
    y = pdf.get_y() + 1
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(7)
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
    pdf.ln(3)


def _para(pdf, text: str, size: int = 12) -> None:
    pdf.set_font("cjk", size=size)
    pdf.multi_cell(0, 8, "　　" + text, new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")


def _table(pdf, frame: pd.DataFrame, widths: tuple[int, ...] | None = None) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font("cjk", size=8)
    header = FontFace(emphasis=None, fill_color=(221, 235, 247))
    with pdf.table(col_widths=widths, headings_style=header, line_height=5) as t:
        row = t.row()
        for c in frame.columns:
            row.cell(str(c))
        for rec in frame.itertuples(index=False):
            row = t.row()
            for v in rec:
                row.cell("" if v is None or (isinstance(v, float) and v != v) else str(v))


def case_notice_pdf(
    store: Store, case_id: int, viewer: User | None, *, today: date | None = None
) -> bytes:
    """The 通报 of one verified case (反面典型): what was found, the verification, the
    points it carries and the 问责, on a 公文-style first page. Refused for a case not
    verified as 属实/部分属实 — a 通报 names a unit, so it rests on a verified finding."""
    row = cases_store.case(store, int(case_id))
    if row is None:
        raise ValueError(f"没有编号为 {case_id} 的案件")
    year = int(row["year"])
    authorize(viewer, "view", year=year)
    verdict = row["verdict"] if isinstance(row["verdict"], str) else None
    if verdict not in ("属实", "部分属实"):
        raise ValueError(f"案件 {row['number']} 尚未核实为属实或部分属实，不能作为反面典型通报")
    today = today or date.today()
    title = f"关于{row['unit']}{row['source']}发现问题的通报"
    pdf = _pdf(title)
    _head(pdf, f"效能通报〔{today.year}〕案件 {row['number']} 号", title)
    pdf.set_font("cjk", size=12)
    pdf.multi_cell(0, 8, "各县区、市直各单位：", new_x="LMARGIN", new_y="NEXT")
    found = pd.Timestamp(row["date"]).date()
    _para(
        pdf,
        f"{_cn(found)}，市{OFFICE}在{row['source']}中发现，{row['unit']}存在以下问题："
        f"{row['finding']}。",
    )
    points = row["points"]
    carried = ""
    if points is not None and points == points and points != 0:
        carried = f"按年度考评方案，在{year}年度机关效能考评中{'扣' if points < 0 else '加'}"
        carried += f" {abs(points):g} 分"
        carried += "。" if not row["veto"] else "，并实行一票否决。"
    elif row["veto"]:
        carried = f"按年度考评方案，在{year}年度机关效能考评中实行一票否决。"
    _para(pdf, f"经调查核实，上述问题{verdict}。{carried}")
    acc = cases_store.accountability(store, year)
    acc = acc[acc["case_id"] == int(case_id)]
    if not acc.empty:
        words = "；".join(
            f"对{r.person}予以{r.measure}"
            + (f"（{r.doc_no}）" if isinstance(r.doc_no, str) else "")
            for r in acc.itertuples(index=False)
        )
        _para(pdf, f"根据有关规定，{words}。")
    _para(
        pdf,
        "现予以通报。各单位要引以为戒，举一反三，认真查找本单位在工作作风、工作纪律、"
        "服务态度等方面存在的问题，切实加以整改，不断提高机关行政效能。",
    )
    if isinstance(row["doc_no"], str) and row["doc_no"]:
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(0, 7, f"依据：{row['doc_no']}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, f"市{OFFICE}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, _cn(today), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def report_pdf(report: CaseReport, *, today: date | None = None) -> bytes:
    """A 专报 as PDF: 公文-style head, the summary, one table per part."""
    today = today or date.today()
    pdf = _pdf(report.title)
    _head(pdf, f"{report.kind}　{_cn(today)}", f"督查与投诉{report.title}")
    _para(pdf, report.summary())
    widths = {
        "新登记案件": (20, 34, 16, 20, 70, 14),
        "核实情况": (20, 34, 20, 18, 40, 42),
        "问责情况": (34, 30, 20, 20, 36, 34),
        "超期未办结": (20, 40, 18, 22, 18, 20, 22),
    }
    for name, frame in report.tables():
        pdf.ln(2)
        pdf.set_font("cjk", size=13)
        pdf.cell(0, 9, f"{name}（{len(frame)}）", new_x="LMARGIN", new_y="NEXT")
        if frame.empty:
            pdf.set_font("cjk", size=10)
            pdf.cell(0, 7, "本期无。", new_x="LMARGIN", new_y="NEXT")
            continue
        _table(pdf, frame, widths.get(name))
    return bytes(pdf.output())


def report_workbook(report: CaseReport) -> bytes:
    """A 专报 as a workbook: a 说明 sheet with the summary, then one sheet per part."""
    from openpyxl import Workbook

    from scoring.publish import _sheet

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = f"督查与投诉{report.title}"
    ws["A2"] = report.summary()
    ws.column_dimensions["A"].width = 100
    for name, frame in report.tables():
        _sheet(wb, name, f"{name}（{report.start}至{report.end}）", frame)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
