"""Publication as a snapshot (结果公示与发布): a year's published results, frozen.

Publishing stores an immutable record of the year: the results (the records of
``rank --format json``), the scheme version, the registry version, the sha256 of
every upload used, who and when. Later uploads, undos, scheme or registry changes
change the current results, never the record; pages show the record and say which
units and figures now differ. A year goes 草稿 → 公示 (with the end of the 公示
period) → 正式发布. During 公示 a unit's 申诉 is recorded and decided (维持/更正) with
a reason; 更正 publishes a new version from the corrected data and keeps the old one
readable.

Published figures never move: a new version is made only with a reason (a 更正 of an
申诉, or the office's reason when it publishes changed results again), its note names
every unit and figure it changes, and it goes into 公示 again with its own period.
Changing a published year's data (an upload, an undo, a restore) is said before it is
confirmed; once the year is 正式发布 only a 管理员 may, with an explicit confirmation that
the audit log keeps (``check_change`` / ``record_change``, called by scoring.imports).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from scoring import results
from scoring.accounts import ADMIN, User, authorize
from scoring.formats import fmt, fmt_span
from scoring.store import Store, StoreError

__all__ = [
    "DRAFT",
    "FINAL",
    "NOTICE",
    "ChangeNotice",
    "Correction",
    "Difference",
    "NeedsConfirmation",
    "PublicationError",
    "appeals",
    "change_notice",
    "changes_text",
    "check_change",
    "correction",
    "decide_appeal",
    "differences",
    "finalize",
    "period_default",
    "published",
    "record_appeal",
    "record_change",
    "snapshot",
    "status",
    "stored_date",
    "versions",
]

DRAFT, NOTICE, FINAL = "草稿", "公示", "正式发布"
KEEP, CORRECT = "维持", "更正"
FIGURES = {
    "composite": "综合得分",
    "rank": "排名",
    "grade": "等次",
    "group": "考核类别",
    "appraisal": "万人评议",
    "satisfaction_rate": "满意率",
    "ballots": "问卷数",
    "performance": "绩效考核",
    "integrity": "勤廉测评",
    "adjustment": "加减分",
    "warnings": "告诫",
}
# Figures of a record compared besides FIGURES (how sure a score is), not columns of it.
MORE_FIGURES = {"composite_ci": "综合得分区间", "p_last": "为真实末位的概率"}
NOTICE_DAYS = 7  # a 公示期 offered by default: 7 days after the 成文日期 (or today)


class PublicationError(StoreError):
    """A publication step that cannot be taken now; the message says why, in Chinese."""


class NeedsConfirmation(PublicationError):
    """A step the office may take once it has seen what it means (the message says
    what, and how to confirm); nothing was changed."""


@dataclass(frozen=True)
class Difference:
    """One figure of one unit that current data give differently from the record."""

    unit: str
    figure: str
    published: str
    current: str


def _records(store: Store, year: int, res: results.Results | None) -> list[dict]:
    from scoring.cli import rank_records

    if res is None:
        res = results.compute(store, year)
    return rank_records(res)


def status(store: Store, year: int) -> str:
    """草稿 (never published), 公示 or 正式发布: the latest version's status."""
    latest = store.publication(year)
    return DRAFT if latest is None else str(latest["status"])


