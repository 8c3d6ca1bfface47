"""SQL for the case register (督查与投诉案件, 问责): the tables of migration 025.

Kept apart from ``store.py`` so the register grows without touching the store's core;
every function takes the ``Store`` and runs parameterised SQL on it. Checks and
permissions live in ``scoring.cases``; this module only reads and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import duckdb
import pandas as pd

from scoring.sqlrows import one, scalar
from scoring.store import Store, _audit

__all__ = [
    "accountability",
    "add_accountability",
    "add_event",
    "case",
    "cases",
    "events",
    "import_seen",
    "insert_cases",
    "verified",
]

CASE_COLUMNS = (
    "unit",
    "source",
    "date",
    "finding",
    "doc_no",
    "attachment",
    "reporter",
    "contact",
    "status",
    "verdict",
    "points",
    "veto",
)


def _next_number(cur: duckdb.DuckDBPyConnection, year: int) -> int:
    row = one(
        cur.execute(
            "SELECT coalesce(max(TRY_CAST(split_part(number, '-', 2) AS INTEGER)), 0) "
            "FROM cases WHERE year = ?",
            [year],
        )
    )
    return int(row[0]) + 1


def insert_cases(
    store: Store,
    year: int,
    rows: Sequence[Mapping],
    events: Sequence[Sequence[tuple]],
    *,
    user: str,
    sha256: str | None = None,
    audit: str = "登记案件",
) -> list[tuple[int, str]]:
    """Insert cases (one transaction, all or nothing) with their opening history.

    ``rows`` carry the ``CASE_COLUMNS``; ``events[i]`` are (status, on, note[, dated])
    for row i (dated False: ``on`` is the import day, the real day is unknown).
    Returns the (id, number) of each, numbered on from the year's highest number."""
    out: list[tuple[int, str]] = []
    with store.transaction() as cur:
        n = _next_number(cur, year)
        for row, history in zip(rows, events, strict=True):
            number = f"{year}-{n:03d}"
            n += 1
            case_id = scalar(
                cur.execute(
                    "INSERT INTO cases (year, number, unit, source, date, finding, doc_no, "
                    "attachment, reporter, contact, status, verdict, points, veto, created_by, "
                    "import_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING id",
                    [
                        year,
                        number,
                        *(row.get(c) for c in CASE_COLUMNS[:-1]),
                        bool(row.get("veto")),
                        user,
                        sha256,
                    ],
                )
            )
            for status, on, note, *dated in history:
                cur.execute(
                    'INSERT INTO case_events (case_id, status, "on", note, "user", dated) '
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [case_id, status, on, note, user, bool(dated[0]) if dated else True],
                )
            out.append((int(case_id), number))
        if out:
            detail = (
                f"{year} 年度 {len(out)} 件（{out[0][1]}"
                + (f" 至 {out[-1][1]}" if len(out) > 1 else "")
                + "）"
            )
            _audit(cur, user, audit, detail)
    return out


def add_event(
    store: Store,
    case_id: int,
    status: str,
    on: date,
    note: str,
    user: str,
    *,
    new_status: str | None = None,
    verdict: str | None = None,
    points: float | None = None,
    veto: bool | None = None,
    audit: str,
) -> None:
    """Record one step of a case's history and apply it to the case, atomically."""
    with store.transaction() as cur:
        cur.execute(
            'INSERT INTO case_events (case_id, status, "on", note, "user") VALUES (?, ?, ?, ?, ?)',
            [case_id, status, on, note, user],
        )
        if new_status is not None:
            cur.execute("UPDATE cases SET status = ? WHERE id = ?", [new_status, case_id])
        if verdict is not None:
            cur.execute(
                "UPDATE cases SET verdict = ?, points = ?, veto = ? WHERE id = ?",
                [verdict, points, bool(veto), case_id],
            )
        number = scalar(cur.execute("SELECT number FROM cases WHERE id = ?", [case_id]))
        _audit(cur, user, audit, f"案件 {number}：{status}{('，' + note) if note else ''}")


def case(store: Store, case_id: int) -> dict | None:
    rows = store.query("SELECT * FROM cases WHERE id = ?", [case_id])
    return None if rows.empty else rows.iloc[0].to_dict()


def cases(store: Store, year: int) -> pd.DataFrame:
    """The year's cases, oldest first, with the day each stage was first reached."""
    return store.query(
        "SELECT c.*, "
        '(SELECT min(e."on") FROM case_events e WHERE e.case_id = c.id '
        " AND e.status = '办结' AND e.dated) AS closed_on "
        "FROM cases c WHERE c.year = ? ORDER BY c.date, c.id",
        [year],
    )


def events(store: Store, year: int, case_id: int | None = None) -> pd.DataFrame:
    """History rows (case_id, number, status, on, note, user, at), in order."""
    return store.query(
        'SELECT e.case_id, c.number, c.unit, e.status, e."on", e.note, e."user", e."at", '
        "e.dated "
        "FROM case_events e JOIN cases c ON c.id = e.case_id "
        "WHERE c.year = ? AND (?::BIGINT IS NULL OR e.case_id = ?::BIGINT) "
        'ORDER BY e.case_id, e."on", e.id',
        [year, case_id, case_id],
    )


def verified(store: Store, year: int, verdicts: Sequence[str]) -> pd.DataFrame:
    """Cases whose verdict is one of ``verdicts`` and that carry points or a veto."""
    return store.query(
        "SELECT id, number, unit, source, date, finding, points, veto FROM cases "
        "WHERE year = ? AND list_contains(?::VARCHAR[], verdict) AND status <> '已撤销' "
        "AND (points IS NOT NULL OR veto) ORDER BY date, id",
        [year, list(verdicts)],
    )


def import_seen(store: Store, year: int, sha256: str) -> bool:
    """Whether this case sheet (by content) was imported into the year already."""
    row = store.query(
        "SELECT count(*) AS n FROM cases WHERE year = ? AND import_sha256 = ?", [year, sha256]
    )
    return bool(row["n"].iloc[0])


def add_accountability(store: Store, year: int, record: Mapping, user: str) -> int:
    with store.transaction() as cur:
        new_id = scalar(
            cur.execute(
                "INSERT INTO accountability (year, unit, case_id, warning, person, measure, date, "
                "doc_no, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [
                    year,
                    record["unit"],
                    record.get("case_id"),
                    record.get("warning"),
                    record["person"],
                    record["measure"],
                    record["date"],
                    record.get("doc_no"),
                    user,
                ],
            )
        )
        _audit(
            cur,
            user,
            "登记问责",
            f"{year} 年度 {record['unit']} {record['person']}：{record['measure']}",
        )
    return int(new_id)


def accountability(store: Store, year: int, unit: str | None = None) -> pd.DataFrame:
    return store.query(
        "SELECT a.id, a.unit, a.case_id, c.number AS case_number, a.warning, a.person, "
        "a.measure, a.date, a.doc_no, a.created_by FROM accountability a "
        "LEFT JOIN cases c ON c.id = a.case_id "
        "WHERE a.year = ? AND (?::VARCHAR IS NULL OR a.unit = ?::VARCHAR) "
        "ORDER BY a.date, a.id",
        [year, unit, unit],
    )
