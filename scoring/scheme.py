"""The scoring scheme (考评方案): every weight, point and threshold, as data per year.

A scheme is a TOML text; the default lives in ``data/schemes/default.toml`` and
follows shared/spec/scoring.md. ``parse`` validates it and returns a frozen
``Scheme``; the store keeps each year's text with a version number so that
every result can say which scheme produced it.

>>> s = default_scheme()
>>> s.composite_weights["appraisal"], s.appraisal_points["基本满意"]
(0.4, 60.0)
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "DEFAULT_SCHEME_PATH",
    "Scheme",
    "SchemeError",
    "default_scheme",
    "default_text",
    "extra_table",
    "parse",
]

DEFAULT_SCHEME_PATH = Path(__file__).resolve().parents[1] / "data" / "schemes" / "default.toml"
COMPONENTS = ("appraisal", "performance", "integrity")


class SchemeError(ValueError):
    """A scheme that cannot be used; the message lists every problem, in Chinese."""


def _frozen(d: dict[str, float]) -> MappingProxyType:
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
    excellent_min: float
    excellent_top_share: float
    good_min: float
    fair_min: float
    last_place_min_group: int
    supervision_below: float
    confidence: float
    best_section_type: str
    best_cadre_min_votes: int
    text: str = field(default="", repr=False, compare=False)

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
        """How many earlier years escalation looks back at."""
        return 1

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


def parse(text: str) -> Scheme:
    """Parse and validate a scheme's TOML text; raise ``SchemeError`` listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"考评方案不是有效的 TOML 文件：{exc}") from exc
    p: list[str] = []
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
    items = _weights(raw, "appraisal.items", p)
    categories = _weights(raw, "appraisal.categories", p)
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
    default_max = _number(raw, "performance.default_max", p, 1e-9, 1e9)
    trim_from = _get(raw, "performance.trim_from", p, int)
    if isinstance(trim_from, int) and trim_from < 3:
        p.append(f"performance.trim_from = {trim_from} 太小：去掉最高分和最低分至少要 3 个分数")
    ipoints = _weights(raw, "integrity.points", p, allow_zero_sum=True)
    for vote, value in ipoints.items():
        if value > 100:
            p.append(f"integrity.points 中「{vote}」的分值 {value} 超过 100")
    excellent = _get(raw, "integrity.excellent", p, str)
    unfit = _get(raw, "integrity.unfit", p, str)
    for name, vote in (("integrity.excellent", excellent), ("integrity.unfit", unfit)):
        if vote is not None and vote not in ipoints:
            p.append(f"{name} =「{vote}」不在 integrity.points 的测评结果中")
    composite = _weights(raw, "composite.weights", p)
    for key in composite:
        if key not in COMPONENTS:
            p.append(
                f"composite.weights 中的「{key}」不是考评组成部分（应为 {'、'.join(COMPONENTS)}）"
            )
    sources = _strings(raw, "adjustments.sources", p)
    vetoes = _strings(raw, "adjustments.veto_sources", p)
    for v in vetoes:
        if v not in sources:
            p.append(f"adjustments.veto_sources 中的「{v}」不在 adjustments.sources 中")
    scheme_kwargs = dict(
        positive_cap=_number(raw, "adjustments.positive_cap", p, 0, 100),
        negative_cap=_number(raw, "adjustments.negative_cap", p, -100, 0),
        excellent_min=_number(raw, "grades.excellent_min", p, 0, 200),
        excellent_top_share=_number(raw, "grades.excellent_top_share", p, 0, 1),
        good_min=_number(raw, "grades.good_min", p, 0, 200),
        fair_min=_number(raw, "grades.fair_min", p, 0, 200),
        unfit_flag_share=_number(raw, "integrity.unfit_flag_share", p, 0, 1),
        supervision_below=_number(raw, "warnings.supervision_below", p, 0, 1),
        confidence=_number(raw, "warnings.confidence", p, 0.5, 0.999),
    )
    if not (
        scheme_kwargs["excellent_min"] >= scheme_kwargs["good_min"] >= scheme_kwargs["fair_min"]
    ):
        p.append("等次分数线应满足 优秀 ≥ 良好 ≥ 一般")
    last_min = _get(raw, "warnings.last_place_min_group", p, int)
    best_type = _get(raw, "honours.best_section_type", p, str)
    best_votes = _get(raw, "honours.best_cadre_min_votes", p, int)
    if p:
        raise SchemeError("考评方案有误：\n" + "\n".join(f"- {x}" for x in p))
    return Scheme(
        name=str(raw.get("name", "未命名方案")),
        appraisal_points=_frozen(points),
        appraisal_unknown=unknown,
        appraisal_satisfied=satisfied,
        appraisal_aliases=_frozen({str(k): str(v) for k, v in aliases.items()}),
        items=_frozen(items),
        categories=_frozen(categories),
        indicators=_frozen(indicators),
        default_max=default_max,
        max_by_indicator=_frozen(max_by),
        trim_from=int(trim_from),
        integrity_points=_frozen(ipoints),
        integrity_excellent=str(excellent),
        integrity_unfit=str(unfit),
        adjustment_sources=sources,
        veto_sources=vetoes,
        composite_weights=_frozen(composite),
        last_place_min_group=int(last_min),
        best_section_type=str(best_type),
        best_cadre_min_votes=int(best_votes),
        text=text,
        **scheme_kwargs,
    )
