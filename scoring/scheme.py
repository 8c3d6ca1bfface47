"""The scoring scheme (考评方案): every weight, point and threshold, as data per year.

A scheme is a TOML text; the default ships in the package (``scoring/schemes/
default.toml``) and follows shared/spec/scoring.md, version 2. ``parse`` validates
it and returns a frozen ``Scheme``; the store keeps each year's text with a version
number so that every result can say which scheme produced it. A scheme in the first
form (grades.excellent_min …, warnings.last_place_min_group) is read as the
equivalent grade bands and 末位 rule (``upgrade``). ``[groups."X"]`` tables override
any section for one 考核类别 (``Scheme.for_group``).

>>> s = default_scheme()
>>> s.composite_weights["appraisal"], s.appraisal_points["基本满意"]
(0.4, 60.0)
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scoring import toml_errors

__all__ = [
    "DEFAULT_SCHEME_PATH",
    "GradeBand",
    "LastPlaceRule",
    "Round",
    "Scheme",
    "SchemeError",
    "default_scheme",
    "default_text",
    "extra_table",
    "parse",
    "upgrade",
]

DEFAULT_SCHEME_PATH = Path(__file__).resolve().parent / "schemes" / "default.toml"
COMPONENTS = ("appraisal", "performance", "integrity")
LAST_PLACE_RULES = ("last", "bottom_n", "bottom_share")
SECTION_SCOPES = ("department", "group", "none")


@dataclass(frozen=True)
class GradeBand:
    """One 等次: reached from ``min`` (and, with ``top_share``, only within the top
    ceil(top_share × group size) ranks)."""

    name: str
    min: float
    top_share: float | None = None


@dataclass(frozen=True)
class LastPlaceRule:
    """Who gets 末位告诫 in a group of at least ``min_group`` ranked units: the last
    rank (``last``), the last ``n`` (``bottom_n``) or the last ceil(share × size)
    (``bottom_share``); with ``below`` > 0 only composites under that line."""

    rule: str = "last"
    n: int = 1
    share: float = 0.1
    below: float = 0.0
    min_group: int = 5

    def count(self, size: int) -> int:
        """How many of the last ranks a group of ``size`` warns."""
        if self.rule == "bottom_n":
            return self.n
        if self.rule == "bottom_share":
            return math.ceil(self.share * size - 1e-9)
        return 1


@dataclass(frozen=True)
class Round:
    """A round of 绩效考核 within the year (上半年 …): months from–to, and its weight."""

    name: str
    first_month: int
    last_month: int
    weight: float


class SchemeError(ValueError):
    """A scheme that cannot be used; the message lists every problem, in Chinese."""


def _frozen(d: Mapping[str, Any]) -> MappingProxyType:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Scheme:
    """A validated scheme. Mappings are read-only so a scheme can be shared and cached."""

    name: str
    appraisal_points: MappingProxyType
    appraisal_unknown: tuple[str, ...]
    appraisal_satisfied: tuple[str, ...]
    appraisal_aliases: MappingProxyType
    items: MappingProxyType
    categories: MappingProxyType
    indicators: MappingProxyType
    default_max: float
    max_by_indicator: MappingProxyType
    trim_from: int
    integrity_points: MappingProxyType
    integrity_excellent: str
    integrity_unfit: str
    unfit_flag_share: float
    positive_cap: float
    negative_cap: float
    adjustment_sources: tuple[str, ...]
    veto_sources: tuple[str, ...]
    composite_weights: MappingProxyType
    grade_bands: tuple[GradeBand, ...]
    inefficient_grades: tuple[str, ...]
    last_place: LastPlaceRule
    supervision_below: float
    confidence: float
    escalation_ladder: tuple[str, ...]
    best_section_type: str
    best_section_scope: str
    last_section_scope: str
    min_sections: int
    best_cadre_min_votes: int
    decimals: int = 2
    performance_rounds: tuple[Round, ...] = ()
    groups: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    text: str = field(default="", repr=False, compare=False)

    def for_group(self, group: str | None) -> Scheme:
        """The scheme that applies to a 考核类别 (its ``[groups."X"]`` overrides)."""
        if group is None:
            return self
        return self.groups.get(group, self)

    @property
    def grade_names(self) -> tuple[str, ...]:
        """The 等次 names, best first."""
        return tuple(b.name for b in self.grade_bands)

    @property
    def floor_grade(self) -> str:
        """The last band: below every line, and the grade of a veto."""
        return self.grade_bands[-1].name

    @property
    def top_grade(self) -> str:
        return self.grade_bands[0].name

    @property
    def extra_components(self) -> tuple[str, ...]:
        """专项考评 items weighted like a component (names other than the built-ins)."""
        return tuple(k for k in self.composite_weights if k not in COMPONENTS)

    @property
    def appraisal_answers(self) -> tuple[str, ...]:
        """Every answer a ballot may carry (scored ones, then the 不了解 kind)."""
        return tuple(self.appraisal_points) + self.appraisal_unknown

    @property
    def confidence_label(self) -> str:
        """The interval's level as labels say it, e.g. 95%."""
        return f"{self.confidence * 100:.4g}%"

    @property
    def escalation_depth(self) -> int:
        """How many earlier years escalation looks back at (the ladder's length)."""
        return max(1, len(self.escalation_ladder))

    def escalation_label(self, earlier_years: int) -> str:
        """The ladder's label after ``earlier_years`` consecutive earlier years warned."""
        ladder = self.escalation_ladder
        return ladder[min(earlier_years, len(ladder)) - 1]

    def max_for(self, indicator: str) -> float:
        """The 满分 that applies when a sheet gives none."""
        return float(self.max_by_indicator.get(indicator, self.default_max))


