"""The 整改 ledger (查摆整改): from a warning, a 查摆 problem, a case or an 意见 to a closed
整改, with 回头看.

Life of an item (status):

    待制定 --制定方案--> 整改中 --申请销号--> 申请销号 --销号 (效能办)--> 已销号
    申请销号 --退回 (效能办)--> 整改中
    已销号 --回头看 通过--> 回头看通过        已销号 --回头看 不通过--> 重新整改 (reopened)
    重新整改 --申请销号--> 申请销号 …         any --撤销--> 已撤销 (never deleted)

A 录入员 updates the progress of the units assigned to them (``assign_units``; a 录入员
with no units updates none); only the office (管理员) opens, signs off, reviews and
revokes; 领导 read. Every change is a row of the item's history (who, when, what).

Deadlines come from the year's scheme (``[rectify]``, defaults below when absent): the
plan within ``plan_workdays`` working days (``scoring.workdays``: Chinese holidays and
调休), completion within ``complete_months``, 回头看 ``review_months`` after 销号. An item
is overdue when its next deadline has passed; 回头看 falls due by itself (no job runs:
``Item.next_due`` and ``overdue`` are computed from the dates).

Warnings become items by ``sync_warnings``, an office action run (1) from the 整改台账
page (同步告诫整改), (2) when the year's results are published, (3) from the command line
(``python -m scoring rectify --year Y --sync``). Each warning of the year opens exactly one
item (by unit and kind); running it again opens none; a warning gone after an undo or a
re-computation marks its item 已撤销, and a warning that comes back restores it.
``pending_sync`` tells the page what a sync would change, so stale items show.
"""

from __future__ import annotations

import calendar
import itertools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from scoring import accounts, workdays
from scoring.rectify_store import RectifyStore
from scoring.scheme import Scheme
from scoring.store import Store
from scoring.warnings import Warning

__all__ = [
    "CLOSED",
    "DRAFTING",
    "HELD",
    "IN_PROGRESS",
    "LEDGER_COLUMNS",
    "ORIGINS",
    "REDO",
    "REQUESTED",
    "REVOKED",
    "STATUSES",
    "EarlyReview",
    "Item",
    "Progress",
    "RectifyError",
    "Settings",
    "Stage",
    "SyncReport",
    "add_months",
    "add_progress",
    "assign_units",
    "current_stage",
    "due_between",
    "history",
    "items",
    "late_text",
    "ledger_table",
    "open_from_case",
    "open_item",
    "pending_sync",
    "progress",
    "record_finding",
    "records",
    "rectifiable_units",
    "request_close",
    "review",
    "review_timing",
    "review_too_soon",
    "revoke",
    "send_back",
    "set_plan",
    "set_stages",
    "settings",
    "sign_off",
    "stages",
    "sync_warnings",
    "unit_progress",
    "units_of",
    "verified_cases",
]

ORIGIN_WARNING, ORIGIN_FINDING, ORIGIN_CASE, ORIGIN_OPINION = "告诫", "查摆", "案件", "意见"
ORIGINS = (ORIGIN_WARNING, ORIGIN_FINDING, ORIGIN_CASE, ORIGIN_OPINION)
DRAFTING, IN_PROGRESS, REQUESTED, CLOSED = "待制定", "整改中", "申请销号", "已销号"
HELD, REDO, REVOKED = "回头看通过", "重新整改", "已撤销"
STATUSES = (DRAFTING, IN_PROGRESS, REQUESTED, CLOSED, HELD, REDO, REVOKED)
WORKING = (IN_PROGRESS, REDO)  # the unit is at work on it
DEFAULT_STAGES = ("学习动员", "查摆问题", "整改落实", "总结提高")
# The deadlines an item owes (``Item.owed``), named as the ledger, the page and the
# workbook say them; the columns that show their dates are in LEDGER_COLUMNS.
DUE_PLAN, DUE_COMPLETE, DUE_REVIEW = "整改方案", "整改完成", "回头看"


class RectifyError(ValueError):
    """An action the item's state or the input does not allow; the message is in Chinese."""


class EarlyReview(RectifyError):
    """A 回头看 refused as too early: its message is ``review_timing``'s sentence, which the
    page already shows as a warning (it replaces it rather than repeat it)."""


# -- settings from the scheme ------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The scheme's ``[rectify]`` section (整改时限 and lists), with defaults when absent."""

    plan_workdays: int = 15
    complete_months: int = 3
    review_months: int = 3
    redo_workdays: int = 30
    warning_kinds: tuple[str, ...] = ()  # the warnings that open items; empty: every one
    comment_tags: tuple[str, ...] = (
        "效率低下",
        "态度生硬",
        "推诿扯皮",
        "门难进脸难看",
        "吃拿卡要",
        "表扬肯定",
        "其他",
    )
    stages: tuple[str, ...] = DEFAULT_STAGES
    calendar: workdays.Calendar = field(default_factory=workdays.Calendar, compare=False)


