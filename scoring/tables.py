"""Result tables with the office's Chinese headings (成绩表), for screen and workbook alike.

Scores are rounded half up to 2 decimals here and only here, for display.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from scoring.formats import (
    column_kinds,
    excel_formats,
    fmt_count,
    fmt_rate,
    fmt_score,
    fmt_signed,
    fmt_span,
)
from scoring.results import Results, UnitResult
from scoring.rules import round2
from scoring.warnings import Warning

__all__ = [
    "RANKING_COLUMNS",
    "SORTABLE",
    "TABLE_FORMATS",
    "adjustments_table",
    "audit_table",
    "chinese_sources",
    "csv_safe",
    "fmt_count",
    "honours_table",
    "ranking_table",
    "unit_metrics",
    "unit_notes",
    "warnings_table",
]

RANKING_COLUMNS = [
    "排名",
    "单位名称",
    "考核类别",
    "综合得分",
    "等次",
    "告诫",  # beside the grade: what a leader reads first, never scrolled off to the right
    "万人评议",
    "满意率",
    "问卷数",
    "绩效考核",
    "勤廉测评",
    "加减分",
    "提示",
]


# Excel number formats of the result tables' numeric columns (scoring.formats).
TABLE_FORMATS = excel_formats(RANKING_COLUMNS)
VETO = "一票否决"


def unit_notes(unit: UnitResult, results: Results) -> str:
    """The 提示 of a row: 一票否决 first, with its reason from the scheme's veto sources,
    then the other flags."""
    notes = []
    if unit.vetoed:
        reasons = [
            reason or src
            for reason, _, src in unit.adjustment_entries
            if src in results.scheme.veto_sources
        ]
        notes.append(f"{VETO}：{'；'.join(dict.fromkeys(reasons))}" if reasons else VETO)
    notes += [f for f in unit.flags if f != VETO]
    return "；".join(notes)


# What the rankings table can be ordered by: heading -> UnitResult attribute.
SORTABLE = {
    "综合得分": "composite",
    "万人评议": "appraisal",
    "绩效考核": "performance",
    "勤廉测评": "integrity",
    "满意率": "satisfaction_rate",
}


def ranking_table(
    results: Results,
    group: str | None = None,
    unit_type: str | None = None,
    order_by: str = "综合得分",
) -> pd.DataFrame:
    """Ranked units of one group (or all), with display-rounded scores.

    ``order_by`` (a key of SORTABLE) orders the rows, best first, units without that
    component last; the 排名 column stays the official rank by composite."""
    rows = []
    for u in results.ranked(group):
        if unit_type and u.type != unit_type:
            continue
        rows.append(
            {
                "排名": u.rank,
                "单位名称": u.unit,
                "考核类别": u.group,
                "综合得分": round2(u.composite),
                "等次": u.grade,
                "万人评议": round2(u.appraisal),
                "满意率": None if u.satisfaction_rate is None else round(u.satisfaction_rate, 4),
                "问卷数": u.ballots or None,
                "绩效考核": round2(u.performance),
                "勤廉测评": round2(u.integrity),
                "加减分": round2(u.adjustment),
                "告诫": "、".join(([VETO] if u.vetoed else []) + list(u.warnings)),
                "提示": unit_notes(u, results),
            }
        )
    frame = pd.DataFrame(rows, columns=RANKING_COLUMNS)
    numeric = ["综合得分", "万人评议", "满意率", "问卷数", "绩效考核", "勤廉测评", "加减分"]
    frame[numeric] = frame[numeric].astype("float64")  # missing shows blank, not "None"
    if order_by != "综合得分" and not frame.empty:
        frame = frame.sort_values(
            [order_by, "排名"], ascending=[False, True], na_position="last", kind="stable"
        ).reset_index(drop=True)
    return frame


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for a CSV download: text cells cannot run as spreadsheet formulas when the
    CSV is opened (a leading =, +, -, @, tab or CR gets a ' in front), and the figures
    read as the tables show them (scoring.formats, by heading): 问卷数 472 (not 472.0),
    满意率 96.28% (not 0.9628), scores 79.20, 加减分 +1.50; a missing figure is empty."""
    out = frame.copy()
    kinds = column_kinds(out.columns)
    for col in out.columns:
        if col in kinds and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(_CSV_FORMATS[kinds[col]])
        elif out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
            out[col] = out[col].map(
                lambda v: (
                    "'" + v
                    if isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r"))
                    else v
                )
            )
    return out