def for_year(store: Any, year: int) -> tuple[Scheme, int]:
    """The year's scheme from the store and its version (0: the default, never set)."""
    stored = store.scheme_text(year)
    if stored is None:
        return default_scheme(), 0
    version, text = stored
    return parse(text), version


def extra_table(scheme: Scheme, key: str) -> dict[str, Any]:
    """A top-level table outside the scored core (``[cases]``, ``[calendar]``), read from
    the scheme's text; empty when absent (a scheme stored before the table existed), so
    the module that owns the table applies its defaults and validates it."""
    try:
        value = tomllib.loads(scheme.text).get(key) if scheme.text else None
    except tomllib.TOMLDecodeError:
        value = None
    return dict(value) if isinstance(value, dict) else {}


def default_text() -> str:
    return DEFAULT_SCHEME_PATH.read_text(encoding="utf-8")


def default_scheme() -> Scheme:
    return parse(default_text())


def _get(raw: dict, path: str, problems: list[str], kind: type | tuple = object) -> Any:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            problems.append(f"缺少设置项 {path}")
            return None
        node = node[part]
    if kind is not object and not isinstance(node, kind):
        problems.append(f"设置项 {path} 的类型不对：应为{_kind_name(kind)}，实际是 {node!r}")
        return None
    return node


def _kind_name(kind: type | tuple) -> str:
    names = {
        dict: "表",
        list: "列表",
        str: "文字",
        int: "整数",
        float: "数值",
        (int, float): "数值",
    }
    return names.get(kind, str(kind))


def _weights(raw: dict, path: str, problems: list[str], *, allow_zero_sum: bool = False) -> dict:
    table = _get(raw, path, problems, dict)
    if table is None:
        return {}
    out: dict[str, float] = {}
    for key, value in table.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            problems.append(f"{path} 中「{key}」的权重应为数值，实际是 {value!r}")
        elif value < 0:
            problems.append(f"{path} 中「{key}」的权重不能为负数（{value}）")
        else:
            out[str(key)] = float(value)
    if not table:
        problems.append(f"{path} 不能为空")
    elif out and not allow_zero_sum and sum(out.values()) <= 0:
        problems.append(f"{path} 的权重之和必须大于 0")
    return out


