"""Data quality (数据质量): what an office checks before it trusts a year's results.

Uploads per source and unit, units with too few ballots, missing components and
evaluator categories, duplicate 问卷编号 and straight-lined ballots.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scoring.results import COMPONENT_NAMES, Results
from scoring.sheets import SOURCE_NAMES
from scoring.store import Store

__all__ = ["MIN_BALLOTS", "Quality", "check"]

MIN_BALLOTS = 100  # below this a unit's appraisal interval is wide; the office wants more


@dataclass(frozen=True)
class Quality:
    coverage: pd.DataFrame  # unit × source: rows
    few_ballots: pd.DataFrame
    missing_components: pd.DataFrame
    missing_categories: pd.DataFrame
    duplicate_ballots: pd.DataFrame
    straight_lined: pd.DataFrame

    @property
    def issues(self) -> int:
        return sum(
            len(f)
            for f in (
                self.few_ballots,
                self.missing_components,
                self.missing_categories,
                self.duplicate_ballots,
                self.straight_lined,
            )
        )


def check(store: Store, res: Results, min_ballots: int = MIN_BALLOTS) -> Quality:
    year = res.year
    cov = store.uploads_by_source_unit(year)
    coverage = (
        cov.assign(source=cov["source"].map(lambda s: SOURCE_NAMES.get(s, s)))
        .pivot_table(index="unit", columns="source", values="rows", aggfunc="sum", fill_value=0)
        .reset_index()
        .rename(columns={"unit": "单位名称"})
    )
    coverage.columns.name = None
    few = [
        (
            u.unit,
            u.group or "",
            u.ballots,
            f"{u.ci_low:.2f}–{u.ci_high:.2f}" if u.ci_low is not None else "—",
        )
        for u in res.units
        if u.appraisal_detail and u.ballots < min_ballots
    ]
    missing = [
        (u.unit, u.group or "", "、".join(COMPONENT_NAMES[m] for m in u.composite_detail.missing))
        for u in res.ranked()
        if u.composite_detail.missing
    ]
    cats = [
        (u.unit, u.group or "", "、".join(u.appraisal_detail.missing_categories))
        for u in res.units
        if u.appraisal_detail and u.appraisal_detail.missing_categories
    ]
    straight = store.straight_lined(year, max(2, len(res.scheme.items)))
    ballots = {u.unit: u.ballots for u in res.units}
    straight["share"] = [
        n / ballots[u] if ballots.get(u) else None
        for u, n in zip(straight["unit"], straight["ballots"], strict=True)
    ]
    dup = store.duplicate_ballots(year)
    return Quality(
        coverage=coverage,
        few_ballots=pd.DataFrame(few, columns=["单位名称", "考核类别", "问卷数", "95% 区间"]),
        missing_components=pd.DataFrame(missing, columns=["单位名称", "考核类别", "缺少的考评"]),
        missing_categories=pd.DataFrame(cats, columns=["单位名称", "考核类别", "缺少的评议人类别"]),
        duplicate_ballots=dup.rename(
            columns={"ballot": "问卷编号", "uploads": "出现在几次上传", "unit": "被评单位"}
        ),
        straight_lined=straight.rename(
            columns={
                "unit": "单位名称",
                "ballots": "全部同一答案的问卷数",
                "share": "占该单位问卷比例",
            }
        ),
    )
