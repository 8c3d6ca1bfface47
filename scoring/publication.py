"""Publication as a snapshot (结果公示与发布): a year's published results, frozen.

Publishing stores an immutable record of the year: the results (the records of
``rank --format json``), the scheme version, the registry version, the sha256 of
every upload used, who and when. Later uploads, undos, scheme or registry changes
change the current results, never the record; pages show the record and say which
units and figures now differ. A year goes 草稿 → 公示 (with the end of the 公示
period) → 正式发布. During 公示 a unit's 申诉 is recorded and decided (维持/更正) with
a reason; 更正 publishes a new version from the corrected data and keeps the old one
readable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from scoring import results
from scoring.accounts import User, authorize
from scoring.store import Store, StoreError

__all__ = [
    "DRAFT",
    "FINAL",
    "NOTICE",
    "Difference",
    "PublicationError",
    "appeals",
    "decide_appeal",
    "differences",
    "finalize",
    "period_default",
    "published",
    "record_appeal",
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


class PublicationError(StoreError):
    """A publication step that cannot be taken now; the message says why, in Chinese."""


@dataclass(frozen=True)
class Difference:
    """One figure of one unit that current data give differently from the record."""

    unit: str
    figure: str
    published: object
    current: object


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

    ``period_end`` is the last day of the 公示期 (objections are taken until then);
    without it a new version keeps the period of the version in 公示 it replaces (a
    更正 does not restart the notice). When the latest version already holds exactly
    these results, it is returned and nothing new is stored (publishing the same year
    again writes no new version); a ``period_end`` given for it while it is in 公示
    becomes its period (audited), its figures stay as they are."""
    authorize(user, "publish")
    records = _records(store, year, res)
    scheme_version = (
        res.scheme_version if res is not None else results.compute(store, year).scheme_version
    )
    latest = store.publication(year)
    if latest is not None and json.loads(latest["results"]) == records and not note:
        version = int(latest["version"])
        if (
            period_end is not None
            and latest["status"] == NOTICE
            and stored_date(latest["period_end"]) != period_end
        ):
            store.set_publication_period(year, version, period_end, user.name)
        return version
    if period_end is None and latest is not None and latest["status"] == NOTICE:
        period_end = stored_date(latest["period_end"])
    uploads = [
        {"id": u.id, "file": u.file, "source": u.source, "sha256": u.sha256}
        for u in store.uploads(year)
    ]
    return store.add_publication(
        year=year,
        user=user.name,
        scheme_version=int(scheme_version or 0),
        registry_version=store.registry_version(),
        uploads=json.dumps(uploads, ensure_ascii=False),
        results=json.dumps(records, ensure_ascii=False),
        period_end=period_end,
        note=note,
    )


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


def period_default(store: Store, year: int, issued: date, days: int = 7) -> date:
    """The 公示期 end offered when publishing: the one already announced for the version
    in 公示, else ``days`` after the 成文日期 ``issued``."""
    latest = store.publication(year)
    announced = (
        stored_date(latest["period_end"])
        if latest is not None and latest["status"] == NOTICE
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
    """Which units and figures current data give differently from the record."""
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
        for key, label in FIGURES.items():
            if a.get(key) != b.get(key):
                out.append(Difference(unit, label, _shown(a.get(key)), _shown(b.get(key))))
    return out


def _shown(value: object) -> object:
    """A figure as people read it: warnings joined with 、, nothing as 无."""
    if value is None:
        return "无"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value)) or "无"
    return value


def finalize(store: Store, year: int, user: User) -> int:
    """公示 → 正式发布; refused while a 申诉 awaits its decision."""
    authorize(user, "publish")
    latest = store.publication(year)
    if latest is None or latest["status"] != NOTICE:
        raise PublicationError(f"{year} 年度没有处于公示中的结果，无法正式发布。")
    waiting = [a for a in appeals(store, year) if not a["decision"]]
    if waiting:
        units = "、".join(a["unit"] for a in waiting)
        raise PublicationError(f"还有 {len(waiting)} 件申诉未处理（{units}），处理后才能正式发布。")
    store.set_publication_status(year, int(latest["version"]), FINAL, user.name)
    return int(latest["version"])


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


def decide_appeal(
    store: Store,
    appeal_id: int,
    decision: str,
    reason: str,
    user: User,
    res: results.Results | None = None,
) -> int | None:
    """维持 or 更正 with a reason. 更正 publishes the corrected current data as a new
    version in 公示 (the old version stays readable); returns that version, if any."""
    authorize(user, "publish")
    if decision not in (KEEP, CORRECT):
        raise PublicationError(f"处理结果应为「{KEEP}」或「{CORRECT}」。")
    if not reason.strip():
        raise PublicationError("请写明处理理由。")
    appeal = next((a for a in store.appeals_rows() if a["id"] == appeal_id), None)
    if appeal is None:
        raise PublicationError(f"没有编号为 {appeal_id} 的申诉。")
    if appeal["decision"]:
        raise PublicationError(f"第 {appeal_id} 号申诉已处理（{appeal['decision']}）。")
    year = int(appeal["year"])
    version = None
    if decision == CORRECT:
        version = snapshot(
            store,
            year,
            user,
            note=f"更正：第 {appeal_id} 号申诉（{appeal['unit']}）：{reason.strip()}",
            res=res,
        )
    store.decide_appeal(appeal_id, decision, reason.strip(), user.name)
    return version


def appeals(store: Store, year: int) -> list[dict]:
    return [a for a in store.appeals_rows() if int(a["year"]) == year]