def snapshot(
    store: Store,
    year: int,
    user: User,
    *,
    period_end: date | None = None,
    note: str = "",
    res: results.Results | None = None,
) -> int:
    """Freeze the year's current results as a publication in 公示; returns its version.

    ``period_end`` is the last day of the 公示期 (objections are taken until then).
    When the latest version already holds exactly these results, it is returned and
    nothing new is stored (publishing the same year again writes no new version); a
    ``period_end`` given for it while it is in 公示 becomes its period (audited), its
    figures stay as they are. Results that differ from the latest version make a new
    version only with a ``note`` saying why (a 更正, or the office's reason, naming
    what changes): without one, ``NeedsConfirmation`` names the differences. A new
    version is a new 公示 with its own period (``period_end``, else ``NOTICE_DAYS``
    from today), never the period of the version it replaces."""
    authorize(user, "publish")
    if res is None:
        res = results.compute(store, year)
    records = _records(store, year, res)
    latest = store.publication(year)
    if latest is not None and _same(latest, records):
        version = int(latest["version"])
        if (
            period_end is not None
            and latest["status"] == NOTICE
            and stored_date(latest["period_end"]) != period_end
        ):
            store.set_publication_period(year, version, period_end, user.name)
        return version
    if latest is not None and not note.strip():
        record = published(store, year)
        assert record is not None  # the latest version, read again
        raise NeedsConfirmation(_changed_refusal(record, differences(record, res)))
    if latest is not None and period_end is None:
        period_end = date.today() + timedelta(days=NOTICE_DAYS)
    uploads = [
        {"id": u.id, "file": u.file, "source": u.source, "sha256": u.sha256}
        for u in store.uploads(year)
    ]
    return store.add_publication(
        year=year,
        user=user.name,
        scheme_version=int(res.scheme_version or 0),
        registry_version=store.registry_version(),
        uploads=json.dumps(uploads, ensure_ascii=False),
        results=json.dumps(records, ensure_ascii=False),
        period_end=period_end,
        note=note.strip(),
    )


def _same(row: dict, records: list[dict]) -> bool:
    """Whether a stored version holds exactly these records (unit by unit)."""

    def unit(r: dict) -> str:
        return str(r["unit"])

    return sorted(json.loads(row["results"]), key=unit) == sorted(records, key=unit)


def _changed_refusal(record: dict, changed: list[Difference]) -> str:
    """Why the same year is not published again silently: what differs, what to do."""
    where = (
        "公示期内请在「结果公示」页通过申诉「更正」，"
        if record["status"] == NOTICE
        else "正式发布的结果不变；"
    )
    return (
        f"当前结果与第 {record['version']} 版（{record['status']}）不同，"
        f"共 {changes_text(changed)}。生成发布文件不会悄悄生成新的版本：{where}"
        "如确需按当前结果发布新的版本，请写明理由（「结果发布」页的「新版本的理由」，"
        "命令行 --reason），新版本将重新公示。"
    )


def changes_text(changed: list[Difference], limit: int = 0) -> str:
    """The differences in words, unit by unit: 「3 处（2 个单位）：甲局 综合得分 80.00 →
    82.00、排名 4 → 3；乙局 …」 (the first ``limit`` units, all with 0)."""
    by_unit: dict[str, list[Difference]] = {}
    for d in changed:
        by_unit.setdefault(d.unit, []).append(d)
    shown = list(by_unit.items())[: limit or None]
    text = "；".join(
        f"{unit} " + "、".join(f"{d.figure} {d.published} → {d.current}" for d in ds)
        for unit, ds in shown
    )
    more = f"；等 {len(by_unit)} 个单位" if len(shown) < len(by_unit) else ""
    return f"{len(changed)} 处（{len(by_unit)} 个单位）：{text}{more}"


def published(store: Store, year: int, version: int | None = None) -> dict | None:
    """The published record: ``{"version", "status", "published_at", "units": [...]}``
    (shared/spec/cli.md) plus who, period_end, scheme/registry versions and uploads."""
    row = store.publication(year, version)
    if row is None:
        return None
    return {
        "version": int(row["version"]),
        "status": str(row["status"]),
        "published_at": str(row["published_at"])[:19],
        "units": json.loads(row["results"]),
        "user": row["user"],
        "period_end": _when(row["period_end"], 10),
        "finalized_at": _when(row["finalized_at"], 19),
        "scheme_version": int(row["scheme_version"]),
        "registry_version": int(row["registry_version"]),
        "uploads": json.loads(row["uploads"]),
        "note": "" if row["note"] is None or pd.isna(row["note"]) else str(row["note"]),
    }


