"""Warnings and honours (末位告诫、效能告诫、重点监督检查、最佳科室、最佳公务员).

Rules of shared/spec/scoring.md "Warnings and honours", over units already
scored, ranked and graded. Pure functions: inputs are any objects with the
attributes of ``Standing`` (``scoring.results.UnitResult`` is one).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from scoring import rules
from scoring.formats import place_in_group
from scoring.rules import round2, round_to
from scoring.scheme import Scheme

if TYPE_CHECKING:
    from scoring.evidence import Evidence

__all__ = [
    "ESCALATED",
    "ESCALATING",
    "INEFFICIENT",
    "LAST_PLACE",
    "LAST_SECTION",
    "SUPERVISION",
    "Honour",
    "Standing",
    "Warning",
    "best_cadres",
    "best_sections",
    "last_place",
    "last_sections",
    "year_warnings",
]

LAST_PLACE = "末位告诫"
INEFFICIENT = "效能告诫"
SUPERVISION = "重点监督检查"
ESCALATED = "连续两年末位"
LAST_SECTION = "末位科室"
BEST_SECTION = "最佳科室"
# The warnings that count towards escalation in consecutive years.
ESCALATING = (LAST_PLACE, INEFFICIENT)


class Standing(Protocol):
    """What the rules here read of a unit (read-only: properties or attributes)."""

    @property
    def unit(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def group(self) -> str | None: ...
    @property
    def composite(self) -> float | None: ...
    @property
    def rank(self) -> int | None: ...
    @property
    def group_size(self) -> int | None: ...
    @property
    def grade(self) -> str | None: ...
    @property
    def vetoed(self) -> bool: ...
    @property
    def satisfaction_rate(self) -> float | None: ...
    @property
    def ballots(self) -> int: ...
    @property
    def ci_low(self) -> float | None: ...
    @property
    def ci_high(self) -> float | None: ...


@dataclass(frozen=True)
class Warning:
    """One warning, with the reason and figures an office would put in the notice."""

    unit: str
    group: str | None
    kind: str
    reason: str
    # How sure it is, in the statement that fits the kind (evidence.statement; set by
    # the engine once every unit's spread is known).
    evidence: Evidence | None = None

    @property
    def verdict(self) -> str:
        """是 / 否 / 无法判断 / 不适用: does the data bear the warning out beyond noise?"""
        return self.evidence.verdict if self.evidence else "无法判断"

    @property
    def not_significant(self) -> bool:
        """排名差异不显著 (or 低于分数线不显著 …): the statement found no clear difference."""
        return self.evidence is not None and self.evidence.verdict == "否"


@dataclass(frozen=True)
class Honour:
    kind: str  # 最佳科室 / 最佳公务员
    unit: str
    scope: str  # the group or the department it is best in
    reason: str


def _fmt(x: float | None, decimals: int = 2) -> str:
    return "—" if x is None else f"{round_to(x, decimals):.{decimals}f}"


def _history(warned_last_year: Mapping[str, int] | Iterable[str]) -> dict[str, int]:
    if isinstance(warned_last_year, Mapping):
        return {u: int(n) for u, n in warned_last_year.items() if n > 0}
    return dict.fromkeys(warned_last_year, 1)


def last_place(members: Sequence[Standing], scheme: Scheme) -> list[Standing]:
    """The ranked units of one group that get 末位告诫 under the group's scheme rule:
    a unit is among the last k when fewer than k units rank below it (so units tied
    at the boundary are all in), and, with a ``below`` line, only under that line."""
    rule = scheme.last_place
    if len(members) < rule.min_group:
        return []
    k = rule.count(len(members))
    ranks = sorted(o.rank or 0 for o in members)
    out = []
    for s in members:
        below_it = len(ranks) - bisect_right(ranks, s.rank or 0)  # units ranked below it
        if below_it >= k:
            continue
        v = round_to(s.composite, scheme.decimals)
        if rule.below > 0 and not s.vetoed and (v is None or v >= rule.below):
            continue
        out.append(s)
    return out


def _last_place_reason(s: Standing, members: Sequence[Standing], scheme: Scheme) -> str:
    """「执法监管类并列第 4 名（共 5 个单位），综合得分 …」: the place, 并列 when shared."""
    d = scheme.decimals
    veto = "，一票否决" if s.vetoed else ""
    line = f"，低于 {scheme.last_place.below:g} 分" if scheme.last_place.below > 0 else ""
    tied = sum(m.rank == s.rank for m in members) > 1
    place = place_in_group(s.rank or 0, len(members), tied)
    return f"{s.group}{place}，综合得分 {_fmt(s.composite, d)}{line}{veto}"


def year_warnings(
    standings: Sequence[Standing],
    scheme: Scheme,
    warned_last_year: Mapping[str, int] | Iterable[str] = (),
) -> list[Warning]:
    """This year's warnings, each under the scheme of the unit's 考核类别.

    - 末位告诫: in each group large enough, the units the scheme's last-place rule names.
    - 效能告诫: every unit whose grade is one of the scheme's ``inefficient_grades``.
    - 重点监督检查: every unit whose 满意率 is below the scheme's line.
    - 末位科室 (``last_section_scope = "department"``): each department's lowest 科室.
    - Escalation: a 末位告诫 or 效能告诫 this year after ``warned_last_year[unit]``
      consecutive earlier years of either, labelled from the scheme's ladder.
    How sure each warning is comes afterwards, once every unit's spread is known
    (engine.with_evidence, evidence.statement).
    """
    history = _history(warned_last_year)
    groups: dict[str, list[Standing]] = defaultdict(list)
    for s in standings:
        if s.group and s.rank is not None:
            groups[s.group].append(s)
    out: list[Warning] = []
    warned_now: list[Standing] = []

    for group, members in groups.items():
        sch = scheme.for_group(group)
        for s in sorted(last_place(members, sch), key=lambda m: (m.rank or 0, m.unit)):
            why = _last_place_reason(s, members, sch)
            out.append(Warning(s.unit, group, LAST_PLACE, why))
            warned_now.append(s)
    for s in standings:
        sch = scheme.for_group(s.group)
        if s.grade is not None and s.grade in sch.inefficient_grades:
            line = rules.band_line_above(s.grade, sch)
            why = (
                "一票否决"
                if s.vetoed
                else f"综合得分 {_fmt(s.composite, sch.decimals)}"
                + (f" 低于 {line:g} 分" if line is not None else "")
            )
            out.append(
                Warning(
                    s.unit,
                    s.group,
                    INEFFICIENT,
                    f"考评等次为{s.grade}（{why}）",
                )
            )
            warned_now.append(s)
        if s.satisfaction_rate is not None and s.satisfaction_rate < sch.supervision_below:
            out.append(
                Warning(
                    s.unit,
                    s.group,
                    SUPERVISION,
                    f"满意率 {s.satisfaction_rate:.2%} 低于 "
                    f"{sch.supervision_below:.0%}（{s.ballots} 份问卷）",
                )
            )
    out += last_sections(standings, scheme)
    for unit in dict.fromkeys(s.unit for s in warned_now):
        earlier = history.get(unit, 0)
        if earlier:
            s = next(x for x in warned_now if x.unit == unit)
            label = scheme.escalation_label(earlier)
            out.append(
                Warning(
                    unit,
                    s.group,
                    label,
                    f"连续 {earlier + 1} 年受到{LAST_PLACE}或{INEFFICIENT}（{label}），"
                    "建议诫勉谈话或组织调整",
                )
            )
    return out


def _sections_by_department(
    standings: Sequence[Standing], scheme: Scheme
) -> dict[str, list[Standing]]:
    """Each department's scored 科室, for departments with at least ``min_sections``."""
    by_dept: dict[str, list[Standing]] = defaultdict(list)
    for s in standings:
        if s.type == scheme.best_section_type and s.parent and s.composite is not None:
            by_dept[s.parent].append(s)
    return {d: m for d, m in sorted(by_dept.items()) if len(m) >= scheme.min_sections}