def _number(raw: dict, path: str, problems: list[str], lo: float, hi: float) -> float:
    value = _get(raw, path, problems, (int, float))
    if value is None or isinstance(value, bool):
        return math.nan
    if not lo <= value <= hi:
        problems.append(f"设置项 {path} = {value} 超出范围（应在 {lo} 到 {hi} 之间）")
    return float(value)


def _strings(raw: dict, path: str, problems: list[str]) -> tuple[str, ...]:
    value = _get(raw, path, problems, list)
    if value is None:
        return ()
    if not all(isinstance(v, str) for v in value):
        problems.append(f"设置项 {path} 应为文字列表")
        return ()
    return tuple(value)


def _default_raw() -> dict:
    return tomllib.loads(default_text())


def upgrade(raw: dict) -> dict:
    """A first-form scheme as version 2 (a copy): grade lines become bands (named as
    the default scheme names them), last_place_min_group the rule "last", and what the
    first form could not say keeps its first-form meaning (one escalation step, the
    best 科室 per 科室 group, no 末位科室)."""
    raw = copy.deepcopy(raw)
    default = _default_raw()
    grades = raw.get("grades")
    first = ("excellent_min", "excellent_top_share", "good_min", "fair_min")
    if isinstance(grades, dict) and "bands" not in grades and any(k in grades for k in first):
        names = [b["name"] for b in default["grades"]["bands"]]
        lines = [grades.pop("excellent_min", None), grades.pop("good_min", None)]
        lines.append(grades.pop("fair_min", None))
        top = grades.pop("excellent_top_share", None)
        bands = [{"name": names[0], "min": lines[0]}]
        if top is not None:
            bands[0]["top_share"] = top
        bands += [{"name": n, "min": v} for n, v in zip(names[1:3], lines[1:], strict=True)]
        bands.append({"name": names[3], "min": 0})
        grades["bands"] = [{k: v for k, v in b.items() if v is not None} for b in bands]
        warnings = raw.setdefault("warnings", {})
        if isinstance(warnings, dict):
            warnings.setdefault("inefficient_grades", [names[3]])
    warnings = raw.get("warnings")
    if isinstance(warnings, dict) and "last_place_min_group" in warnings:
        warnings["last_place"] = {"rule": "last", "min_group": warnings.pop("last_place_min_group")}
        raw.setdefault("escalation", {"ladder": default["escalation"]["ladder"][:1]})
        honours = raw.setdefault("honours", {})
        if isinstance(honours, dict):
            honours.setdefault("best_section_scope", "group")
            honours.setdefault("last_section_scope", "none")
    return raw


def _merge(base: dict, override: dict) -> dict:
    """A group's scheme: the base with the override's keys replacing the base's, one
    level inside each section (``composite.weights = {…}`` replaces the whole table)."""
    out = copy.deepcopy(base)
    for section, values in override.items():
        if isinstance(values, dict) and isinstance(out.get(section), dict):
            out[section].update(copy.deepcopy(values))
        else:
            out[section] = copy.deepcopy(values)
    return out


