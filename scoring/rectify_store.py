"""The 整改 ledger's tables (migrations 030–032): every SQL statement of the ledger.

Writes take the cursor of a transaction the caller opened with ``Store.transaction()``,
so that one action (an item and its history row and the audit row) stands or falls
together. Column names in updates come from a fixed list, never from user text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import duckdb
import pandas as pd

from scoring.sqlrows import scalar
from scoring.store import Store

__all__ = ["ITEM_COLUMNS", "RectifyStore"]

ITEM_COLUMNS = (
    "id",
    "year",
    "unit",
    "origin",
    "origin_ref",
    "problem",
    "target",
    "owner",
    "plan_due",
    "due",
    "measures",
    "evidence",
    "status",
    "closed_on",
    "review_due",
    "created_at",
    "created_by",
)
_WRITABLE = frozenset(ITEM_COLUMNS) - {"id", "year", "created_at", "created_by"}
_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in ITEM_COLUMNS) + " FROM rectify_items"


class RectifyStore:
    """Queries and writes of the ledger over the project's ``Store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- items --------------------------------------------------------------------

    def items(self, year: int) -> pd.DataFrame:
        return self.store.query(_SELECT + " WHERE year = ? ORDER BY unit, id", [year])

    def item(self, item_id: int, cur: duckdb.DuckDBPyConnection | None = None) -> dict | None:
        sql = _SELECT + " WHERE id = ?"
        if cur is not None:
            rows = cur.execute(sql, [item_id]).df()
        else:
            rows = self.store.query(sql, [item_id])
        return None if rows.empty else rows.iloc[0].to_dict()

    def by_origin(
        self, cur: duckdb.DuckDBPyConnection, year: int, origin: str
    ) -> dict[tuple[str, str | None], dict]:
        """The year's items of one origin by (unit, origin_ref)."""
        rows = cur.execute(_SELECT + " WHERE year = ? AND origin = ?", [year, origin]).df()
        return {(r["unit"], r["origin_ref"]): r for r in rows.to_dict("records")}

    def insert_item(
        self, cur: duckdb.DuckDBPyConnection, row: Mapping[str, object], user: str, note: str
    ) -> int:
        cols = [c for c in row if c in _WRITABLE or c == "year"]
        item_id = scalar(
            cur.execute(
                f"INSERT INTO rectify_items ({', '.join(cols)}, created_by) "
                f"VALUES ({', '.join('?' for _ in cols)}, ?) RETURNING id",
                [row[c] for c in cols] + [user],
            )
        )
        self.history_row(cur, item_id, user, "新建", None, str(row["status"]), note)
        _audit(cur, user, "新建整改事项", f"编号 {item_id}：{row['unit']}（{row['origin']}）")
        return int(item_id)

    def update_item(
        self,
        cur: duckdb.DuckDBPyConnection,
        item_id: int,
        changes: Mapping[str, object],
        *,
        user: str,
        action: str,
        status_from: str | None,
        status_to: str | None,
        note: str,
    ) -> None:
        bad = set(changes) - _WRITABLE
        if bad:
            raise ValueError(f"not writable: {sorted(bad)}")
        if changes:
            sets = ", ".join(f'"{c}" = ?' for c in changes)
            cur.execute(
                f"UPDATE rectify_items SET {sets} WHERE id = ?", [*changes.values(), item_id]
            )
        self.history_row(cur, item_id, user, action, status_from, status_to, note)
        _audit(cur, user, f"整改{action}", f"编号 {item_id}" + (f"：{note}" if note else ""))

    def history_row(
        self,
        cur: duckdb.DuckDBPyConnection,
        item_id: int,
        user: str,
        action: str,
        status_from: str | None,
        status_to: str | None,
        note: str,
    ) -> None:
        cur.execute(
            'INSERT INTO rectify_history (item_id, "user", action, status_from, status_to, note) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [item_id, user, action, status_from, status_to, note],
        )

    def history(self, item_id: int) -> pd.DataFrame:
        return self.store.query(
            'SELECT "at", "user", action, status_from, status_to, note FROM rectify_history '
            'WHERE item_id = ? ORDER BY "at", rowid',
            [item_id],
        )

    def year_history(self, year: int) -> pd.DataFrame:
        return self.store.query(
            'SELECT h.item_id, i.unit, h."at", h."user", h.action, h.status_from, h.status_to, '
            "h.note FROM rectify_history h JOIN rectify_items i ON i.id = h.item_id "
            'WHERE i.year = ? ORDER BY h.item_id, h."at", h.rowid',
            [year],
        )

    # -- 录入员 scopes --------------------------------------------------------------

    def units_of(self, user_name: str) -> list[str]:
        rows = self.store.query(
            "SELECT unit FROM rectify_scopes WHERE user_name = ? ORDER BY unit", [user_name]
        )
        return rows["unit"].tolist()

    def set_units(self, user_name: str, units: list[str], by: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM rectify_scopes WHERE user_name = ?", [user_name])
            for unit in dict.fromkeys(units):
                cur.execute("INSERT INTO rectify_scopes VALUES (?, ?)", [user_name, unit])
            _audit(cur, by, "设置整改负责单位", f"{user_name}：{'、'.join(units) or '无'}")

    def scopes(self) -> pd.DataFrame:
        return self.store.query(
            "SELECT user_name, list(unit ORDER BY unit) AS units FROM rectify_scopes "
            "GROUP BY user_name ORDER BY user_name"
        )

    # -- check lists, findings, stages ----------------------------------------------

    def checklist_names(self, year: int) -> list[str]:
        rows = self.store.query("SELECT name FROM checklists WHERE year = ? ORDER BY name", [year])
        return rows["name"].tolist()

    def checklist_text(self, year: int, name: str) -> str | None:
        rows = self.store.query(
            "SELECT text FROM checklists WHERE year = ? AND name = ?", [year, name]
        )
        return None if rows.empty else str(rows.iloc[0]["text"])

    def save_checklist(self, year: int, name: str, text: str, user: str) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                'INSERT OR REPLACE INTO checklists (year, name, text, set_at, "user") '
                "VALUES (?, ?, ?, current_timestamp, ?)",
                [year, name, text, user],
            )
            _audit(cur, user, "设置检查清单", f"{year} 年度：{name}")

    def insert_finding(
        self, cur: duckdb.DuckDBPyConnection, row: Mapping[str, object], user: str
    ) -> int:
        finding_id = scalar(
            cur.execute(
                "INSERT INTO self_check_findings (year, unit, checklist, item, text, severity, "
                '"user") VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
                [row[c] for c in ("year", "unit", "checklist", "item", "text", "severity")]
                + [user],
            )
        )
        _audit(cur, user, "记录查摆问题", f"编号 {finding_id}：{row['unit']}（{row['checklist']}）")
        return int(finding_id)

    def findings(self, year: int) -> pd.DataFrame:
        return self.store.query(
            'SELECT id, unit, checklist, item, text, severity, "at", "user" '
            "FROM self_check_findings WHERE year = ? ORDER BY unit, id",
            [year],
        )

    def stages(self, year: int) -> pd.DataFrame:
        return self.store.query(
            "SELECT seq, name, start, finish FROM campaign_stages WHERE year = ? ORDER BY seq",
            [year],
        )

    def set_stages(self, year: int, stages: list[tuple[str, date, date]], user: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM campaign_stages WHERE year = ?", [year])
            for seq, (name, start, finish) in enumerate(stages, start=1):
                cur.execute(
                    "INSERT INTO campaign_stages VALUES (?, ?, ?, ?, ?)",
                    [year, seq, name, start, finish],
                )
            _audit(cur, user, "设置活动阶段", f"{year} 年度：{'→'.join(s[0] for s in stages)}")

    # -- 意见建议 ---------------------------------------------------------------------

    def comments(self, year: int, unit: str | None = None) -> pd.DataFrame:
        """The year's comments with the office's review (tag, hidden), if any."""
        where = "c.year = ?" + (" AND c.unit = ?" if unit is not None else "")
        params: list[object] = [year] + ([unit] if unit is not None else [])
        return self.store.query(
            "SELECT md5(concat_ws(chr(31), c.year::VARCHAR, c.unit, c.category, "
            "coalesce(c.ballot, ''), c.text)) AS key, c.unit, c.category, c.ballot, c.text, "
            "r.tag, coalesce(r.hidden, FALSE) AS hidden "
            "FROM appraisal_comments c LEFT JOIN comment_reviews r ON r.key = md5(concat_ws("
            "chr(31), c.year::VARCHAR, c.unit, c.category, coalesce(c.ballot, ''), c.text)) "
            f"WHERE {where} ORDER BY c.unit, c.category, c.ballot, c.text",
            params,
        )

    def review_comment(
        self, key: str, year: int, unit: str, tag: str | None, hidden: bool, user: str
    ) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                'INSERT OR REPLACE INTO comment_reviews ("key", year, unit, tag, hidden, "at", '
                '"user") VALUES (?, ?, ?, ?, ?, current_timestamp, ?)',
                [key, year, unit, tag, hidden, user],
            )
            _audit(
                cur,
                user,
                "审阅意见建议",
                f"{year} 年度 {unit}：{tag or '未分类'}" + ("，对领导隐藏" if hidden else ""),
            )

    def verified_cases(self, year: int, verdicts: tuple[str, ...]) -> pd.DataFrame:
        """The year's verified 督查与投诉 cases (migration 025), with the 整改 item opened
        for each, if any (item_id NULL otherwise)."""
        return self.store.query(
            "SELECT c.id, c.number, c.unit, c.source, c.date, c.finding, c.verdict, "
            "i.id AS item_id FROM cases c LEFT JOIN rectify_items i ON i.year = c.year "
            "AND i.origin = '案件' AND i.origin_ref = c.id::VARCHAR "
            "WHERE c.year = ? AND list_contains(?, c.verdict) ORDER BY c.date, c.id",
            [year, list(verdicts)],
        )

    def case_exists(self, case_id: int) -> bool | None:
        """Whether a 督查与投诉 case with this id exists; None when there is no cases table."""
        with self.store.cursor() as cur:
            known = scalar(
                cur.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'cases'"
                )
            )
            if not known:
                return None
            return bool(scalar(cur.execute("SELECT count(*) FROM cases WHERE id = ?", [case_id])))


def _audit(cur: duckdb.DuckDBPyConnection, user: str, action: str, detail: str) -> None:
    """One audit row in the caller's transaction (the audit_log of migration 002)."""
    cur.execute(
        'INSERT INTO audit_log ("user", action, detail) VALUES (?, ?, ?)', [user, action, detail]
    )
