"""Case sheets (督查与投诉案件表): import a sheet of cases, export the register as a workbook.

The sheet's columns (shared/spec/sheets.md, "supervision and rectification"): 对象, 来源,
日期, 发现问题, 依据, 状态, 核实结果, 分值; optional 附件, 发现人/投诉人, 联系方式, 办结日期,
一票否决. The file is read with the same low-level reader as the score sheets (size and
zip limits, CSV encodings); every bad cell becomes one Chinese message naming file,
sheet, row and column, and a file with any problem stores nothing.

An imported case gets its history from the sheet: 受理 on its 日期; a 核实 step when it has
a 核实结果; its 状态 as the last step — on its 办结日期 when given, else on the import day,
marked as not the real day (so no deadline or average rests on it).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date

import pandas as pd

from scoring import cases_store
from scoring import sheets as _sheets
from scoring.accounts import User, authorize
from scoring.cases import (
    NEEDS_VERDICT,
    REGISTER_LABELS,
    STATUSES,
    VERDICTS,
    VERIFIED,
    VERIFY_EVENT,
    labelled,
    register,
    settings,
)
from scoring.scheme import for_year
from scoring.sheets import Problem, Registry
from scoring.store import Store

__all__ = [
    "CASE_COLUMNS",
    "CaseImport",
    "CasesRejected",
    "import_cases",
    "parse_cases",
    "read_tables",
]

# (header, key, aliases, required)
CASE_COLUMNS = (
    ("对象", "unit", ("单位名称", "被查单位", "被投诉单位", "考核对象"), True),
    ("来源", "source", ("案件来源",), True),
    ("日期", "date", ("发现日期", "受理日期", "时间"), True),
    ("发现问题", "finding", ("问题", "事由", "投诉内容"), True),
    ("依据", "doc_no", ("文号",), True),
    ("状态", "status", ("办理状态",), True),
    ("核实结果", "verdict", ("核实情况",), True),
    ("分值", "points", ("加减分", "分数"), True),
    ("附件", "attachment", ("附件名称",), False),
    ("发现人/投诉人", "reporter", ("发现人", "投诉人", "举报人"), False),
    ("联系方式", "contact", ("联系电话", "电话"), False),
    ("办结日期", "closed", (), False),
    ("一票否决", "veto", (), False),
)
FREE_TEXT = ("finding", "doc_no", "attachment", "reporter", "contact")
YES = ("是", "Y", "y", "yes", "1", "√", "TRUE", "true")
NO = ("否", "N", "n", "no", "0", "FALSE", "false", "")


class CasesRejected(ValueError):
    """A case sheet not imported; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class CaseImport:
    file: str
    year: int
    numbers: tuple[str, ...]

    @property
    def message(self) -> str:
        if not self.numbers:
            return f"「{self.file}」没有案件行。"
        span = self.numbers[0] + (f" 至 {self.numbers[-1]}" if len(self.numbers) > 1 else "")
        return f"已从「{self.file}」导入 {self.year} 年度案件 {len(self.numbers)} 件（{span}）。"


def read_tables(
    name: str, data: bytes, rejected: type[ValueError] = CasesRejected
) -> list[_sheets._Sheet]:
    """The file's sheets as text tables, through the score sheets' bounded reader (size and
    container checks, .xlsx/.csv); its problems are raised as ``rejected(problems)`` — the
    case sheet's and the 整改 sheet's own rejection."""
    try:
        _sheets._check_container(name, data)
        if name.lower().endswith(".csv"):
            return _sheets._read_csv(name, data)
        return _sheets._read_xlsx(name, data)
    except _sheets._Reject as exc:
        raise rejected(list(exc.problems)) from exc


def _header(values: list[str]) -> dict[int, tuple]:
    """Map column positions to CASE_COLUMNS entries (names first, then aliases)."""
    found: dict[int, tuple] = {}
    taken: set[str] = set()
    for by_alias in (False, True):
        for i, v in enumerate(values):
            if not v or i in found:
                continue
            for col in CASE_COLUMNS:
                if col[1] in taken:
                    continue
                if (v == col[0]) if not by_alias else (v in col[2]):
                    found[i] = col
                    taken.add(col[1])
                    break
    return found


