"""The unit registry per year (年度单位名录): preview every change, then store it from a year on.

A registry file is effective from the year it is loaded for; earlier years keep the
registry they had, so a unit moved to another 考核类别 for 2026 leaves 2024 and 2025 as
they were. Loading is two steps, like a score sheet: ``preview`` (read-only) lists
every change — new units, changed fields, fields cleared by an empty cell, new
考核类别, units withdrawn (状态 撤销), renames and merges (前身) — and ``apply`` stores
it, only with an explicit confirmation when a change could be a mistake (a new
考核类别 may be a typo; an empty cell clears a field). A column absent from the file
leaves that field as it was. 简称 resolve wherever a unit is named, 上级单位 included,
also to units declared in the same file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoring.accounts import User, authorize
from scoring.scheme import for_year
from scoring.sheets import Problem, Registry, parse_file
from scoring.store import Store, merge_map

__all__ = [
    "FIELDS",
    "WITHDRAWN",
    "Change",
    "NeedsConfirmation",
    "RegistryPlan",
    "apply",
    "default_year",
    "former_names",
    "lineage",
    "preview",
    "registry_for_year",
]

WITHDRAWN = "撤销"
ACTIVE = "在用"
# field -> (Chinese column name, file column that carries it)
FIELDS = {
    "aliases": "简称",
    "type": "类型",
    "parent": "上级单位",
    "group": "考核类别",
    "predecessors": "前身",
    "status": "状态",
}


class NeedsConfirmation(Exception):
    """The preview holds changes that need an explicit confirmation; ``reasons`` says which."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("\n".join(reasons))


@dataclass(frozen=True)
class Change:
    """One line of the preview (名录变更)."""

    unit: str
    kind: str  # 新增单位 / 修改 / 清空 / 撤销 / 新考核类别 / 合并数据 / 取消合并
    field: str = ""
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class RegistryPlan:
    """What loading a registry file for a year would do; nothing is stored yet."""

    file: str
    year: int
    base_version: int
    rows: pd.DataFrame = field(repr=False)  # full records to store from ``year`` on
    changes: tuple[Change, ...]
    confirm: tuple[str, ...]  # reasons that need an explicit confirmation
    problems: tuple[Problem, ...] = ()

    @property
    def added(self) -> int:
        return sum(1 for c in self.changes if c.kind == "新增单位")

    @property
    def updated(self) -> int:
        return len({c.unit for c in self.changes if c.kind in ("修改", "清空", "撤销")})

    @property
    def merges(self) -> list[str]:
        """What the file does to facts already stored or still to come (合并数据 and
        取消合并), in sentences: too long for the table's cell, said above it."""
        return [c.new for c in self.changes if c.kind in ("合并数据", "取消合并")]

    def frame(self) -> pd.DataFrame:
        """The changes as a table for the page and the command line."""
        return pd.DataFrame(
            [(c.unit, c.kind, c.field, c.old, c.new) for c in self.changes],
            columns=["单位", "变更", "字段", "原值", "新值"],
        )


def default_year(store: Store) -> int:
    """The year a registry loaded without one applies from: the latest year with data,
    or 0 (every year) while the database holds no data."""
    years = store.years()
    return years[0] if years else 0


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)


