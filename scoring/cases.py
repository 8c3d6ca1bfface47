"""督查与投诉 (the case register): 月检查, 暗访, 电话暗访, 督查, 效能投诉 … as records.

A case (案件) is what one check, visit or complaint found about one unit. It moves
through 受理 → 调查 → (核实: 属实 / 部分属实 / 不属实) → 处理 → 回复 → 办结; each stage has
a time limit in working days after the case's date (the scheme's ``[cases.time_limits]``,
counted with ``scoring.workdays``), and every step is kept with who and when.

A verified case (属实 or 部分属实) with 分值 carries it into the year's 加减分 with the
case number as its 依据 (``adjustment_rows``, read alongside the 加减分 table by
``scoring.results``), under the same caps and 一票否决 as any 加减分 row; an open,
unverified or 不属实 case carries nothing. A 加减分 row imported from a 加减分 sheet stays
in the adjustments table and is listed in the register as a case already 办结
(``register(..., with_adjustments=True)``) — each fact lives in one table, so nothing is
counted twice.

问责 records (who, measure, date, document number) follow from a case or a warning.
Permissions: 录入员 register cases for the case sources assigned to them, 管理员 verify,
advance, close and record 问责, 领导 read; a complainant's contact is shown to 管理员 only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from scoring import cases_store
from scoring.accounts import User, authorize, can
from scoring.scheme import Scheme, SchemeError, extra_table, for_year
from scoring.store import Store
from scoring.workdays import Calendar

__all__ = [
    "MEASURES",
    "SOURCES",
    "STATUSES",
    "TIME_LIMITS",
    "VERDICTS",
    "VERIFIED",
    "WITHDRAWN",
    "CaseError",
    "CaseSettings",
    "add_accountability",
    "adjustment_rows",
    "advance",
    "case_history",
    "monthly_counts",
    "register",
    "register_case",
    "responsiveness",
    "settings",
    "verify",
    "withdraw",
]

STATUSES = ("受理", "调查", "处理", "回复", "办结")
VERDICTS = ("属实", "部分属实", "不属实")
VERIFIED = ("属实", "部分属实")
VERIFY_EVENT = "核实"
# A case registered in error (a duplicate, the wrong unit) is withdrawn, never deleted: it
# keeps its history, carries nothing into 加减分 and leaves the counts and deadlines.
WITHDRAWN = "已撤销"
# Defaults when a scheme has no [cases] table (a scheme stored before it existed).
SOURCES = ("月检查", "暗访", "电话暗访", "督查", "效能投诉", "媒体曝光")
MEASURES = ("诫勉谈话", "通报批评", "效能告诫", "组织处理")
TIME_LIMITS = {"受理": 1, "调查": 3, "处理": 10, "回复": 13, "办结": 15}
# Stages that need a verdict first: a case is handled on what was found to be true.
NEEDS_VERDICT = ("处理", "回复", "办结")
SMALL = 5  # a rate resting on fewer closed cases than this is flagged as such


class CaseError(ValueError):
    """A case request that cannot be carried out; the message says why, in Chinese."""


@dataclass(frozen=True)
class CaseSettings:
    """The scheme's ``[cases]`` table, validated, and the working-day calendar."""

    sources: tuple[str, ...] = SOURCES
    measures: tuple[str, ...] = MEASURES
    time_limits: Mapping[str, int] = field(default_factory=lambda: dict(TIME_LIMITS))
    calendar: Calendar = field(default_factory=Calendar)

    def due(self, case_date: date, status: str) -> date | None:
        """The day by which ``status`` must be reached (None: no limit for it)."""
        limit = self.time_limits.get(status)
        return None if limit is None else self.calendar.add_working_days(case_date, limit)


