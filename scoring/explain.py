"""The leader's answer (末位说明): per group, who is last, why, and how sure we are.

``group_verdicts(results)`` gives one ``Verdict`` per ranking group: the last unit,
its grade, the main reason (the component that pulls it down most against the
group's average, weighted as in its composite; or its 一票否决), the gap to the unit
ranked just above it and whether that gap is significant — judged on the composite's
sampling spread by ``evidence.statement``, the same sentence the 末位告诫 carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring import evidence
from scoring.formats import fmt_score
from scoring.outcome import COMPONENT_NAMES, Results, UnitResult
from scoring.scale import composite_interval
from scoring.warnings import LAST_PLACE

__all__ = ["Verdict", "group_verdicts", "main_reason"]


@dataclass(frozen=True)
class Verdict:
    """The answer for one group, every field filled (no blanks for a leader to read)."""

    group: str
    size: int
    unit: str
    grade: str
    composite: str
    reason: str
    above: str  # the unit ranked just above, or 「—」 when the group has one unit
    gap: str  # composite points to the unit above
    significant: str  # 是 / 否 / 无法判断 / 不适用 (a veto)
    interval: str  # the last unit's composite interval, in full
    level: str  # the interval's level, e.g. 95%
    vetoed: bool
    statement: str = ""  # the evidence in one sentence (gap, its interval, p_last)
    # Units tied at the last rank: whose figures the card shows, and that they share it.
    tie_note: str = ""


def _veto_reason(unit: UnitResult, results: Results) -> str:
    reasons = [
        reason or src
        for reason, _, src in unit.adjustment_entries
        if src in results.scheme.veto_sources
    ]
    return "、".join(dict.fromkeys(reasons))


def main_reason(unit: UnitResult, results: Results) -> str:
    """What pulls ``unit`` down most against its group: for each component it has, its
    distance to the group's mean times the weight it carries in the unit's composite,
    and the adjustment's distance to the group's mean adjustment; the most negative."""
    if unit.vetoed:
        why = _veto_reason(unit, results)
        return "一票否决" + (f"（{why}）" if why else "")
    peers = [u for u in results.ranked(unit.group) if u.unit != unit.unit]
    if not peers:
        return "本类别只有一个单位"
    pulls: list[tuple[float, str]] = []
    for key, weight in unit.composite_detail.weights.items():
        mine = unit.component(key)
        others = [v for u in peers if (v := u.component(key)) is not None]
        if mine is None or not others:
            continue
        mean = sum(others) / len(others)
        pulls.append(
            (
                (mine - mean) * weight,
                f"{COMPONENT_NAMES.get(key, key)} {fmt_score(mine)} 分，低于本类别其他单位"
                f"平均 {fmt_score(mean - mine)} 分（权重 {weight:.0%}，拉低综合得分 "
                f"{fmt_score((mean - mine) * weight)} 分）",
            )
        )
    mean_adj = sum(u.adjustment for u in peers) / len(peers)
    pulls.append(
        (
            unit.adjustment - mean_adj,
            f"加减分 {unit.adjustment:+.2f}，比本类别其他单位平均少 "
            f"{fmt_score(mean_adj - unit.adjustment)} 分",
        )
    )
    worst = min(pulls, key=lambda p: p[0])
    if worst[0] >= 0:
        return "各项均不低于本类别平均，末位由名次并列或差距极小所致"
    return worst[1]


def group_verdicts(results: Results) -> list[Verdict]:
    """One verdict per group, in the order of ``results.groups``."""
    out = []
    for group in results.groups:
        ranked = results.ranked(group)
        if not ranked:
            continue
        # ``ranked`` holds only units with a rank, so ``or 0`` never applies (it narrows).
        last_rank = max(u.rank or 0 for u in ranked)
        tied = [u for u in ranked if u.rank == last_rank]
        last = tied[0]
        above = [u for u in ranked if (u.rank or 0) < last_rank]
        upper = max(above, key=lambda u: (u.rank or 0, -(u.composite or 0))) if above else None
        bounded = composite_interval(last, results.scheme)
        interval = bounded.text() if bounded else "无法估计（数据不足以估计抽样误差）"
        sch = results.scheme.for_group(group)
        said = evidence.statement(
            LAST_PLACE,
            last,
            ranked,
            level=sch.confidence,
            grade_line=0.0,
            rate_line=sch.supervision_below,
            decimals=sch.decimals,
        )
        if upper is None or upper.composite is None or last.composite is None:
            gap = "—"
        elif last.vetoed:
            gap = "不比较（一票否决者排在最后）"
        else:
            gap = f"{fmt_score(upper.composite - last.composite)} 分"
        out.append(
            Verdict(
                group=group,
                size=len(ranked),
                unit="、".join(u.unit for u in tied) + ("（并列）" if len(tied) > 1 else ""),
                grade=last.grade or "—",
                composite=fmt_score(last.composite),
                reason=main_reason(last, results),
                above=upper.unit if upper else "—",
                gap=gap,
                significant=said.verdict if said else "无法判断",
                interval=interval,
                level=sch.confidence_label,
                vetoed=last.vetoed,
                statement=said.sentence if said else "",
                tie_note=(
                    f"{len(tied)} 个单位并列末位（综合得分在公布精度下相同）：原因、区间与差距为"
                    f"「{last.unit}」的；「为真实末位的概率」由并列单位分担，约各占"
                    f"{100 / len(tied):.0f}%，不表示差异不显著。"
                    if len(tied) > 1
                    else ""
                ),
            )
        )
    return out
