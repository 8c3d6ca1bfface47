"""What the 考评方案 page does with a scheme, without Streamlit: the form's fields and
the TOML they make, differences between versions, a preview of what a new scheme would
change (ranks, grades, warnings per unit, side by side), the range of each unit's rank
under alternative composite weights (weight sensitivity), and saving or restoring a
version with a reason (authorised here, recorded in the audit log).
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pandas as pd
import tomli_w

from scoring import accounts
from scoring.engine import evaluate
from scoring.facts import read_facts
from scoring.outcome import COMPONENT_NAMES, Results, UnitResult
from scoring.ranking import rank_within_group
from scoring.results import compute, previous_warnings
from scoring.rules import round_to
from scoring.scheme import GradeBand, LastPlaceRule, Scheme, SchemeError, parse, upgrade
from scoring.store import Store
from scoring.warnings import last_place

__all__ = [
    "LAST_PLACE_RULE_NAMES",
    "SCOPE_NAMES",
    "Change",
    "SchemeForm",
    "Sensitivity",
    "apply_form",
    "diff",
    "form_of",
    "normalised",
    "preview",
    "restore",
    "save",
    "sensitivity",
    "versions",
    "weight_grid",
    "weight_notes",
    "weight_sensitivity",
    "weights_text",
]

LAST_PLACE_RULE_NAMES = {
    "last": "最后一名",
    "bottom_n": "最后 N 名",
    "bottom_share": "最后一定比例",
}
SCOPE_NAMES = {"department": "各部门分别评出", "group": "按科室类别评出", "none": "不评"}
# Chinese names of the settings, longest prefix first wins (for differences).
LABELS = {
    "name": "方案名称",
    "appraisal.points": "万人评议答案分值",
    "appraisal.unknown": "不计入的答案",
    "appraisal.satisfied": "计为满意的答案",
    "appraisal.aliases": "答案别名",
    "appraisal.items": "评议项目权重",
    "appraisal.categories": "评议人类别权重",
    "performance.indicators": "绩效考核指标权重",
    "performance.default_max": "绩效考核默认满分",
    "performance.max_by_indicator": "绩效考核指标满分",
    "performance.trim_from": "去掉最高最低分的最少分数个数",
    "performance.rounds": "绩效考核分轮",
    "integrity.points": "勤廉测评分值",
    "integrity.unfit_flag_share": "不称职票比例线",
    "adjustments.positive_cap": "加分上限",
    "adjustments.negative_cap": "减分下限",
    "adjustments.sources": "加减分来源",
    "adjustments.veto_sources": "一票否决来源",
    "composite.weights": "综合得分权重",
    "grades.bands": "等次",
    "warnings.inefficient_grades": "效能告诫等次",
    "warnings.supervision_below": "重点监督检查满意率线",
    "warnings.confidence": "区间置信水平",
    "warnings.last_place": "末位告诫规则",
    "escalation.ladder": "连续告诫名称",
    "honours.best_section_scope": "最佳科室",
    "honours.last_section_scope": "末位科室",
    "honours.min_sections": "评最佳/末位科室的最少科室数",
    "honours.best_cadre_min_votes": "最佳公务员最少票数",
    "display.decimals": "小数位数",
    "groups": "考核类别单独设置",
}
WEIGHT_TOLERANCE = 1e-6


# -- the form ---------------------------------------------------------------------------


@dataclass
class SchemeForm:
    """The settings the page edits as a form (the rest of the scheme stays as it is).
    Weights are fractions (0.4 = 40%)."""

    name: str
    composite_weights: dict[str, float]
    categories: dict[str, float]
    indicators: dict[str, float]
    bands: list[GradeBand]
    inefficient_grades: list[str]
    last_place: LastPlaceRule
    supervision_below: float
    confidence: float
    ladder: list[str]
    best_section_scope: str
    last_section_scope: str
    min_sections: int
    decimals: int
    renormalise: set[str] = field(default_factory=set)  # weight tables to scale to 100%


def form_of(scheme: Scheme) -> SchemeForm:
    """The form's fields, filled from a scheme."""
    return SchemeForm(
        name=scheme.name,
        composite_weights=dict(scheme.composite_weights),
        categories=dict(scheme.categories),
        indicators=dict(scheme.indicators),
        bands=list(scheme.grade_bands),
        inefficient_grades=list(scheme.inefficient_grades),
        last_place=scheme.last_place,
        supervision_below=scheme.supervision_below,
        confidence=scheme.confidence,
        ladder=list(scheme.escalation_ladder),
        best_section_scope=scheme.best_section_scope,
        last_section_scope=scheme.last_section_scope,
        min_sections=scheme.min_sections,
        decimals=scheme.decimals,
    )