def _optional(raw: dict, path: str, default: Any) -> Any:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _bands(raw: dict, p: list[str]) -> tuple[GradeBand, ...]:
    value = _get(raw, "grades.bands", p, list)
    if not value:
        if value is not None:
            p.append("grades.bands 至少要有一个等次")
        return ()
    out = []
    for i, band in enumerate(value, start=1):
        if not isinstance(band, dict) or not isinstance(band.get("name"), str):
            p.append(f'grades.bands 第 {i} 项应为 {{ name = "等次名", min = 分数线 }}')
            continue
        lo = band.get("min", 0)
        top = band.get("top_share")
        if isinstance(lo, bool) or not isinstance(lo, int | float) or not 0 <= lo <= 200:
            p.append(f"等次「{band['name']}」的分数线 min = {lo!r} 应为 0 到 200 的数值")
            continue
        if top is not None and (
            isinstance(top, bool) or not isinstance(top, int | float) or not 0 < top <= 1
        ):
            p.append(f"等次「{band['name']}」的 top_share = {top!r} 应在 0 到 1 之间")
            continue
        out.append(GradeBand(band["name"], float(lo), None if top is None else float(top)))
    names = [b.name for b in out]
    if len(set(names)) < len(names):
        p.append("grades.bands 中有重名的等次：" + "、".join(names))
    if any(a.min < b.min for a, b in itertools.pairwise(out)):
        p.append("等次分数线应从高到低排列：" + " ≥ ".join(names))
    return tuple(out)


def _last_place(raw: dict, p: list[str]) -> LastPlaceRule:
    table = _optional(raw, "warnings.last_place", {})
    if not isinstance(table, dict):
        p.append("warnings.last_place 应为表")
        return LastPlaceRule()
    rule = table.get("rule", "last")
    if rule not in LAST_PLACE_RULES:
        p.append(f"warnings.last_place.rule =「{rule}」应为 {'、'.join(LAST_PLACE_RULES)} 之一")
    ints = {k: table.get(k, d) for k, d in (("n", 1), ("min_group", 5))}
    for k, v in ints.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            p.append(f"warnings.last_place.{k} = {v!r} 应为不小于 1 的整数")
    share, below = table.get("share", 0.1), table.get("below", 0)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        p.append(f"warnings.last_place.share = {share!r} 应在 0 到 1 之间")
    if isinstance(below, bool) or not isinstance(below, int | float) or not 0 <= below <= 200:
        p.append(f"warnings.last_place.below = {below!r} 应为 0 到 200 的分数（0 表示不设线）")
    try:
        return LastPlaceRule(
            str(rule), int(ints["n"]), float(share), float(below), int(ints["min_group"])
        )
    except (TypeError, ValueError):
        return LastPlaceRule()


def _rounds(raw: dict, p: list[str]) -> tuple[Round, ...]:
    table = _optional(raw, "performance.rounds", {})
    if not isinstance(table, dict):
        p.append("performance.rounds 应为表")
        return ()
    out = []
    for name, spec in table.items():
        months = spec.get("months") if isinstance(spec, dict) else None
        weight = spec.get("weight") if isinstance(spec, dict) else None
        if (
            not isinstance(months, list)
            or len(months) != 2
            or not all(isinstance(m, int) and 1 <= m <= 12 for m in months)
            or months[0] > months[1]
        ):
            p.append(f"performance.rounds 中「{name}」的 months 应为 [起始月, 结束月]，如 [1, 6]")
            continue
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            p.append(f"performance.rounds 中「{name}」的 weight 应为不小于 0 的数值")
            continue
        out.append(Round(str(name), months[0], months[1], float(weight)))
    taken: dict[int, str] = {}
    for r in out:
        for m in range(r.first_month, r.last_month + 1):
            if m in taken:
                p.append(f"performance.rounds 中「{taken[m]}」与「{r.name}」的月份重叠（{m} 月）")
                break
            taken[m] = r.name
    if out and sum(r.weight for r in out) <= 0:
        p.append("performance.rounds 的权重之和必须大于 0")
    return tuple(out)


def _choice(raw: dict, path: str, default: str, options: tuple[str, ...], p: list[str]) -> str:
    value = _optional(raw, path, default)
    if value not in options:
        p.append(f"设置项 {path} =「{value}」应为 {'、'.join(options)} 之一")
        return default
    return str(value)