def settings(scheme: Scheme) -> CaseSettings:
    """The case settings of a scheme (defaults where its text has no ``[cases]``)."""
    raw = extra_table(scheme, "cases")
    problems: list[str] = []

    def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = raw.get(key, list(default))
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            problems.append(f"设置项 cases.{key} 应为非空的文字列表")
            return default
        return tuple(v.strip() for v in value)

    sources = strings("sources", SOURCES)
    measures = strings("measures", MEASURES)
    limits_raw = raw.get("time_limits", TIME_LIMITS)
    limits: dict[str, int] = {}
    if not isinstance(limits_raw, dict):
        problems.append("设置项 cases.time_limits 应为表（阶段 = 工作日数）")
        limits_raw = TIME_LIMITS
    for stage, days in limits_raw.items():
        if stage not in STATUSES:
            problems.append(
                f"cases.time_limits 中的「{stage}」不是案件状态（应为 {'、'.join(STATUSES)}）"
            )
        elif isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
            problems.append(f"cases.time_limits 中「{stage}」应为 0 到 365 的整数工作日")
        else:
            limits[stage] = days
    ordered = [limits[s] for s in STATUSES if s in limits]
    if ordered != sorted(ordered):
        problems.append("cases.time_limits 的期限应随阶段递增（受理 ≤ 调查 ≤ … ≤ 办结）")
    try:
        calendar = Calendar.from_table(extra_table(scheme, "calendar"))
    except (ValueError, TypeError) as exc:
        problems.append(f"设置项 calendar 有误：{exc}")
        calendar = Calendar()
    if problems:
        raise SchemeError(
            "考评方案的督查与投诉设置有误：\n" + "\n".join(f"- {p}" for p in problems)
        )
    return CaseSettings(sources, measures, limits, calendar)


# -- writing --------------------------------------------------------------------------------


def _day(value: date | datetime | str | None, what: str) -> date:
    if value is None:
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise CaseError(
            f"{what}应为日期，格式 YYYY-MM-DD（如 2025-03-15），而不是「{value}」"
        ) from exc


def _resolve_unit(store: Store, name: str | None) -> str:
    from scoring.sheets import Registry  # the registry's 简称 rules, shared with the sheets

    if not _clean(name):  # never a default unit: the case or 问责 would go to the wrong one
        raise CaseError("请选择对象（被检查、被投诉或被问责的单位）：对象不能为空")
    registry = Registry.from_frame(store.units())
    unit = registry.resolve(name or "")
    if unit is None:
        near = registry.closest(name or "")
        hint = f"；最接近的已登记单位：{'、'.join(near)}" if near else ""
        raise CaseError(f"单位名录中没有「{name}」{hint}（如为新单位，请先更新单位名录）")
    return unit


