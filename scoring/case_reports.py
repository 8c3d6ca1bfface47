"""Printed outputs of the case register: a case's 通报 (反面典型) and the 专报.

Seed 002: 对检查、暗访中发现的反面典型，在全市范围内通报，对相关责任人问责; 专报推进:
每周一报 (活动专报), 每月双报, 问责专报 (随时向市领导报送). A 专报 covers a period: the cases
registered in it, the verifications made in it, the 问责 recorded in it, and every case
overdue at its end. Each comes as a PDF (A4, the same embedded CJK font as the annual
通报) and a workbook. A complainant's contact never appears in either.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from scoring import cases_store
from scoring.accounts import User, authorize
from scoring.cases import VERIFY_EVENT, WITHDRAWN, overdue_on, register
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
    # Cases of the period withdrawn (登记错误、重复登记): not registered cases, listed apart.
    withdrawn: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:
        return f"{self.kind}（{period_cn(self.start, self.end)}）"

    def summary(self) -> str:
        verified = int(self.verifications["核实结果"].isin(["属实", "部分属实"]).sum())
        apart = (
            f"（另有 {len(self.withdrawn)} 件登记后撤销，不计入）" if len(self.withdrawn) else ""
        )
        parts = [
            f"本期新登记督查与投诉案件 {len(self.new_cases)} 件{apart}",
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
                *([("撤销的案件", self.withdrawn)] if len(self.withdrawn) else []),
                ("核实情况", self.verifications),
                ("问责情况", self.accountability),
                ("超期未办结", self.overdue),
            ]
        return out


def _cn(d: date) -> str:
    """A date as 公文 write it: 2025年5月6日."""
    return f"{d.year}年{d.month}月{d.day}日"


def period_cn(start: date, end: date) -> str:
    """A period as 公文 write it, the end without what it shares with the start:
    2026年1月26日至2月1日, 2025年11月24日至30日; both whole across a new year.

    >>> period_cn(date(2025, 11, 24), date(2025, 11, 30))
    '2025年11月24日至30日'
    >>> period_cn(date(2025, 12, 29), date(2026, 1, 4))
    '2025年12月29日至2026年1月4日'
    """
    if start.year != end.year:
        tail = _cn(end)
    elif start.month != end.month:
        tail = f"{end.month}月{end.day}日"
    else:
        tail = f"{end.day}日"
    return f"{_cn(start)}至{tail}"


def _d(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    return pd.Timestamp(v).date().isoformat()


def _case_columns(frame: pd.DataFrame) -> dict[str, object]:
    """The columns that name a case in a report's table: 案件编号, 对象, 来源, 日期."""
    return {
        "案件编号": frame["number"],
        "对象": frame["unit"],
        "来源": frame["source"],
        "日期": [_d(d) for d in frame["date"]],
    }


def period_report(
    store: Store, year: int, kind: str, start: date, end: date, viewer: User | None
) -> CaseReport:
    """The cases, verifications, 问责 and overdue cases of a period (see module doc)."""
    authorize(viewer, "view", year=year)
    if kind not in REPORT_KINDS:
        raise ValueError(f"专报类型应为 {'、'.join(REPORT_KINDS)}")
    reg = register(store, year, viewer, today=end)
    in_period = reg[[start <= d <= end for d in reg["date"]]] if not reg.empty else reg
    gone = in_period["status"] == WITHDRAWN
    kept, dropped = in_period[~gone], in_period[gone]
    new_cases = pd.DataFrame(
        {
            **_case_columns(kept),
            "发现问题": kept["finding"],
            "状态": kept["status"],
        }
    )
    events = cases_store.events(store, year)
    why = events[events["status"] == WITHDRAWN].groupby("case_id")["note"].last()
    withdrawn = pd.DataFrame(
        {
            **_case_columns(dropped),
            "发现问题": dropped["finding"],
            "撤销原因": [str(why.get(i, "") or "") for i in dropped["id"]],
        }
    )
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
            **_case_columns(late),
            "当时状态": late["status"],
            "应完成环节": late["next_stage"],
            "期限": [_d(d) for d in late["due"]],
        }
    )
    return CaseReport(
        kind, year, start, end, new_cases, verifications, accountability, overdue, withdrawn
    )


# -- PDF (公文 layout: scoring.document, the same building blocks as the annual 通报) -------


def _doc(title: str):
    from scoring.document import FontMissing, OfficialDocument

    try:
        return OfficialDocument(title)
    except FontMissing as exc:
        raise ValueError(str(exc)) from exc


