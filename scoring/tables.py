"""Result tables with the office's Chinese headings (成绩表), for screen and workbook alike.

Scores are rounded half up to 2 decimals here and only here, for display.
"""

from __future__ import annotations

import pandas as pd

from scoring.results import Results
from scoring.rules import round2
from scoring.warnings import Warning

__all__ = ["RANKING_COLUMNS", "honours_table", "ranking_table", "warnings_table"]

RANKING_COLUMNS = [
    "排名",
    "单位名称",
    "考核类别",
    "综合得分",
    "等次",
    "万人评议",
    "满意率",
    "问卷数",
    "绩效考核",
    "勤廉测评",
    "加减分",
    "告诫",
    "提示",
]


def ranking_table(
    results: Results, group: str | None = None, unit_type: str | None = None
) -> pd.DataFrame:
    """Ranked units of one group (or all), with display-rounded scores."""
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
                "告诫": "、".join(u.warnings),
                "提示": "；".join(u.flags),
            }
        )
    return pd.DataFrame(rows, columns=RANKING_COLUMNS)


def warnings_table(warnings: tuple[Warning, ...] | list[Warning]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "单位名称": w.unit,
                "考核类别": w.group or "",
                "告诫类型": w.kind,
                "事由与依据": w.reason,
                "排名差异不显著": "是" if w.not_significant else "",
            }
            for w in warnings
        ],
        columns=["单位名称", "考核类别", "告诫类型", "事由与依据", "排名差异不显著"],
    )


def honours_table(results: Results) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"荣誉": h.kind, "单位/姓名": h.unit, "范围": h.scope, "依据": h.reason}
            for h in results.honours
        ],
        columns=["荣誉", "单位/姓名", "范围", "依据"],
    )