def last_sections(standings: Sequence[Standing], scheme: Scheme) -> list[Warning]:
    """末位科室: with ``last_section_scope = "department"``, the lowest-scoring 科室 of
    each department (vetoed ones lowest; ties all named): 效能告诫 to the 科室 and its
    head (seed 002: 市监察局对末位科室及负责人效能告诫)."""
    if scheme.last_section_scope != "department":
        return []
    out = []
    d = scheme.decimals
    for dept, members in _sections_by_department(standings, scheme).items():

        def key(s: Standing) -> tuple[bool, float]:
            return (not s.vetoed, round_to(s.composite, d) or 0.0)

        low = min(key(s) for s in members)
        for s in sorted(members, key=lambda m: m.unit):
            if key(s) == low:
                veto = "，一票否决" if s.vetoed else ""
                out.append(
                    Warning(
                        s.unit,
                        s.group,
                        LAST_SECTION,
                        f"{dept} {len(members)} 个科室中综合得分最低（{_fmt(s.composite, d)}"
                        f"{veto}），对科室及负责人{INEFFICIENT}",
                    )
                )
    return out


def best_sections(standings: Sequence[Standing], scheme: Scheme) -> list[Honour]:
    """最佳科室. ``best_section_scope = "department"``: each department's highest-scoring
    科室 (at least ``min_sections`` of them; not vetoed, not in an inefficient grade;
    ties all named). ``"group"``: in each group of 科室, the first-ranked unit(s), if
    graded in the top band."""
    d = scheme.decimals
    if scheme.best_section_scope == "department":
        out = []
        for dept, members in _sections_by_department(standings, scheme).items():
            fit = [
                s
                for s in members
                if not s.vetoed and s.grade not in scheme.for_group(s.group).inefficient_grades
            ]
            if not fit:
                continue
            top = max(round_to(s.composite, d) or 0.0 for s in fit)
            for s in sorted(fit, key=lambda m: m.unit):
                if round_to(s.composite, d) == top:
                    out.append(
                        Honour(
                            BEST_SECTION,
                            s.unit,
                            dept,
                            f"{dept} {len(members)} 个科室中综合得分最高（{_fmt(s.composite, d)}）",
                        )
                    )
        return out
    if scheme.best_section_scope != "group":
        return []
    out = []
    for s in standings:
        sch = scheme.for_group(s.group)
        if (
            s.type == scheme.best_section_type
            and s.group
            and s.rank == 1
            and s.grade == sch.top_grade
        ):
            out.append(
                Honour(
                    BEST_SECTION,
                    s.unit,
                    s.group,
                    f"{s.group}第 1 名，综合得分 {_fmt(s.composite, sch.decimals)}，等次{s.grade}",
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
    with at least the scheme's ``best_cadre_min_votes`` votes and no 不称职 flag."""
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
        top = max(round2((c.excellent_rate or 0.0) * 100) or 0.0 for c in members)
        for c in members:
            if round2((c.excellent_rate or 0.0) * 100) == top:
                out.append(
                    Honour(
                        "最佳公务员", c.unit, dept, f"优秀率 {c.excellent_rate:.2%}（{c.votes} 票）"
                    )
                )
    return out