def _clean(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def register_case(
    store: Store,
    user: User | None,
    *,
    year: int,
    unit: str | None,
    source: str | None,
    date: date | datetime | str,
    finding: str,
    doc_no: str | None = None,
    attachment: str | None = None,
    reporter: str | None = None,
    contact: str | None = None,
    on: date | datetime | str | None = None,
) -> tuple[int, str]:
    """Register (受理) a new case; returns its (id, number).

    ``date`` is the day it was found or the complaint received (day 0 of every time
    limit); ``on`` is the day the office 受理 it (today unless given)."""
    conf = settings(for_year(store, year)[0])
    name = _resolve_unit(store, unit)  # first: the unit is what a wrong default got wrong
    if not _clean(source):
        raise CaseError(f"请选择案件来源（{'、'.join(conf.sources)}）")
    if source not in conf.sources:
        raise CaseError(f"案件来源应为 {'、'.join(conf.sources)}，而不是「{source}」")
    user = authorize(user, "case_register", source=source, year=year)
    found = _day(date, "日期")
    accepted = _day(on, "受理日期")
    if accepted < found:
        raise CaseError(f"受理日期 {accepted} 早于案件日期 {found}")
    if found.year != year:
        raise CaseError(f"案件日期 {found} 不在 {year} 年度内")
    text = _clean(finding)
    if not text:
        raise CaseError("「发现问题」不能为空：写明检查、暗访或投诉发现的具体问题")
    row = {
        "unit": name,
        "source": source,
        "date": found,
        "finding": text,
        "doc_no": _clean(doc_no),
        "attachment": _clean(attachment),
        "reporter": _clean(reporter),
        "contact": _clean(contact),
        "status": "受理",
        "verdict": None,
        "points": None,
        "veto": False,
    }
    ((case_id, number),) = cases_store.insert_cases(
        store, year, [row], [[("受理", accepted, "")]], user=user.name
    )
    return case_id, number


def _load(store: Store, case_id: int) -> dict:
    row = cases_store.case(store, int(case_id))
    if row is None:
        raise CaseError(f"没有编号为 {case_id} 的案件")
    return row


def _last_day(store: Store, row: dict) -> date:
    history = cases_store.events(store, int(row["year"]), int(row["id"]))
    days = [pd.Timestamp(d).date() for d in history["on"]]
    return max(days, default=pd.Timestamp(row["date"]).date())


def advance(
    store: Store,
    user: User | None,
    case_id: int,
    status: str,
    *,
    on: date | datetime | str | None = None,
    note: str = "",
) -> None:
    """Move a case on to a later status (stages may be skipped, never gone back to).

    处理, 回复 and 办结 need a verdict first (``verify``)."""
    row = _load(store, case_id)
    user = authorize(user, "case_handle", year=int(row["year"]))
    if status not in STATUSES:
        raise CaseError(f"案件状态应为 {'、'.join(STATUSES)}，而不是「{status}」")
    current = str(row["status"])
    if current == WITHDRAWN:
        raise CaseError(f"案件 {row['number']} 已撤销，不能再办理")
    if STATUSES.index(status) <= STATUSES.index(current):
        raise CaseError(
            f"案件 {row['number']} 已是「{current}」，不能改为「{status}」（状态只能前进）"
        )
    if status in NEEDS_VERDICT and not _clean(row["verdict"]):
        raise CaseError(f"案件 {row['number']} 尚未核实（属实/部分属实/不属实），不能「{status}」")
    day = _day(on, "日期")
    last = _last_day(store, row)
    if day < last:
        raise CaseError(f"日期 {day} 早于案件上一步的日期 {last}")
    cases_store.add_event(
        store,
        int(row["id"]),
        status,
        day,
        note.strip(),
        user.name,
        new_status=status,
        audit="案件状态",
    )


def verify(
    store: Store,
    user: User | None,
    case_id: int,
    verdict: str,
    *,
    points: float | None = None,
    veto: bool = False,
    on: date | datetime | str | None = None,
    note: str = "",
) -> None:
    """Record the verification (核实) result: 属实/部分属实 may carry 分值 (signed, −2 is a
    deduction) and/or 一票否决 into 加减分; 不属实 carries nothing. A verdict may be
    corrected until the case is 办结; the history keeps every one."""
    row = _load(store, case_id)
    user = authorize(user, "case_handle", year=int(row["year"]))
    if row["status"] in ("办结", WITHDRAWN):
        raise CaseError(
            f"案件 {row['number']} 已{str(row['status']).removeprefix('已')}，核实结果不能再改"
        )
    if verdict not in VERDICTS:
        raise CaseError(f"核实结果应为 {'、'.join(VERDICTS)}，而不是「{verdict}」")
    if verdict not in VERIFIED:
        if (points not in (None, 0)) or veto:
            raise CaseError("核实结果为不属实的案件不计分值，也不能一票否决")
        points, veto = None, False
    elif points is not None:
        try:
            points = float(points)
        except (TypeError, ValueError) as exc:
            raise CaseError(f"分值应为数字（减分写负数，如 -2），而不是「{points}」") from exc
        if not math.isfinite(points) or abs(points) > 100:
            raise CaseError(f"分值 {points} 不合理：应在 -100 到 100 之间")
    if veto:
        scheme = for_year(store, int(row["year"]))[0]
        if not scheme.veto_sources:
            raise CaseError("本年度考评方案没有一票否决的来源，不能一票否决")
    day = _day(on, "日期")
    last = _last_day(store, row)
    if day < last:
        raise CaseError(f"日期 {day} 早于案件上一步的日期 {last}")
    words = (
        verdict + ("" if points is None else f"，分值 {points:+g}") + ("，一票否决" if veto else "")
    )
    cases_store.add_event(
        store,
        int(row["id"]),
        VERIFY_EVENT,
        day,
        words + (f"；{note.strip()}" if note.strip() else ""),
        user.name,
        verdict=verdict,
        points=points,
        veto=veto,
        audit="案件核实",
    )


def withdraw(
    store: Store,
    user: User | None,
    case_id: int,
    reason: str,
    *,
    on: date | datetime | str | None = None,
) -> None:
    """Withdraw (撤销) a case registered in error; the reason is required and kept. A
    withdrawn case stays in the register with its history but carries nothing."""
    row = _load(store, case_id)
    user = authorize(user, "case_handle", year=int(row["year"]))
    if row["status"] == WITHDRAWN:
        raise CaseError(f"案件 {row['number']} 已撤销")
    if not _clean(reason):
        raise CaseError("撤销案件须写明原因（如重复登记、对象登记错误）")
    day = _day(on, "日期")
    cases_store.add_event(
        store,
        int(row["id"]),
        WITHDRAWN,
        day,
        reason.strip(),
        user.name,
        new_status=WITHDRAWN,
        audit="撤销案件",
    )


def add_accountability(
    store: Store,
    user: User | None,
    *,
    year: int,
    unit: str | None,
    person: str,
    measure: str,
    date: date | datetime | str,
    doc_no: str | None = None,
    case_id: int | None = None,
    warning: str | None = None,
) -> int:
    """Record a 问责 (诫勉谈话, 通报批评, 效能告诫, 组织处理 …) following from a case or a
    warning; returns its id."""
    user = authorize(user, "accountability", year=year)
    conf = settings(for_year(store, year)[0])
    if measure not in conf.measures:
        raise CaseError(f"问责方式应为 {'、'.join(conf.measures)}，而不是「{measure}」")
    name = _resolve_unit(store, unit)
    if case_id is not None:
        row = _load(store, case_id)
        if row["unit"] != name or int(row["year"]) != year:
            raise CaseError(f"案件 {row['number']} 是 {row['year']} 年度 {row['unit']} 的案件")
    if not _clean(person):
        raise CaseError("问责对象（责任人）不能为空")
    if case_id is None and not _clean(warning):
        raise CaseError("问责应出自一件案件或一次告诫：请选择案件或写明告诫")
    return cases_store.add_accountability(
        store,
        year,
        {
            "unit": name,
            "case_id": case_id,
            "warning": _clean(warning),
            "person": _clean(person),
            "measure": measure,
            "date": _day(date, "问责日期"),
            "doc_no": _clean(doc_no),
        },
        user.name,
    )


# -- reading --------------------------------------------------------------------------------


def adjustment_rows(store: Store, year: int, scheme: Scheme) -> pd.DataFrame:
    """The 加减分 that verified cases carry: unit, reason, points, source, date, basis
    (the case number), in the adjustments table's shape. A 一票否决 case enters under the
    scheme's first veto source (its points, if any, as a row of their own source)."""
    rows = cases_store.verified(store, year, VERIFIED)
    out = []
    for r in rows.itertuples(index=False):
        basis = f"案件 {r.number}"
        reason = f"{r.finding}（{basis}）"  # the 依据 stays visible where reasons are shown
        if r.points is not None and not pd.isna(r.points) and r.points != 0:
            out.append((r.unit, reason, float(r.points), r.source, r.date, basis))
        if bool(r.veto) and scheme.veto_sources:
            out.append((r.unit, reason, 0.0, scheme.veto_sources[0], r.date, basis))
    return pd.DataFrame(out, columns=["unit", "reason", "points", "source", "date", "basis"])


def _stage_state(
    row: Mapping, conf: CaseSettings, today: date
) -> tuple[str | None, date | None, bool]:
    """(next stage, its due day, overdue) for a case at ``row['status']``."""
    status = str(row["status"])
    if status in ("办结", WITHDRAWN):
        return None, None, False
    case_date = pd.Timestamp(row["date"]).date()
    for stage in STATUSES[STATUSES.index(status) + 1 :]:
        due = conf.due(case_date, stage)
        if due is not None:
            return stage, due, today > due
    return None, None, False


def register(
    store: Store,
    year: int,
    viewer: User | None,
    *,
    today: date | None = None,
    with_adjustments: bool = False,
) -> pd.DataFrame:
    """The year's register, one row per case, with the next stage, its due day, whether it
    is overdue, and (for closed cases) the working days it took. The complainant's
    contact is blanked unless the viewer is 管理员. ``with_adjustments`` adds the rows of
    imported 加减分 sheets as cases already 办结 (origin 加减分表)."""
    authorize(viewer, "view", year=year)
    scheme = for_year(store, year)[0]
    conf = settings(scheme)
    today = today or date.today()
    frame = cases_store.cases(store, year)
    records = []
    for r in frame.to_dict("records"):
        stage, due, overdue = _stage_state(r, conf, today)
        closed = None if pd.isna(r["closed_on"]) else pd.Timestamp(r["closed_on"]).date()
        case_date = pd.Timestamp(r["date"]).date()
        close_due = conf.due(case_date, "办结")
        records.append(
            {
                "id": int(r["id"]),
                "number": r["number"],
                "unit": r["unit"],
                "source": r["source"],
                "date": case_date,
                "finding": r["finding"],
                "doc_no": _clean(r["doc_no"]),
                "attachment": _clean(r["attachment"]),
                "reporter": _clean(r["reporter"]),
                "contact": _clean(r["contact"]) if can(viewer, "case_contact") else None,
                "status": r["status"],
                "verdict": _clean(r["verdict"]),
                "points": None if pd.isna(r["points"]) else float(r["points"]),
                "veto": bool(r["veto"]),
                "next_stage": stage,
                "due": due,
                "overdue": overdue,
                "closed_on": closed,
                "days_to_close": (
                    None
                    if closed is None
                    else conf.calendar.working_days_between(case_date, closed)
                ),
                "closed_late": bool(closed and close_due and closed > close_due),
                "origin": "案件登记" if pd.isna(r["import_sha256"]) else "案件表导入",
            }
        )
    out = pd.DataFrame(records, columns=REGISTER_COLUMNS)
    if with_adjustments:
        adj = store.adjustments(year)
        extra = pd.DataFrame(
            {
                "id": pd.array([None] * len(adj), dtype="Int64"),
                "number": [f"加减分表（上传 {u}）" for u in adj["upload_id"]],
                "unit": adj["unit"],
                "source": adj["source"],
                "date": [None if pd.isna(d) else pd.Timestamp(d).date() for d in adj["date"]],
                "finding": adj["reason"],
                "doc_no": adj["basis"],
                "status": "办结",
                "verdict": "属实",
                "points": adj["points"].astype(float),
                "veto": adj["source"].isin(scheme.veto_sources),
                "overdue": False,
                "closed_late": False,
                "origin": "加减分表",
            }
        )
        out = pd.concat([out, extra.reindex(columns=REGISTER_COLUMNS)], ignore_index=True)
    return out


REGISTER_COLUMNS = [
    "id",
    "number",
    *cases_store.CASE_COLUMNS,
    "next_stage",
    "due",
    "overdue",
    "closed_on",
    "days_to_close",
    "closed_late",
    "origin",
]

REGISTER_LABELS = {
    "number": "案件编号",
    "unit": "对象",
    "source": "来源",
    "date": "日期",
    "finding": "发现问题",
    "doc_no": "依据",
    "attachment": "附件",
    "reporter": "发现人/投诉人",
    "contact": "联系方式",
    "status": "状态",
    "verdict": "核实结果",
    "points": "分值",
    "veto": "一票否决",
    "next_stage": "下一环节",
    "due": "期限",
    "overdue": "超期",
    "closed_on": "办结日期",
    "days_to_close": "办结用时（工作日）",
    "closed_late": "超期办结",
    "origin": "来由",
}


def case_history(
    store: Store, viewer: User | None, case_id: int, *, today: date | None = None
) -> pd.DataFrame:
    """A case's every step (环节, 日期, 说明, 经办人, 记录时间) with each stage's due day
    and whether it was reached late."""
    row = _load(store, case_id)
    authorize(viewer, "view", year=int(row["year"]))
    conf = settings(for_year(store, int(row["year"]))[0])
    case_date = pd.Timestamp(row["date"]).date()
    history = cases_store.events(store, int(row["year"]), int(row["id"]))
    out = []
    for e in history.itertuples(index=False):
        on = pd.Timestamp(e.on).date()
        due = conf.due(case_date, e.status)
        out.append(
            {
                "环节": e.status,
                "日期": on,
                "期限": due,
                "是否超期": (
                    "实际日期未知（记为导入日）"
                    if not bool(e.dated)
                    else ("超期" if (due and on > due) else "")
                ),
                "说明": e.note or "",
                "经办人": e.user,
                "记录时间": str(e.at)[:19],
            }
        )
    return pd.DataFrame(
        out, columns=["环节", "日期", "期限", "是否超期", "说明", "经办人", "记录时间"]
    )


def monthly_counts(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Cases per month (of their date) per ``by`` (``unit`` or ``source``): one row per
    unit/source, one column per month (YYYY-MM), and 合计."""
    cases = frame[frame["origin"] != "加减分表"] if "origin" in frame else frame
    cases = cases[cases["status"] != WITHDRAWN]
    if cases.empty:
        return pd.DataFrame(columns=[by, "合计"])
    month = pd.to_datetime(cases["date"]).dt.strftime("%Y-%m")
    table = pd.crosstab(cases[by], month).sort_index(axis=1)
    table["合计"] = table.sum(axis=1)
    table = table.sort_values("合计", ascending=False)
    return table.reset_index().rename_axis(columns=None)


def responsiveness(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per unit or source: cases, closed, average working days to 办结, overdue open
    cases, closed late, and a note when the average rests on fewer than ``SMALL``
    closed cases (FixMyStreet-style responsiveness)."""
    cases = frame[frame["origin"] != "加减分表"] if "origin" in frame else frame
    cases = cases[cases["status"] != WITHDRAWN]
    rows = []
    for key, g in cases.groupby(by, sort=True):
        closed = g[g["days_to_close"].notna()]
        n_closed = len(closed)
        mean = float(closed["days_to_close"].mean()) if n_closed else None
        if n_closed == 0:
            basis = "尚无办结案件"
        elif n_closed < SMALL:
            basis = f"仅 {n_closed} 件办结，平均数仅供参考"
        else:
            basis = f"基于 {n_closed} 件办结案件"
        rows.append(
            {
                by: key,
                "案件数": len(g),
                "已办结": n_closed,
                "平均办结用时（工作日）": None if mean is None else round(mean, 1),
                "超期未办": int(g["overdue"].sum()),
                "超期办结": int(g["closed_late"].sum()),
                "说明": basis,
            }
        )
    columns = [by, "案件数", "已办结", "平均办结用时（工作日）", "超期未办", "超期办结", "说明"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["案件数", by], ascending=[False, True], ignore_index=True)


def unit_file(store: Store, year: int, unit: str, viewer: User | None) -> dict[str, Any]:
    """A unit's 重点评议档案 part from the register: its cases and its 问责 (frames)."""
    frame = register(store, year, viewer, with_adjustments=True)
    mine = frame[frame["unit"] == unit]
    return {
        "cases": mine,
        "accountability": cases_store.accountability(store, year, unit),
    }


def labelled(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A register frame with Chinese headings, for pages and workbooks (flags as 是,
    missing text blank)."""
    cols = columns or [c for c in REGISTER_LABELS if c in frame.columns]
    out = frame[cols].rename(columns=REGISTER_LABELS).copy()
    for c in ("一票否决", "超期", "超期办结"):
        if c in out:
            out[c] = out[c].map(lambda v: "是" if v is True else "")
    for key in (
        "finding",
        "doc_no",
        "attachment",
        "reporter",
        "contact",
        "verdict",
        "next_stage",
        "status",
        "origin",
        "source",
        "unit",
        "number",
    ):
        label = REGISTER_LABELS[key]
        if label in out:
            out[label] = out[label].map(lambda v: "" if v is None or v != v else v)
    return out


def case_units(store: Store) -> list[str]:
    """The registered units a case may concern, 部门 first (individual 干部 are reached
    through 问责, not as the object of a case)."""
    units = store.units()
    order = {"部门": 0, "科室": 1, "窗口": 2, "项目": 3, "领导班子": 4}
    units = units[units["type"].isin(order)]
    ranked = sorted(zip(units["type"].map(order), units["name"], strict=True))
    return [name for _, name in ranked]


def adjustments_with_cases(store: Store, year: int, scheme: Scheme) -> pd.DataFrame:
    """The year's 加减分 as results read them: the 加减分 table's rows, then the rows
    verified cases carry (each fact from one table only, so nothing counts twice)."""
    table = store.adjustments(year)
    carried = adjustment_rows(store, year, scheme)
    if carried.empty:
        return table
    carried = carried.assign(upload_id=pd.array([None] * len(carried), dtype="Int64"))
    if merges := store.merged_units(year):  # a case of a unit renamed this year (前身)
        carried["unit"] = [merges.get(u, u) for u in carried["unit"]]
    return pd.concat([table, carried[table.columns]], ignore_index=True)


def overdue_on(store: Store, year: int, day: date, viewer: User | None) -> pd.DataFrame:
    """The cases that were overdue on ``day`` as they stood then (the furthest status
    reached by that day, whatever happened since): number, unit, source, date, status,
    next_stage, due. For a 专报 that covers a past period."""
    authorize(viewer, "view", year=year)
    conf = settings(for_year(store, year)[0])
    frame = cases_store.cases(store, year)
    history = cases_store.events(store, year)
    history = history[pd.to_datetime(history["on"]).dt.date <= day]
    reached: dict[int, str] = {}
    for case_id, status in zip(history["case_id"], history["status"], strict=True):
        if status in STATUSES and STATUSES.index(status) >= STATUSES.index(
            reached.get(int(case_id), STATUSES[0])
        ):
            reached[int(case_id)] = status
    out = []
    for r in frame.to_dict("records"):
        case_date = pd.Timestamp(r["date"]).date()
        if case_date > day:
            continue
        if r["status"] == WITHDRAWN:
            continue
        status = reached.get(int(r["id"]), STATUSES[0])
        stage, due, late = _stage_state({"status": status, "date": case_date}, conf, day)
        if late:
            out.append(
                {
                    "number": r["number"],
                    "unit": r["unit"],
                    "source": r["source"],
                    "date": case_date,
                    "status": status,
                    "next_stage": stage,
                    "due": due,
                }
            )
    columns = ["number", "unit", "source", "date", "status", "next_stage", "due"]
    return pd.DataFrame(out, columns=columns)


def filter_register(
    frame: pd.DataFrame,
    *,
    units: list[str] | None = None,
    sources: list[str] | None = None,
    statuses: list[str] | None = None,
    overdue_only: bool = False,
) -> pd.DataFrame:
    """The register rows matching the page's filters (empty lists: no filter)."""
    keep = pd.Series(True, index=frame.index)
    if units:
        keep &= frame["unit"].isin(units)
    if sources:
        keep &= frame["source"].isin(sources)
    if statuses:
        keep &= frame["status"].isin(statuses)
    if overdue_only:
        keep &= frame["overdue"].astype(bool)
    return frame[keep]


def case_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Headline numbers of a register frame: registered cases, then apart the 加减分表
    rows the register also lists (a page of 88 rows under 「案件 0」 read as a contradiction)."""
    sheet = frame["origin"] == "加减分表"
    cases = frame[~sheet & (frame["status"] != WITHDRAWN)]
    return {
        "案件": len(cases),
        "未办结": int((cases["status"] != "办结").sum()),
        "超期未办": int(cases["overdue"].astype(bool).sum()),
        "属实或部分属实": int(cases["verdict"].isin(VERIFIED).sum()),
        "加减分表记录": int(sheet.sum()),
    }


def double_counted(store: Store, year: int) -> pd.DataFrame:
    """加减分 table rows that look like a verified case typed in again (which would count
    its points twice): the same unit and 分值, and the row's 依据 names the case number or
    its 日期 is the case's date. Columns: 案件编号, 对象, 分值, 日期, 加减分表事由, 上传编号."""
    carried = cases_store.verified(store, year, VERIFIED)
    table = store.adjustments(year)
    out = []
    for c in carried.itertuples(index=False):
        if c.points is None or pd.isna(c.points):
            continue
        case_day = pd.Timestamp(c.date).date()
        for a in table[table["unit"] == c.unit].itertuples(index=False):
            if float(a.points) != float(c.points):
                continue
            basis = "" if a.basis is None or pd.isna(a.basis) else str(a.basis)
            same_day = (
                a.date is not None
                and not pd.isna(a.date)
                and (pd.Timestamp(a.date).date() == case_day)
            )
            if c.number in basis or same_day:
                out.append((c.number, c.unit, float(c.points), case_day, a.reason, a.upload_id))
    return pd.DataFrame(
        out, columns=["案件编号", "对象", "分值", "日期", "加减分表事由", "上传编号"]
    )