def _int(raw: dict, path: str, default: int, lo: int, hi: int, p: list[str]) -> int:
    value = _optional(raw, path, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        p.append(f"设置项 {path} = {value!r} 应为 {lo} 到 {hi} 的整数")
        return default
    return value


def parse(text: str) -> Scheme:
    """Parse and validate a scheme's TOML text; raise ``SchemeError`` listing every problem.

    The same text gives the same (immutable) Scheme, parsed once: a year's recomputation
    asks for its scheme and for last year's, each a few milliseconds of TOML."""
    return _parse(text)


@functools.lru_cache(maxsize=16)
def _parse(text: str) -> Scheme:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"考评方案不是有效的 TOML 文件：{toml_errors.describe(exc)}") from exc
    problems: list[str] = []
    base = upgrade({k: v for k, v in raw.items() if k != "groups"})
    scheme = _build(base, problems, text)
    overrides = raw.get("groups", {})
    groups: dict[str, Scheme] = {}
    if not isinstance(overrides, dict):
        problems.append('groups 应为表：[groups."考核类别"]')
        overrides = {}
    for group, override in overrides.items():
        if not isinstance(override, dict):
            problems.append(f'groups."{group}" 应为表')
            continue
        inner: list[str] = []
        built = _build(_merge(base, upgrade(override)), inner, "")
        problems += [f"考核类别「{group}」的单独设置：{x}" for x in inner]
        if built is not None:
            groups[str(group)] = built
    if problems or scheme is None:
        raise SchemeError("考评方案有误：\n" + "\n".join(f"- {x}" for x in problems))
    return replace(scheme, groups=MappingProxyType(groups))


def _appraisal_part(raw: dict, p: list[str]) -> dict[str, Any]:
    points = _weights(raw, "appraisal.points", p, allow_zero_sum=True)
    for answer, value in points.items():
        if value > 100:
            p.append(f"appraisal.points 中「{answer}」的分值 {value} 超过 100")
    unknown = _strings(raw, "appraisal.unknown", p)
    satisfied = _strings(raw, "appraisal.satisfied", p)
    for answer in satisfied:
        if answer not in points:
            p.append(f"appraisal.satisfied 中的「{answer}」不在 appraisal.points 的答案中")
    aliases = _get(raw, "appraisal.aliases", p, dict) or {}
    for alias, target in aliases.items():
        if target not in points and target not in unknown:
            p.append(f"appraisal.aliases 中「{alias}」指向未知答案「{target}」")
    return {
        "appraisal_points": _frozen(points),
        "appraisal_unknown": unknown,
        "appraisal_satisfied": satisfied,
        "appraisal_aliases": _frozen({str(k): str(v) for k, v in aliases.items()}),
        "items": _frozen(_weights(raw, "appraisal.items", p)),
        "categories": _frozen(_weights(raw, "appraisal.categories", p)),
    }


def _performance_part(raw: dict, p: list[str]) -> dict[str, Any]:
    indicators = _weights(raw, "performance.indicators", p)
    max_by = (
        _weights(raw, "performance.max_by_indicator", p, allow_zero_sum=True)
        if (raw.get("performance", {}).get("max_by_indicator"))
        else {}
    )
    for ind, value in max_by.items():
        if ind not in indicators:
            p.append(f"performance.max_by_indicator 中的「{ind}」不是方案中的考核指标")
        if value <= 0:
            p.append(f"performance.max_by_indicator 中「{ind}」的满分必须大于 0")
    trim_from = _get(raw, "performance.trim_from", p, int)
    if isinstance(trim_from, int) and trim_from < 3:
        p.append(f"performance.trim_from = {trim_from} 太小：去掉最高分和最低分至少要 3 个分数")
    return {
        "indicators": _frozen(indicators),
        "default_max": _number(raw, "performance.default_max", p, 1e-9, 1e9),
        "max_by_indicator": _frozen(max_by),
        "trim_from": int(trim_from or 0),
        "performance_rounds": _rounds(raw, p),
    }