def stored_date(value: object) -> date | None:
    """A DATE read back from the store (a Timestamp, a date or NULL/NaT) as a date."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def period_default(
    store: Store,
    year: int,
    issued: date,
    days: int = NOTICE_DAYS,
    res: results.Results | None = None,
) -> date:
    """The 公示期 end offered when publishing: the one already announced for the version
    in 公示 (when ``res``, the current results, are still those it holds), else ``days``
    after the 成文日期 ``issued`` (a new version is a new 公示 with its own period)."""
    latest = store.publication(year)
    announced = (
        stored_date(latest["period_end"])
        if latest is not None
        and latest["status"] == NOTICE
        and (res is None or _same(latest, _records(store, year, res)))
        else None
    )
    return announced or issued + timedelta(days=days)


def _when(value: object, width: int) -> str | None:
    """A stored date or time as text, or None where there is none (NULL, NaT)."""
    return None if value is None or pd.isna(value) else str(value)[:width]


def versions(store: Store, year: int) -> list[dict]:
    """Every version of the year's publication, newest first (old ones stay readable)."""
    listed = (published(store, year, int(v)) for v in store.publication_versions(year))
    return [record for record in listed if record is not None]


def differences(record: dict, res: results.Results) -> list[Difference]:
    """Which units and figures current data give differently from the record (the
    figures as people read them: 91.74%, 79.20, +2.00, 472)."""
    from scoring.cli import rank_records

    now = {r["unit"]: r for r in rank_records(res)}
    then = {r["unit"]: r for r in record["units"]}
    out: list[Difference] = []
    for unit in sorted(set(now) | set(then)):
        a, b = then.get(unit), now.get(unit)
        if a is None or b is None:
            out.append(
                Difference(
                    unit,
                    "单位",
                    "未公布" if a is None else "已公布",
                    "无结果" if b is None else "有结果",
                )
            )
            continue
        for key, label in (FIGURES | MORE_FIGURES).items():
            if _figure(a, key) != _figure(b, key):
                out.append(
                    Difference(
                        unit, label, _shown(label, _figure(a, key)), _shown(label, _figure(b, key))
                    )
                )
    return out


def _figure(record: dict, key: str) -> object:
    """One figure of a unit's record; 问卷数 is none (not 0) for a unit without 万人评议,
    as the tables and the workbook leave it blank."""
    if key == "ballots" and record.get("appraisal") is None:
        return None
    return record.get(key)


def _shown(label: str, value: object) -> str:
    """A figure as people read it (scoring.formats, by its heading): 满意率 91.74%, scores
    with 2 decimals, warnings joined with 、, an interval 80.10～82.30, nothing as 无."""
    if value is None:
        return "无"
    if label == "综合得分区间" and isinstance(value, list | tuple) and len(value) == 2:
        return fmt_span(value[0], value[1])
    if isinstance(value, list | tuple):
        return "、".join(map(str, value)) or "无"
    if label == "为真实末位的概率" and isinstance(value, int | float):
        return f"{value:.2%}"
    return fmt(label, value)


def finalize(store: Store, year: int, user: User, *, early_reason: str = "") -> int:
    """公示 → 正式发布; refused while a 申诉 awaits its decision, and before the 公示期
    ends unless the office gives a reason for ending it early (kept in the audit log):
    a version is published for objections until its period's last day, a corrected
    version too (it goes into 公示 again with its own period)."""
    authorize(user, "publish")
    latest = store.publication(year)
    if latest is None or latest["status"] != NOTICE:
        raise PublicationError(f"{year} 年度没有处于公示中的结果，无法正式发布。")
    waiting = [a for a in appeals(store, year) if not a["decision"]]
    if waiting:
        units = "、".join(a["unit"] for a in waiting)
        raise PublicationError(f"还有 {len(waiting)} 件申诉未处理（{units}），处理后才能正式发布。")
    version = int(latest["version"])
    end = stored_date(latest["period_end"])
    early = end is not None and date.today() <= end
    if early and not early_reason.strip():
        raise NeedsConfirmation(
            f"第 {version} 版的公示期至 {end}，尚未结束"
            + ("（更正后的版本重新公示）" if version > 1 else "")
            + "：公示期满后才能正式发布。如需提前结束公示，请写明理由（记入审计日志）。"
        )
    store.set_publication_status(
        year,
        version,
        FINAL,
        user.name,
        f"提前结束公示（公示期至 {end}）：{early_reason.strip()}" if early else "",
    )
    return version


