"""Data quality (数据质量): what an office checks before it trusts a year's results.

Uploads per source and unit, units with too few ballots, missing components and
evaluator categories, duplicate 问卷编号 and straight-lined ballots.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from scoring.formats import fmt_span
from scoring.results import COMPONENT_NAMES, Results
from scoring.sources import SOURCE_NAMES
from scoring.store import Store

__all__ = [
    "MIN_BALLOTS",
    "Quality",
    "SurveyChecks",
    "check",
    "groups_without",
    "mask_address",
    "quorum_flags",
    "survey_checks",
]

MIN_BALLOTS = 100  # below this a unit's appraisal interval is wide; the office wants more


@dataclass(frozen=True)
class Quality:
    coverage: pd.DataFrame  # unit × source: rows
    few_ballots: pd.DataFrame
    missing_components: pd.DataFrame
    missing_categories: pd.DataFrame
    duplicate_ballots: pd.DataFrame
    straight_lined: pd.DataFrame
    # Facts stored under a former name (前身) and counted for its successor this year.
    merged: pd.DataFrame = field(default_factory=pd.DataFrame)

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


def absent_components(res: Results) -> list[str]:
    """The components the year's scheme weighs that no unit of the year has: a source
    not uploaded yet. The rules then make every composite of the rest (weights
    redistributed) and a unit-by-unit check calls that absence by design, so without
    this the year's figures would look complete. Names as the scheme gives them."""
    weighted: list[str] = []
    for scheme in [res.scheme, *(res.scheme.for_group(g) for g in res.groups)]:
        for key, weight in scheme.composite_weights.items():
            if weight > 0 and key not in weighted:
                weighted.append(key)
    have = {k for u in res.units for k in weighted if u.component(k) is not None}
    return [COMPONENT_NAMES.get(k, k) for k in weighted if k not in have]


def groups_without(res: Results) -> pd.DataFrame:
    """Per 考核类别, the components its scheme weighs that none of its units has: a
    source not uploaded for the whole group, or a group the office does not judge on it
    while its scheme still weighs it (then each unit's composite is made of the rest,
    and every published line says so). The office either uploads it or gives the
    group weight 0 for it in the scheme."""
    rows = []
    for group in res.groups:
        units = res.ranked(group)
        weighted = [k for k, w in res.scheme.for_group(group).composite_weights.items() if w > 0]
        none = [k for k in weighted if all(u.component(k) is None for u in units)]
        if units and none:
            names = "、".join(COMPONENT_NAMES.get(k, k) for k in none)
            rows.append((group, len(units), names))
    return pd.DataFrame(rows, columns=["考核类别", "单位数", "该类别没有一个单位有的考评"])


