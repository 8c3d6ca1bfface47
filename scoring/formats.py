"""Number formats (数字格式): one per kind of figure, for pages, workbook and PDF alike.

- scores (综合得分, 万人评议 …): 2 decimals, rounded half up (rules.round2);
- rates (满意率, 优秀率): a percentage with 2 decimals;
- counts (问卷数, 单位数, 行数): integers with a thousands separator;
- adjustments (加减分): signed, 2 decimals;
- intervals (区间): low and high joined by 「～」 (``fmt_span``), the way the 通报 and the
  warnings' statements write a range in Chinese text, in every card, line and file;
- negative numbers: one minus sign, ``MINUS`` (ASCII 「-」), written by ``fmt_decimal``, which
  every figure in text goes through (scores, gaps, an interval's ends in a statement).
  The tables cannot write any other (Streamlit's and Excel's number formats, CSV numbers),
  so text writes the same, and a figure copied or searched for matches the table's.

Pages take ``column_kinds`` and turn each kind into a column format; the workbook
takes ``EXCEL_FORMATS``; text (PDF, cards) takes the ``fmt_*`` functions.

>>> fmt_score(91.505), fmt_rate(0.84), fmt_count(142590), fmt_signed(-1.5)
('91.51', '84.00%', '142,590', '-1.50')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scoring.rules import round_to

__all__ = [
    "COLUMN_KINDS",
    "EXCEL_FORMATS",
    "MISSING",
    "column_kinds",
    "excel_formats",
    "fmt",
    "fmt_chance",
    "fmt_count",
    "fmt_decimal",
    "fmt_rate",
    "fmt_score",
    "fmt_signed",
    "fmt_span",
    "place_in_group",
]

MISSING = "—"
MINUS = "-"  # the one minus sign (ASCII hyphen-minus, as tables write it), not 「−」 U+2212
SPAN = "～"  # between an interval's ends (浪纹线, as Chinese text writes a range)

# Heading -> kind, for every numeric column a result table may carry.
COLUMN_KINDS: dict[str, str] = {
    "综合得分": "score",
    "万人评议": "score",
    "绩效考核": "score",
    "勤廉测评": "score",
    "得分": "score",
    "类别均值": "score",
    "差距": "score",
    "满意率": "rate",
    "优秀率": "rate",
    "占该单位问卷比例": "rate",
    "回收率": "rate",
    "问卷数": "count",
    "选票数": "count",
    "单位数": "count",
    "行数": "count",
    "排名": "count",
    "加减分": "signed",
    "分值": "signed",
}

EXCEL_FORMATS = {"score": "0.00", "rate": "0.00%", "count": "#,##0", "signed": "+0.00;-0.00;0.00"}


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


def fmt_decimal(x: float | None, decimals: int = 2) -> str:
    """A figure rounded half up (四舍五入, ``rules.round_to``) to ``decimals``, a negative one
    with ``MINUS``; a figure that rounds to zero has no sign.

    >>> fmt_decimal(-1.045), fmt_decimal(2.675, 1), fmt_decimal(-0.004), fmt_decimal(None)
    ('-1.05', '2.7', '0.00', '—')
    """
    if _missing(x):
        return MISSING
    q = round_to(x, decimals)
    assert q is not None  # not missing
    return f"{q + 0.0 if q else 0.0:.{decimals}f}".replace("-", MINUS)


def fmt_score(x: float | None) -> str:
    return fmt_decimal(x, 2)


def place_in_group(rank: int, size: int, tied: bool = False) -> str:
    """A unit's place in its 考核类别 as an office writes it: 「第 4 名（共 5 个单位）」,
    and 「并列第 4 名（共 5 个单位）」 for units that share the rank (spec: equal composites
    at the published decimals share a rank).

    >>> place_in_group(4, 5), place_in_group(4, 5, tied=True)
    ('第 4 名（共 5 个单位）', '并列第 4 名（共 5 个单位）')
    """
    return f"{'并列' if tied else ''}第 {rank} 名（共 {size} 个单位）"


def fmt_span(
    low: float | None, high: float | None, fmt: Callable[[float], str] | None = None
) -> str:
    """An interval as Chinese text writes it: 「69.74～73.07」 (scores by default, or
    ``fmt``); MISSING when an end is unknown.

    >>> fmt_span(69.744, 73.07), fmt_span(-1.5, 2, lambda x: f"{x:.1f}"), fmt_span(None, 1)
    ('69.74～73.07', '-1.5～2.0', '—')
    """
    if _missing(low) or _missing(high):
        return MISSING
    assert low is not None and high is not None  # narrowed by _missing
    f = fmt or fmt_score
    return f"{f(low)}{SPAN}{f(high)}"


def fmt_rate(x: float | None) -> str:
    return MISSING if _missing(x) else f"{x:.2%}"


def fmt_chance(p: float) -> str:
    """A probability in whole percent, rounded down: 0.946 is 「94%」, never the 95 % level
    it falls short of (the statements put it beside 排名差异不显著 at that level).

    >>> fmt_chance(0.946), fmt_chance(0.5), fmt_chance(1.0)
    ('94%', '50%', '100%')
    """
    return f"{math.floor(p * 100 + 1e-9):d}%"


def fmt_count(n: float | None) -> str:
    return MISSING if n is None or _missing(n) else f"{int(n):,}"


def fmt_signed(x: float | None) -> str:
    """An adjustment with its sign: 「+1.50」, 「-2.00」, 「0.00」 (``fmt_decimal``'s minus)."""
    text = fmt_decimal(x, 2)
    return "+" + text if text not in (MISSING, "0.00") and not text.startswith(MINUS) else text


# A cell is any number type a frame holds (int, float, numpy scalars), hence ``Any``.
_BY_KIND: dict[str, Callable[[Any], str]] = {
    "score": fmt_score,
    "rate": fmt_rate,
    "count": fmt_count,
    "signed": fmt_signed,
}


def fmt(column: str, value: object) -> str:
    """A cell of a result table as text, by its column's kind (text stays as it is)."""
    kind = COLUMN_KINDS.get(column)
    if kind and not isinstance(value, str):
        return _BY_KIND[kind](value)
    return "" if _missing(value) else str(value)


def column_kinds(columns) -> dict[str, str]:
    """The kind of each numeric column among ``columns``."""
    return {c: COLUMN_KINDS[c] for c in columns if c in COLUMN_KINDS}


def excel_formats(columns) -> dict[str, str]:
    """openpyxl number formats for the numeric columns among ``columns``."""
    return {c: EXCEL_FORMATS[k] for c, k in column_kinds(columns).items()}