def record_appeal(store: Store, year: int, unit: str, text: str, user: User) -> int:
    """A unit's 申诉 against the results in 公示; returns its number."""
    authorize(user, "publish")
    latest = store.publication(year)
    if latest is None or latest["status"] != NOTICE:
        raise PublicationError(f"{year} 年度的结果不在公示期，不能受理申诉。")
    if not text.strip():
        raise PublicationError("请写明申诉的事由。")
    listed = {r["unit"] for r in json.loads(latest["results"])}
    if unit not in listed:
        raise PublicationError(f"公示的结果中没有单位「{unit}」。")
    return store.add_appeal(year, int(latest["version"]), unit, text.strip(), user.name)


@dataclass(frozen=True)
class Correction:
    """What a 更正 of an appeal would publish: every difference from the version in 公示,
    and which units beyond the appellant they touch (``others``)."""

    appeal_id: int
    unit: str
    version: int
    changed: tuple[Difference, ...]

    @property
    def others(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.unit for d in self.changed if d.unit != self.unit))


def correction(store: Store, appeal_id: int, res: results.Results | None = None) -> Correction:
    """The figures a 更正 of appeal ``appeal_id`` would change, for the office to see
    before it confirms (the new version takes every change since the version in 公示,
    whatever upload brought it)."""
    appeal = _appeal(store, appeal_id)
    year = int(appeal["year"])
    record = published(store, year)
    if record is None or record["status"] != NOTICE:
        raise PublicationError(f"{year} 年度的结果不在公示期，不能更正。")
    if res is None:
        res = results.compute(store, year)
    changed = differences(record, res)
    return Correction(appeal_id, str(appeal["unit"]), int(record["version"]), tuple(changed))


def _appeal(store: Store, appeal_id: int) -> dict:
    appeal = next((a for a in store.appeals_rows() if a["id"] == appeal_id), None)
    if appeal is None:
        raise PublicationError(f"没有编号为 {appeal_id} 的申诉。")
    return appeal


def decide_appeal(
    store: Store,
    appeal_id: int,
    decision: str,
    reason: str,
    user: User,
    res: results.Results | None = None,
    *,
    period_end: date | None = None,
    confirm_others: bool = False,
) -> int | None:
    """维持 or 更正 with a reason. 更正 publishes the corrected current data as a new
    version in 公示 (the old version stays readable), with its own 公示期 ending on
    ``period_end`` (default ``NOTICE_DAYS`` from today); returns that version, if any.

    A 更正 takes every change since the version in 公示, so its note lists every unit
    and figure it changes. One that would change units beyond the appellant (an
    unrelated upload, or ranks moved by the appellant's new score) is refused with
    ``NeedsConfirmation`` naming them, unless ``confirm_others``: published figures of
    a unit that did not appeal move only when the office has seen that they do. A 更正
    that changes nothing is refused (the data are to be corrected first)."""
    authorize(user, "publish")
    if decision not in (KEEP, CORRECT):
        raise PublicationError(f"处理结果应为「{KEEP}」或「{CORRECT}」。")
    if not reason.strip():
        raise PublicationError("请写明处理理由。")
    appeal = _appeal(store, appeal_id)
    if appeal["decision"]:
        raise PublicationError(f"第 {appeal_id} 号申诉已处理（{appeal['decision']}）。")
    year = int(appeal["year"])
    version = None
    if decision == CORRECT:
        plan = correction(store, appeal_id, res)
        if not plan.changed:
            raise PublicationError(
                f"当前数据与公示的第 {plan.version} 版结果相同，更正不会改变任何数字："
                "请先在「数据上传」中改正数据（撤销或补充上传），或选择「维持」。"
            )
        if plan.others and not confirm_others:
            others = [d for d in plan.changed if d.unit != plan.unit]
            raise NeedsConfirmation(
                f"按当前数据更正，除申诉单位「{plan.unit}」外，还将改变 {len(plan.others)} 个"
                f"单位公示的结果，共 {changes_text(others)}。这些变动来自申诉以外的数据改动或"
                "排名的连带变化：请核对后确认一并更正，或先撤销与申诉无关的改动。"
            )
        end = period_end or date.today() + timedelta(days=NOTICE_DAYS)
        if end <= date.today():
            raise PublicationError(f"更正后重新公示的截止日期（{end}）应晚于今天。")
        others_said = (
            f"；其中申诉单位以外的 {'、'.join(plan.others)} 经确认一并更正" if plan.others else ""
        )
        version = snapshot(
            store,
            year,
            user,
            period_end=end,
            note=(
                f"更正：第 {appeal_id} 号申诉（{appeal['unit']}）：{reason.strip()}。"
                f"与第 {plan.version} 版相比共变动 {changes_text(list(plan.changed))}"
                f"{others_said}。"
            ),
            res=res,
        )
    store.decide_appeal(appeal_id, decision, reason.strip(), user.name)
    return version