def _list(value: Any) -> list[str]:
    """A list cell as read (a list or an array; NULL as None or NaN)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [str(v) for v in value]


def _blank(value: object) -> bool:
    return _text(value) == ""


def registry_for_year(store: Store, year: int | None) -> Registry:
    """What sheets of ``year`` may name: the year's units, their 简称, and former names
    (前身) that now point to exactly one unit."""
    units = store.units(year)
    # A unit merged into another this year (前身) is named for its successor, even while
    # its own record is still in use.
    merged = store.merged_units(year) if year is not None else {}
    units = units[~units["name"].isin(list(merged))]
    frame = units[["name", "aliases", "type"]].copy()
    names = set(units["name"])
    formers: dict[str, list[str]] = {}
    for name, before in zip(units["name"], units["predecessors"], strict=True):
        for p in _list(before):
            if p not in names:
                formers.setdefault(p, []).append(name)
    extra = {p: owners[0] for p, owners in formers.items() if len(owners) == 1}
    extra |= {p: s for p, s in merged.items() if s in names}
    frame["aliases"] = [
        _list(al) + [p for p, owner in extra.items() if owner == n]
        for n, al in zip(frame["name"], frame["aliases"], strict=True)
    ]
    return Registry.from_frame(frame)


def lineage(store: Store, year: int | None = None) -> dict[str, frozenset[str]]:
    """Every former name of each unit of ``year``'s registry (前身, followed back through
    every year), so trends and 连续两年末位 follow a renamed or merged unit."""
    direct: dict[str, set[str]] = {}
    for name, before in store.unit_predecessors():
        direct.setdefault(name, set()).update(before)
    out: dict[str, frozenset[str]] = {}
    if not direct:  # no unit has a 前身: the year's registry need not be read
        return out
    for name in store.units(year)["name"]:
        seen: set[str] = set()
        todo = list(direct.get(name, ()))
        while todo:
            p = todo.pop()
            if p in seen or p == name:
                continue
            seen.add(p)
            todo.extend(direct.get(p, ()))
        if seen:
            out[name] = frozenset(seen)
    return out


def former_names(store: Store, year: int | None, unit: str) -> list[str]:
    """The unit's name and its former names, the current one first."""
    return [unit, *sorted(lineage(store, year).get(unit, ()))]


def preview(store: Store, name: str, data: bytes, year: int | None = None) -> RegistryPlan:
    """Read a registry file and compare it with the registry in force in ``year``."""
    year = default_year(store) if year is None else int(year)
    scheme, _ = for_year(store, year)
    current = store.units(year, include_withdrawn=True)
    registry = Registry.from_frame(current)
    parsed = parse_file(name, data, scheme=scheme, registry=registry, source="units")
    base = store.registry_version()
    if parsed.problems:
        return RegistryPlan(name, year, base, pd.DataFrame(), (), (), tuple(parsed.problems))
    incoming = parsed.facts["units"]
    present = set(incoming.attrs.get("columns", FIELDS.values()))
    file_aliases: dict[str, str] = {}
    for n, al in zip(incoming["name"], incoming["aliases"], strict=True):
        file_aliases[n] = n
        for a in _list(al):
            file_aliases.setdefault(a, n)

    def canonical(unit: str | None) -> str | None:
        if unit is None or _blank(unit):
            return None
        return file_aliases.get(unit) or registry.resolve(unit) or unit

    known = {r["name"]: r for r in current.to_dict("records")}
    known_groups = set(store.all_groups())
    changes: list[Change] = []
    confirm: list[str] = []
    rows = []
    cleared = 0
    for rec in incoming.to_dict("records"):
        unit = rec["name"]
        new = {
            "aliases": _list(rec.get("aliases")),
            "type": rec["type"],
            "parent": canonical(rec.get("parent")),
            "group": None if _blank(rec.get("group")) else rec.get("group"),
            "predecessors": _list(rec.get("predecessors")),
            "status": ACTIVE if _blank(rec.get("status")) else rec["status"],
        }
        old = known.get(unit)
        if old is None:
            changes.append(Change(unit, "新增单位", "", "", _describe(new)))
            rows.append({"name": unit, **new})
            continue
        merged = {}
        for key, column in FIELDS.items():
            before = old.get(key) if key != "status" else (old.get("status") or ACTIVE)
            if key in ("aliases", "predecessors"):
                before = _list(before)
            if column not in present and key != "type":
                merged[key] = before
                continue
            after = new[key]
            merged[key] = after
            if _text(before) == _text(after):
                continue
            if key == "status" and after == WITHDRAWN:
                changes.append(Change(unit, "撤销", column, _text(before), WITHDRAWN))
            elif _blank(after):
                cleared += 1
                changes.append(Change(unit, "清空", column, _text(before), ""))
            else:
                changes.append(Change(unit, "修改", column, _text(before), _text(after)))
        if any(c.unit == unit for c in changes):
            rows.append({"name": unit, **merged})
    new_groups = sorted({r["group"] for r in rows if r["group"] and r["group"] not in known_groups})
    for g in new_groups:
        members = [r["name"] for r in rows if r["group"] == g]
        changes.append(
            Change(
                "、".join(members[:5]) + ("等" if len(members) > 5 else ""),
                "新考核类别",
                "考核类别",
                "",
                g,
            )
        )
    if new_groups and known_groups:
        near = {g: _closest(g, known_groups) for g in new_groups}
        confirm.append(
            "文件带来新的考核类别："
            + "、".join(
                f"「{g}」" + (f"（是否应为「{near[g]}」？）" if near[g] else "") for g in new_groups
            )
            + "。新类别会单独排名，请确认不是笔误。"
        )
    if cleared:
        confirm.append(f"文件中有 {cleared} 处空白单元格将清空单位原有的信息（见上表「清空」）。")
    frame = pd.DataFrame(
        rows, columns=["name", "aliases", "type", "parent", "group", "predecessors", "status"]
    )
    clashes = _clashes(name, incoming, known, rows)
    if clashes:
        return RegistryPlan(name, year, base, pd.DataFrame(), (), (), tuple(clashes))
    said = _merges_said(store, year, known, rows)
    changes += said
    confirm += _withdrawn_with_facts(store, year, changes, {c.unit for c in said})
    return RegistryPlan(name, year, base, frame, tuple(changes), tuple(confirm))