def year_without_data(years: Iterable[int], today_year: int) -> int:
    """The year the office most likely sets a scheme for before its data arrives: the
    one after the latest with data, or this year when there is none.

    >>> year_without_data([2025, 2024], 2026), year_without_data([], 2026)
    (2026, 2026)
    """
    return max(years, default=today_year - 1) + 1


def normalised(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights scaled to total 1 (what 按比例换算为 100% shows before saving)."""
    total = sum(weights.values())
    if total <= 0:
        return dict(weights)
    return {k: v / total for k, v in weights.items()}


WEIGHT_TABLES = {
    "composite_weights": "综合得分权重",
    "categories": "评议人类别权重",
    "indicators": "绩效考核指标权重",
}


def _weights(form: SchemeForm, table: str, problems: list[str]) -> dict[str, float]:
    weights = {k: float(v) for k, v in getattr(form, table).items() if k}
    total = sum(weights.values())
    if table in form.renormalise:
        return normalised(weights)
    if not math.isclose(total, 1.0, abs_tol=WEIGHT_TOLERANCE):
        problems.append(
            f"{WEIGHT_TABLES[table]}合计 {total:.1%}，应为 100%（或选择按比例换算为 100%）"
        )
    return weights


def weight_notes(text: str) -> list[str]:
    """For a scheme edited as text: each weight table that does not total 100%, with the
    weights it will be used at (the engine renormalises), so the change is explicit."""
    scheme = parse(text)
    notes = []
    tables = {
        "综合得分权重": dict(scheme.composite_weights),
        "评议人类别权重": dict(scheme.categories),
        "绩效考核指标权重": dict(scheme.indicators),
    }
    for title, weights in tables.items():
        total = sum(weights.values())
        if not math.isclose(total, 1.0, abs_tol=WEIGHT_TOLERANCE):
            used = "，".join(
                f"{COMPONENT_NAMES[k] if title == '综合得分权重' else k} {v:.1%}"
                for k, v in normalised(weights).items()
            )
            notes.append(f"{title}合计 {total:.1%}，不是 100%：将按比例换算为 {used}")
    return notes


def apply_form(text: str, form: SchemeForm) -> str:
    """The scheme's TOML with the form's settings in it (version 2; other sections, such as
    per-group settings, 专项考评 or 整改, stay). Raises ``SchemeError`` when a weight
    table does not total 100% (unless it is to be renormalised) or the result is invalid."""
    raw = tomllib.loads(text) if text.strip() else {}
    groups = raw.pop("groups", None)
    raw = upgrade(raw)
    problems: list[str] = []
    raw["name"] = form.name.strip() or "未命名方案"
    raw.setdefault("composite", {})["weights"] = _weights(form, "composite_weights", problems)
    raw.setdefault("appraisal", {})["categories"] = _weights(form, "categories", problems)
    raw.setdefault("performance", {})["indicators"] = _weights(form, "indicators", problems)
    raw.setdefault("grades", {})["bands"] = [
        {"name": b.name, "min": b.min} | ({"top_share": b.top_share} if b.top_share else {})
        for b in form.bands
        if b.name
    ]
    rule = form.last_place
    warnings = raw.setdefault("warnings", {})
    warnings.update(
        inefficient_grades=list(form.inefficient_grades),
        supervision_below=form.supervision_below,
        confidence=form.confidence,
        last_place={
            "rule": rule.rule,
            "n": rule.n,
            "share": rule.share,
            "below": rule.below,
            "min_group": rule.min_group,
        },
    )
    raw["escalation"] = {"ladder": [x for x in form.ladder if x]}
    raw.setdefault("honours", {}).update(
        best_section_scope=form.best_section_scope,
        last_section_scope=form.last_section_scope,
        min_sections=form.min_sections,
    )
    raw["display"] = {"decimals": form.decimals}
    if groups is not None:
        raw["groups"] = groups
    if problems:
        raise SchemeError("考评方案有误：\n" + "\n".join(f"- {x}" for x in problems))
    out = tomli_w.dumps(raw)
    parse(out)  # every other problem, named
    return out


# -- differences between versions -----------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One setting that differs: where, its Chinese name, before and after."""

    path: str
    label: str
    old: str
    new: str


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict) and node:
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: node}


