"""Warnings and honours (末位告诫、效能告诫、重点监督检查、最佳科室、最佳公务员).

Rules of shared/spec/scoring.md "Warnings and honours", over units already
scored, ranked and graded. Pure functions: inputs are any objects with the
attributes of ``Standing`` (``scoring.results.UnitResult`` is one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from scoring.rules import round2
from scoring.scheme import Scheme

__all__ = [
    "ESCALATED",
    "ESCALATING",
    "INEFFICIENT",
    "LAST_PLACE",
    "NOT_SIGNIFICANT",
    "SUPERVISION",
    "Honour",
    "Standing",
    "Warning",
    "best_cadres",
    "best_sections",
    "year_warnings",
]

LAST_PLACE = "末位告诫"
INEFFICIENT = "效能告诫"
SUPERVISION = "重点监督检查"
ESCALATED = "连续两年末位"
NOT_SIGNIFICANT = "排名差异不显著"
# The warnings that count towards escalation in consecutive years.
ESCALATING = (LAST_PLACE, INEFFICIENT)


class Standing(Protocol):
    unit: str
    type: str
    parent: str | None
    group: str | None
    composite: float | None
    rank: int | None
    group_size: int | None
    grade: str | None
    vetoed: bool
    satisfaction_rate: float | None
    ballots: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Warning:
    """One warning, with the reason and figures an office would put in the notice."""

    unit: str
    group: str | None
    kind: str
    reason: str
    not_significant: bool = False


@dataclass(frozen=True)
class Honour:
    kind: str  # 最佳科室 / 最佳公务员
    unit: str
    scope: str  # the group or the department it is best in
    reason: str


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{round2(x):.2f}"


def _interval(s: Standing, scheme: Scheme) -> str:
    if s.ci_low is None or s.ci_high is None:
        return "无万人评议区间"
    return (
        f"万人评议 {scheme.confidence_label} 区间 "
        f"{_fmt(s.ci_low)}–{_fmt(s.ci_high)}（{s.ballots} 份问卷）"
    )


def _overlaps(a: Standing, b: Standing) -> bool:
    if None in (a.ci_low, a.ci_high, b.ci_low, b.ci_high):
        return False
    return a.ci_low <= b.ci_high and b.ci_low <= a.ci_high


def _next_above(s: Standing, group: Sequence[Standing]) -> Standing | None:
    """The unit ranked just above ``s`` in its group (the one it would swap with)."""
    above = [o for o in group if o.rank is not None and s.rank is not None and o.rank < s.rank]
    return max(above, key=lambda o: (o.rank, -(o.composite or 0)), default=None)


def year_warnings(
    standings: Sequence[Standing],
    scheme: Scheme,
    warned_last_year: Mapping[str, int] | Iterable[str] = (),
) -> list[Warning]:
    """This year's warnings.

    - 末位告诫: in each group of at least 5 ranked units, the unit(s) at the last rank.
    - 效能告诫: every unit graded 较差 (vetoed units included).
    - 重点监督检查: every unit whose 满意率 is below 70%.
    - 连续两年末位: a 末位告诫 or 效能告诫 this year after either one last year.
    A 末位告诫 or 效能告诫 whose unit's appraisal interval overlaps that of the unit
    ranked just above says 排名差异不显著.
    """
    warned_before = (
        {u for u, n in warned_last_year.items() if n > 0}
        if isinstance(warned_last_year, Mapping)
        else set(warned_last_year)
    )
    groups: dict[str, list[Standing]] = defaultdict(list)
    for s in standings:
        if s.group and s.rank is not None:
            groups[s.group].append(s)
    out: list[Warning] = []
    warned_now: list[Standing] = []

    def noise(s: Standing) -> tuple[bool, str]:
        above = _next_above(s, groups.get(s.group or "", []))
        if above is not None and _overlaps(s, above):
            return True, (
                f"；与上一名 {above.unit}（{_interval(above, scheme)}）区间重叠，{NOT_SIGNIFICANT}"
            )
        return False, ""

    for group, members in groups.items():
        if len(members) < scheme.last_place_min_group:
            continue
        last = max(m.rank for m in members)
        for s in members:
            if s.rank == last:
                ns, extra = noise(s)
                veto = "，一票否决" if s.vetoed else ""
                out.append(
                    Warning(
                        s.unit,
                        group,
                        LAST_PLACE,
                        f"{group}第 {s.rank} 名（共 {len(members)} 个单位），"
                        f"综合得分 {_fmt(s.composite)}{veto}；{_interval(s, scheme)}{extra}",
                        ns,
                    )
                )
                warned_now.append(s)
    for s in standings:
        if s.grade == "较差":
            ns, extra = noise(s) if s.rank is not None else (False, "")
            why = (
                "一票否决"
                if s.vetoed
                else f"综合得分 {_fmt(s.composite)} 低于 {scheme.fair_min:g} 分"
            )
            out.append(
                Warning(
                    s.unit,
                    s.group,
                    INEFFICIENT,
                    f"考评等次为较差（{why}）；{_interval(s, scheme)}{extra}",
                    ns,
                )
            )
            warned_now.append(s)
        if s.satisfaction_rate is not None and s.satisfaction_rate < scheme.supervision_below:
            out.append(
                Warning(
                    s.unit,
                    s.group,
                    SUPERVISION,
                    f"满意率 {s.satisfaction_rate:.2%} 低于 "
                    f"{scheme.supervision_below:.0%}（{s.ballots} 份问卷）",
                )
            )
    for unit in dict.fromkeys(s.unit for s in warned_now):
        if unit in warned_before:
            s = next(x for x in warned_now if x.unit == unit)
            out.append(
                Warning(
                    unit,
                    s.group,
                    ESCALATED,
                    "连续两年受到末位告诫或效能告诫，建议诫勉谈话或组织调整",
                )
            )
    return out


def best_sections(standings: Sequence[Standing], scheme: Scheme) -> list[Honour]:
    """最佳科室: in each group of 科室, the first-ranked unit(s), if graded 优秀."""
    out = []
    for s in standings:
        if s.type == scheme.best_section_type and s.group and s.rank == 1 and s.grade == "优秀":
            out.append(
                Honour(
                    "最佳科室",
                    s.unit,
                    s.group,
                    f"{s.group}第 1 名，综合得分 {_fmt(s.composite)}，等次优秀",
                )
            )
    return out


@dataclass(frozen=True)
class CadreVotes:
    unit: str
    department: str | None
    votes: int
    excellent_rate: float | None
    flagged: bool


def best_cadres(cadres: Sequence[CadreVotes], scheme: Scheme) -> list[Honour]:
    """最佳公务员: per department, the cadre(s) with the highest 优秀率 among those
    with at least 10 votes and no 不称职票超三分之一 flag."""
    by_dept: dict[str, list[CadreVotes]] = defaultdict(list)
    for c in cadres:
        if (
            c.department
            and c.votes >= scheme.best_cadre_min_votes
            and not c.flagged
            and c.excellent_rate is not None
        ):
            by_dept[c.department].append(c)
    out = []
    for dept, members in sorted(by_dept.items()):
        top = max(round2(c.excellent_rate * 100) for c in members)
        for c in members:
            if round2(c.excellent_rate * 100) == top:
                out.append(
                    Honour(
                        "最佳公务员", c.unit, dept, f"优秀率 {c.excellent_rate:.2%}（{c.votes} 票）"
                    )
                )
    return out
