"""整改 items from a sheet (整改台账导入): 单位, 问题, 来源, 整改目标, 责任人, 时限, 状态.

The layout is declared here (shared/spec/sheets.md, "整改 items"), apart from the score
sheets of ``scoring.sheets``, whose low-level reading (size and container checks,
.xlsx/.csv) it reuses. The whole file is checked first; any problem rejects it and
nothing is stored. Rows are keyed by the file's content and their row, so importing
the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from scoring import accounts, rectify
from scoring.cases_sheet import read_tables
from scoring.rectify_store import RectifyStore
from scoring.sheets import Problem, Registry, _date, _header, _letter
from scoring.store import Store

__all__ = ["COLUMNS", "Imported", "RectifySheetError", "import_items", "read_items", "template"]

# (standard header, accepted spellings, required)
COLUMNS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("单位", ("单位名称", "责任单位", "对象"), True),
    ("问题", ("存在问题", "问题描述", "查摆问题"), True),
    ("来源", ("问题来源",), False),
    ("整改目标", ("目标",), False),
    ("责任人", ("整改责任人",), False),
    ("时限", ("整改时限", "完成时限"), False),
    ("状态", ("整改状态", "进展情况"), False),
)
STATUS_IN_SHEET = tuple(s for s in rectify.STATUSES if s != rectify.REVOKED)


class RectifySheetError(ValueError):
    """The sheet was rejected; ``problems`` name file, sheet, row and column."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class Row:
    unit: str
    problem: str
    origin: str
    target: str
    owner: str
    due: date | None
    status: str
    key: str


@dataclass(frozen=True)
class Imported:
    added: int
    already: int


def read_items(name: str, data: bytes, registry: Registry) -> list[Row]:
    """Read and check the sheet; raise ``RectifySheetError`` with every problem found."""
    sha = hashlib.sha256(data).hexdigest()[:16]
    sheets = read_tables(name, data, RectifySheetError)
    for sheet in sheets:
        rows = sheet.table.to_pylist()
        for r, row in enumerate(rows[:30]):
            headers = [_header(v) for v in row.values()]
            where = _locate(headers)
            if all(where.get(c) is not None for c, _, req in COLUMNS if req):
                return _rows(name, sheet, rows[r + 1 :], r + 2, where, registry, sha)
    raise RectifySheetError(
        [
            Problem(
                name,
                "找不到整改台账的表头：应有「单位」「问题」两列，可选「来源」「整改目标」"
                "「责任人」「时限」「状态」",
            )
        ]
    )


def _locate(headers: list[str]) -> dict[str, int | None]:
    where: dict[str, int | None] = {}
    for column, aliases, _ in COLUMNS:
        names = {column, *aliases}
        where[column] = next((i for i, h in enumerate(headers) if h in names), None)
    return where


def _rows(name, sheet, body, first_row, where, registry, sha) -> list[Row]:
    problems: list[Problem] = []
    out: list[Row] = []

    def cell(values: list, column: str) -> str:
        i = where.get(column)
        v = None if i is None or i >= len(values) else values[i]
        return "" if v is None else str(v).strip()

    def problem(row_no: int, column: str, value: str, expected: str) -> None:
        problems.append(
            Problem(
                name,
                expected,
                sheet.name,
                row_no,
                column,
                _letter(where[column] + sheet.col_offset),
                value,
            )
        )

    for offset, raw in enumerate(body):
        row_no = first_row + offset
        values = list(raw.values())
        if not any(v is not None and str(v).strip() for v in values):
            continue
        unit_text = cell(values, "单位")
        unit = registry.resolve(unit_text) if unit_text else None
        if unit is None:
            near = registry.closest(unit_text) if unit_text else []
            hint = f"；是否为：{'、'.join(near)}" if near else ""
            problem(row_no, "单位", unit_text, f"应为单位名录中的单位{hint}")
        text = cell(values, "问题")
        if not text:
            problem(row_no, "问题", text, "问题不能为空")
        origin = cell(values, "来源") or rectify.ORIGIN_FINDING
        if origin not in rectify.ORIGINS:
            problem(row_no, "来源", origin, f"应为 {'、'.join(rectify.ORIGINS)} 之一")
        due = None
        if cell(values, "时限"):
            due, wrong = _date(cell(values, "时限"))
            if wrong:
                problem(row_no, "时限", cell(values, "时限"), wrong)
        status = cell(values, "状态") or rectify.DRAFTING
        if status not in STATUS_IN_SHEET:
            problem(row_no, "状态", status, f"应为 {'、'.join(STATUS_IN_SHEET)} 之一")
        if len(problems) >= 200:
            break
        out.append(
            Row(
                unit or "",
                text,
                origin,
                cell(values, "整改目标"),
                cell(values, "责任人"),
                due,
                status,
                f"导入:{sha}:{sheet.name or ''}:{row_no}",
            )
        )
    if problems:
        raise RectifySheetError(problems)
    if not out:
        raise RectifySheetError([Problem(name, "整改台账没有任何数据行", sheet.name)])
    return out


def import_items(
    store: Store,
    user: accounts.User,
    year: int,
    name: str,
    data: bytes,
    *,
    today: date | None = None,
) -> Imported:
    """Check the whole sheet, then open its items in one transaction (效能办 only)."""
    from scoring.scheme import for_year

    accounts.authorize(user, "rectify_manage", year=year)
    registry = Registry.from_frame(store.units())
    found = read_items(name, data, registry)
    scheme, _ = for_year(store, year)
    plan_due, default_due = rectify._deadlines(rectify.settings(scheme), today or date.today())
    rs = RectifyStore(store)
    added = already = 0
    with store.transaction() as cur:
        known = {
            (k[0], k[1]) for origin in rectify.ORIGINS for k in rs.by_origin(cur, year, origin)
        }
        for row in found:
            if (row.unit, row.key) in known:
                already += 1
                continue
            rs.insert_item(
                cur,
                {
                    "year": year,
                    "unit": row.unit,
                    "origin": row.origin,
                    "origin_ref": row.key,
                    "problem": row.problem,
                    "target": row.target,
                    "owner": row.owner,
                    "plan_due": plan_due if row.status == rectify.DRAFTING else None,
                    "due": row.due or default_due,
                    "evidence": "",
                    "status": row.status,
                },
                user.name,
                f"从「{name}」导入",
            )
            added += 1
    return Imported(added, already)


def template() -> bytes:
    """A blank 整改台账 sheet to fill in: the header, drop-downs for 来源 and 状态, and a
    填写示例 sheet that the importer skips (so an example row is never imported)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "整改台账"
    headers = [c for c, _, _ in COLUMNS]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for letter, width in zip("ABCDEFG", (18, 48, 8, 30, 12, 12, 10), strict=True):
        ws.column_dimensions[letter].width = width
    for col, options in (("C", rectify.ORIGINS), ("G", STATUS_IN_SHEET)):
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        dv.error = f"应为 {'、'.join(options)} 之一"
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}1000")
    ws.freeze_panes = "A2"
    example = wb.create_sheet("填写示例")
    example.append(headers)
    example.append(
        ["市某某局", "窗口工作人员脱岗", "查摆", "杜绝脱岗", "张三", "2025-12-31", "整改中"]
    )
    example.append(["（单位与问题必填；来源空着为查摆，状态空着为待制定，时限空着按方案计算）"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