def _label(path: str) -> str:
    for prefix in sorted(LABELS, key=len, reverse=True):
        if path == prefix or path.startswith(prefix + "."):
            rest = path[len(prefix) + 1 :]
            if prefix == "composite.weights" and rest:
                rest = COMPONENT_NAMES[rest]
            return LABELS[prefix] + (f" · {rest}" if rest else "")
    return path


# The fields of a list of tables (the grade bands) in the office's words.
FIELD_NAMES = {"min": "分数线", "top_share": "名额比例", "months": "月份", "weight": "权重"}
# Settings that are fractions the page enters as percentages.
PERCENT_PATHS = (
    "warnings.supervision_below",
    "warnings.confidence",
    "integrity.unfit_flag_share",
)


def _field(key: str, value: Any) -> str:
    if key in ("top_share", "weight") and isinstance(value, int | float):
        return f"{FIELD_NAMES[key]} {value * 100:g}%"
    return f"{FIELD_NAMES.get(key, key)} {_show(value)}"


def _show(value: Any) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        # 「优秀：分数线 90，名额比例 20%」: a band by its name, then its other fields.
        return "；".join(
            (f"{item['name']}：" if "name" in item else "")
            + "，".join(_field(k, v) for k, v in item.items() if k != "name")
            for item in value
        )
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "（空）"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def diff(old_text: str, new_text: str) -> list[Change]:
    """The settings that differ between two schemes (first-form texts are compared as
    their version-2 equivalents, so only real changes show)."""

    def flat(text: str) -> dict[str, Any]:
        raw = tomllib.loads(text) if text.strip() else {}
        groups = raw.pop("groups", {})
        return _flatten(upgrade(raw)) | _flatten({"groups": groups} if groups else {})

    old, new = flat(old_text), flat(new_text)
    weights = ("composite.weights.", "appraisal.categories.", "performance.indicators.")

    def show(path: str, value: Any) -> str:
        if path.startswith(weights + PERCENT_PATHS) and isinstance(value, int | float):
            return f"{value * 100:.4g}%"
        return _show(value)

    out = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) != new.get(path):
            out.append(
                Change(path, _label(path), show(path, old.get(path)), show(path, new.get(path)))
            )
    return out


# -- preview ----------------------------------------------------------------------------


def _fmt(x: float | None, decimals: int) -> float | None:
    return round_to(x, decimals)


def preview(
    store: Store,
    year: int,
    text: str,
    *,
    current: Results | None = None,
    history: Mapping[str, int] | None = None,
) -> tuple[pd.DataFrame, Results]:
    """What the scheme in ``text`` would change for ``year``, one row per unit, the
    current and the proposed result side by side (``有变化``: rank, grade or warnings
    differ); and the proposed results. ``current`` and ``history`` (earlier years'
    warnings, results.previous_warnings) save recomputing what the caller has."""
    scheme = parse(text)
    current = current or compute(store, year)
    facts = read_facts(store, year, scheme)
    if history is None:
        history = previous_warnings(store, year)
    proposed = evaluate(facts, scheme, history, scheme_version=-1)
    d = max(current.scheme.decimals, scheme.decimals)
    rows = []
    names = sorted({u.unit for u in current.units} | {u.unit for u in proposed.units})
    for name in names:
        a, b = current.unit(name), proposed.unit(name)
        either = b or a
        row: dict[str, Any] = {
            "单位": name,
            "考核类别": either.group if either else None,
            "现排名": a.rank if a else None,
            "新排名": b.rank if b else None,
            "现等次": a.grade if a else None,
            "新等次": b.grade if b else None,
            "现综合得分": _fmt(a.composite, d) if a else None,
            "新综合得分": _fmt(b.composite, d) if b else None,
            "现告诫": "、".join(a.warnings) if a else "",
            "新告诫": "、".join(b.warnings) if b else "",
        }
        row["有变化"] = any(row[f"现{k}"] != row[f"新{k}"] for k in ("排名", "等次", "告诫"))
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame = frame.sort_values(["考核类别", "新排名", "单位"], na_position="last", kind="stable")
    return frame.reset_index(drop=True), proposed


