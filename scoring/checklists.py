"""Check lists (检查清单) for a 自查: 六查六看, 八查八看, 一对照五查摆, 治慢混散满浮懒庸差.

Shipped as TOML templates in ``scoring/checklists/`` (copied from the seed plans); an
office copies one into a campaign year and edits it there (``save``). A check list is
data: items with a code (一, 二 … or 慢, 混 …), the 查 and the 看, and the points to
look for. A unit's 自查 against a year's list records problems (``scoring.rectify``).

>>> [c.code for c in template("六查六看").items]
['一', '二', '三', '四', '五', '六']
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from scoring import accounts, toml_errors
from scoring.rectify_store import RectifyStore
from scoring.store import Store

__all__ = [
    "SEVERITIES",
    "CheckItem",
    "Checklist",
    "ChecklistError",
    "for_year",
    "parse",
    "save",
    "template",
    "template_names",
    "template_text",
    "year_names",
]

TEMPLATES = Path(__file__).resolve().parent / "checklists"
SEVERITIES = ("一般", "较重", "严重")


class ChecklistError(ValueError):
    """A check list text that cannot be used; the message says what is wrong, in Chinese."""


@dataclass(frozen=True)
class CheckItem:
    """One 查/看 pair and the points it looks for."""

    code: str
    check: str
    look: str
    points: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"（{self.code}）{self.check}，{self.look}"


@dataclass(frozen=True)
class Checklist:
    name: str
    description: str
    items: tuple[CheckItem, ...]
    text: str = ""

    def item(self, code: str) -> CheckItem | None:
        return next((i for i in self.items if i.code == code), None)


def template_names() -> list[str]:
    """The shipped templates, in a stable order."""
    order = ["六查六看", "八查八看", "一对照五查摆", "治慢混散满浮懒庸差"]
    names = [p.stem for p in TEMPLATES.glob("*.toml")]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def template_text(name: str) -> str:
    path = TEMPLATES / f"{name}.toml"
    if name not in template_names():
        raise ChecklistError(
            f"没有名为「{name}」的检查清单模板；可选：{'、'.join(template_names())}"
        )
    return path.read_text(encoding="utf-8")


def template(name: str) -> Checklist:
    return parse(template_text(name))


def parse(text: str) -> Checklist:
    """Validate a check list's TOML text; every problem is named in the message."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"检查清单不是有效的 TOML：{toml_errors.describe(exc)}") from exc
    problems = []
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("缺少清单名称 name")
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        problems.append("至少需要一个检查项 [[items]]")
        items = []
    parsed, seen = [], set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"第 {n} 个检查项格式不对")
            continue
        code, check = str(item.get("code", "")).strip(), str(item.get("check", "")).strip()
        if not code or not check:
            problems.append(f"第 {n} 个检查项缺少 code 或 check")
            continue
        if code in seen:
            problems.append(f"检查项编号「{code}」重复")
        seen.add(code)
        points = item.get("points", [])
        if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
            problems.append(f"检查项「{code}」的 points 应为文字列表")
            points = []
        parsed.append(CheckItem(code, check, str(item.get("look", "")).strip(), tuple(points)))
    if problems:
        raise ChecklistError("检查清单有误：" + "；".join(problems))
    return Checklist(str(name).strip(), str(raw.get("description", "")), tuple(parsed), text)


def year_names(store: Store, year: int) -> list[str]:
    """The lists an office has set for the year (its edited copies)."""
    return RectifyStore(store).checklist_names(year)


def for_year(store: Store, year: int, name: str) -> Checklist:
    """The year's copy of a list if the office set one, else the shipped template."""
    text = RectifyStore(store).checklist_text(year, name)
    return parse(text) if text is not None else template(name)


def save(store: Store, user: accounts.User, year: int, text: str) -> Checklist:
    """Set (or replace) the year's copy of a check list; only the office may."""
    accounts.authorize(user, "rectify_manage", year=year)
    checklist = parse(text)
    RectifyStore(store).save_checklist(year, checklist.name, text, user.name)
    return checklist