def appeals(store: Store, year: int) -> list[dict]:
    return [a for a in store.appeals_rows() if int(a["year"]) == year]


# -- changing a published year's data (上传、撤销、恢复) ---------------------------------


@dataclass(frozen=True)
class ChangeNotice:
    """What changing a published year's data means, said before the change is confirmed.
    ``refused``: why this user may not (a 录入员, once 正式发布); ``needs_confirmation``:
    a 管理员 must confirm it explicitly (正式发布)."""

    year: int
    version: int
    status: str
    text: str
    needs_confirmation: bool = False
    refused: str = ""


def change_notice(store: Store, year: int, user: User | None = None) -> ChangeNotice | None:
    """The notice for changing ``year``'s data now, or None for a year not published."""
    latest = store.publication(year)
    if latest is None or latest["status"] not in (NOTICE, FINAL):
        return None
    version = int(latest["version"])
    if latest["status"] == NOTICE:
        end = stored_date(latest["period_end"])
        return ChangeNotice(
            year,
            version,
            NOTICE,
            f"{year} 年度的结果正在公示（第 {version} 版"
            + (f"，公示期至 {end}" if end else "")
            + "）。此次改动不会改变公示的结果，但之后按当前数据计算的结果将与公示的不同"
            "（「结果公示」页列出不同之处）；要公布改动后的结果，须经申诉「更正」生成新的版本"
            "并重新公示。",
        )
    when = _when(latest["finalized_at"], 10) or ""
    text = (
        f"{year} 年度的结果已于 {when} 正式发布（第 {version} 版）。正式发布的结果不会改变，"
        "此次改动只改变按当前数据计算的结果，两者将不一致；要公布改动后的结果，须在「结果发布」"
        "写明理由生成新的版本并重新公示。"
    )
    refused = (
        ""
        if user is None or user.role == ADMIN
        else f"{year} 年度的结果已正式发布，录入员不能再改动该年度的数据（导入、撤销或恢复）；"
        "如确需补录，请交效能办（管理员）处理。"
    )
    return ChangeNotice(year, version, FINAL, text, needs_confirmation=True, refused=refused)


def check_change(
    store: Store, year: int, user: User, *, confirmed: bool = False
) -> ChangeNotice | None:
    """Before an upload, undo or restore changes ``year``'s data: refused once the year
    is 正式发布 for anyone but a 管理员, and for a 管理员 until ``confirmed``
    (``NeedsConfirmation`` says what it means). Returns the notice that applies, for
    ``record_change`` after the change (None: the year is not published)."""
    notice = change_notice(store, year, user)
    if notice is None or not notice.needs_confirmation:
        return notice
    if notice.refused:
        raise PublicationError(notice.refused)
    if not confirmed:
        raise NeedsConfirmation(
            notice.text
            + "确需改动的，由管理员确认（页面：勾选确认；命令行：--confirm-published）。"
        )
    return notice


def record_change(store: Store, notice: ChangeNotice | None, user: User, what: str) -> None:
    """The audit line of a confirmed change to a year already 正式发布 (``what``: which)."""
    if notice is not None and notice.needs_confirmation:
        store.audit(
            user.name,
            "改动已正式发布年度的数据",
            f"{notice.year} 年度（第 {notice.version} 版已正式发布，公布的结果不变）：{what}",
        )