# -- weight sensitivity -------------------------------------------------------------------


def weight_grid(weights: Mapping[str, float], step: float = 0.1) -> list[dict[str, float]]:
    """Alternative composite weights the office might weigh: each weight moved by −step,
    0 or +step, keeping every combination that still totals 100% with no weight below 0;
    the current weights first.

    >>> grid = weight_grid({"appraisal": 0.4, "performance": 0.4, "integrity": 0.2})
    >>> len(grid), grid[0]["integrity"], sorted(round(g["integrity"], 2) for g in grid)
    (7, 0.2, [0.1, 0.1, 0.2, 0.2, 0.2, 0.3, 0.3])
    """
    base = normalised(weights)
    keys = list(base)
    out = [base]
    for deltas in itertools.product((-step, 0.0, step), repeat=len(keys)):
        if not any(deltas) or not math.isclose(sum(deltas), 0.0, abs_tol=1e-9):
            continue
        moved = {k: base[k] + d for k, d in zip(keys, deltas, strict=True)}
        if min(moved.values()) < -1e-9:
            continue
        out.append({k: max(0.0, v) for k, v in moved.items()})
    return out


def _composite(
    components: Mapping[str, float | None], weights: Mapping[str, float], adjustment: float
) -> float | None:
    present = {k: w for k, w in weights.items() if components.get(k) is not None and w > 0}
    total = sum(present.values())
    if total <= 0:
        return None
    return sum(float(components[k] or 0.0) * w for k, w in present.items()) / total + adjustment


@dataclass(frozen=True)
class Sensitivity:
    """What 权重敏感性 shows: ``table`` (one row per ranked unit: its best and worst rank
    and in how many weight sets it gets 末位告诫), ``last_under`` (one row per unit whose
    末位告诫 depends on the weights and per weight set under which it gets it: the weights
    its group used there, as 「40%」) and ``always`` (the units that get 末位告诫 under
    every weight set compared, 「单位（考核类别）」)."""

    table: pd.DataFrame
    last_under: pd.DataFrame
    always: tuple[str, ...]
    options: int


def weights_text(weights: Mapping[str, float]) -> str:
    """Composite weights as the page writes them: 「万人评议 40%，绩效考核 40%，勤廉测评 20%」.

    >>> weights_text({"appraisal": 0.5, "performance": 0.30000000000000004})
    '万人评议 50%，绩效考核 30%'
    """
    return "，".join(f"{COMPONENT_NAMES.get(k, k)} {v:.0%}" for k, v in weights.items())