def settings(scheme: Scheme) -> Settings:
    """Read ``[rectify]`` from the scheme's text; a key absent (or a scheme without the
    section, such as one set before it existed) takes the default."""
    raw = tomllib.loads(scheme.text).get("rectify", {}) if scheme.text else {}
    base = Settings()
    values: dict[str, Any] = {}  # Settings' fields, checked one by one below
    for key in ("plan_workdays", "complete_months", "review_months", "redo_workdays"):
        v = raw.get(key, getattr(base, key))
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise RectifyError(f"考评方案 rectify.{key} 应为非负整数，而不是「{v}」")
        values[key] = v
    for key in ("warning_kinds", "comment_tags", "stages"):
        v = raw.get(key, getattr(base, key))
        if not isinstance(v, list | tuple) or not all(isinstance(s, str) for s in v):
            raise RectifyError(f"考评方案 rectify.{key} 应为文字列表")
        values[key] = tuple(v)
    full = tomllib.loads(scheme.text) if scheme.text else {}
    try:
        values["calendar"] = workdays.Calendar.from_table(full.get("calendar"))
    except ValueError as exc:
        raise RectifyError(f"考评方案 calendar 有误：{exc}") from exc
    return Settings(**values)


# -- dates -------------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 → 28/29 Feb)."""
    m = start.month - 1 + months
    year, month = start.year + m // 12, m % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _on_workday(day: date, cal: workdays.Calendar) -> date:
    """The day itself if it is a working day, else the next one (a deadline never falls
    on a holiday)."""
    while not cal.is_workday(day):
        day += timedelta(days=1)
    return day


# -- items -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One 整改 item (整改事项)."""

    id: int
    year: int
    unit: str
    origin: str
    origin_ref: str | None
    problem: str
    target: str
    owner: str
    plan_due: date | None
    due: date | None
    measures: str
    evidence: str
    status: str
    closed_on: date | None
    review_due: date | None
    created_by: str = ""

    @property
    def warning_kind(self) -> str:
        """The kind of warning (末位告诫, 效能告诫, 重点监督检查 …) an item from a 告诫 answers;
        empty for other origins (and for a 告诫 item imported without its kind)."""
        return (self.origin_ref or "") if self.origin == ORIGIN_WARNING else ""

    def next_due(self) -> tuple[str, date] | None:
        """What the unit or office owes next and by when (None when nothing is due)."""
        owed = self.owed()
        return owed[0] if owed else None

    def owed(self) -> tuple[tuple[str, date], ...]:
        """Every deadline still open, soonest first as the life of an item orders them: an
        item 待制定 owes its plan and, already, its completion; one at work its completion;
        one 已销号 the office's 回头看."""
        found: tuple[tuple[str, date | None], ...]
        if self.status == DRAFTING:
            found = ((DUE_PLAN, self.plan_due), (DUE_COMPLETE, self.due))
        elif self.status in WORKING:
            found = ((DUE_COMPLETE, self.due),)
        elif self.status == CLOSED:
            found = ((DUE_REVIEW, self.review_due),)
        else:
            found = ()
        return tuple((what, day) for what, day in found if day is not None)

    def late(self, today: date) -> tuple[tuple[str, int], ...]:
        """The open deadlines already past on ``today`` and by how many calendar days
        (a deadline falls due at the end of its day)."""
        return tuple((what, (today - day).days) for what, day in self.owed() if day < today)

    def overdue(self, today: date) -> bool:
        """Past a deadline still open (the plan, completion, or the 回头看 the office owes)."""
        return bool(self.late(today))


def _date(v: object) -> date | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date()


def _day(v: object) -> date:
    """A date of a NOT NULL column."""
    return pd.Timestamp(v).date()


def _item_now(rs: RectifyStore, cur: duckdb.DuckDBPyConnection, item_id: int) -> dict:
    """An item's row read inside the caller's transaction (it exists: items are never deleted)."""
    row = rs.item(item_id, cur)
    if row is None:
        raise RectifyError(f"整改事项 {item_id} 不存在")
    return row


def _item(row: dict) -> Item:
    ref = row["origin_ref"]
    return Item(
        id=int(row["id"]),
        year=int(row["year"]),
        unit=str(row["unit"]),
        origin=str(row["origin"]),
        origin_ref=None if ref is None or (not isinstance(ref, str) and pd.isna(ref)) else ref,
        problem=str(row["problem"]),
        target=str(row["target"]),
        owner=str(row["owner"]),
        plan_due=_date(row["plan_due"]),
        due=_date(row["due"]),
        measures=str(row["measures"]),
        evidence=str(row["evidence"]),
        status=str(row["status"]),
        closed_on=_date(row["closed_on"]),
        review_due=_date(row["review_due"]),
        created_by=str(row["created_by"]),
    )