def _csv_figure(show: Callable[[Any], str]) -> Callable[[Any], str]:
    """A figure for a CSV cell: ``show``'s text, empty where there is no figure."""
    return lambda v: "" if v is None or pd.isna(v) else show(v)


# Counts without the thousands separator, which a CSV reader may take for two fields.
_CSV_FORMATS: dict[str, Callable[[Any], str]] = {
    "score": _csv_figure(fmt_score),
    "rate": _csv_figure(fmt_rate),
    "count": _csv_figure(lambda n: str(int(n))),
    "signed": _csv_figure(fmt_signed),
}


def adjustments_table(unit: UnitResult) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"来源": src, "事由": reason, "分值": points}
            for reason, points, src in unit.adjustment_entries
        ],
        columns=["来源", "事由", "分值"],
    )


def unit_metrics(unit: UnitResult, level: str = "") -> list[tuple[str, str]]:
    """The headline figures of a unit profile, formatted; ``level`` is the scheme's
    confidence level (``Scheme.confidence_label``, e.g. 「95%」), which the interval's
    label names together with what it is an interval of: 「万人评议得分的 95% 置信区间」.
    A bare 「95% 区间」 beside the 综合得分 read as the composite's."""

    f = fmt_score
    rank = f"{unit.rank} / {unit.group_size}" if unit.rank else "不参加"
    interval = fmt_span(unit.ci_low, unit.ci_high)
    return [
        ("综合得分", f(unit.composite)),
        ("排名 / 单位数", rank),
        ("等次", (unit.grade or "—") + (f"（{VETO}）" if unit.vetoed else "")),
        ("万人评议", f(unit.appraisal)),
        (f"万人评议得分的 {level} 置信区间" if level else "万人评议得分的置信区间", interval),
        ("满意率", fmt_rate(unit.satisfaction_rate)),
        ("问卷数", fmt_count(unit.ballots) if unit.ballots else "—"),
    ]


def warnings_table(warnings: tuple[Warning, ...] | list[Warning]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "单位名称": w.unit,
                "考核类别": w.group or "",
                "告诫类型": w.kind,
                "事由与依据": w.reason,
                "差异显著": w.verdict,
            }
            for w in warnings
        ],
        columns=["单位名称", "考核类别", "告诫类型", "事由与依据", "差异显著"],
    )


def honours_table(results: Results) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"荣誉": h.kind, "单位/姓名": h.unit, "范围": h.scope, "依据": h.reason}
            for h in results.honours
        ],
        columns=["荣誉", "单位/姓名", "范围", "依据"],
    )


def chinese_sources(text: str) -> str:
    """Text written with the code names of sources (appraisal, adjustments …), as users
    read it: 万人评议, 加减分 …; row counts get thousands separators.

    >>> chinese_sources("2025 年度 appraisal-tally：x.xlsx（142590 行，编号 5）")
    '2025 年度 万人评议（汇总）：x.xlsx（142,590 行，编号 5）'
    """
    import re

    from scoring.sources import SOURCE_NAMES

    for key in sorted(SOURCE_NAMES, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z_-]){re.escape(key)}(?![A-Za-z_-])", SOURCE_NAMES[key], text)
    return re.sub(r"\b(\d{4,})(?= ?行)", lambda m: f"{int(m.group(1)):,}", text)


def audit_table(log: pd.DataFrame) -> pd.DataFrame:
    """The audit log with Chinese headings and Chinese source names."""
    out = log.rename(
        columns={"id": "序号", "at": "时间", "user": "操作人", "action": "操作", "detail": "内容"}
    )
    if "内容" in out:
        out["内容"] = out["内容"].astype(str).map(chinese_sources)
    return out
