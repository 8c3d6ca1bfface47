"""Blank templates (模板) that evaluators fill in, one per source, in the canonical format.

Built with openpyxl: canonical headers, a drop-down for every closed list (answers,
evaluator categories, units, indicators, sources) fed from a hidden 选项 sheet,
and one example row on a 填写示例 sheet. Read back by ``scoring.sheets`` like any
other file.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from scoring.scheme import Scheme
from scoring.sheets import UNIT_TYPES
from scoring.sources import SOURCE_NAMES

__all__ = ["TEMPLATE_SOURCES", "case_template", "template"]

TEMPLATE_SOURCES = (
    "units",
    "appraisal",
    "appraisal-tally",
    "performance",
    "integrity",
    "adjustments",
)
LAST_ROW = 1048576  # validation covers the whole column, not the first few thousand rows
ROWS_WITH_DROPDOWNS = LAST_ROW
# Which units a sheet may name (its drop-down): 勤廉测评 judges teams and cadres only.
UNIT_TYPES_BY_SOURCE = {
    "appraisal": ("部门", "科室", "窗口", "项目"),
    "appraisal-tally": ("部门", "科室", "窗口", "项目"),
    "performance": ("部门", "科室", "窗口", "项目"),
    "integrity": ("领导班子", "干部"),
}


# Closed lists whose drop-down only warns: a new 考核类别 is the office's to make (the
# registry import then asks to confirm it), never refused by Excel.
OPEN_LISTS = frozenset({"考核类别"})


def _spec(
    source: str,
    scheme: Scheme,
    units: list[str],
    groups: list[str] | None = None,
    year: int | None = None,
) -> tuple[list[tuple[str, list | None]], list]:
    """(header, options or None) per column, and an example row dated in ``year`` (the
    year the template is for; this year when not given)."""
    y = year or date.today().year
    unit0 = units[0] if units else "市教育局"
    cats = list(scheme.categories)
    answers = list(scheme.appraisal_answers)
    if source == "units":
        return (
            [
                ("单位名称", None),
                ("简称", None),
                ("类型", list(UNIT_TYPES)),
                ("上级单位", None),
                ("考核类别", groups or None),
                ("前身", None),
                ("状态", ["撤销"]),
            ],
            ["市市场监督管理局", "市市场监管局", "部门", "", "执法监管类", "市工商行政管理局", ""],
        )
    if source == "appraisal":
        cols = [("问卷编号", None), ("被评单位", units), ("评议人类别", cats)]
        cols += [(item, answers) for item in scheme.items] + [("意见建议", None)]
        return cols, [f"{y}-000001", unit0, cats[0], *(["满意"] * len(scheme.items)), ""]
    if source == "appraisal-tally":
        cols = [("被评单位", units), ("评议人类别", cats), ("评议项目", list(scheme.items))]
        cols += [(a, None) for a in answers]
        return cols, [unit0, cats[0], next(iter(scheme.items)), 120, 30, 5, 8][: len(cols)]
    if source == "performance":
        return (
            [
                ("考核对象", units),
                ("指标", list(scheme.indicators)),
                ("得分", None),
                ("满分", None),
                ("考核人", None),
                ("考核月份", None),
            ],
            [unit0, next(iter(scheme.indicators)), 27, 30, "市效能办考核组", f"{y}-03"],
        )
    if source == "integrity":
        return (
            [
                ("测评对象", units),
                ("测评人类别", ["本单位干部职工", "服务对象", "上级领导"]),
                ("测评结果", list(scheme.integrity_points)),
            ],
            [unit0, "本单位干部职工", next(iter(scheme.integrity_points))],
        )
    if source == "adjustments":
        return (
            [
                ("对象", units),
                ("事由", None),
                ("分值", None),
                ("来源", list(scheme.adjustment_sources)),
                ("日期", None),
                ("依据", None),
            ],
            [unit0, "暗访发现工作人员上班时间脱岗", -2, "暗访", f"{y}-05-12", f"效能办〔{y}〕8号"],
        )
    raise ValueError(f"unknown source {source}")


def _numeric_rules(source: str, scheme: Scheme) -> dict[str, tuple[str, dict]]:
    """Excel validation per numeric column: (message, DataValidation arguments); a custom
    formula is written for the column's first data row and applies relative below."""
    whole = (
        "请填写非负整数（人数或票数）",
        {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"},
    )
    if source == "appraisal-tally":
        return {a: whole for a in scheme.appraisal_answers}
    if source == "performance":
        return {
            # 得分 between 0 and the row's 满分 (column D), else the scheme's default.
            "得分": (
                f"得分应在 0 到满分之间（满分未填时为 {scheme.default_max:g}）",
                {
                    "type": "custom",
                    "formula1": f"AND(ISNUMBER(C2),C2>=0,C2<=IF(ISNUMBER(D2),D2,"
                    f"{scheme.default_max:g}))",
                },
            ),
            "满分": (
                "满分应为大于 0 的数字",
                {"type": "decimal", "operator": "greaterThan", "formula1": "0"},
            ),
        }
    if source == "adjustments":
        return {
            "分值": (
                "分值应为数字（减分写负数，如 -2）",
                {"type": "decimal", "operator": "between", "formula1": "-1000", "formula2": "1000"},
            )
        }
    return {}


def template(
    source: str,
    scheme: Scheme,
    units: list[str] | pd.DataFrame,
    year: int | None = None,
) -> bytes:
    """An .xlsx template for ``source`` with drop-downs over the scheme's lists and the
    units (a registry frame: only the kinds the sheet may name; 考核类别 from its groups),
    number checks on numeric columns, over whole columns, and an example dated in
    ``year``."""
    groups = None
    if isinstance(units, pd.DataFrame):
        groups = sorted({g for g in units["group"].dropna() if str(g).strip()}) or None
        kinds = UNIT_TYPES_BY_SOURCE.get(source)
        chosen = units if kinds is None else units[units["type"].isin(kinds)]
        units = chosen["name"].tolist()
    columns, example = _spec(source, scheme, units, groups, year)
    return _workbook(SOURCE_NAMES[source], columns, example, _numeric_rules(source, scheme))


# -- 督查与投诉 case sheet (read back by scoring/cases_sheet.py), a declaration of its own --


def case_template(
    sources: list[str],
    statuses: list[str],
    verdicts: list[str],
    units: list[str],
    year: int | None = None,
) -> bytes:
    """The case sheet template: 对象, 来源, 日期, 发现问题, 依据, 状态, 核实结果, 分值 and the
    optional 附件, 发现人/投诉人, 联系方式, 办结日期, 一票否决, with drop-downs and an example
    dated in ``year``."""
    y = year or date.today().year
    columns = [
        ("对象", units),
        ("来源", sources),
        ("日期", None),
        ("发现问题", None),
        ("依据", None),
        ("状态", statuses),
        ("核实结果", verdicts),
        ("分值", None),
        ("附件", None),
        ("发现人/投诉人", None),
        ("联系方式", None),
        ("办结日期", None),
        ("一票否决", ["是", "否"]),
    ]
    example = [
        units[0] if units else "市教育局",
        sources[0] if sources else "暗访",
        f"{y}-05-12",
        "窗口工作人员上班时间脱岗",
        f"效能办〔{y}〕8号",
        "办结",
        "属实",
        -2,
        "暗访记录.jpg",
        "效能办暗访组",
        "",
        f"{y}-05-28",
        "否",
    ]
    return _workbook("督查与投诉案件", columns, example)


def _workbook(
    title: str,
    columns: list[tuple[str, list | None]],
    example: list,
    numeric: dict[str, tuple[str, dict]] | None = None,
) -> bytes:
    """A template workbook: headers with drop-downs fed from a hidden 选项 sheet and number
    checks (``numeric[column] = (message, rule)``), over whole columns, and the example on a
    填写示例 sheet that the importers skip (so a forgotten example row is never data)."""
    numeric = numeric or {}
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    for c, (name, choices) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=c, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = max(12, 2.2 * len(name) + 4)
        if choices:
            letter = get_column_letter(c)
            for r, value in enumerate(choices, start=1):
                option = options.cell(row=r, column=c, value=value)
                option.data_type = "s"  # a name is text, never a formula
            soft = name in OPEN_LISTS
            dv = DataValidation(
                type="list",
                formula1=f"=选项!${letter}$1:${letter}${len(choices)}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning" if soft else "stop",
                errorTitle="新的值" if soft else "无效的值",
                error=(
                    f"「{name}」不在现有列表中：如确为新设的{name}，请点“是”保留"
                    if soft
                    else f"请从下拉列表中选择{name}"
                ),
            )
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{ROWS_WITH_DROPDOWNS}")
        elif name in numeric:
            message, rule = numeric[name]
            dv = DataValidation(
                **rule,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="无效的数字",
                error=message,
            )
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(c)}2:{get_column_letter(c)}{LAST_ROW}")
    ws.freeze_panes = "A2"
    sample = wb.create_sheet("填写示例")
    for c, ((name, _), value) in enumerate(zip(columns, example, strict=True), start=1):
        sample.cell(row=1, column=c, value=name).font = Font(bold=True)
        cell = sample.cell(row=2, column=c, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, never a formula
        sample.column_dimensions[get_column_letter(c)].width = max(12, 2.2 * len(name) + 4)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