def parse_cases(
    name: str,
    data: bytes,
    *,
    year: int,
    sources: tuple[str, ...],
    registry: Registry,
    today: date,
) -> tuple[list[dict], list[list[tuple]], list[Problem]]:
    """Read a case sheet: (case rows, their history, problems). Never stores anything."""
    problems: list[Problem] = []
    rows: list[dict] = []
    histories: list[list[tuple]] = []
    sheet, header_row, mapping = _find_header(name, read_tables(name, data))
    body = sheet.table.slice(header_row + 1).to_pylist()
    letters = {c[1]: _sheets._letter(sheet.col_offset + i) for i, c in mapping.items()}
    titles = {c[1]: c[0] for c in mapping.values()}
    keys_by_pos = {i: c[1] for i, c in mapping.items()}
    unit_of = _sheets._unit_converter(_UnitCtx(registry))
    for offset, raw in enumerate(body):
        values = list(raw.values())
        cells = {
            k: _cell(values[i] if i < len(values) else None, k in FREE_TEXT)
            for i, k in keys_by_pos.items()
        }
        if not any(cells.values()) or any(
            v in _sheets.TOTAL_MARKERS for v in list(cells.values())[:3]
        ):
            continue

        def bad(key: str, expected: str, _n: int = header_row + 2 + offset, _c=cells) -> None:
            problems.append(
                Problem(
                    name,
                    expected,
                    sheet.name,
                    _n,
                    titles.get(key, key),
                    letters.get(key),
                    _c.get(key) or None,
                )
            )

        for _title, key, _alias, req in CASE_COLUMNS:
            if req and key not in ("doc_no", "verdict", "points") and not cells.get(key):
                bad(key, "不能为空")
        unit = None
        if cells.get("unit"):
            unit, err = unit_of(cells["unit"])
            if err:
                bad("unit", err)
        source = cells.get("source") or ""
        if source and source not in sources:
            bad("source", f"不是有效的案件来源，应为：{'、'.join(sources)}")
        outcome = _check_outcome(cells, bad)
        day, closed = _check_days(cells, bad, outcome["status"], year, today)
        rows.append(
            {
                "unit": unit,
                "source": source,
                "date": day,
                "finding": cells.get("finding"),
                **{k: cells.get(k) or None for k in FREE_TEXT if k != "finding"},
                **outcome,
            }
        )
        histories.append(_history(name, rows[-1], closed, today))
    if not rows and not problems:
        problems.append(Problem(name, "表头下面没有案件行", sheet.name))
    return rows, histories, problems


def _find_header(name: str, sheets: list) -> tuple:
    """(sheet, header row, column mapping) of the best case-sheet header in the first
    rows of any sheet; a refusal naming the missing columns when none is complete."""
    tables = [s for s in sheets if not s.skip and s.table.num_rows]
    if not tables:
        raise CasesRejected([Problem(name, "工作簿是空的，没有任何数据")])
    required = [c for c in CASE_COLUMNS if c[3]]
    best = None
    for sheet in tables:
        head = sheet.table.slice(0, _sheets.HEADER_SCAN_ROWS).to_pylist()
        for r, row in enumerate(head):
            mapping = _header([_sheets._norm(v) for v in row.values()])
            keys = {c[1] for c in mapping.values()}
            missing = [c[0] for c in required if c[1] not in keys]
            score = (not missing, len(mapping))
            if best is None or score > best[0]:
                best = (score, sheet, r, mapping, missing)
    if best is None or not best[3]:
        raise CasesRejected(
            [Problem(name, "找不到表头：前 30 行中没有案件表的列名；请使用系统提供的案件表模板")]
        )
    _, sheet, r, mapping, missing = best
    if missing:
        expected = f"表头不完整：案件表缺少列 {'、'.join(missing)}；请使用系统提供的案件表模板"
        raise CasesRejected([Problem(name, expected, sheet.name, r + 1)])
    return sheet, r, mapping


def _check_outcome(cells: dict, bad) -> dict:
    """状态, 核实结果, 分值 and 一票否决 of a row, checked against each other."""
    status = cells.get("status") or ""
    if status and status not in STATUSES:
        bad("status", f"不是有效的状态，应为：{'、'.join(STATUSES)}")
    verdict = cells.get("verdict") or None
    if verdict and verdict not in VERDICTS:
        bad("verdict", f"不是有效的核实结果，应为：{'、'.join(VERDICTS)}（未核实留空）")
    elif not verdict and status in NEEDS_VERDICT:
        bad("verdict", f"状态为「{status}」的案件应填写核实结果（{'、'.join(VERDICTS)}）")
    points = None
    if cells.get("points"):
        points, err = _sheets._signed(cells["points"])
        if err is not None or points is None:  # no error means a number
            bad("points", err)
        elif verdict not in VERIFIED:
            bad("points", "只有核实为属实或部分属实的案件才计分值；未核实或不属实的请留空")
        elif abs(points) > 100:
            bad("points", "分值应在 -100 到 100 之间")
    flag = cells.get("veto", "")
    veto = flag in YES and flag != ""
    if veto and verdict not in VERIFIED:
        bad("veto", "只有核实为属实或部分属实的案件才能一票否决")
    elif not veto and flag not in NO:
        bad("veto", "应为 是 或 否（不是一票否决留空）")
    return {"status": status, "verdict": verdict, "points": points, "veto": veto}