def case_notice_pdf(
    store: Store,
    case_id: int,
    viewer: User | None,
    *,
    today: date | None = None,
    letterhead=None,
) -> bytes:
    """The 通报 of one verified case (反面典型): what was found, the verification, the
    points it carries and the 问责, as a 公文 like the annual 通报. Refused for a case not
    verified as 属实/部分属实 — a 通报 names a unit, so it rests on a verified finding."""
    from dataclasses import replace

    from scoring.document import Letterhead, cjk_text

    row = cases_store.case(store, int(case_id))
    if row is None:
        raise ValueError(f"没有编号为 {case_id} 的案件")
    year = int(row["year"])
    authorize(viewer, "view", year=year)
    verdict = row["verdict"] if isinstance(row["verdict"], str) else None
    if verdict not in ("属实", "部分属实") or row["status"] == "已撤销":
        raise ValueError(f"案件 {row['number']} 尚未核实为属实或部分属实，不能作为反面典型通报")
    today = today or date.today()
    head = letterhead or Letterhead()
    serial = str(row["number"]).rsplit("-", 1)[-1].lstrip("0") or "0"
    head = replace(head, date=today, number=head.number or f"效通〔{year}〕{serial}号")
    title = f"关于{row['unit']}{row['source']}发现问题的通报"
    doc = _doc(title)
    doc.letterhead(head)
    doc.title(title)
    doc.addressee(head.addressee)
    found = pd.Timestamp(row["date"]).date()
    doc.paragraph(
        cjk_text(
            f"{_cn(found)}，{head.issuer}在{row['source']}中发现，{row['unit']}存在以下问题："
            f"{str(row['finding']).rstrip('。')}。"
        )
    )
    points = row["points"]
    carried = ""
    if points is not None and points == points and points != 0:
        carried = (
            f"按年度考评方案，在{year}年度机关效能考评中{'扣' if points < 0 else '加'}"
            f"{abs(points):g}分" + ("，并实行一票否决。" if row["veto"] else "。")
        )
    elif row["veto"]:
        carried = f"按年度考评方案，在{year}年度机关效能考评中实行一票否决。"
    doc.paragraph(cjk_text(f"经调查核实，上述问题{verdict}。{carried}"))
    acc = cases_store.accountability(store, year)
    acc = acc[acc["case_id"] == int(case_id)]
    if not acc.empty:
        words = "；".join(
            f"对{r.person}予以{r.measure}"
            + (f"（{r.doc_no}）" if isinstance(r.doc_no, str) else "")
            for r in acc.itertuples(index=False)
        )
        doc.paragraph(cjk_text(f"根据有关规定，{words}。"))
    doc.paragraph(
        "现予以通报。各单位要引以为戒，举一反三，认真查找本单位在工作作风、工作纪律、"
        "服务态度等方面存在的问题，切实加以整改，不断提高机关行政效能。"
    )
    if isinstance(row["doc_no"], str) and row["doc_no"]:
        doc.paragraph(f"（依据：{row['doc_no']}）")
    doc.signature(head)
    return doc.output()


WIDTHS = {
    "新登记案件": (20, 34, 16, 22, 50, 14),
    "撤销的案件": (20, 34, 16, 22, 44, 24),
    "核实情况": (20, 32, 22, 16, 32, 34),
    "问责情况": (30, 28, 18, 22, 32, 26),
    "超期未办结": (20, 34, 18, 22, 18, 20, 24),
}


def report_pdf(report: CaseReport, *, today: date | None = None, letterhead=None) -> bytes:
    """A 专报 as a 公文: 版头, title, the summary in words, one table per part, the 落款.

    The 落款 never stands alone on a page: when it would, the document is laid out once
    more with its last part (heading and table, or 「本期无。」) moved to the 落款's page."""
    from dataclasses import replace

    from scoring.document import Letterhead

    today = today or date.today()
    head = replace(letterhead or Letterhead(), date=today)
    # 期: the ISO week of a 每周一报 (of the ISO year: 29 December 2025 opens 2026's
    # first week), the month otherwise.
    iso = report.start.isocalendar()
    of, issue = (
        (iso[0], iso[1]) if report.kind == WEEKLY else (report.start.year, report.start.month)
    )
    head = replace(head, number=head.number or f"{report.kind}　{of}年第{issue}期")
    doc, last_part, alone = _report_document(report, head)
    if alone and last_part:
        doc, _, _ = _report_document(report, head, keep_last=last_part)
    return doc.output()


def _report_document(report: CaseReport, head, keep_last: float = 0.0):
    """The 专报 laid out; with the height of its last part (mm, on one page; 0 when it
    ran over a page) and whether the 落款 went to a page of its own. ``keep_last``: that
    height, kept on one page with the 落款."""
    from scoring.document import cjk_text

    title = f"督查与投诉{report.title}"
    doc = _doc(title)
    doc.letterhead(head)
    doc.title(title)
    doc.paragraph(cjk_text(report.summary()))
    parts = report.tables()
    pdf = doc.pdf
    page, top = pdf.page, pdf.get_y()
    for i, (name, frame) in enumerate(parts, start=1):
        if i == len(parts):
            if keep_last:
                doc.keep_together(keep_last + doc.closing_height(()))
            page, top = pdf.page, pdf.get_y()
        doc.heading(f"{'一二三四五六'[i - 1]}、{name}（{len(frame)}）")
        if frame.empty:
            doc.paragraph("本期无。")
            continue
        doc.table(frame, WIDTHS.get(name, tuple(156 / len(frame.columns) for _ in frame.columns)))
    last_part = pdf.get_y() - top if pdf.page == page else 0.0
    before = pdf.page
    doc.signature(head)
    return doc, last_part, pdf.page != before


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