def items(
    store: Store,
    year: int,
    *,
    unit: str | Iterable[str] | None = None,
    origin: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    overdue: bool | None = None,
    today: date | None = None,
) -> list[Item]:
    """The year's items, filtered (each filter a value or a collection; None: all)."""
    today = today or date.today()

    def pick(value, wanted) -> bool:
        if wanted is None:
            return True
        return value == wanted if isinstance(wanted, str) else value in set(wanted)

    found = [_item(r) for r in RectifyStore(store).items(year).to_dict("records")]
    return [
        i
        for i in found
        if pick(i.unit, unit)
        and pick(i.origin, origin)
        and pick(i.status, status)
        and (overdue is None or i.overdue(today) == overdue)
    ]


def item(store: Store, item_id: int) -> Item:
    row = RectifyStore(store).item(item_id)
    if row is None:
        raise RectifyError(f"没有编号为 {item_id} 的整改事项。")
    return _item(row)


HISTORY_LABELS = {
    "at": "时间",
    "user": "操作人",
    "action": "操作",
    "status_from": "原状态",
    "status_to": "新状态",
    "note": "说明",
}


def history(store: Store, item_id: int) -> pd.DataFrame:
    """Every change of one item, oldest first: 时间, 操作人, 操作, 原状态, 新状态, 说明."""
    return RectifyStore(store).history(item_id).rename(columns=HISTORY_LABELS)


def records(found: Iterable[Item], today: date | None = None) -> list[dict]:
    """JSON records for the command line (shared/spec/cli.md: id, unit, origin, problem,
    owner, due, status, overdue)."""
    today = today or date.today()
    return [
        {
            "id": i.id,
            "unit": i.unit,
            "origin": i.origin,
            "problem": i.problem,
            "owner": i.owner,
            "due": i.due.isoformat() if i.due else None,
            "status": i.status,
            "overdue": i.overdue(today),
        }
        for i in found
    ]


# -- who may do what ---------------------------------------------------------------------


def rectifiable_units(store: Store) -> list[str]:
    """Registered units that can carry 整改 items: every unit but individual cadres (干部)."""
    units = store.units()
    return sorted(units.loc[units["type"] != "干部", "name"].tolist())


def units_of(store: Store, user_name: str) -> list[str]:
    """The units whose 整改 a 录入员 updates."""
    return RectifyStore(store).units_of(user_name)


def assign_units(store: Store, user: accounts.User, name: str, units: list[str]) -> None:
    """Set the units a 录入员 answers for (replacing the earlier set); the office only.
    The account must exist and be a 录入员: units given to a misspelt name would be
    answered for by nobody, and an account made later under that name would inherit them."""
    user = accounts.authorize(user, "rectify_manage")
    row = store.user_row(name)
    if row is None:
        raise RectifyError(f"没有账号「{name}」：请先在「账号与审计」中建立该录入员的账号。")
    if row["role"] != accounts.EVALUATOR:
        raise RectifyError(f"账号「{name}」是{row['role']}：按负责单位更新整改的是录入员。")
    RectifyStore(store).set_units(name, units, user.name)


def _authorize_unit(store: Store, user: accounts.User | None, unit: str, year: int) -> None:
    """A 录入员 may act for the units assigned to them only; the office for every unit."""
    user = accounts.authorize(user, "rectify_progress", year=year)
    if user.role == accounts.EVALUATOR and unit not in units_of(store, user.name):
        raise accounts.PermissionDenied(
            f"{user.name}（录入员）不负责「{unit}」的整改，无权更新其整改事项。"
        )


def _manage(user: accounts.User | None, year: int) -> None:
    accounts.authorize(user, "rectify_manage", year=year)


# -- opening items -----------------------------------------------------------------------


def _deadlines(s: Settings, opened: date) -> tuple[date, date]:
    return (
        s.calendar.add_working_days(opened, s.plan_workdays),
        _on_workday(add_months(opened, s.complete_months), s.calendar),
    )


def _chosen_unit(unit: str | None) -> str:
    """The unit an item is for: chosen by the user, never a list's first entry."""
    if not (unit or "").strip():
        raise RectifyError("请选择单位：整改事项记在哪个单位名下不能为空。")
    return str(unit).strip()