_HOW = {"name": "单位名称", "aliases": "简称", "predecessors": "前身"}


def _withdrawn_with_facts(
    store: Store, year: int, changes: list[Change], merged: set[str]
) -> list[str]:
    """A unit withdrawn (撤销) from a year it already has facts in, with no successor to
    take them: its facts would count for no one. Said, and confirmed, before it happens."""
    from scoring.sources import SOURCE_NAMES

    gone = [c.unit for c in changes if c.kind == "撤销" and c.unit not in merged]
    if not gone or not year:
        return []
    held = store.uploads_by_source_unit(year)
    held = held[held["unit"].isin(gone) & (held["rows"] > 0)]
    out = []
    for unit in gone:
        mine = held[held["unit"] == unit]
        if mine.empty:
            continue
        what = "、".join(
            f"{SOURCE_NAMES.get(s, s)} {n} 行"
            for s, n in zip(mine["source"], mine["rows"], strict=True)
        )
        out.append(
            f"撤销的单位「{unit}」在 {year} 年度已有数据（{what}），撤销后这些数据不计入任何单位的"
            f"结果；如系更名或合并，请在新单位的「前身」列填写「{unit}」。"
        )
    return out


def _merges_said(
    store: Store, year: int, known: Mapping[str, Mapping], rows: list[dict]
) -> list[Change]:
    """What the file's 前身 will do to the year's facts (Store.merged_units once stored):
    a former name's facts of the year, imported before or after, count for its
    successor, which stands in the ranking in its place; earlier years keep them."""
    records = {n: dict(r) for n, r in known.items()} | {r["name"]: r for r in rows}
    after = merge_map(
        (n, _list(r.get("predecessors")))
        for n, r in records.items()
        if (r.get("status") or ACTIVE) != WITHDRAWN
    )
    before = store.merged_units(year)
    since = f"自 {year} 年度起，" if year else "各年度"
    kept = "；此前各年度不变" if year else ""
    said = [
        Change(p, "合并数据", "", "", f"{since}{p} 的数据将计入 {s}（{p} 不再单独排名{kept}）")
        for p, s in sorted(after.items())
        if before.get(p) != s
    ]
    said += [
        Change(p, "取消合并", "", "", f"{since}{p} 的数据不再计入 {before[p]}")
        for p in sorted(before)
        if p not in after
    ]
    return said


