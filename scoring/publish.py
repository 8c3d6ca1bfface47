"""Publishing the annual results (结果发布): the workbook, the charts and the printed report.

"考核结果在全市公开": ``publish(store, year, out_dir)`` writes
- ``{year}年度机关效能考评结果.xlsx``: one sheet per group, 告诫名单, 评优名单, and
  a 说明 sheet naming the scheme version and the uploads behind the results;
- ``charts/*.png`` and ``charts/*.svg``: the dashboard's own figures (scoring.charts);
- ``{year}年度机关效能考评结果通报.pdf``: A4, in Chinese.

Static charts are drawn by Debian's Chromium (never a downloaded browser), one page
for all of them (scoring.chart_export), started first so that it loads while the
year is computed and draws while the PDF and the workbook are made; the PDF
embeds Noto Serif CJK from Debian's fonts-noto-cjk. Either missing gives a
``PublishError`` in Chinese saying what to install.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from copy import copy
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from scoring import chart_export, charts, results
from scoring.accounts import User, authorize
from scoring.document import FontMissing, Letterhead, OfficialDocument, chinese_date
from scoring.explain_scheme import rules as scheme_rules
from scoring.formats import fmt, fmt_rate
from scoring.names import Names, safe_name
from scoring.results import Results
from scoring.store import Store, Upload
from scoring.tables import (
    TABLE_FORMATS,
    fmt_count,
    honours_table,
    ranking_table,
    warnings_table,
)

__all__ = [
    "Letterhead",
    "Names",
    "Notice",
    "PublishError",
    "Published",
    "chart_figures",
    "publish",
    "report_pdf",
    "safe_name",
    "workbook",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GRADE_FILLS = {"优秀": "C8E6C9", "良好": "BBDEFB", "一般": "FFF59D", "较差": "FFCDD2"}
THIN = Side(style="thin", color="BBBBBB")
BOX = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)


class PublishError(RuntimeError):
    """Publishing cannot proceed; the message says what to install or fix, in Chinese."""


@dataclass(frozen=True)
class Published:
    workbook: Path
    report: Path
    charts: tuple[Path, ...]
    seconds: float
    # Where the time went (benchmarks/publish_bench.py): (phase, seconds) in order.
    phases: tuple[tuple[str, float], ...] = ()
    # The frozen record (结果公示) the files show: its version and status.
    version: int = 0
    status: str = ""
    # The last day of its 公示期 (None for a record published without one).
    period_end: date | None = None


@dataclass(frozen=True)
class Notice:
    """The 公示 the 通报 announces: objections until ``period_end``; ``final`` once the
    record is 正式发布 (the notice is over)."""

    period_end: date | None
    final: bool = False

    def sentence(self, issuer: str) -> str:
        """The paragraph of the 通报 that says until when objections are taken."""
        until = f"（公示期至{chinese_date(self.period_end)}）" if self.period_end else ""
        if self.final:
            return f"以上考评结果已经公示{until}，现正式发布。"
        if self.period_end is None:
            return f"以上考评结果自即日起公示。对考评结果有异议的，可向{issuer}书面提出申诉。"
        return (
            f"以上考评结果自即日起公示，公示期至{chinese_date(self.period_end)}。"
            f"公示期内对考评结果有异议的，可向{issuer}书面提出申诉，逾期不再受理。"
        )


class _Clock:
    """Seconds of each phase of a publication, for the benchmark's breakdown."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.phases: list[tuple[str, float]] = []

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases.append((phase, now - self.last))
        self.last = now


def title_of(year: int) -> str:
    return f"{year}年度机关效能考评结果通报"


# -- one publication at a time per year ---------------------------------------------------