def _check_text(value: str, what: str, limit: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise RectifyError(f"{what}不能为空。")
    if len(text) > limit:
        raise RectifyError(f"{what}过长（{len(text)} 字，最多 {limit} 字）。")
    return text


def open_item(
    store: Store,
    user: accounts.User,
    year: int,
    unit: str | None,
    origin: str | None,
    problem: str,
    *,
    scheme: Scheme,
    origin_ref: str | None = None,
    target: str = "",
    owner: str = "",
    due: date | None = None,
    evidence: str = "",
    status: str = DRAFTING,
    today: date | None = None,
    note: str = "",
) -> Item:
    """Open one item by hand (效能办). The plan and completion deadlines come from the
    scheme unless ``due`` is given."""
    _manage(user, year)
    unit = _chosen_unit(unit)
    if not origin:
        raise RectifyError(f"请选择整改来源（{'、'.join(ORIGINS)}）。")
    if origin not in ORIGINS:
        raise RectifyError(f"整改来源应为 {'、'.join(ORIGINS)} 之一，而不是「{origin}」。")
    if status not in STATUSES or status == REVOKED:
        raise RectifyError(f"整改状态「{status}」不能用于新建事项。")
    if origin == ORIGIN_CASE and origin_ref:
        known = RectifyStore(store).case_exists(int(origin_ref))
        if known is False:
            raise RectifyError(f"没有编号为 {origin_ref} 的督查与投诉案件。")
    today = today or date.today()
    plan_due, default_due = _deadlines(settings(scheme), today)
    row = {
        "year": year,
        "unit": _check_text(unit, "单位"),
        "origin": origin,
        "origin_ref": origin_ref,
        "problem": _check_text(problem, "问题"),
        "target": target.strip(),
        "owner": owner.strip(),
        "plan_due": plan_due if status == DRAFTING else None,
        "due": due or default_due,
        "evidence": evidence,
        "status": status,
    }
    rs = RectifyStore(store)
    with store.transaction() as cur:
        if origin_ref is not None and (unit, origin_ref) in rs.by_origin(cur, year, origin):
            raise RectifyError(f"「{unit}」已有来源为{origin}（{origin_ref}）的整改事项。")
        item_id = rs.insert_item(cur, row, user.name, note)
    return item(store, item_id)


def verified_cases(store: Store, year: int) -> pd.DataFrame:
    """The year's verified cases (属实/部分属实) and the item each has, if any."""
    from scoring.cases import VERIFIED

    return RectifyStore(store).verified_cases(year, VERIFIED)


def open_from_case(
    store: Store,
    user: accounts.User,
    year: int,
    case_id: int,
    *,
    scheme: Scheme,
    today: date | None = None,
) -> Item:
    """Open the 整改 item of a verified 督查与投诉 case (来源 案件, linked by the case's
    id); a case not verified (or 不属实) opens none, and a case opens one item only."""
    cases = verified_cases(store, year)
    row = cases[cases["id"] == case_id]
    if row.empty:
        raise RectifyError(f"{year} 年度没有编号为 {case_id} 的已核实（属实或部分属实）案件。")
    c = row.iloc[0]
    return open_item(
        store,
        user,
        year,
        str(c["unit"]),
        ORIGIN_CASE,
        f"案件 {c['number']}（{c['source']}）：{c['finding']}",
        scheme=scheme,
        origin_ref=str(case_id),
        evidence=f"案件 {c['number']}，{pd.Timestamp(c['date']).date()}，核实结果：{c['verdict']}",
        today=today,
        note=f"由案件 {c['number']} 建立",
    )


@dataclass(frozen=True)
class SyncReport:
    """What a sync of the year's warnings did (or, from ``pending_sync``, would do)."""

    opened: tuple[tuple[str, str], ...] = ()  # (unit, kind)
    revoked: tuple[int, ...] = ()
    restored: tuple[int, ...] = ()
    kept: int = 0
    details: tuple[str, ...] = field(default=(), repr=False)
    # Items kept (or restored) whose warning now reads otherwise (a scheme change, an
    # upload): their problem text is brought up to date, and their history says so.
    updated: tuple[int, ...] = ()

    @property
    def changes(self) -> int:
        return len(self.opened) + len(self.revoked) + len(self.restored) + len(self.updated)


def _problem(year: int, kind: str, reason: str) -> str:
    """An item's problem as its warning states it."""
    return f"{year} 年度{kind}：{reason}"


def _plan_sync(existing: dict, wanted: dict, year: int) -> SyncReport:
    opened = tuple(k for k in wanted if k not in existing)
    updated = tuple(
        int(r["id"])
        for k, r in existing.items()
        if k in wanted and r["problem"] != _problem(year, k[1], wanted[k].reason)
    )
    revoked = tuple(
        int(r["id"]) for k, r in existing.items() if k not in wanted and r["status"] != REVOKED
    )
    restored = tuple(
        int(r["id"]) for k, r in existing.items() if k in wanted and r["status"] == REVOKED
    )
    kept = sum(1 for k, r in existing.items() if k in wanted and r["status"] != REVOKED)
    return SyncReport(opened, revoked, restored, kept, updated=updated)


def _wanted(res, s: Settings) -> dict[tuple[str, str], Warning]:
    """The year's warnings that open items, by (unit, kind); one item per warning."""
    return {
        (w.unit, w.kind): w
        for w in res.warnings
        if not s.warning_kinds or w.kind in s.warning_kinds
    }


def pending_sync(store: Store, res) -> SyncReport:
    """What ``sync_warnings`` would change now (nothing is written)."""
    rs = RectifyStore(store)
    with store.cursor() as cur:
        existing = rs.by_origin(cur, res.year, ORIGIN_WARNING)
    return _plan_sync(existing, _wanted(res, settings(res.scheme)), res.year)


def sync_warnings(
    store: Store, user: accounts.User, res, *, today: date | None = None
) -> SyncReport:
    """Bring the ledger in line with the year's warnings (``results.Results``), at once.

    Each warning opens one item for its unit (待制定, the scheme's deadlines, the warning's
    reason as the problem and the unit's figures as evidence); an item whose warning is
    gone is marked 已撤销; one whose warning came back is restored to its last status."""
    from scoring.results import explain, shares_rank

    _manage(user, res.year)
    today = today or date.today()
    s = settings(res.scheme)
    wanted = _wanted(res, s)
    plan_due, due = _deadlines(s, today)
    rs = RectifyStore(store)
    with store.transaction() as cur:
        existing = rs.by_origin(cur, res.year, ORIGIN_WARNING)
        plan = _plan_sync(existing, wanted, res.year)

        def evidence_of(unit: str, kind: str) -> str:
            result = res.unit(unit)
            lines = [f"{kind}：{wanted[(unit, kind)].reason}"]
            return "\n".join(
                lines + (explain(result, res.scheme, shares_rank(res, result)) if result else [])
            )

        for unit, kind in plan.opened:
            w = wanted[(unit, kind)]
            rs.insert_item(
                cur,
                {
                    "year": res.year,
                    "unit": unit,
                    "origin": ORIGIN_WARNING,
                    "origin_ref": kind,
                    "problem": _problem(res.year, kind, w.reason),
                    "target": "",
                    "owner": "",
                    "plan_due": plan_due,
                    "due": due,
                    "evidence": evidence_of(unit, kind),
                    "status": DRAFTING,
                },
                user.name,
                "同步告诫整改：按告诫自动建立",
            )
        for item_id in plan.revoked:
            before = _item_now(rs, cur, item_id)
            rs.update_item(
                cur,
                item_id,
                {"status": REVOKED},
                user=user.name,
                action="撤销",
                status_from=before["status"],
                status_to=REVOKED,
                note="同步告诫整改：该告诫已不在本年度结果中（数据撤销或重新计算）",
            )
        for item_id in plan.restored:
            last = cur.execute(
                "SELECT status_from FROM rectify_history WHERE item_id = ? AND status_to = ? "
                'ORDER BY "at" DESC, rowid DESC LIMIT 1',
                [item_id, REVOKED],
            ).fetchone()
            back = last[0] if last and last[0] else DRAFTING
            rs.update_item(
                cur,
                item_id,
                {"status": back},
                user=user.name,
                action="恢复",
                status_from=REVOKED,
                status_to=back,
                note="同步告诫整改：该告诫重新出现在本年度结果中",
            )
        by_id = {int(r["id"]): (str(k[0]), str(k[1])) for k, r in existing.items()}
        for item_id in plan.updated:
            unit, kind = by_id[item_id]
            now = _item_now(rs, cur, item_id)
            rs.update_item(
                cur,
                item_id,
                {
                    "problem": _problem(res.year, kind, wanted[(unit, kind)].reason),
                    "evidence": evidence_of(unit, kind),
                },
                user=user.name,
                action="更新告诫内容",
                status_from=now["status"],
                status_to=now["status"],
                note=f"同步告诫整改：告诫的事由与依据按当前结果更新（原为：{now['problem']}）",
            )
    return plan


def record_finding(
    store: Store,
    user: accounts.User,
    year: int,
    unit: str | None,
    checklist: str,
    item_code: str,
    text: str,
    severity: str,
    *,
    scheme: Scheme,
    today: date | None = None,
) -> Item:
    """A problem a unit found in its 自查 against a check list: recorded, and opened as a
    整改 item (来源 查摆) with the scheme's deadlines. The unit's 录入员 or the office."""
    from scoring import checklists

    accounts.authorize(user, "rectify_progress", year=year)
    unit = _chosen_unit(unit)
    _authorize_unit(store, user, unit, year)
    if severity not in checklists.SEVERITIES:
        raise RectifyError(f"严重程度应为 {'、'.join(checklists.SEVERITIES)} 之一。")
    cl = checklists.for_year(store, year, checklist)
    check = cl.item(item_code)
    if check is None:
        raise RectifyError(f"检查清单「{checklist}」中没有编号为「{item_code}」的检查项。")
    text = _check_text(text, "查摆问题")
    today = today or date.today()
    plan_due, due = _deadlines(settings(scheme), today)
    rs = RectifyStore(store)
    with store.transaction() as cur:
        finding_id = rs.insert_finding(
            cur,
            {
                "year": year,
                "unit": unit,
                "checklist": cl.name,
                "item": check.code,
                "text": text,
                "severity": severity,
            },
            user.name,
        )
        item_id = rs.insert_item(
            cur,
            {
                "year": year,
                "unit": unit,
                "origin": ORIGIN_FINDING,
                "origin_ref": str(finding_id),
                "problem": f"{cl.name}{check.title}：{text}（{severity}）",
                "target": "",
                "owner": "",
                "plan_due": plan_due,
                "due": due,
                "evidence": "",
                "status": DRAFTING,
            },
            user.name,
            f"自查查摆：{cl.name} {check.code}",
        )
    return item(store, item_id)


def findings(store: Store, year: int, unit: str | None = None) -> pd.DataFrame:
    frame = RectifyStore(store).findings(year)
    return frame if unit is None else frame[frame["unit"] == unit].reset_index(drop=True)


# -- the life of an item -----------------------------------------------------------------


def _move(
    store: Store,
    user: accounts.User,
    item_id: int,
    *,
    allowed_from: tuple[str, ...],
    to: str | None,
    action: str,
    note: str,
    changes: dict | None = None,
    unit_scoped: bool = True,
) -> Item:
    """Check who and from which status, then write the change and its history at once."""
    current = item(store, item_id)
    if unit_scoped:
        _authorize_unit(store, user, current.unit, current.year)
    else:
        _manage(user, current.year)
    rs = RectifyStore(store)
    with store.transaction() as cur:
        status = _item_now(rs, cur, item_id)["status"]  # as of now, under the write lock
        if status not in allowed_from:
            raise RectifyError(
                f"整改事项 {item_id} 当前状态为「{status}」，不能{action}"
                f"（应为 {'、'.join(allowed_from)}）。"
            )
        rs.update_item(
            cur,
            item_id,
            (changes or {}) | ({"status": to} if to else {}),
            user=user.name,
            action=action,
            status_from=status,
            status_to=to or status,
            note=note,
        )
    return item(store, item_id)


def set_plan(
    store: Store,
    user: accounts.User,
    item_id: int,
    *,
    target: str,
    owner: str,
    measures: str,
    due: date | None = None,
) -> Item:
    """The 整改方案: 整改目标, 责任人 and measures; moves 待制定 to 整改中 (or edits a plan
    under way). Only the office may change the 时限."""
    current = item(store, item_id)
    changes: dict[str, object] = {
        "target": _check_text(target, "整改目标"),
        "owner": _check_text(owner, "责任人", 200),
        "measures": _check_text(measures, "整改措施", 5000),
    }
    if due is not None and due != current.due:
        _manage(user, current.year)
        changes["due"] = due
    to = IN_PROGRESS if current.status == DRAFTING else None
    return _move(
        store,
        user,
        item_id,
        allowed_from=(DRAFTING, *WORKING),
        to=to,
        action="制定方案" if to else "修改方案",
        note=f"责任人 {changes['owner']}；目标：{changes['target']}",
        changes=changes,
    )


def add_progress(
    store: Store, user: accounts.User, item_id: int, note: str, evidence: str = ""
) -> Item:
    """A progress note (进展) and, optionally, its evidence (佐证材料: a document number, a
    link, what was done); the status stays."""
    text = _check_text(note, "进展情况")
    if evidence.strip():
        text += f"（佐证：{evidence.strip()}）"
    return _move(
        store,
        user,
        item_id,
        allowed_from=(DRAFTING, *WORKING),
        to=None,
        action="报告进展",
        note=text,
    )


def request_close(store: Store, user: accounts.User, item_id: int, note: str) -> Item:
    """The unit reports the 整改结果 and asks the office to sign the item off (申请销号)."""
    return _move(
        store,
        user,
        item_id,
        allowed_from=WORKING,
        to=REQUESTED,
        action="申请销号",
        note=_check_text(note, "整改结果"),
    )


def sign_off(
    store: Store,
    user: accounts.User,
    item_id: int,
    note: str = "",
    *,
    scheme: Scheme,
    today: date | None = None,
) -> Item:
    """The office signs off (销号); the 回头看 falls due ``review_months`` later."""
    today = today or date.today()
    s = settings(scheme)
    review_due = _on_workday(add_months(today, s.review_months), s.calendar)
    return _move(
        store,
        user,
        item_id,
        allowed_from=(REQUESTED,),
        to=CLOSED,
        action="销号",
        note=note or f"回头看时间 {review_due.isoformat()}",
        changes={"closed_on": today, "review_due": review_due},
        unit_scoped=False,
    )


def send_back(store: Store, user: accounts.User, item_id: int, note: str) -> Item:
    """The office does not accept the 整改结果: back to 整改中 with the reason."""
    return _move(
        store,
        user,
        item_id,
        allowed_from=(REQUESTED,),
        to=IN_PROGRESS,
        action="退回",
        note=_check_text(note, "退回理由"),
        unit_scoped=False,
    )


def review_too_soon(current: Item, today: date) -> bool:
    """On or before the day of 销号 no 回头看 can be made, for any reason."""
    return current.closed_on is not None and today <= current.closed_on


def review_timing(current: Item, today: date) -> str | None:
    """What the office should know before a 回头看 on ``today``: None when it is due (or
    the item has no 销号 date, as one imported already 已销号), else a Chinese sentence.

    回头看 is the later re-check that the problem has not come back (反弹), due
    ``review_months`` after 销号: on the day of 销号 (or before) it would check nothing,
    so it is refused; before it falls due a pass needs a stated reason (专项督查 …), and a
    failure states its own (the problem seen again)."""
    if current.status != CLOSED or current.closed_on is None:
        return None
    if review_too_soon(current, today):
        return (
            f"整改事项 {current.id} 于 {current.closed_on.isoformat()} 销号：回头看是销号之后"
            "对整改成效的再检查，不能在销号当日或之前进行"
            + (f"（回头看时间 {current.review_due.isoformat()}）" if current.review_due else "")
            + f"；最早可于次日（{(current.closed_on + timedelta(days=1)).isoformat()}）"
            "起提前回头看，通过须说明理由。"
        )
    if current.review_due is not None and today < current.review_due:
        return (
            f"整改事项 {current.id} 的回头看时间为 {current.review_due.isoformat()}，尚未到期："
            "提前通过须说明理由（如专项督查提前复查）；发现问题反弹可随时判定不通过。"
        )
    return None


def review(
    store: Store,
    user: accounts.User,
    item_id: int,
    passed: bool,
    note: str,
    *,
    scheme: Scheme,
    today: date | None = None,
    early_reason: str = "",
) -> Item:
    """回头看: the office re-checks a signed-off item. Passed: 回头看通过 (final). Not
    passed: 重新整改, the item reopens with a new completion deadline.

    Never on or before the day of 销号; a pass before the 回头看 falls due only with
    ``early_reason``, written into the history with the date it was due
    (``review_timing``)."""
    note = _check_text(note, "回头看情况")
    today = today or date.today()
    current = item(store, item_id)
    _manage(user, current.year)
    early = review_timing(current, today)
    if early is not None:  # the day of 销号 or before, or before the 回头看 falls due
        reason = early_reason.strip()
        if review_too_soon(current, today) or (passed and not reason):
            raise EarlyReview(early)
        due_on = current.review_due.isoformat() if current.review_due else "—"
        note += f"（提前回头看，原定 {due_on}" + (f"：{reason}" if reason else "") + "）"
    if passed:
        return _move(
            store,
            user,
            item_id,
            allowed_from=(CLOSED,),
            to=HELD,
            action="回头看通过",
            note=note,
            unit_scoped=False,
        )
    due = settings(scheme).calendar.add_working_days(today, settings(scheme).redo_workdays)
    return _move(
        store,
        user,
        item_id,
        allowed_from=(CLOSED,),
        to=REDO,
        action="回头看不通过",
        note=f"{note}（重新整改，时限 {due.isoformat()}）",
        changes={"due": due, "closed_on": None, "review_due": None},
        unit_scoped=False,
    )


def revoke(store: Store, user: accounts.User, item_id: int, note: str) -> Item:
    """The office withdraws an item (opened in error, duplicate); it stays, as 已撤销."""
    return _move(
        store,
        user,
        item_id,
        allowed_from=tuple(s for s in STATUSES if s != REVOKED),
        to=REVOKED,
        action="撤销",
        note=_check_text(note, "撤销理由"),
        unit_scoped=False,
    )


# -- views -------------------------------------------------------------------------------


def unit_progress(found: Iterable[Item], today: date | None = None) -> pd.DataFrame:
    """Per unit: items by status, overdue, and the share done (已销号 or 回头看通过 among
    items not withdrawn)."""
    today = today or date.today()
    rows: dict[str, dict] = {}
    for i in found:
        r = rows.setdefault(i.unit, {"单位": i.unit, "事项": 0} | dict.fromkeys(STATUSES, 0))
        r[i.status] += 1
        if i.status != REVOKED:
            r["事项"] += 1
        r["逾期"] = r.get("逾期", 0) + int(i.overdue(today) and i.status != REVOKED)
    frame = pd.DataFrame(list(rows.values()))
    if frame.empty:
        return pd.DataFrame(columns=["单位", "事项", *STATUSES, "逾期", "完成率"])
    frame["逾期"] = frame["逾期"].fillna(0).astype(int)
    done = frame[CLOSED] + frame[HELD]
    frame["完成率"] = (done / frame["事项"].where(frame["事项"] > 0)).fillna(0.0)
    return frame.sort_values(["逾期", "完成率", "单位"], ascending=[False, True, True])


@dataclass(frozen=True)
class Progress:
    """What an item's history says of it for a report: the latest action (最新进展) and
    the 整改结果 the unit reported when it asked for 销号."""

    action: str
    note: str
    on: date
    result: str = ""  # the note of the latest 申请销号
    result_on: date | None = None


def progress(store: Store, year: int) -> dict[int, Progress]:
    """The year's items' latest action and reported 整改结果, by item id (from their
    history, the one record of what was done)."""
    hist = RectifyStore(store).year_history(year)  # by item, oldest first
    out: dict[int, Progress] = {}
    for item_id, rows in hist.groupby("item_id", sort=False):
        last = rows.iloc[-1]
        asked = rows[rows["action"] == "申请销号"]
        out[int(item_id)] = Progress(
            action=str(last["action"]),
            note=str(last["note"] or ""),
            on=_day(last["at"]),
            result=str(asked.iloc[-1]["note"] or "") if len(asked) else "",
            result_on=_day(asked.iloc[-1]["at"]) if len(asked) else None,
        )
    return out


# The 整改台账's columns, one list for the page and the workbook. The deadlines' columns
# are named after the deadlines ``Item.owed`` names (DUE_COLUMNS).
DUE_COLUMNS = {DUE_PLAN: "方案时限", DUE_COMPLETE: "整改时限", DUE_REVIEW: "回头看时间"}
LEDGER_COLUMNS = (
    "编号",
    "单位",
    "来源",
    "告诫类型",
    "问题",
    "整改目标",
    "责任人",
    "整改措施",
    DUE_COLUMNS[DUE_PLAN],
    DUE_COLUMNS[DUE_COMPLETE],
    "状态",
    "最新进展",
    "进展日期",
    "整改结果",
    "销号日期",
    DUE_COLUMNS[DUE_REVIEW],
    "下一节点",
    "逾期",
)
DATE_COLUMNS = (*DUE_COLUMNS.values(), "进展日期", "销号日期")
# The 整改结果 that stands: reported, and not since sent back or reopened by 回头看.
_RESULT_STANDS = (REQUESTED, CLOSED, HELD)


def late_text(item: Item, today: date) -> str:
    """「整改完成逾期 10 天」 for each open deadline past on ``today``; empty when none."""
    return "；".join(f"{what}逾期 {days} 天" for what, days in item.late(today))


def ledger_table(
    found: Iterable[Item], today: date | None = None, done: dict[int, Progress] | None = None
) -> pd.DataFrame:
    """The 整改台账 as the office reads and reports it (one row per item): the plan, the
    three deadlines, the latest action and the reported result (from ``progress``; empty
    when ``done`` is not given), and which deadline is overdue by how long."""
    today = today or date.today()
    done = done or {}
    rows = []
    for i in found:
        nxt = i.next_due()
        p = done.get(i.id)
        rows.append(
            {
                "编号": i.id,
                "单位": i.unit,
                "来源": i.origin,
                "告诫类型": i.warning_kind,
                "问题": i.problem,
                "整改目标": i.target,
                "责任人": i.owner,
                "整改措施": i.measures,
                DUE_COLUMNS[DUE_PLAN]: i.plan_due,
                DUE_COLUMNS[DUE_COMPLETE]: i.due,
                "状态": i.status,
                "最新进展": f"{p.action}：{p.note}" if p and p.note else (p.action if p else ""),
                "进展日期": p.on if p else None,
                "整改结果": p.result if p and i.status in _RESULT_STANDS else "",
                "销号日期": i.closed_on,
                DUE_COLUMNS[DUE_REVIEW]: i.review_due,
                "下一节点": f"{nxt[0]} {nxt[1].isoformat()}" if nxt else "",
                "逾期": late_text(i, today),
            }
        )
    return pd.DataFrame(rows, columns=list(LEDGER_COLUMNS))


def warning_status(store: Store, year: int) -> dict[tuple[str, str | None], Item]:
    """The item opened for each warning of the year, by (unit, kind) — for 告诫名单."""
    return {(i.unit, i.origin_ref): i for i in items(store, year, origin=ORIGIN_WARNING)}


# -- campaign stages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One stage of the year's campaign (学习动员, 查摆问题, 整改落实, 总结提高 …)."""

    name: str
    start: date
    finish: date


def stages(store: Store, year: int) -> list[Stage]:
    frame = RectifyStore(store).stages(year)
    return [Stage(r.name, _day(r.start), _day(r.finish)) for r in frame.itertuples()]


def set_stages(store: Store, user: accounts.User, year: int, new: list[Stage]) -> None:
    """Replace the year's stages; they must follow each other without overlapping."""
    _manage(user, year)
    problems = []
    for n, s in enumerate(new, start=1):
        if not s.name.strip():
            problems.append(f"第 {n} 个阶段缺少名称")
        if s.finish < s.start:
            problems.append(f"阶段「{s.name}」的结束日期早于开始日期")
    for a, b in itertools.pairwise(new):
        if b.start <= a.finish:
            problems.append(f"阶段「{b.name}」应在「{a.name}」结束之后开始")
    if problems:
        raise RectifyError("；".join(problems))
    RectifyStore(store).set_stages(
        year, [(s.name.strip(), s.start, s.finish) for s in new], user.name
    )


def current_stage(found: list[Stage], today: date) -> Stage | None:
    """The stage ``today`` falls in (None before the first, between, or after the last)."""
    return next((s for s in found if s.start <= today <= s.finish), None)


def due_between(found: Iterable[Item], start: date, finish: date) -> list[tuple[Item, str, date]]:
    """Items whose next deadline falls in [start, finish] (what is due in a stage)."""
    out = []
    for i in found:
        nxt = i.next_due()
        if nxt is not None and start <= nxt[1] <= finish:
            out.append((i, nxt[0], nxt[1]))
    return sorted(out, key=lambda t: (t[2], t[0].unit))