def _clashes(
    file: str, incoming: pd.DataFrame, known: Mapping[str, Mapping], rows: list[dict]
) -> list[Problem]:
    """A name or 简称 that would stand for two different units in the year once the file
    is stored (a sheet naming it would be put on one of them without a word): one
    problem per clash, on the file's row that brings it. A 前身 standing for its
    successor, or a former unit's name kept by its successor, is no clash; two
    successors of one split unit share its old name (sheets then name them anew)."""
    from scoring.sheets import _norm

    records = {n: dict(r) for n, r in known.items()} | {r["name"]: r for r in rows}
    active = {n: r for n, r in records.items() if (r.get("status") or ACTIVE) != WITHDRAWN}
    before: dict[str, set[str]] = {n: set(_list(r.get("predecessors"))) for n, r in active.items()}

    def earlier(unit: str) -> set[str]:  # every former name, followed back within the year
        seen: set[str] = set()
        todo = list(before.get(unit, ()))
        while todo:
            p = todo.pop()
            if p not in seen and p != unit:
                seen.add(p)
                todo.extend(before.get(p, ()))
        return seen

    owners: dict[str, list[tuple[str, str]]] = {}
    for unit, rec in active.items():
        keys = [(unit, "name")] + [(a, "aliases") for a in _list(rec.get("aliases"))]
        keys += [(p, "predecessors") for p in before[unit] if p not in active]
        for key, how in keys:
            found = owners.setdefault(_norm(key), [])
            if all(u != unit for u, _ in found):
                found.append((unit, how))
    sheet, numbers, letters = incoming.attrs.get("where", (None, [], {}))
    row_of = dict(zip(incoming["name"], numbers, strict=False))
    problems: list[Problem] = []
    reported: set[tuple[str, str, str]] = set()
    for key, found in owners.items():
        for i, (a, how_a) in enumerate(found):
            for b, how_b in found[i + 1 :]:
                if how_a == how_b == "predecessors" or a in earlier(b) or b in earlier(a):
                    continue
                if a not in row_of and b not in row_of:
                    continue  # not this file's doing
                # The file's later row (or its only one) is where the clash comes in.
                (here, how), (there, how_there) = sorted(
                    [(a, how_a), (b, how_b)], key=lambda x: row_of.get(x[0], -1), reverse=True
                )
                if (key, here, there) in reported:
                    continue
                reported.add((key, here, there))
                column = _HOW[how]
                problems.append(
                    Problem(
                        file,
                        f"「{key}」将同时指「{here}」（本行{_HOW[how]}）和「{there}」"
                        f"（{_HOW[how_there]}）；同一年度一个名称或简称只能指一个单位，"
                        "否则导入的表格无法确定指哪个单位，请改用其他简称",
                        sheet,
                        row_of.get(here),
                        column,
                        letters.get(column),
                        key,
                    )
                )
    return problems


def _closest(group: str, known: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(group, sorted(known), n=1, cutoff=0.5)
    return found[0] if found else None


def _describe(rec: Mapping) -> str:
    parts = [rec["type"]]
    if rec.get("group"):
        parts.append(rec["group"])
    if rec.get("parent"):
        parts.append(f"上级：{rec['parent']}")
    if rec.get("aliases"):
        parts.append(f"简称：{'、'.join(rec['aliases'])}")
    if rec.get("predecessors"):
        parts.append(f"前身：{'、'.join(rec['predecessors'])}")
    if rec.get("status") == WITHDRAWN:
        parts.append(WITHDRAWN)
    return "；".join(parts)


def apply(store: Store, plan: RegistryPlan, user: User, *, confirmed: bool = False) -> int:
    """Store a previewed registry from its year on; returns the new registry version.

    Refused without the right, with problems, or when the preview asked for a
    confirmation that was not given."""
    authorize(user, "units")
    if plan.problems:
        from scoring.imports import ImportRejected

        raise ImportRejected(plan.problems)
    if plan.confirm and not confirmed:
        raise NeedsConfirmation(list(plan.confirm))
    summary = f"{plan.file}：新增 {plan.added} 个，更新 {plan.updated} 个"
    return store.save_registry(
        plan.rows, plan.year, plan.file, user.name, summary, base_version=plan.base_version
    )