_LOCKS: dict[tuple[str, int], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _year_lock(store: Store, year: int) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((str(getattr(store, "path", id(store))), year), threading.Lock())


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
    """One sheet: a title row, a header with an autofilter, bordered rows, A4 landscape.
    ``name`` must already be a safe, unique sheet name (Names)."""
    ws = wb.create_sheet(name)
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
    # Each distinct cell style of the sheet is made once and then copied: openpyxl looks
    # a style object up in the workbook's tables by hashing it on every assignment,
    # which was most of the time spent writing the workbook.
    styles: dict[tuple, StyleArray] = {}
    grade_at = columns.index(grade_column) + 1 if grade_column else 0
    for r, row in enumerate(frame.itertuples(index=False), start=3):
        grade = row[grade_at - 1] if grade_at else None
        fill = GRADE_FILLS.get(grade) if isinstance(grade, str) else None
        for c, value in enumerate(row, start=1):
            cell = _put(ws, r, c, value)
            wrap = isinstance(value, str) and len(value) > 30  # long reasons wrap in the cell
            key = (c, cell.quotePrefix, wrap, fill if c == grade_at else None)
            style = styles.get(key)
            if style is not None:
                cell._style = copy(style)
                continue
            cell.border = BOX
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            fmt = (formats or {}).get(columns[c - 1])
            if fmt:
                cell.number_format = fmt
            if key[3]:
                cell.fill = PatternFill("solid", fgColor=key[3])
            styles[key] = copy(cell._style)
    for c, name_ in enumerate(columns, start=1):
        longest = max([len(str(name_))] + [len(str(v)) for v in frame[name_].tolist()[:500]])
        ws.column_dimensions[get_column_letter(c)].width = min(60, max(8, 1.8 * longest + 2))
    if columns:
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A2:{last}{max(2, len(frame) + 2)}"
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1


def source_name(source: str) -> str:
    """The Chinese name of an upload's source (万人评议, 加减分 …) for files and lists."""
    from scoring.sources import SOURCE_NAMES

    return SOURCE_NAMES.get(source, source)


def workbook(res: Results, uploads: list[Upload]) -> bytes:
    """The results workbook as the office sends it out: 全部单位, one sheet per group,
    告诫名单, 评优名单, 说明 (scheme, uploads, and any name changed to fit a sheet)."""
    import pandas as pd

    wb = Workbook()
    wb.remove(wb.active)
    formats = TABLE_FORMATS
    names = Names(limit=31, taken=("全部单位", "告诫名单", "评优名单", "说明"))
    all_units = ranking_table(res)
    _sheet(wb, "全部单位", f"{res.year}年度全部参评单位考评结果", all_units, formats, "等次")
    for group in res.groups:
        frame = ranking_table(res, group).drop(columns=["考核类别"])
        _sheet(wb, names(group), f"{res.year}年度{group}考评结果", frame, formats, "等次")
    _sheet(wb, "告诫名单", f"{res.year}年度告诫名单", warnings_table(res.warnings))
    _sheet(wb, "评优名单", f"{res.year}年度最佳科室和最佳公务员", honours_table(res))
    about = pd.DataFrame(
        [
            ("考评方案", res.scheme.name),
            ("方案版本", res.scheme_version or "默认方案"),
            ("生成时间", time.strftime("%Y-%m-%d %H:%M:%S")),
        ]
        + [
            (
                f"上传 {u.id}",
                f"{u.file}（{source_name(u.source)}，{fmt_count(u.rows)} 行，{u.at}，{u.user}，"
                f"sha256 {u.sha256[:16]}…）",
            )
            for u in uploads
        ]
        + [(f"工作表「{short}」", f"即考核类别「{full}」") for short, full in names.changed]
        + [
            (f"规则：{section}", line)
            for section, lines in scheme_rules(res.scheme)
            for line in lines
        ],
        columns=["项目", "内容"],
    )
    _sheet(wb, "说明", f"{res.year}年度考评结果的依据", about)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- charts -------------------------------------------------------------------------------


def chart_figures(res: Results, previous: Results | None = None) -> dict[str, go.Figure]:
    """Every published chart by file stem (the same builders as the dashboard); group
    names are made safe for file names (Names), the figures keep the real names."""
    figs: dict[str, go.Figure] = {}
    stems = Names(limit=80)
    for i, group in enumerate(res.groups, start=1):
        figs[stems(f"{i:02d}-排名-{group}")] = charts.ranking_bars(res, group)
    figs["20-等次分布"] = charts.grade_distribution(res)
    figs["21-综合得分分布"] = charts.composite_box(res)
    sat = res.satisfaction_by_item()
    if not sat.empty:
        figs["22-分项满意率"] = charts.satisfaction_by_item(sat, res.year)
    if previous is not None:
        for i, group in enumerate(res.groups, start=1):
            if any(previous.unit(u.unit) for u in res.ranked(group)):
                figs[stems(f"{30 + i}-名次变化-{group}")] = charts.movement(res, previous, group)
    return figs


def section_groups(res: Results) -> set[str]:
    """Groups made of 科室 (internal sections): in the 通报 they go to the annex."""
    return {g for g in res.groups if all(u.type == "科室" for u in res.ranked(g))}


def report_charts(res: Results, pngs: Mapping[str, Path]) -> dict[str, Path]:
    """The PNGs the 通报 carries: the departments' rankings, grades and item rates."""
    annex = {safe_name(g) for g in section_groups(res)}
    return {
        k: v
        for k, v in pngs.items()
        if any(word in k for word in REPORT_CHARTS) and not any(k.endswith(a) for a in annex)
    }


# -- report ---------------------------------------------------------------------------

PDF_COLUMNS = ["排名", "单位名称", "综合得分", "等次", "万人评议", "绩效考核", "勤廉测评", "加减分"]
PDF_WIDTHS = (9, 34, 14, 10, 14, 14, 14, 12, 37)
VETO_FILL = (255, 224, 224)


def _ranking_rows(res: Results, group: str):
    """The rows of a group's table in the 通报: the scores, then 提示 — 一票否决 and its
    reason first (so the row of a vetoed unit says at once why it is last), then the
    warnings, then the other notes."""
    table = ranking_table(res, group)
    hints = []
    for warn, note in zip(table["告诫"], table["提示"], strict=True):
        parts = [x for x in note.split("；") if x]
        veto = [x for x in parts if x.startswith("一票否决")]
        rest = [x for x in parts if not x.startswith("一票否决")]
        warnings_ = "、".join(w for w in warn.split("、") if w and w != "一票否决")
        hints.append("；".join([*veto, *([warnings_] if warnings_ else []), *rest]))
    return table[PDF_COLUMNS].assign(提示=hints)


def report_pdf(
    res: Results,
    chart_pngs: Mapping[str, Path] | Callable[[], Mapping[str, Path]],
    letterhead: Letterhead | None = None,
    notice: Notice | None = None,
) -> bytes:
    """The printable 通报 (A4, 公文 layout): 版头, title, summary (ending with the 公示
    and its period when ``notice`` is given), the 落款; then the annexes
    — rankings of the departments' groups with 提示, warnings with reasons and evidence,
    honours with the rule that selected them, charts, and the 科室 groups.

    ``chart_pngs`` may be a function giving them, called when the annex of charts is
    reached: publishing lays out the text and tables while Chromium draws the charts."""
    head = letterhead or Letterhead()
    title = report_title(res.year)
    try:
        doc = OfficialDocument(title)
    except FontMissing as exc:
        raise PublishError(str(exc)) from exc
    doc.letterhead(head)
    doc.title(title)
    doc.addressee(head.addressee)
    annex_groups = section_groups(res)
    main_groups = [g for g in res.groups if g not in annex_groups]
    annexes = ["各类别考评结果", "告诫名单", "最佳科室和最佳公务员", "考评图表"]
    if annex_groups:
        annexes.append("科室考评结果")
    titles = [f"{res.year}年度{a}" for a in annexes]
    notice_text = notice.sentence(head.issuer) if notice is not None else ""
    others = [g for g in res.groups if g in annex_groups]
    in_annex = (
        f"{'、'.join(others)}共 {sum(len(res.ranked(g)) for g in others)} 个单位的考评结果"
        f"见附件{len(annexes)}。"
        if others
        else ""
    )
    _report_body(doc, res, main_groups, doc.closing_height(titles), notice_text, in_annex)
    doc.attachments(titles)
    doc.signature(head)
    _report_annexes(doc, res, main_groups, [g for g in res.groups if g in annex_groups], chart_pngs)
    return doc.output()


def _group_sentence(res: Results, group: str) -> str:
    ranked = res.ranked(group)
    top = [u.unit for u in ranked if u.rank == 1]
    last = [u for u in ranked if u.rank == ranked[-1].rank] if ranked else []
    text = f"{group}共 {len(ranked)} 个单位，第一名为{'、'.join(top)}"
    if last and len(ranked) > 1:
        text += f"，末位为{'、'.join(u.unit for u in last)}"
        vetoed = [u.unit for u in last if u.vetoed]
        if vetoed:
            text += f"（{'、'.join(vetoed)}被一票否决）"
    return text + "。"


def _report_body(
    doc: OfficialDocument,
    res: Results,
    main_groups: list[str],
    closing: float,
    notice: str = "",
    in_annex: str = "",
) -> None:
    """正文: the summary, then 一、考评结果 (ending with ``in_annex``: the groups whose
    results are in an annex only) 二、告诫 三、评优 四、工作要求 and the ``notice`` of 公示;
    its last lines share a page with the ``closing`` mm of 附件说明 and 落款."""
    from scoring.explain_scheme import honour_rules

    s = res.summary()
    grades = "，".join(f"{g} {n} 个" for g, n in s.grades.items())
    doc.paragraph(
        f"根据《{res.scheme.name}》，{res.year}年度机关效能考评已经完成。共有 {s.units} 个"
        f"单位参加 {s.groups} 个考核类别的排名，收回万人评议问卷 {fmt_count(s.ballots)} 份，"
        f"平均满意率 {fmt_rate(s.mean_satisfaction)}。考评等次：{grades}。"
        "现将有关情况通报如下。"
    )
    doc.heading("一、考评结果")
    for group in main_groups:
        doc.paragraph(_group_sentence(res, group))
    if in_annex:
        doc.paragraph(in_annex)
    doc.heading("二、告诫")
    if s.warnings_by_kind:
        named = []
        for k in s.warnings_by_kind:
            units = list(dict.fromkeys(w.unit for w in res.warnings if w.kind == k))
            listed = "、".join(units) if len(units) <= 10 else f"{len(units)} 个单位"
            named.append(f"{k}：{listed}")
        doc.paragraph("对下列单位予以告诫：" + "；".join(named) + "。事由与依据见附件2。")
    else:
        doc.paragraph("本年度没有单位受到告诫。")
    doc.heading("三、评优")
    rules = honour_rules(res.scheme)
    by_kind: dict[str, list[str]] = {}
    for h in res.honours:
        by_kind.setdefault(h.kind, []).append(f"{h.unit}（{h.scope}）")
    for kind, names in by_kind.items():
        listed = "、".join(names) if len(names) <= 6 else f"{len(names)} 名，名单见附件3"
        doc.paragraph(f"{kind}：{listed}。评选规则：{rules.get(kind, '')}")
    if not by_kind:
        doc.paragraph("本年度没有单位或个人符合评优条件。")
    last = (
        "各单位要对照考评结果认真查找问题、分析原因、落实整改；受到告诫的单位要按规定"
        "提交整改报告，整改情况纳入下一年度考评。"
    )
    # The body flows on to its end; only its last lines go to the next page with the
    # 附件说明 and 落款 when these do not fit below (a 落款 never stands on a page without
    # body text above it). A heading with one short paragraph moves with them whole.
    if not notice and doc.line_count(last) <= 3:
        doc.keep_together(doc.LINE + doc.paragraph_height(last) + closing)
    doc.heading("四、工作要求")
    doc.paragraph(last, keep_with=0.0 if notice else closing)
    if notice:
        doc.paragraph(notice, keep_with=closing)


def _vetoed_row(rec) -> tuple[int, int, int] | None:
    return VETO_FILL if "一票否决" in str(rec.get("提示", "")) else None


def _report_annexes(
    doc: OfficialDocument,
    res: Results,
    main_groups: list[str],
    section_groups_: list[str],
    chart_pngs: Mapping[str, Path] | Callable[[], Mapping[str, Path]],
) -> None:
    """附件 1–5: rankings with 提示, warnings, honours with their rules, charts, 科室."""
    from scoring.explain_scheme import honour_rules

    def rankings(groups: list[str]) -> None:
        for group in groups:
            frame = _ranking_rows(res, group)
            doc.caption(f"{group}（{len(frame)} 个单位）")
            doc.table(frame, PDF_WIDTHS, fmt, _vetoed_row)

    doc.annex(1, f"{res.year}年度各类别考评结果")
    rankings(main_groups)
    doc.annex(2, f"{res.year}年度告诫名单")
    warns = warnings_table(res.warnings)
    if warns.empty:
        doc.paragraph("本年度没有单位受到告诫。")
    else:
        doc.table(warns, (30, 22, 20, 74, 10), fmt)
    doc.annex(3, f"{res.year}年度最佳科室和最佳公务员")
    for kind, rule in honour_rules(res.scheme).items():
        doc.paragraph(f"{kind}评选规则：{rule}", size=11)
    honours = honours_table(res)
    if not honours.empty:
        doc.table(honours, (22, 38, 40, 56), fmt)
    doc.annex(4, f"{res.year}年度考评图表")
    for png in (chart_pngs() if callable(chart_pngs) else chart_pngs).values():
        doc.image(png)
    if section_groups_:
        doc.annex(5, f"{res.year}年度科室考评结果")
        rankings(section_groups_)


def report_title(year: int) -> str:
    """The 通报's title as an office words it."""
    return f"关于{year}年度机关效能考评结果的通报"


# -- all of it ----------------------------------------------------------------------------


REPORT_CHARTS = ("排名", "等次分布", "分项满意率")


def _new_version_note(store: Store, res: Results, reason: str) -> str:
    """The note of a new version published with the office's ``reason``: the reason and
    every unit and figure it changes against the latest version ("" without a reason,
    or when nothing changes: the latest version is then re-used)."""
    from scoring import publication

    record = publication.published(store, res.year)
    changed = [] if record is None or not reason.strip() else publication.differences(record, res)
    if not changed:
        return ""
    assert record is not None  # changed is empty without one
    return (
        f"重新发布：{reason.strip()}。与第 {record['version']} 版相比共变动 "
        f"{publication.changes_text(changed)}。"
    )


def publish(
    store: Store,
    year: int,
    out_dir: str | os.PathLike,
    user: User,
    progress: Callable[[float], None] | None = None,
    letterhead: Letterhead | None = None,
    period_end: date | None = None,
    reason: str = "",
) -> Published:
    """Write the workbook, the charts and the report for ``year`` into ``out_dir``.

    The results are frozen as the 公示 record (scoring.publication) whose 公示期 ends on
    ``period_end``: by default the end already announced for the version in 公示, else
    7 days after the 成文日期. The 通报 says until when objections are taken.

    Current results equal to the latest version re-use it (no new version); results
    that differ are refused (``publication.NeedsConfirmation`` naming the differences)
    unless the office gives a ``reason``: then they are a new version, in 公示 again
    with its own period, whose note gives the reason and every difference.

    One publication of a year at a time (a second one is refused with a message, not
    queued); everything is built in a temporary folder inside ``out_dir`` and moved
    into place at the end, so a failure leaves neither half-written files nor litter."""
    authorize(user, "publish")
    lock = _year_lock(store, year)
    if not lock.acquire(blocking=False):
        raise PublishError(
            f"{year} 年度的结果正在由另一位用户（或另一个窗口）发布，请等它完成后再试。"
        )
    try:
        return _publish(store, year, Path(out_dir), user, progress, letterhead, period_end, reason)
    finally:
        lock.release()


def _publish(
    store: Store,
    year: int,
    out: Path,
    user: User,
    progress: Callable[[float], None] | None,
    letterhead: Letterhead | None,
    period_end: date | None,
    reason: str = "",
) -> Published:
    start = time.perf_counter()
    head = letterhead or Letterhead()
    if period_end is not None and period_end <= head.date:
        raise PublishError(f"公示期截止日期（{period_end}）应晚于通报的成文日期（{head.date}）。")
    clock = _Clock()
    out.mkdir(parents=True, exist_ok=True)
    try:  # Chromium starts (and loads plotly.js) while the year is computed
        exporter = chart_export.Exporter()
    except chart_export.ExportError as exc:
        raise PublishError(str(exc)) from exc
    with exporter:  # closed last: it closes itself once the charts are drawn
        with tempfile.TemporaryDirectory(prefix=".publish-", dir=out) as tmp_name:
            previous = results.compute(store, year - 1) if year - 1 in store.years() else None
            res = results.compute(store, year, previous=previous)
            clock("compute")
            from scoring import publication  # the figures published are frozen as a snapshot

            end = period_end or publication.period_default(store, year, head.date, res=res)
            version = publication.snapshot(
                store,
                year,
                user,
                period_end=end,
                note=_new_version_note(store, res, reason),
                res=res,
            )
            record = publication.published(store, year, version) or {}
            notice = Notice(
                publication.stored_date(record.get("period_end")),
                record.get("status") == publication.FINAL,
            )
            clock("snapshot")
            figs = chart_figures(res, previous)
            clock("figures")
            tmp = Path(tmp_name)
            # The charts are drawn while the PDF's text and tables are made, the PDF's own
            # first; the others while it embeds those and the workbook is made.
            in_report = list(report_charts(res, {stem: Path(stem) for stem in figs}))
            first = {k: figs[k] for k in in_report} | figs
            job = exporter.submit(first, tmp / "charts", last=True)
            written: list[Path] = []

            def drawn() -> list[Path]:
                if not written:
                    try:
                        written.extend(job.result(progress))
                    except chart_export.ExportError as exc:
                        raise PublishError(str(exc)) from exc
                    order = {stem: i for i, stem in enumerate(figs)}  # the figures' order
                    written.sort(key=lambda p: (order.get(p.stem, len(order)), p.suffix))
                return written

            def report_pngs() -> dict[str, Path]:
                """The report's PNGs, once drawn: called when the PDF reaches its charts."""
                clock("PDF up to the charts")
                try:
                    pngs = job.pngs_of(in_report, progress)
                except chart_export.ExportError as exc:
                    raise PublishError(str(exc)) from exc
                clock("waiting for the report's charts")
                return pngs

            report = f"{title_of(year)}.pdf"
            (tmp / report).write_bytes(report_pdf(res, report_pngs, head, notice))
            clock("PDF charts and output")
            book = f"{year}年度机关效能考评结果.xlsx"
            (tmp / book).write_bytes(workbook(res, store.uploads(year)))
            clock("workbook")
            drawn()
            clock("waiting for the other charts")
            chart_dir = out / "charts"
            if chart_dir.exists():
                shutil.rmtree(chart_dir)
            (tmp / "charts").replace(chart_dir)
            (tmp / book).replace(out / book)
            (tmp / report).replace(out / report)
        clock("files in place")
        from scoring import rectify  # each published warning has its 整改 item (never twice)

        rectify.sync_warnings(store, user, res)
        store.audit(
            user.name,
            "发布结果",
            f"{year} 年度，方案版本 {res.scheme_version or '默认'}，输出到 {out}",
        )
        clock("rectify, audit")
    clock("Chromium closed")
    return Published(
        out / book,
        out / report,
        tuple(chart_dir / p.name for p in written),
        time.perf_counter() - start,
        tuple(clock.phases),
        version,
        str(record.get("status", "")),
        notice.period_end,
    )