def _check_days(
    cells: dict, bad, status: str, year: int, today: date
) -> tuple[date | None, date | None]:
    """The case's 日期 (in the year, not in the future) and its 办结日期 if given."""
    day = None
    if cells.get("date"):
        day, err = _sheets._date(cells["date"])
        if err is not None or day is None:  # no error means a date
            bad("date", err)
        elif day.year != year:
            bad("date", f"不在 {year} 年度内（导入年度为 {year}）")
            day = None
        elif day > today:
            bad("date", f"晚于今天（{today}）")
    closed = None
    if cells.get("closed"):
        closed, err = _sheets._date(cells["closed"])
        if err is not None or closed is None:
            bad("closed", err)
        elif status != "办结":
            bad("closed", "只有状态为办结的案件才填办结日期")
        elif day is not None and closed < day:
            bad("closed", f"早于案件日期 {day}")
        elif closed > today:
            bad("closed", f"晚于今天（{today}）")
    return day, closed


def _history(name: str, row: dict, closed: date | None, today: date) -> list[tuple]:
    """An imported case's steps: 受理 on its date; 核实 and its 状态 on the 办结日期 when
    given, else on the import day marked as not the real day."""
    history: list[tuple] = [("受理", row["date"], f"由案件表「{name}」导入", True)]
    final_day, dated = (closed, True) if closed else (today, False)
    note = "" if dated else "案件表未给出该环节日期，记为导入日"
    if row["verdict"]:
        words = row["verdict"] + ("" if row["points"] is None else f"，分值 {row['points']:+g}")
        history.append((VERIFY_EVENT, final_day, words + ("；" + note if note else ""), dated))
    if row["status"] and row["status"] != "受理":
        history.append((row["status"], final_day, note, dated))
    return history


def _cell(value: object, free_text: bool) -> str:
    """Free text trimmed as written; everything else folded (full-width, no spaces)."""
    if value is None:
        return ""
    return str(value).strip() if free_text else _sheets._norm(value)


class _UnitCtx:
    """The little of the sheets' context the unit check needs."""

    def __init__(self, registry: Registry):
        self.registry = registry


def import_cases(
    store: Store, user: User | None, name: str, data: bytes, year: int, *, today: date | None = None
) -> CaseImport:
    """Check and store a case sheet as one batch; a file with any problem, or one already
    imported into the year, stores nothing (``CasesRejected``)."""
    scheme = for_year(store, year)[0]
    conf = settings(scheme)
    today = today or date.today()
    registry = Registry.from_frame(store.units())
    rows, histories, problems = parse_cases(
        name, data, year=year, sources=conf.sources, registry=registry, today=today
    )
    if problems:
        raise CasesRejected(
            sorted(problems, key=lambda p: (p.row or 0, len(p.letter or ""), p.letter or ""))
        )
    for source in sorted({r["source"] for r in rows}):
        user = authorize(user, "case_register", source=source, year=year)
    assert user is not None  # authorized above: parse_cases refuses a sheet without rows
    if any(r["verdict"] for r in rows) or any(r["status"] != "受理" for r in rows):
        authorize(user, "case_handle", year=year)  # a verdict or a later status: 管理员
    sha = hashlib.sha256(data).hexdigest()
    if cases_store.import_seen(store, year, sha):
        raise CasesRejected([Problem(name, f"这个文件（内容相同）已导入 {year} 年度，未重复导入")])
    done = cases_store.insert_cases(
        store, year, rows, histories, user=user.name, sha256=sha, audit="导入案件表"
    )
    return CaseImport(name, year, tuple(n for _, n in done))


def register_workbook(store: Store, year: int, viewer: User | None) -> bytes:
    """The year's register as a workbook: 案件 (with imported 加减分 rows), 办理过程, 问责."""
    from openpyxl import Workbook

    from scoring.publish import _sheet

    frame = register(store, year, viewer, with_adjustments=True)
    history = cases_store.events(store, year)
    history = history.assign(
        on=[str(d)[:10] for d in history["on"]],
        at=[str(a)[:19] for a in history["at"]],
        dated=["" if d else "实际日期未知（记为导入日）" for d in history["dated"]],
    )[["number", "unit", "status", "on", "dated", "note", "user", "at"]]
    history.columns = ["案件编号", "对象", "环节", "日期", "日期说明", "说明", "经办人", "记录时间"]
    acc = cases_store.accountability(store, year)[
        ["unit", "case_number", "warning", "person", "measure", "date", "doc_no", "created_by"]
    ]
    acc.columns = ["对象", "案件编号", "告诫", "问责对象", "问责方式", "日期", "文号", "登记人"]
    wb = Workbook()
    wb.remove(wb.active)
    shown = [c for c in REGISTER_LABELS if c != "contact" or frame["contact"].notna().any()]
    _sheet(wb, "案件", f"{year}年度督查与投诉案件登记表", _texts(labelled(frame, shown)))
    _sheet(wb, "办理过程", f"{year}年度案件办理过程", _texts(history))
    _sheet(wb, "问责", f"{year}年度问责情况", _texts(acc))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text and blanks for missing values, for a readable sheet."""
    out = frame.copy()
    for c in out.columns:
        out[c] = [
            None
            if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT
            else (pd.Timestamp(v).date().isoformat() if isinstance(v, date | pd.Timestamp) else v)
            for v in out[c]
        ]
    return out