def _integrity_part(raw: dict, p: list[str]) -> dict[str, Any]:
    ipoints = _weights(raw, "integrity.points", p, allow_zero_sum=True)
    for vote, value in ipoints.items():
        if value > 100:
            p.append(f"integrity.points 中「{vote}」的分值 {value} 超过 100")
    excellent = _get(raw, "integrity.excellent", p, str)
    unfit = _get(raw, "integrity.unfit", p, str)
    for name, vote in (("integrity.excellent", excellent), ("integrity.unfit", unfit)):
        if vote is not None and vote not in ipoints:
            p.append(f"{name} =「{vote}」不在 integrity.points 的测评结果中")
    return {
        "integrity_points": _frozen(ipoints),
        "integrity_excellent": str(excellent),
        "integrity_unfit": str(unfit),
        "unfit_flag_share": _number(raw, "integrity.unfit_flag_share", p, 0, 1),
    }


def _composite_part(raw: dict, p: list[str]) -> dict[str, Any]:
    composite = _weights(raw, "composite.weights", p)
    for key in composite:
        if key not in COMPONENTS and key.isascii():
            p.append(
                f"composite.weights 中的「{key}」不是考评组成部分（应为 {'、'.join(COMPONENTS)}，"
                "或专项考评项目的中文名称）"
            )
    sources = _strings(raw, "adjustments.sources", p)
    vetoes = _strings(raw, "adjustments.veto_sources", p)
    for v in vetoes:
        if v not in sources:
            p.append(f"adjustments.veto_sources 中的「{v}」不在 adjustments.sources 中")
    return {
        "composite_weights": _frozen(composite),
        "adjustment_sources": sources,
        "veto_sources": vetoes,
        "positive_cap": _number(raw, "adjustments.positive_cap", p, 0, 100),
        "negative_cap": _number(raw, "adjustments.negative_cap", p, -100, 0),
    }


def _rules_part(raw: dict, p: list[str]) -> dict[str, Any]:
    """Grades, warnings, escalation, honours and display."""
    bands = _bands(raw, p)
    names = [b.name for b in bands]
    inefficient = tuple(_optional(raw, "warnings.inefficient_grades", names[-1:]))
    for g in inefficient:
        if g not in names:
            p.append(f"warnings.inefficient_grades 中的「{g}」不是 grades.bands 中的等次")
    ladder = _optional(raw, "escalation.ladder", [])
    if not isinstance(ladder, list) or not ladder or not all(isinstance(x, str) for x in ladder):
        p.append('escalation.ladder 应为至少一项的文字列表，如 ["连续两年末位", "连续三年末位"]')
        ladder = ["?"]
    return {
        "grade_bands": bands,
        "inefficient_grades": inefficient,
        "last_place": _last_place(raw, p),
        "supervision_below": _number(raw, "warnings.supervision_below", p, 0, 1),
        "confidence": _number(raw, "warnings.confidence", p, 0.5, 0.999),
        "escalation_ladder": tuple(ladder),
        "best_section_type": str(_get(raw, "honours.best_section_type", p, str)),
        "best_cadre_min_votes": int(_get(raw, "honours.best_cadre_min_votes", p, int) or 0),
        "best_section_scope": _choice(
            raw, "honours.best_section_scope", "group", SECTION_SCOPES, p
        ),
        "last_section_scope": _choice(raw, "honours.last_section_scope", "none", SECTION_SCOPES, p),
        "min_sections": _int(raw, "honours.min_sections", 3, 1, 1000, p),
        "decimals": _int(raw, "display.decimals", 2, 0, 6, p),
    }


def _build(raw: dict, p: list[str], text: str) -> Scheme | None:
    """A validated ``Scheme`` from a version-2 table; problems go to ``p``."""
    parts = (_appraisal_part, _performance_part, _integrity_part, _composite_part, _rules_part)
    fields: dict[str, Any] = {}
    for part in parts:
        fields.update(part(raw, p))
    if p:
        return None
    return Scheme(name=str(raw.get("name", "未命名方案")), text=text, **fields)