def weight_sensitivity(
    res: Results, step: float = 0.1, alternatives: Iterable[Mapping[str, float]] | None = None
) -> Sensitivity:
    """Each ranked unit's best and worst rank, and under which of the alternative weight
    sets it would get 末位告诫, over ``alternatives`` (default: ``weight_grid`` of the
    scheme's composite weights; the set equal to the scheme's own is marked 现行). A group
    with its own weights has each alternative's changes applied to its weights. Recomputes
    composites and ranks only (components, 加减分 and vetoes as they are)."""
    scheme = res.scheme
    base = dict(scheme.composite_weights)
    options = list(alternatives) if alternatives is not None else weight_grid(base, step)
    current = normalised(base)
    ranked = [u for u in res.units if u.rank is not None and u.group]
    by_group: dict[str, list[UnitResult]] = defaultdict(list)
    for u in ranked:
        by_group[u.group or ""].append(u)
    ranks: dict[str, list[int]] = defaultdict(list)
    last: dict[str, list[tuple[int, dict[str, float]]]] = defaultdict(list)
    for number, option in enumerate(options, start=1):
        shift = {k: option.get(k, 0.0) - w for k, w in current.items()}
        for group, members in by_group.items():
            sch = scheme.for_group(group)
            own = normalised(sch.composite_weights)
            weights = {k: max(0.0, w + shift.get(k, 0.0)) for k, w in own.items()}
            values = {
                u.unit: _composite({k: u.component(k) for k in weights}, weights, u.adjustment)
                for u in members
            }
            entries = [(u.unit, v, u.vetoed) for u in members if (v := values[u.unit]) is not None]
            placed = rank_within_group(entries, sch.decimals)
            standings = [
                SimpleNamespace(rank=placed[n], composite=v, vetoed=x, unit=n)
                for n, v, x in entries
            ]
            for standing in standings:
                ranks[standing.unit].append(int(standing.rank))
            for warned in last_place(standings, sch):
                last[warned.unit].append((number, weights))
    rows = []
    always: list[str] = []
    under: list[dict[str, Any]] = []
    components = list(current)
    for u in sorted(ranked, key=lambda x: (x.group or "", x.rank or 0, x.unit)):
        seen = ranks.get(u.unit, [])
        times = len(last.get(u.unit, []))
        depends = 0 < times < len(options)
        rows.append(
            {
                "单位": u.unit,
                "考核类别": u.group,
                "当前排名": u.rank,
                "最好排名": min(seen) if seen else None,
                "最差排名": max(seen) if seen else None,
                "排名变动幅度": (max(seen) - min(seen)) if seen else 0,
                "末位告诫（组合数）": times,
                "权重组合数": len(options),
                "末位取决于权重": depends,
            }
        )
        if options and times == len(options):
            always.append(f"{u.unit}（{u.group}）")
        if depends:
            for number, weights in last[u.unit]:
                is_current = all(
                    math.isclose(options[number - 1].get(k, 0.0), w, abs_tol=1e-9)
                    for k, w in current.items()
                )
                under.append(
                    {
                        "单位": u.unit,
                        "考核类别": u.group,
                        "权重组合": f"组合 {number}" + ("（现行）" if is_current else ""),
                        **{
                            f"{COMPONENT_NAMES.get(k, k)}权重": f"{weights.get(k, 0.0):.0%}"
                            for k in components
                        },
                    }
                )
    columns = ["单位", "考核类别", "权重组合"] + [
        f"{COMPONENT_NAMES.get(k, k)}权重" for k in components
    ]
    table = pd.DataFrame(rows, columns=_SENSITIVITY_COLUMNS)  # the columns also with no unit
    return Sensitivity(table, pd.DataFrame(under, columns=columns), tuple(always), len(options))


_SENSITIVITY_COLUMNS = [
    "单位",
    "考核类别",
    "当前排名",
    "最好排名",
    "最差排名",
    "排名变动幅度",
    "末位告诫（组合数）",
    "权重组合数",
    "末位取决于权重",
]


def sensitivity(
    res: Results, step: float = 0.1, alternatives: Iterable[Mapping[str, float]] | None = None
) -> pd.DataFrame:
    """``weight_sensitivity(...).table``: one row per ranked unit."""
    return weight_sensitivity(res, step, alternatives).table


# -- saving, history, restore ----------------------------------------------------------


def save(store: Store, user: accounts.User | None, year: int, text: str, reason: str) -> int:
    """Store ``text`` as the year's next scheme version; needs the 管理员 role and a
    reason (both in the audit log). Returns the new version number."""
    accounts.authorize(user, "scheme", year=year)
    assert user is not None
    if not reason.strip():
        raise SchemeError("请填写修改原因：它会记入方案历史和审计日志。")
    scheme = parse(text)
    return store.set_scheme(year, scheme.name, text, user.name, reason.strip())


def versions(store: Store, year: int) -> pd.DataFrame:
    """The year's scheme versions, newest first, in Chinese columns (text kept for diffs)."""
    frame = store.scheme_versions(year)
    return frame.rename(
        columns={
            "version": "版本",
            "name": "方案名称",
            "set_at": "设置时间",
            "user": "设置人",
            "reason": "修改原因",
            "text": "text",
        }
    )


def restore(store: Store, user: accounts.User | None, year: int, version: int, reason: str) -> int:
    """Set an earlier version's text again, as a new version (history is never rewritten)."""
    accounts.authorize(user, "scheme", year=year)
    rows = store.scheme_versions(year)
    match = rows[rows["version"] == version]
    if match.empty:
        raise SchemeError(f"{year} 年度没有方案版本 {version}。")
    why = f"恢复版本 {version}" + (f"：{reason.strip()}" if reason.strip() else "")
    return save(store, user, year, str(match.iloc[0]["text"]), why)
