"""Where a file's data comes from (数据来源): each source's key, as the store, the command
line and the accounts' rights name it, and its name for people."""

from __future__ import annotations

__all__ = ["SOURCES", "SOURCE_NAMES"]

SOURCES = (
    "units",
    "appraisal",
    "appraisal-tally",
    "appraisal-scores",
    "performance",
    "integrity",
    "adjustments",
    "special",
)
SOURCE_NAMES = {
    "units": "单位名录",
    "appraisal": "万人评议（问卷）",
    "appraisal-tally": "万人评议（汇总）",
    "appraisal-scores": "万人评议（分项得分）",
    "performance": "绩效考核",
    "integrity": "勤廉测评",
    "adjustments": "加减分",
    "special": "专项考评",
}