def identical_units(res: Results) -> pd.DataFrame:
    """Units whose figures are all the same (ballots, every component, 满意率, 加减分):
    almost always one unit's data uploaded twice under two names."""
    keys: dict[tuple, list[str]] = {}
    for u in res.units:
        parts = (u.appraisal, u.performance, u.integrity, u.satisfaction_rate)
        # One coincident score (90.00 from a few marks) is no sign; ballots, or two
        # components and more, equal to the last digit are. Ranked units only.
        if u.rank is None or (u.ballots == 0 and sum(x is not None for x in parts) < 2):
            continue
        key = (
            u.ballots,
            *(None if x is None else round(x, 9) for x in parts),
            round(u.adjustment, 9),
        )
        keys.setdefault(key, []).append(u.unit)
    rows = [
        {"单位名称": "、".join(names), "单位数": len(names), "问卷数": key[0]}
        for key, names in keys.items()
        if len(names) > 1
    ]
    return pd.DataFrame(rows, columns=["单位名称", "单位数", "问卷数"])


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
            u.appraisal,
            fmt_span(u.ci_low, u.ci_high),
        )
        for u in res.units
        if u.appraisal_detail and u.ballots < min_ballots
    ]
    missing = [
        (u.unit, u.group or "", "、".join(COMPONENT_NAMES.get(m, m) for m in gaps))
        for u in res.ranked()
        if (gaps := u.composite_detail.missing)
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
    moved = store.merged_rows(year)
    return Quality(
        merged=pd.DataFrame(
            {
                "原单位名称（前身）": moved["former"],
                "计入单位": moved["unit"],
                "数据来源": [SOURCE_NAMES.get(s, s) for s in moved["source"]],
                "数据行数": moved["rows"],
                "上传批次": moved["uploads"],
            }
        ),
        coverage=coverage,
        # The score beside its interval, which holds it (evidence.appraisal_spreads).
        few_ballots=pd.DataFrame(
            few,
            columns=[
                "单位名称",
                "考核类别",
                "问卷数",
                "万人评议",
                f"万人评议 {res.scheme.confidence_label} 区间",
            ],
        ),
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


# -- survey-tool evidence and the roster (issue 12) -----------------------------------------

BURST_SECONDS = 10  # ballots for one unit this close together form a burst …
BURST_MIN = 5  # … when there are at least this many
MIN_DURATION_S = 30.0  # a six-item ballot answered faster than this is worth a look
SAME_ADDRESS_MIN = 10  # this many ballots for one unit from one address


@dataclass(frozen=True)
class SurveyChecks:
    """Evidence for the office from what survey tools record (提交时间, 答题用时, IP);
    flags only: no ballot is dropped by these checks."""

    roster: pd.DataFrame  # 发出数, 收回数, 回收率 per upload and category
    bursts: pd.DataFrame  # per unit: bursts of ballots within seconds
    short: pd.DataFrame  # per unit: ballots answered faster than the minimum
    same_address: pd.DataFrame  # per unit and address: many ballots

    @property
    def issues(self) -> int:
        return len(self.bursts) + len(self.short) + len(self.same_address)


def mask_address(ip: str) -> str:
    """An address with its last two parts hidden (for viewers who only need the count).

    >>> mask_address("10.1.2.3"), mask_address("2001:db8::1")
    ('10.1.*.*', '2001:db8:*')
    """
    if "." in ip:
        parts = ip.split(".")
        return ".".join(parts[:2] + ["*"] * (len(parts) - 2))
    return ":".join(ip.split(":")[:2]) + ":*"


def survey_checks(
    store: Store,
    year: int,
    *,
    min_duration: float = MIN_DURATION_S,
    burst_seconds: float = BURST_SECONDS,
    burst_min: int = BURST_MIN,
    same_address_min: int = SAME_ADDRESS_MIN,
    reveal_addresses: bool = False,
) -> SurveyChecks:
    """Roster and anomaly flags per unit, with counts."""
    roster = store.roster(year)
    roster_out = pd.DataFrame(
        {
            "文件": roster["file"],
            "评议人类别": roster["category"].fillna("（未注明）"),
            "发出数": roster["issued"],
            "收回数": roster["returned"],
            "回收率": [
                f"{r / i:.1%}" if i else "—"
                for i, r in zip(roster["issued"], roster["returned"], strict=True)
            ],
        }
    )
    meta = store.ballot_meta(year)
    bursts, short, same = [], [], []
    for unit, rows in meta.groupby("unit", sort=True):
        times = rows["submitted_at"].dropna().sort_values()
        if len(times) >= burst_min:
            gap = times.diff().dt.total_seconds().fillna(float("inf"))
            run_id = (gap > burst_seconds).cumsum()
            sizes = times.groupby(run_id.to_numpy()).agg(["count", "min", "max"])
            big = sizes[sizes["count"] >= burst_min]
            if len(big):
                bursts.append(
                    (
                        unit,
                        len(big),
                        int(big["count"].sum()),
                        int(big["count"].max()),
                        str(big["min"].iloc[0])[:19],
                        len(rows),
                    )
                )
        durations = rows["duration_s"].dropna()
        fast = int((durations < min_duration).sum())
        if fast:
            short.append((unit, fast, len(durations), f"{fast / len(durations):.1%}"))
        counts = rows["ip"].dropna().value_counts()
        for ip, n in counts[counts >= same_address_min].items():
            shown = ip if reveal_addresses else mask_address(str(ip))
            same.append((unit, shown, int(n), len(rows)))
    return SurveyChecks(
        roster=roster_out,
        bursts=pd.DataFrame(
            bursts,
            columns=["单位名称", "集中提交次数", "涉及问卷数", "最多一次", "首次时间", "问卷总数"],
        ),
        short=pd.DataFrame(
            short, columns=["单位名称", "用时过短的问卷数", "有用时记录的问卷数", "占比"]
        ),
        same_address=pd.DataFrame(
            same, columns=["单位名称", "IP 地址", "来自该地址的问卷数", "问卷总数"]
        ),
    )


def quorum_flags(store: Store, year: int) -> pd.DataFrame:
    """民主测评 without quorum: 实到 at most half of 应到 (flagged, still counted)."""
    a = store.attendance(year)
    a = a[a["expected"].notna() & a["present"].notna()]
    a = a[a["present"] * 2 <= a["expected"]]
    return pd.DataFrame(
        {
            "测评对象": a["unit"],
            "测评范围": a["category"].fillna(""),
            "应到人数": a["expected"].astype(int),
            "实到人数": a["present"].astype(int),
            "到会率": [
                f"{p / e:.1%}" if e else "—"
                for p, e in zip(a["present"], a["expected"], strict=True)
            ],
            "文件": a["file"],
        }
    )
