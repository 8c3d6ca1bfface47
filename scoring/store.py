"""The DuckDB store (数据库): schema migrations, uploads, and the queries scoring needs.

One ``Store`` per process holds one DuckDB connection; every unit of work takes
its own cursor, and writes are serialised by a lock and run in one transaction,
so Streamlit's session threads can share it. All SQL of the project lives here
and in ``scoring/sql/*.sql``; values always travel as parameters.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring import content_store
from scoring.background import Background
from scoring.counts import AppraisalCounts, LabelCodes, UploadCounts, upload_counts
from scoring.sources import SOURCE_NAMES
from scoring.sqlrows import one, scalar

__all__ = [
    "DEFAULT_DB",
    "FACT_TABLES",
    "ContentClash",
    "ContentRefused",
    "ContentStored",
    "OverlapNotConfirmed",
    "Store",
    "StoreError",
    "StoreLocked",
    "Upload",
    "merge_map",
    "resolve_db_path",
]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "data" / "scoring.duckdb"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQL = Path(__file__).resolve().parent / "sql"

# Tables whose rows belong to an upload (and go with it on undo).
FACT_TABLES = (
    "appraisal_answers",
    "appraisal_comments",
    "performance_scores",
    "integrity_votes",
    "adjustments",
    "appraisal_roster",
    "appraisal_item_scores",
    "appraisal_ballot_meta",
    "integrity_attendance",
    "special_scores",
)
# Where an upload's rows are stored: each fact table itself, but the 万人评议 answers as
# integers in two tables (migration 051; ``appraisal_answers`` is a view over them).
# Undo and restore move these (and fact_prints) to and from their bin_ copies.
ROW_TABLES = (
    "appraisal_answer_rows",
    "appraisal_ballots",
    *(t for t in FACT_TABLES if t != "appraisal_answers"),
)
# The counts kept per year (migration 021), maintained with every upload and undo.
COUNT_TABLES = (
    "appraisal_pair_counts",
    "appraisal_tally_counts",
    "appraisal_ballot_counts",
    "appraisal_straight_counts",
    "appraisal_upload_units",
    "appraisal_ballot_repeats",
)


class StoreError(RuntimeError):
    """A store problem a user can act on; the message is in Chinese."""


class ContentRefused(StoreError):
    """A file refused for its content (scoring.content_store); nothing was stored.
    ``earlier`` lists (upload id, file, facts shared) of the uploads that hold it."""

    def __init__(
        self, report: content_store.ContentReport, earlier: tuple[tuple[int, str, int], ...]
    ):
        self.report = report
        self.earlier = earlier
        super().__init__(self.describe())

    def where(self) -> str:
        return "、".join(f"第 {u} 号上传「{f}」" for u, f, _ in self.earlier[:3]) + (
            f"等 {len(self.earlier)} 次上传" if len(self.earlier) > 3 else ""
        )

    def describe(self) -> str:
        return "内容已导入"


class ContentStored(ContentRefused):
    def describe(self) -> str:
        return (
            f"文件内容（{self.report.total} 项数据）已全部在本年度导入过，见{self.where()}；"
            "本次未导入。"
        )


class OverlapNotConfirmed(ContentRefused):
    def describe(self) -> str:
        return (
            f"文件中有 {self.report.overlap} 项数据（共 {self.report.total} 项）已在{self.where()}"
            "中导入。确认后只导入其余的新数据（命令行加 --confirm-overlap）。"
        )


class ContentClash(ContentRefused):
    def describe(self) -> str:
        shown = "、".join(self.report.clash[:10])
        more = f"等 {len(self.report.clash)} 个" if len(self.report.clash) > 10 else ""
        return (
            f"问卷编号 {shown}{more}已在本年度此前上传的文件中出现过，但答案不同"
            f"（见{self.where() or '此前的上传'}）：同一年度内问卷编号必须唯一。本次未导入。"
        )


class StoreLocked(StoreError):
    """Another process (the dashboard, or the command line) holds the database file."""


def _write_failure(path: str, exc: Exception) -> str:
    """The Chinese message for a write the database could not make (nothing was saved)."""
    text = str(exc).lower()
    if "no space" in text or "disk" in text or "could not write" in text:
        why = "磁盘空间可能已满"
    elif isinstance(exc, duckdb.OutOfMemoryException):
        why = "服务器内存不足"
    else:
        why = "文件无法写入"
    return (
        f"保存失败：数据库文件 {path} 写入出错（{why}）。本次操作没有保存任何内容，"
        "已有数据不受影响；请联系管理员检查服务器后重试。"
    )


def _test_pause(point: str, detail: str = "") -> None:
    """A test hook (tests/test_defences.py, the killed import): with the environment
    variable SCORING_TEST_PAUSE equal to ``point``, write ``detail`` to the file named by
    SCORING_TEST_MARKER and wait there, inside the transaction, to be killed."""
    if os.environ.get("SCORING_TEST_PAUSE") == point:
        marker = Path(os.environ["SCORING_TEST_MARKER"])
        marker.with_suffix(".part").write_text(detail or point, encoding="utf-8")
        marker.with_suffix(".part").replace(marker)  # appears whole
        time.sleep(300)


@dataclass(frozen=True)
class Upload:
    """One imported file (上传记录)."""

    id: int
    year: int
    file: str
    source: str
    rows: int
    sha256: str
    at: str
    user: str


def resolve_db_path(cli_value: str | None = None) -> Path:
    """--db, else $SCORING_DB, else data/scoring.duckdb (shared/spec/cli.md)."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("SCORING_DB")
    return Path(env) if env else DEFAULT_DB


def _sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


class Store:
    """The project's database. Open once per process; safe to share between threads."""

    reads_at_once = True  # a cursor per read: threads may read at the same time

    def __init__(self, path: str | os.PathLike = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreLocked(
                    f"数据库文件 {self.path} 正被另一个程序（可能是正在运行的看板）占用，"
                    "无法打开：同一时间只能有一个程序打开它，只读的命令（如 rank）也是如此。"
                    "请先关闭看板，或用 --db 指定另一个数据库文件（如它的一份副本）。"
                ) from exc
            raise StoreError(f"无法打开数据库文件 {self.path}：{exc}") from exc
        self._lock = threading.RLock()
        self._cells = _CellLabels()
        self.migrate()
        self.backfill_prints()

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write: serialised within the process, all or nothing."""
        with self._lock, self.cursor() as cur:
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield cur
                except BaseException:
                    with suppress(duckdb.Error):  # gone already (e.g. after an IO error)
                        cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
            except (duckdb.IOException, duckdb.OutOfMemoryException) as exc:
                raise StoreError(_write_failure(self.path, exc)) from exc

    def query(self, sql: str, params: Mapping | Sequence | None = None) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Reads that all see one state of the database (one read transaction), so a
        year's facts never mix data from before and after an upload. The snapshot has
        every read method of the store; it refuses writes."""
        with self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield _Snapshot(self, cur)
            finally:
                cur.execute("ROLLBACK")

    # -- schema -------------------------------------------------------------------

    def schema_version(self) -> int:
        with self.cursor() as cur:
            exists = scalar(
                cur.execute(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_name = 'schema_version'"
                )
            )
            if not exists:
                return 0
            return scalar(cur.execute("SELECT coalesce(max(version), 0) FROM schema_version"))

    def migrate(self) -> int:
        """Apply every numbered migration not yet recorded; return the highest applied.

        Each number is applied once, in order, whether or not a higher number was applied
        before it (migrations are written in parallel with reserved ranges of numbers)."""
        files = sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql"))
        with self.transaction() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)"
            )
            done = {r[0] for r in cur.execute("SELECT version FROM schema_version").fetchall()}
            for f in files:
                number = int(f.name[:3])
                if number not in done:
                    cur.execute(f.read_text(encoding="utf-8"))
                    cur.execute("INSERT INTO schema_version (version) VALUES (?)", [number])
                    done.add(number)
        return max(done, default=0)

    # -- what the file is for (数据库用途, migration 004) ---------------------------

    def kind(self) -> str | None:
        """'demo' for the demo city's file, 'office' for an office's own, None if unmarked."""
        with self.cursor() as cur:
            row = cur.execute("SELECT value FROM database_info WHERE key = 'kind'").fetchone()
        return None if row is None else str(row[0])

    def mark_kind(self, kind: str) -> None:
        """Mark the file as the demo's or an office's; a file keeps its first mark."""
        if kind not in ("demo", "office"):
            raise ValueError(kind)
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO database_info (key, value) VALUES ('kind', ?) ON CONFLICT DO NOTHING",
                [kind],
            )

    # -- unit registry (单位名录) -------------------------------------------------

    def units(self, year: int | None = None, *, include_withdrawn: bool = False) -> pd.DataFrame:
        """The registry in force in ``year`` (migration 005): each unit's latest record from
        that year or before, without units withdrawn (撤销). Without a year: the latest
        registry. Columns name, aliases, type, parent, group, predecessors (and status)."""
        status = ", status" if include_withdrawn else ""
        return self.query(
            _IN_FORCE.format(f'name, aliases, type, parent, grp AS "group", predecessors{status}')
            + " ORDER BY name",
            [2**31 - 1 if year is None else int(year), include_withdrawn],
        )

    def unit_infos(self, year: int) -> list[tuple[str, str, str | None, str | None]]:
        """(name, type, parent, group) of each unit of ``units(year)``, in its order (by
        name): what scoring needs of the registry (columns.py, facts.py), as plain rows."""
        with self.cursor() as cur:
            rows = cur.execute(
                _IN_FORCE.format("name, type, parent, grp") + " ORDER BY name", [year, False]
            ).fetchall()
            merges = _merges(cur, year)
        if not merges:
            return rows
        # A unit merged into another this year (前身) is no unit of its own: its facts
        # are read as its successor's; a team whose 上级单位 it was now belongs there.
        return [(n, t, merges.get(p, p), g) for n, t, p, g in rows if n not in merges]

    def merged_rows(self, year: int) -> pd.DataFrame:
        """The facts of ``year`` stored under the name of a unit merged into another that
        year (``merged_units``), as stored: former, unit (its successor), source, rows,
        uploads. Empty when the year merges none."""
        with self.cursor() as cur:
            merges = _merges(cur, year)
            rows = cur.execute(_sql("uploads_by_source_unit"), {"year": year}).df()
        rows = rows[rows["unit"].isin(list(merges))].rename(columns={"unit": "former"})
        rows.insert(1, "unit", [merges[f] for f in rows["former"]])
        return rows.reset_index(drop=True)

    def merged_units(self, year: int) -> dict[str, str]:
        """Units merged into another in ``year``: former name -> the unit of the year's
        registry that names it as 前身 (renamed or merged that year or before), followed
        through several renames. Every reader of the year's facts reads the former
        name's facts as the successor's, whenever they were imported; earlier years,
        whose registry names no successor, keep them. A name two units claim (a split)
        stays with neither."""
        with self.cursor() as cur:
            return _merges(cur, year)

    def registry_version(self) -> int:
        """The latest registry version (0 before any registry was loaded)."""
        with self.cursor() as cur:
            return int(
                scalar(cur.execute("SELECT coalesce(max(version), 0) FROM registry_versions"))
            )

    def registry_versions(self) -> pd.DataFrame:
        return self.query(
            'SELECT version, from_year, file, "user", "at", summary FROM registry_versions '
            "ORDER BY version DESC"
        )

    def all_groups(self) -> list[str]:
        """Every 考核类别 any year's registry has used."""
        rows = self.query("SELECT DISTINCT grp FROM unit_versions WHERE grp IS NOT NULL")
        return sorted(rows["grp"])

    def unit_predecessors(self) -> list[tuple[str, list[str]]]:
        """(unit, former names) for every record that names a 前身, any year."""
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT DISTINCT name, predecessors FROM unit_versions WHERE len(predecessors) > 0"
            ).fetchall()
        return [(r[0], list(r[1])) for r in rows]

    def save_registry(
        self,
        rows: pd.DataFrame,
        year: int,
        file: str,
        user: str,
        summary: str,
        *,
        base_version: int | None = None,
    ) -> int:
        """Store full unit records effective from ``year`` on, as one registry version.

        ``base_version`` is the version the caller previewed against: if another load
        came in between, nothing is stored and the caller previews again."""
        frame = rows.rename(columns={"group": "grp"}).copy()
        for column in ("predecessors",):
            if column not in frame:
                frame[column] = [[] for _ in range(len(frame))]
        frame["status"] = frame["status"].fillna("在用") if "status" in frame else "在用"
        frame["aliases"] = [list(a) if a is not None else [] for a in frame["aliases"]]
        frame["predecessors"] = [list(a) if a is not None else [] for a in frame["predecessors"]]
        frame = frame[["name", "aliases", "type", "parent", "grp", "predecessors", "status"]]
        with self.transaction() as cur:
            version = scalar(cur.execute("SELECT coalesce(max(version), 0) FROM registry_versions"))
            if base_version is not None and version != base_version:
                raise StoreError("单位名录在预览之后已被他人修改，请重新预览后再导入。")
            version += 1
            cur.execute(
                'INSERT INTO registry_versions (version, from_year, file, "user", summary) '
                "VALUES (?, ?, ?, ?, ?)",
                [version, int(year), file, user, summary],
            )
            if len(frame):
                cur.register("incoming_units", frame)
                try:
                    cur.execute(
                        "INSERT OR REPLACE INTO unit_versions (name, from_year, aliases, type, "
                        "parent, grp, predecessors, status, registry_version) "
                        "SELECT name, ?::INTEGER, aliases::VARCHAR[], type, parent, grp, "
                        "predecessors::VARCHAR[], status, ?::INTEGER FROM incoming_units",
                        [int(year), version],
                    )
                finally:
                    cur.unregister("incoming_units")
            # ``units`` mirrors the latest registry for readers that name no year.
            cur.execute("DELETE FROM units")
            cur.execute(
                "INSERT INTO units (name, aliases, type, parent, grp, updated_at) "
                "SELECT name, aliases, type, parent, grp, current_timestamp FROM ("
                "  SELECT *, row_number() OVER (PARTITION BY name ORDER BY from_year DESC) AS k"
                "  FROM unit_versions) WHERE k = 1 AND status <> '撤销'"
            )
            _audit(
                cur,
                user,
                "更新单位名录",
                f"版本 {version}，自 {year or '最初'} 年度起生效；{summary}",
            )
        return int(version)

    def upsert_units(
        self, units: pd.DataFrame, user: str = "命令行", year: int | None = None
    ) -> tuple[int, int]:
        """Add or update whole registry rows (columns name, aliases, type, parent, group)
        effective from ``year`` (default: every year while there is no data, else the
        latest year with data). Returns (added, updated)."""
        if year is None:
            years = self.years()
            year = years[0] if years else 0
        known = set(self.units(year, include_withdrawn=True)["name"])
        updated = sum(1 for n in units["name"] if n in known)
        added = len(units) - updated
        self.save_registry(units, year, "（程序写入）", user, f"新增 {added} 个，更新 {updated} 个")
        return added, updated

    # -- uploads ------------------------------------------------------------------

    def find_upload(self, year: int, source: str, sha256: str) -> Upload | None:
        rows = self.query(
            "SELECT * FROM uploads WHERE year = ? AND source = ? AND sha256 = ?",
            [year, source, sha256],
        )
        return None if rows.empty else _upload(rows.iloc[0])

    def add_upload(
        self,
        *,
        year: int,
        file: str,
        source: str,
        sha256: str,
        user: str,
        rows: int,
        facts: Mapping[str, pd.DataFrame | pa.Table],
        accept_overlap: bool = False,
    ) -> tuple[Upload, bool]:
        """Store one file's rows as one upload, atomically.

        Returns (upload, created); the same file (by sha256) for the same year and
        source is not stored twice: the earlier upload comes back with created=False.
        The content checks (scoring.content_store) run inside this transaction: facts
        the year already holds refuse the file (``ContentStored``), 问卷编号 stored with
        other answers refuse it (``ContentClash``), and a partial overlap is refused
        unless ``accept_overlap`` — then only the new facts are stored.
        """
        for table in facts:
            if table not in FACT_TABLES:
                raise ValueError(f"unknown fact table {table}")
        with self.transaction() as cur:
            _test_pause("upload-begin")
            earlier = cur.execute(
                "SELECT * FROM uploads WHERE year = ? AND source = ? AND sha256 = ?",
                [year, source, sha256],
            ).df()
            if not earlier.empty:
                return _upload(earlier.iloc[0]), False
            upload_id, report, answers = self._stage(
                cur, year, file, source, sha256, user, rows, facts
            )
            self._settle(cur, upload_id, year, report, accept_overlap)
            if report.overlap:  # rows were left out: count what is stored
                answers = None
            if os.environ.get("SCORING_TEST_PAUSE") == "rows-written":
                n = scalar(
                    cur.execute(
                        "SELECT count(*) FROM appraisal_answers WHERE upload_id = ?", [upload_id]
                    )
                )
                _test_pause("rows-written", f"upload {upload_id}: {n} answer rows written")
            _count_upload(cur, upload_id, year, +1, answers)
            row = cur.execute("SELECT * FROM uploads WHERE id = ?", [upload_id]).df()
            _audit(
                cur,
                user,
                "上传",
                f"{year} 年度 {SOURCE_NAMES.get(source, source)}：{file}"
                f"（{rows:,} 行，编号 {upload_id}）",
            )
        return _upload(row.iloc[0]), True

    def content_report(
        self,
        *,
        year: int,
        source: str,
        facts: Mapping[str, pd.DataFrame | pa.Table],
    ) -> content_store.ContentReport:
        """How a file's facts meet what the year holds (for the preview); stores nothing."""
        with self._lock, self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                _, report, _ = self._stage(
                    cur, year, "（预览）", source, "", "预览", 0, facts, preview=True
                )
            finally:
                cur.execute("ROLLBACK")
        return report

    def _stage(self, cur, year, file, source, sha256, user, rows, facts, preview=False):
        """Insert an upload's rows and check their content (the caller commits or rolls
        back). A preview takes upload id 10⁹ (rolled back), using up no id of the sequence."""
        cur.execute("INSERT INTO years (year) VALUES (?) ON CONFLICT DO NOTHING", [year])
        if preview:
            upload_id = scalar(
                cur.execute(
                    'INSERT INTO uploads (id, year, file, source, rows, sha256, "user") '
                    "VALUES (1000000000, ?, ?, ?, ?, ?, ?) RETURNING id",
                    [year, file, source, rows, sha256, user],
                )
            )
        else:
            upload_id = scalar(
                cur.execute(
                    'INSERT INTO uploads (year, file, source, rows, sha256, "user") '
                    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    [year, file, source, rows, sha256, user],
                )
            )
        answers = None  # the answer rows as _count_upload takes them, when at hand
        prints = None  # the ballots' fingerprint texts, made from the same rows
        for table, frame in facts.items():
            if len(frame) == 0:
                continue
            if table == "appraisal_answers":
                answers, prints = _insert_answers(cur, upload_id, year, frame, not preview)
                continue
            cur.register("incoming_facts", frame)
            try:
                cur.execute(
                    f"INSERT INTO {table} BY NAME SELECT *, ?::INTEGER AS upload_id, "
                    "?::INTEGER AS year FROM incoming_facts",
                    [upload_id, year],
                )
            finally:
                cur.unregister("incoming_facts")
        tables = tuple(t for t, f in facts.items() if len(f))
        report = content_store.check_upload(cur, upload_id, year, tables, prints)
        return upload_id, report, answers

    def _settle(self, cur, upload_id, year, report, accept_overlap) -> None:
        """Refuse (the caller's transaction rolls back) or keep the new facts only."""
        names = {
            int(r[0]): str(r[1])
            for r in cur.execute("SELECT id, file FROM uploads WHERE year = ?", [year]).fetchall()
        }
        earlier = tuple((u, names.get(u, "?"), n) for u, n in report.earlier)
        if report.clash:
            raise ContentClash(report, earlier)
        if report.all_stored:
            raise ContentStored(report, earlier)
        if report.overlap and not accept_overlap:
            raise OverlapNotConfirmed(report, earlier)
        tables = tuple(FACT_TABLES)
        if report.overlap:
            content_store.drop_overlap(cur, upload_id, tables)
        content_store.keep_prints(cur, upload_id, year)

    def backfill_prints(self) -> int:
        """Fingerprint uploads stored before migration 006 (once); returns how many."""
        with self.cursor() as cur:
            if not scalar(
                cur.execute(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_name = 'fact_prints'"
                )
            ):
                return 0
            todo = [
                (int(r[0]), int(r[1]))
                for r in cur.execute(
                    "SELECT id, year FROM uploads u WHERE NOT EXISTS "
                    "(SELECT 1 FROM fact_prints f WHERE f.upload_id = u.id) ORDER BY id"
                ).fetchall()
            ]
        done = 0
        for upload_id, year in todo:
            with self.transaction() as cur:
                tables = tuple(
                    t
                    for t in FACT_TABLES
                    if scalar(
                        cur.execute(f"SELECT count(*) FROM {t} WHERE upload_id = ?", [upload_id])
                    )
                )
                if not tables:
                    continue
                content_store.upload_prints(cur, upload_id, tables)
                cur.execute(
                    "CREATE OR REPLACE TEMP TABLE overlap_prints (kind VARCHAR, fp VARCHAR)"
                )
                content_store.keep_prints(cur, upload_id, year)
                done += 1
        return done

    def uploads(self, year: int | None = None) -> list[Upload]:
        if year is None:
            rows = self.query("SELECT * FROM uploads ORDER BY id")
        else:
            rows = self.query("SELECT * FROM uploads WHERE year = ? ORDER BY id", [year])
        return [_upload(r) for _, r in rows.iterrows()]

    def undo(self, upload_id: int, user: str = "命令行") -> Upload:
        """Remove everything one upload brought in from the results, into the 回收站:
        its rows and record are moved aside (not deleted) and ``restore`` brings them
        back exactly."""
        with self.transaction() as cur:
            row = cur.execute("SELECT * FROM uploads WHERE id = ?", [upload_id]).df()
            if row.empty:
                raise StoreError(f"没有编号为 {upload_id} 的上传记录。")
            _count_upload(cur, upload_id, int(row["year"].iloc[0]), -1)
            moved = 0
            for table in (*ROW_TABLES, "fact_prints"):
                n = scalar(
                    cur.execute(f"SELECT count(*) FROM {table} WHERE upload_id = ?", [upload_id])
                )
                if n:
                    _bin_table(cur, table)
                    cur.execute(
                        f"INSERT INTO bin_{table} BY NAME SELECT * FROM {table} "
                        "WHERE upload_id = ?",
                        [upload_id],
                    )
                    cur.execute(f"DELETE FROM {table} WHERE upload_id = ?", [upload_id])
                    # facts: the answers, not their 问卷编号 (stored apart) or prints
                    moved += n if table not in ("appraisal_ballots", "fact_prints") else 0
            cur.execute(
                'INSERT INTO recycled_uploads (id, year, file, source, rows, sha256, "at", '
                '"user", undone_by, facts) SELECT id, year, file, source, rows, sha256, "at", '
                '"user", ?, ? FROM uploads WHERE id = ?',
                [user, moved, upload_id],
            )
            cur.execute("DELETE FROM uploads WHERE id = ?", [upload_id])
            u = _upload(row.iloc[0])
            _audit(
                cur,
                user,
                "撤销上传",
                f"编号 {u.id}：{u.file}（{u.year} 年度 {u.source}，{moved} 条数据移入回收站）",
            )
        return u

    def recycled(self, year: int | None = None) -> pd.DataFrame:
        """Uploads in the 回收站, newest first."""
        return self.query(
            'SELECT id, year, file, source, rows, sha256, "at", "user", undone_at, undone_by, '
            "facts FROM recycled_uploads WHERE (? IS NULL OR year = ?) ORDER BY undone_at DESC",
            [year, year],
        )

    def restore(self, upload_id: int, user: str = "命令行") -> Upload:
        """Bring an undone upload back from the 回收站, exactly as it was (same id, same
        rows); refused when its facts have come in again meanwhile by another upload."""
        with self.transaction() as cur:
            row = cur.execute("SELECT * FROM recycled_uploads WHERE id = ?", [upload_id]).df()
            if row.empty:
                raise StoreError(f"回收站中没有编号为 {upload_id} 的上传。")
            year = int(row.iloc[0]["year"])
            if _has_table(cur, "bin_fact_prints"):
                again = cur.execute(
                    "SELECT f.upload_id, u.file, count(*) FROM fact_prints f "
                    "JOIN uploads u ON u.id = f.upload_id "
                    "SEMI JOIN bin_fact_prints b ON b.upload_id = ? AND b.kind = f.kind "
                    "AND b.fp = f.fp WHERE f.year = ? GROUP BY ALL ORDER BY 3 DESC",
                    [upload_id, year],
                ).fetchall()
                if again:
                    where = "、".join(f"第 {u} 号上传「{f}」" for u, f, _ in again[:3])
                    raise StoreError(
                        f"第 {upload_id} 号上传的数据已由{where}再次导入，恢复会重复计入，未恢复。"
                    )
            cur.execute(
                'INSERT INTO uploads (id, year, file, source, rows, sha256, "at", "user") '
                'SELECT id, year, file, source, rows, sha256, "at", "user" '
                "FROM recycled_uploads WHERE id = ?",
                [upload_id],
            )
            for table in (*ROW_TABLES, "fact_prints"):
                if _has_table(cur, f"bin_{table}"):
                    cur.execute(
                        f"INSERT INTO {table} BY NAME SELECT * FROM bin_{table} "
                        "WHERE upload_id = ?",
                        [upload_id],
                    )
                    cur.execute(f"DELETE FROM bin_{table} WHERE upload_id = ?", [upload_id])
            _count_upload(cur, upload_id, year, +1)
            cur.execute("DELETE FROM recycled_uploads WHERE id = ?", [upload_id])
            u = _upload(row.iloc[0])
            _audit(cur, user, "恢复上传", f"编号 {u.id}：{u.file}（{u.year} 年度 {u.source}）")
        return u

    def upload(self, upload_id: int) -> Upload | None:
        rows = self.query("SELECT * FROM uploads WHERE id = ?", [upload_id])
        return None if rows.empty else _upload(rows.iloc[0])

    def years(self) -> list[int]:
        """Years with any upload, newest first."""
        rows = self.query("SELECT DISTINCT year FROM uploads ORDER BY year DESC")
        return [int(y) for y in rows["year"]]

    def data_version(self) -> str:
        """A key that changes whenever anything results depend on changes (for caches):
        the set of uploads, the registry and the schemes."""
        with self.cursor() as cur:
            row = one(
                cur.execute(
                    "SELECT (SELECT coalesce(string_agg(id::VARCHAR, ',' ORDER BY id), '')"
                    " FROM uploads),"
                    " (SELECT count(*) || '@' || coalesce(max(updated_at)::VARCHAR, '') FROM units)"
                    " || '#' || (SELECT coalesce(max(version), 0) FROM registry_versions),"
                    " (SELECT count(*) FROM schemes),"
                    " (SELECT count(*) FROM case_events)"  # cases feed 加减分 (scoring/cases.py)
                )
            )
        return "|".join(str(x) for x in row)

    # -- schemes ------------------------------------------------------------------

    def scheme_text(self, year: int) -> tuple[int, str] | None:
        """The year's current scheme as (version, TOML text), or None if never set."""
        with self.cursor() as cur:
            row = cur.execute(
                "SELECT version, text FROM schemes WHERE year = ? ORDER BY version DESC LIMIT 1",
                [year],
            ).fetchone()
        return None if row is None else (int(row[0]), row[1])

    def set_scheme(self, year: int, name: str, text: str, user: str, reason: str = "") -> int:
        """Store a new version of the year's scheme; returns its version number."""
        with self.transaction() as cur:
            version = scalar(
                cur.execute(
                    "SELECT coalesce(max(version), 0) + 1 FROM schemes WHERE year = ?", [year]
                )
            )
            cur.execute(
                'INSERT INTO schemes (year, version, name, text, "user", reason) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                [year, version, name, text, user, reason],
            )
            why = f"；原因：{reason}" if reason else ""
            _audit(cur, user, "设置考评方案", f"{year} 年度：{name}（版本 {version}）{why}")
        return int(version)

    def scheme_versions(self, year: int) -> pd.DataFrame:
        """Every version of the year's scheme, newest first (version, name, set_at, user,
        reason, text)."""
        return self.query(
            "SELECT version, name, set_at, \"user\", coalesce(reason, '') AS reason, text "
            "FROM schemes WHERE year = ? ORDER BY version DESC",
            [year],
        )

    # -- publications (结果公示与发布, migration 007) ----------------------------------

    def publication(self, year: int, version: int | None = None) -> dict | None:
        """One version of the year's publication (the latest without ``version``)."""
        rows = self.query(
            "SELECT * FROM publications WHERE year = ? AND (? IS NULL OR version = ?) "
            "ORDER BY version DESC LIMIT 1",
            [year, version, version],
        )
        return None if rows.empty else rows.iloc[0].to_dict()

    def publication_versions(self, year: int) -> list[int]:
        rows = self.query(
            "SELECT version FROM publications WHERE year = ? ORDER BY version DESC", [year]
        )
        return [int(v) for v in rows["version"]]

    def add_publication(
        self,
        *,
        year: int,
        user: str,
        scheme_version: int,
        registry_version: int,
        uploads: str,
        results: str,
        period_end: object = None,
        note: str = "",
    ) -> int:
        """Write a new version of the year's publication in 公示; returns its number."""
        with self.transaction() as cur:
            version = scalar(
                cur.execute(
                    "SELECT coalesce(max(version), 0) + 1 FROM publications WHERE year = ?", [year]
                )
            )
            cur.execute(  # an earlier version in 公示 is superseded (kept, readable)
                "UPDATE publications SET status = '已更正' WHERE year = ? AND status = '公示'",
                [year],
            )
            cur.execute(
                'INSERT INTO publications (year, version, status, "user", scheme_version, '
                "registry_version, uploads, results, period_end, note) "
                "VALUES (?, ?, '公示', ?, ?, ?, ?, ?, ?, ?)",
                [
                    year,
                    version,
                    user,
                    scheme_version,
                    registry_version,
                    uploads,
                    results,
                    period_end,
                    note or None,
                ],
            )
            _audit(
                cur, user, "公示结果", f"{year} 年度第 {version} 版{('：' + note) if note else ''}"
            )
        return int(version)

    def set_publication_period(
        self, year: int, version: int, period_end: object, user: str
    ) -> None:
        """A new end of the 公示 period for a version still in 公示 (its figures unchanged)."""
        with self.transaction() as cur:
            cur.execute(
                "UPDATE publications SET period_end = ? "
                "WHERE year = ? AND version = ? AND status = '公示'",
                [period_end, year, version],
            )
            _audit(cur, user, "修改公示期", f"{year} 年度第 {version} 版：公示期至 {period_end}")

    def set_publication_status(
        self, year: int, version: int, status: str, user: str, why: str = ""
    ) -> None:
        """``why``: what the audit line says besides the version (an early end of 公示)."""
        with self.transaction() as cur:
            cur.execute(
                "UPDATE publications SET status = ?, finalized_at = current_timestamp, "
                "finalized_by = ? WHERE year = ? AND version = ?",
                [status, user, year, version],
            )
            _audit(
                cur,
                user,
                "正式发布结果",
                f"{year} 年度第 {version} 版" + (f"：{why}" if why else ""),
            )

    def add_appeal(self, year: int, version: int, unit: str, text: str, user: str) -> int:
        with self.transaction() as cur:
            appeal_id = scalar(
                cur.execute(
                    'INSERT INTO appeals (year, version, unit, text, "user") '
                    "VALUES (?, ?, ?, ?, ?) RETURNING id",
                    [year, version, unit, text, user],
                )
            )
            _audit(cur, user, "受理申诉", f"{year} 年度第 {appeal_id} 号：{unit}")
        return int(appeal_id)

    def decide_appeal(self, appeal_id: int, decision: str, reason: str, user: str) -> None:
        with self.transaction() as cur:
            cur.execute(
                "UPDATE appeals SET decision = ?, reason = ?, decided_by = ?, "
                "decided_at = current_timestamp WHERE id = ? AND decision IS NULL",
                [decision, reason, user, appeal_id],
            )
            _audit(cur, user, "处理申诉", f"第 {appeal_id} 号：{decision}（{reason}）")

    def appeals_rows(self) -> list[dict]:
        return self.query("SELECT * FROM appeals ORDER BY id").to_dict("records")

    # -- accounts and audit ---------------------------------------------------------

    def audit(self, user: str, action: str, detail: str) -> None:
        with self.transaction() as cur:
            _audit(cur, user, action, detail)

    def audit_log(self, limit: int = 5000) -> pd.DataFrame:
        return self.query(
            'SELECT id, "at", "user", action, detail FROM audit_log ORDER BY id DESC LIMIT ?',
            [limit],
        )

    def users(self) -> pd.DataFrame:
        return self.query(
            "SELECT name, role, sources, years, active, created_at FROM users ORDER BY name"
        )

    def user_row(self, name: str) -> dict | None:
        rows = self.query("SELECT * FROM users WHERE name = ?", [name])
        return None if rows.empty else rows.iloc[0].to_dict()

    def save_account(
        self,
        *,
        name: str,
        new: bool,
        password_hash: str | None,
        role: str,
        sources: list[str],
        years: list[int],
        active: bool,
        by: str,
        detail: str,
    ) -> None:
        """Create an account or change exactly these fields (a None hash keeps the password),
        with its audit row (``detail`` says what changed)."""
        with self.transaction() as cur:
            if new:
                cur.execute(
                    "INSERT INTO users (name, password_hash, role, sources, years, active) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [name, password_hash, role, sources, years, active],
                )
            else:
                cur.execute(
                    "UPDATE users SET password_hash = coalesce(?, password_hash), role = ?, "
                    "sources = ?, years = ?, active = ? WHERE name = ?",
                    [password_hash, role, sources, years, active, name],
                )
            _audit(cur, by, "新建账号" if new else "修改账号", detail)

    def set_user_active(self, name: str, active: bool, by: str) -> None:
        with self.transaction() as cur:
            cur.execute("UPDATE users SET active = ? WHERE name = ?", [active, name])
            _audit(cur, by, "启用账号" if active else "停用账号", name)

    # -- what scoring reads -------------------------------------------------------

    def appraisal_year_counts(self, year: int, *, pairs: bool = True) -> AppraisalCounts:
        """The year's 万人评议 counts kept by import and undo (migration 021): cells,
        pairs (unless ``pairs`` is false: the scores need only the cells) and ballots,
        read in one snapshot; no ballot is read."""
        with self.snapshot() as snap, snap.cursor() as cur:
            merges = _merges(cur, year)
            if merges:
                merged = _MergedCells(self._cells.get(cur), merges)
                return read_appraisal_counts(cur, year, merged, pairs=pairs, merged=merged)
            return read_appraisal_counts(cur, year, self._cells, pairs=pairs)

    def appraisal_cell_codes(self, year: int) -> tuple[dict[str, np.ndarray], tuple]:
        """The year's 万人评议 answer cells as integers alone, for scoring every unit at
        once (scoring/columns.py): per cell (by id) the ranks of its unit, category, item
        and answer among ``values`` (the distinct strings of each, sorted) and its answers
        on ballot and tally sheets together (``n``: the diagonal of the pair counts plus
        the tally counts, as year_cell_counts.sql adds them, here without a GROUP BY over
        the year's pairs); and the ballots per unit and category (``ballot_unit``,
        ``ballot_category``: strings; ``ballots``: both kinds of sheet). Returns
        (columns, values)."""
        with self.snapshot() as snap, snap.cursor() as cur:
            diagonal = cur.execute(
                "SELECT cell_a, n FROM appraisal_pair_counts WHERE year = ? AND cell_a = cell_b",
                [year],
            ).fetchnumpy()
            tally = cur.execute(
                "SELECT cell_id, n FROM appraisal_tally_counts WHERE year = ?", [year]
            ).fetchnumpy()
            merges = _merges(cur, year)
            cells: _CellLabels = self._cells
            if merges:  # units merged this year: their cells are their successor's
                cells = merged = _MergedCells(self._cells.get(cur), merges)
                diagonal = merged.pairs(diagonal | {"cell_b": diagonal["cell_a"]})
                tally = merged.tallies(tally)
            codes, values = cells.get(cur)
            ballots = cur.execute(
                _renamed(
                    "SELECT unit, category, (sum(ballots) + sum(tally_ballots))::BIGINT AS n "
                    "FROM appraisal_ballot_counts WHERE year = $year GROUP BY ALL",
                    merges,
                    "appraisal_ballot_counts",
                )
                if merges
                else "SELECT unit, category, (ballots + tally_ballots)::BIGINT AS n "
                "FROM appraisal_ballot_counts WHERE year = $year",
                _merge_params({"year": year}, merges),
            ).fetchnumpy()
        # The diagonal read alone is a pair list whose every pair is on it.
        on_diagonal = {"cell_a": diagonal["cell_a"], "cell_b": diagonal["cell_a"]}
        found = _cell_counts(on_diagonal | {"n": diagonal["n"]}, tally)
        present = found["id"]
        unit, category, item, answer = codes[present].T
        out = {
            "unit": unit,
            "category": category,
            "item": item,
            "answer": answer,
            "n": found["n"] + found["tally"],
            "ballot_unit": np.asarray(ballots["unit"], dtype=object),
            "ballot_category": np.asarray(ballots["category"], dtype=object),
            "ballots": np.asarray(ballots["n"], dtype=np.int64),
        }
        return out, values

    def performance_stats(
        self, year: int, default_max: float, max_by_indicator: Mapping[str, float]
    ) -> pd.DataFrame:
        return self._year_query(
            _sql("performance_stats"),
            year,
            "performance_scores",
            params={
                "default_max": float(default_max),
                "indicators": list(max_by_indicator) or [""],
                "maxes": [float(v) for v in max_by_indicator.values()] or [None],
            },
        )

    def integrity_counts(self, year: int) -> pd.DataFrame:
        return self._year_query(
            "SELECT unit, result, sum(n)::BIGINT AS n FROM integrity_votes "
            "WHERE year = $year GROUP BY ALL ORDER BY unit, result",
            year,
            "integrity_votes",
        )

    def adjustments(self, year: int) -> pd.DataFrame:
        return self._year_query(
            "SELECT unit, reason, points, source, date, basis, upload_id FROM adjustments "
            "WHERE year = $year ORDER BY unit, date, reason, points, source, upload_id",
            year,
            "adjustments",
        )

    def _year_query(
        self, sql: str, year: int, *tables: str, params: Mapping | None = None
    ) -> pd.DataFrame:
        """A query of ``year``'s facts (named parameters: $year and ``params``) with the
        units merged that year (``merged_units``) read under their successor's name in
        ``tables``; exactly ``sql`` when the year merges none."""
        with self.cursor() as cur:
            merges = _merges(cur, year)
            named = {"year": year, **(params or {})}
            return cur.execute(_renamed(sql, merges, *tables), _merge_params(named, merges)).df()

    def special_stats(self, year: int) -> pd.DataFrame:
        """专项考评 per unit and 项目: count, sum, lowest and highest of the scores as
        percentages of their 满分 (100 where the sheet gives none)."""
        return self._year_query(
            "SELECT unit, item, count(*)::BIGINT AS n, sum(pct ORDER BY pct) AS total, "
            "min(pct) AS lo, max(pct) AS hi FROM (SELECT unit, item, "
            "100.0 * score / coalesce(max_score, 100) AS pct FROM special_scores "
            "WHERE year = $year) GROUP BY ALL ORDER BY unit, item",
            year,
            "special_scores",
        )

    def comments(self, year: int, unit: str) -> pd.DataFrame:
        return self._year_query(
            "SELECT category, text FROM appraisal_comments WHERE year = $year AND unit = $unit "
            "ORDER BY category, ballot",
            year,
            "appraisal_comments",
            params={"unit": unit},
        )

    def straight_lined(self, year: int, min_items: int) -> pd.DataFrame:
        return self._year_query(
            _sql("straight_lined"),
            year,
            "appraisal_straight_counts",
            params={"min_items": min_items},
        )

    def uploads_by_source_unit(self, year: int) -> pd.DataFrame:
        return self._year_query(
            _sql("uploads_by_source_unit"),
            year,
            "appraisal_upload_units",
            "performance_scores",
            "integrity_votes",
            "adjustments",
        )

    def duplicate_ballots(self, year: int) -> pd.DataFrame:
        """问卷编号 held by more than one upload of the year (ballot, uploads, unit)."""
        with self.cursor() as cur:
            found = scalar(
                cur.execute("SELECT count(*) FROM appraisal_ballot_repeats WHERE year = ?", [year])
            )
        if not found:  # the usual case: nothing to look up among the ballots
            return pd.DataFrame(
                {
                    "ballot": pd.Series(dtype=object),
                    "uploads": pd.Series(dtype="int64"),
                    "unit": pd.Series(dtype=object),
                }
            )
        return self._year_query(_sql("duplicate_ballots"), year, "appraisal_answers")

    # -- survey inputs and column mappings (migration 015) -----------------------

    def save_mapping(
        self, name: str, signature: str, source: str | None, mapping: Mapping[str, str], user: str
    ) -> None:
        """Save (or replace) a confirmed column mapping under ``name``."""
        import json

        with self.transaction() as cur:
            cur.execute(
                'INSERT OR REPLACE INTO column_mappings (name, signature, source, mapping, "user")'
                " VALUES (?, ?, ?, ?, ?)",
                [name, signature, source, json.dumps(dict(mapping), ensure_ascii=False), user],
            )
            _audit(cur, user, "保存列对应", f"{name}（{len(mapping)} 列）")

    def mappings(self, signature: str | None = None) -> list[dict]:
        """Saved column mappings, those for a header ``signature`` when given, newest first."""
        import json

        rows = self.query(
            'SELECT name, signature, source, mapping, "user", saved_at FROM column_mappings '
            "WHERE ?::VARCHAR IS NULL OR signature = ? ORDER BY saved_at DESC, name",
            [signature, signature],
        )
        return [
            {**r, "mapping": json.loads(r["mapping"]), "saved_at": str(r["saved_at"])[:19]}
            for r in rows.to_dict("records")
        ]

    def roster(self, year: int) -> pd.DataFrame:
        """发出数/收回数 per upload and category (a contractor's tally footer)."""
        return self.query(
            "SELECT r.upload_id, u.file, r.category, r.issued, r.returned FROM appraisal_roster r "
            "JOIN uploads u ON u.id = r.upload_id WHERE r.year = ? ORDER BY r.upload_id",
            [year],
        )

    def item_scores(self, year: int) -> pd.DataFrame:
        """分项得分汇总 rows: unit, category, item, score, ballots."""
        return self._year_query(
            "SELECT unit, category, item, score, ballots FROM appraisal_item_scores "
            "WHERE year = $year ORDER BY unit, category, item, score, ballots",
            year,
            "appraisal_item_scores",
        )

    def attendance(self, year: int) -> pd.DataFrame:
        """民主测评 应到/实到 per unit and 测评范围 (migration 016)."""
        return self._year_query(
            "SELECT a.unit, a.category, a.expected, a.present, u.file FROM integrity_attendance a "
            "JOIN uploads u ON u.id = a.upload_id WHERE a.year = $year "
            "ORDER BY a.unit, a.category",
            year,
            "integrity_attendance",
        )

    def ballot_meta(self, year: int) -> pd.DataFrame:
        """Survey-tool metadata per ballot (submit time, duration, channel, address)."""
        return self._year_query(
            "SELECT ballot, unit, submitted_at, duration_s, origin, ip FROM appraisal_ballot_meta "
            "WHERE year = $year ORDER BY unit, submitted_at, ballot",
            year,
            "appraisal_ballot_meta",
        )

    def row_counts(self) -> dict[str, int]:
        with self.cursor() as cur:
            return {
                t: scalar(cur.execute(f"SELECT count(*) FROM {t}"))
                for t in (*FACT_TABLES, "uploads", "units")
            }


class _Snapshot(Store):
    """A store's read methods over one open read transaction (``Store.snapshot``)."""

    reads_at_once = False  # one connection: its reads one after the other

    def __init__(self, store: Store, cur: duckdb.DuckDBPyConnection) -> None:
        self.path = store.path
        self._con = store._con
        self._lock = store._lock
        self._cells = store._cells
        self._cur = cur

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self._cur

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        raise StoreError("只读快照中不能写入数据库。")
        yield self._cur  # pragma: no cover

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        yield self

    def close(self) -> None:  # the snapshot's store stays open
        pass


# The registry in force in a year (migration 005): each unit's latest record from that
# year or before, without units withdrawn (撤销) unless the second parameter is true.
_IN_FORCE = (
    "SELECT {} FROM ("
    "  SELECT *, row_number() OVER (PARTITION BY name ORDER BY from_year DESC) AS k"
    "  FROM unit_versions WHERE from_year <= ?"
    ") WHERE k = 1 AND (? OR status <> '撤销')"
)


# A year's facts with the units merged that year (``Store.merged_units``) under their
# successor's name: each table read through this subquery (``_renamed``).
_RENAMED = (
    "(SELECT * REPLACE (coalesce(list_extract($merged_to, list_position($merged_from, unit)), "
    "unit) AS unit) FROM {})"
)


def _merges(cur: duckdb.DuckDBPyConnection, year: int | None) -> dict[str, str]:
    """``Store.merged_units`` on the caller's cursor."""
    if year is None:
        return {}
    # Every reader of a year's facts asks: a database without any 前身 answers at once
    # (0.4 ms against 3.5 ms for the year's registry at 2,000 units).
    if not cur.execute(
        "SELECT 1 FROM unit_versions WHERE len(predecessors) > 0 LIMIT 1"
    ).fetchall():
        return {}
    rows = cur.execute(
        _IN_FORCE.format("name, predecessors") + " AND len(predecessors) > 0",
        [int(year), False],
    ).fetchall()
    return merge_map(rows)


def merge_map(records: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """Former name -> successor from (unit, 前身) of a year's units in use: what
    ``Store.merged_units`` reads, and what a registry's preview says it will read."""
    owners: dict[str, set[str]] = {}
    for name, before in records:
        for p in before:
            if p != name:
                owners.setdefault(p, set()).add(name)
    direct = {p: next(iter(o)) for p, o in owners.items() if len(o) == 1}
    out = {}
    for p, s in direct.items():
        seen = {p}
        while s in direct and s not in seen:  # renamed again within the year
            seen.add(s)
            s = direct[s]
        if s != p:
            out[p] = s
    return out


def _renamed(sql: str, merges: Mapping[str, str], *tables: str) -> str:
    """``sql`` reading ``tables`` with merged units under their successor's name."""
    if not merges:
        return sql
    for t in tables:
        sql = re.sub(rf"\b(FROM|JOIN)\s+{t}\b", rf"\1 {_RENAMED.format(t)}", sql)
    return sql


def _merge_params(params: Mapping, merges: Mapping[str, str]) -> dict:
    if not merges:
        return dict(params)
    return {**params, "merged_from": list(merges), "merged_to": list(merges.values())}


class CellOrder(NamedTuple):
    """appraisal_cells in the order of their unit, category, item and answer (store's copy,
    ``_CellLabels.order``)."""

    rank: np.ndarray  # rank[id]: the cell's place in that order (-1: no such cell)
    ids: np.ndarray  # the cells in that order
    columns: np.ndarray  # columns[k][id]: the cell's rank of unit, category, item, answer
    names: tuple[np.ndarray, ...]  # the distinct values of each, as object arrays


class _CellLabels:
    """appraisal_cells held in memory as small integers: for each cell id the rank of its
    unit, category, item and answer among the distinct values (in the order ORDER BY
    gives them), and those values. Cells are never changed or deleted (an id keeps its
    strings), so the copy is read again only when cells were added; a year's counts then
    come from the store as integers alone."""

    def __init__(self) -> None:
        self._state: tuple = ((-1, -1), None, ())
        self._order: CellOrder | None = None

    def get(self, cur: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, tuple[tuple[str, ...], ...]]:
        """(codes, values): codes[id] = the four ranks of cell ``id`` (-1: no such cell),
        values = the distinct units, categories, items and answers, sorted."""
        (key,) = cur.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM appraisal_cells"
        ).fetchall()
        state = self._state
        if state[0] != key:
            frame = cur.execute(
                "SELECT id, unit, category, item, answer FROM appraisal_cells"
            ).fetchnumpy()
            ids = np.asarray(frame["id"], dtype=np.int64)
            codes = np.full((int(ids.max(initial=0)) + 1, 4), -1, dtype=np.int64)
            values = []
            for k, column in enumerate(("unit", "category", "item", "answer")):
                code, distinct = pd.factorize(np.asarray(frame[column], dtype=object), sort=True)
                codes[ids, k] = code
                values.append(tuple(distinct.tolist()))
            state = (key, codes, tuple(values))
            self._state = state
            self._order = None
        return state[1], state[2]

    def order(self, cur: duckdb.DuckDBPyConnection) -> CellOrder:
        """All cells ordered by their four ranks (unit, category, item, answer), so that a
        year's cells are put in order without sorting them (``_label_cells``)."""
        codes, values = self.get(cur)
        if self._order is None:
            key = _cell_key(codes, values)
            ids = np.flatnonzero(codes[:, 0] >= 0)
            ids = ids[np.argsort(key[ids], kind="stable")]
            rank = np.full(len(codes), -1, dtype=np.int64)
            rank[ids] = np.arange(len(ids))
            self._order = CellOrder(
                rank,
                ids,
                np.ascontiguousarray(codes.T),
                tuple(np.array(v, dtype=object) for v in values),
            )
        return self._order


class _MergedCells(_CellLabels):
    """The store's cells (``_CellLabels.get``) as a year with merged units (前身,
    ``Store.merged_units``) sees them: a merged unit's cell is its successor's cell of
    the same category, item and answer (or, where the successor has none, the merged
    unit's cell under the successor's name). The counts kept per year stay as import
    and undo wrote them; only their reading maps the cells (``pairs``, ``tallies``)."""

    def __init__(
        self, base: tuple[np.ndarray, tuple[tuple[str, ...], ...]], merges: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.merges = dict(merges)
        codes, values = base
        names = [self.merges.get(u, u) for u in values[0]]
        units = tuple(sorted(set(names)))
        rank = {u: k for k, u in enumerate(units)}
        unit_map = np.array([rank[u] for u in names] + [-1], dtype=np.int64)
        moved = np.array([u in self.merges for u in values[0]] + [False], dtype=bool)
        merged = codes.copy()
        merged[:, 0] = unit_map[codes[:, 0]]
        new_values = (units, *values[1:])
        ids = np.flatnonzero(codes[:, 0] >= 0)
        key = _cell_key(merged, new_values)[ids]
        # Cells of one (unit, category, item, answer): the first of those not moved, else
        # the first moved one, stands for all.
        order = np.lexsort((ids, moved[codes[ids, 0]], key))
        ids, key = ids[order], key[order]
        first = np.ones(len(ids), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        self.idmap = np.arange(len(codes), dtype=np.int64)
        self.idmap[ids] = ids[first][np.cumsum(first) - 1]
        merged[ids[~first]] = -1
        self._state = ((-2, -2), merged, new_values)

    def get(self, cur: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, tuple[tuple[str, ...], ...]]:
        return self._state[1], self._state[2]

    def pairs(self, pair: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Pair counts (cell_a <= cell_b, n) on the merged cells, pairs made one added."""
        a = self.idmap[np.asarray(pair["cell_a"], dtype=np.int64)]
        b = self.idmap[np.asarray(pair["cell_b"], dtype=np.int64)]
        a, b = np.minimum(a, b), np.maximum(a, b)
        size = len(self.idmap)
        key, at = np.unique(a * size + b, return_inverse=True)
        n = np.bincount(at, weights=np.asarray(pair["n"], dtype=np.int64), minlength=len(key))
        return {"cell_a": key // size, "cell_b": key % size, "n": n.astype(np.int64)}

    def tallies(self, tally: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Tally counts (cell_id, n) on the merged cells."""
        cell = self.idmap[np.asarray(tally["cell_id"], dtype=np.int64)]
        ids, at = np.unique(cell, return_inverse=True)
        n = np.bincount(at, weights=np.asarray(tally["n"], dtype=np.int64), minlength=len(ids))
        return {"cell_id": ids, "n": n.astype(np.int64)}

    def found(self, found: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """year_cell_counts.sql's rows (id, n, tally) on the merged cells."""
        cell = self.idmap[np.asarray(found["id"], dtype=np.int64)]
        ids, at = np.unique(cell, return_inverse=True)
        out = {"id": ids}
        for column in ("n", "tally"):
            weights = np.asarray(found[column], dtype=np.int64)
            out[column] = np.bincount(at, weights=weights, minlength=len(ids)).astype(np.int64)
        return out


_PAIRS = "SELECT cell_a, cell_b, n FROM appraisal_pair_counts WHERE year = $year"
_TALLIES = "SELECT cell_id, n FROM appraisal_tally_counts WHERE year = $year"


def _arrays(cur: duckdb.DuckDBPyConnection, sql: str, params: dict) -> dict[str, np.ndarray]:
    """A query's columns as numpy arrays, through a relation (``cur.sql``, in the
    cursor's transaction): ``execute().fetchnumpy()`` materialises the rows first and
    took three times as long for a year's 2 million pair counts. A result of an earlier
    ``execute()`` on the cursor is run to its end first (DuckDB refuses a relation while
    one is pending)."""
    cur.complete()
    return cur.sql(sql, params=params).fetchnumpy()


def read_appraisal_counts(
    cur: duckdb.DuckDBPyConnection,
    year: int,
    cells: _CellLabels,
    *,
    pairs: bool = True,
    merged: _MergedCells | None = None,
) -> AppraisalCounts:
    """What ``Store.appraisal_year_counts`` returns, on the caller's cursor (so that a
    reader can take it within its own snapshot). Integers come as numpy arrays; strings
    only once per distinct (unit, category, item) and answer, from ``cells`` (the
    store's copy of the cells' strings). With ``pairs``, the pair counts are scanned
    once: the cells' answer counts are their diagonal. (tests/reference.py numbers the
    cells in SQL instead, tests/sql/year_cells.sql, and checks that both agree.)"""
    params = {"year": year}
    none = np.zeros(0, dtype=np.int64)
    pair = {"cell_a": none, "cell_b": none, "n": none}
    if pairs:
        pair = _arrays(cur, _PAIRS, params)
        tally = _arrays(cur, _TALLIES, params)
        if merged is not None:
            pair, tally = merged.pairs(pair), merged.tallies(tally)
        found = _cell_counts(pair, tally)
    else:
        found = _arrays(cur, _sql("year_cell_counts"), params)
        if merged is not None:
            found = merged.found(found)
    if len(found["id"]) == 0:
        return AppraisalCounts.empty()
    found, labels, answers, codes = _label_cells(found, cells.get(cur)[1], cells.order(cur))
    return _with_ballots(cur, year, found, labels, answers, pair, codes, merged)


def _with_ballots(
    cur: duckdb.DuckDBPyConnection,
    year: int,
    found: dict,
    labels: Sequence[tuple[str, str, str]],
    answers: Sequence[tuple[str]],
    pair: dict,
    codes: LabelCodes | None,
    merged: _MergedCells | None = None,
) -> AppraisalCounts:
    """The year's counts from its cells numbered and ordered (``found``: id, n, tally,
    item_of, answer_of; the labels and answers in that numbering), its pair counts and
    the ballots per unit and category, read here (``merged``: with the units merged
    this year under their successor's name)."""
    if merged is None:
        ballots = cur.execute(
            "SELECT unit, category, ballots, tally_ballots FROM appraisal_ballot_counts "
            "WHERE year = $year ORDER BY unit, category",
            {"year": year},
        ).fetchall()
    else:
        ballots = cur.execute(
            _renamed(
                "SELECT unit, category, sum(ballots), sum(tally_ballots) "
                "FROM appraisal_ballot_counts WHERE year = $year GROUP BY ALL "
                "ORDER BY unit, category",
                merged.merges,
                "appraisal_ballot_counts",
            ),
            _merge_params({"year": year}, merged.merges),
        ).fetchall()
    return AppraisalCounts(
        answers=tuple(a for (a,) in answers),
        labels=tuple(labels),
        answer_of=np.asarray(found["answer_of"], dtype=np.int64),
        item_of=np.asarray(found["item_of"], dtype=np.int64),
        n=np.asarray(found["n"], dtype=np.int64),
        tally=np.asarray(found["tally"], dtype=np.int64),
        ids=np.asarray(found["id"], dtype=np.int64),
        pair_ids=(pair["cell_a"], pair["cell_b"]),
        pair_n=np.asarray(pair["n"], dtype=np.int64),
        ballots={(u, c): (int(b), int(t)) for u, c, b, t in ballots},
        codes=codes,
    )


def _cell_counts(pair: dict, tally: dict) -> dict:
    """year_cell_counts.sql's rows (id, n, tally; in id order) from the year's pair and
    tally counts already read: n is the diagonal's count (summed, as the SQL sums it)."""
    a = np.asarray(pair["cell_a"], dtype=np.int64)
    diagonal = a == np.asarray(pair["cell_b"], dtype=np.int64)
    cell, n = a[diagonal], np.asarray(pair["n"], dtype=np.int64)[diagonal]
    tally_cell = np.asarray(tally["cell_id"], dtype=np.int64)
    size = int(max(cell.max(initial=-1), tally_cell.max(initial=-1))) + 1
    # Counts below 2^53 sum exactly as floats (np.add.at is ten times slower).
    on_ballots = np.bincount(cell, weights=n, minlength=size).astype(np.int64)
    tally_n = np.asarray(tally["n"], dtype=np.int64)
    on_tallies = np.bincount(tally_cell, weights=tally_n, minlength=size).astype(np.int64)
    seen = np.zeros(size, dtype=bool)
    seen[cell] = True
    seen[tally_cell] = True
    ids = np.flatnonzero(seen)
    return {"id": ids, "n": on_ballots[ids], "tally": on_tallies[ids]}


def _cell_key(codes: np.ndarray, values: tuple[tuple[str, ...], ...]) -> np.ndarray:
    """One integer per cell that orders cells by their unit, category, item and answer."""
    unit, category, item, answer = codes.T
    sizes = [len(v) for v in values]
    key: np.ndarray = ((unit * sizes[1] + category) * sizes[2] + item) * sizes[3] + answer
    return key


def _label_cells(
    found: dict,
    values: tuple[tuple[str, ...], ...],
    order: CellOrder,
) -> tuple[dict, list[tuple[str, str, str]], list[tuple[str]], LabelCodes]:
    """year_cell_counts.sql's cells numbered and ordered as tests/sql/year_cells.sql
    numbers and orders them (item_of: dense rank of (unit, category, item); answer_of:
    of answer; by both), with the distinct (unit, category, item) and answers in that
    order (tests/sql/year_items.sql's and year_answers.sql's rows), from the cells'
    ranks; and the labels' ranks (counts.LabelCodes). ``order`` (``_CellLabels.order``)
    puts them in order without a sort: the year's cells marked among all cells in order."""
    ids = np.asarray(found["id"], dtype=np.int64)
    marked = np.zeros(len(order.ids), dtype=bool)
    marked[order.rank[ids]] = True
    at = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
    at[ids] = np.arange(len(ids))
    in_order = order.ids[marked]
    place = at[in_order]
    unit, category, item, answer = (column[in_order] for column in order.columns)
    sizes = [len(v) for v in values]
    triple = (unit * sizes[1] + category) * sizes[2] + item
    new = np.ones(len(triple), dtype=bool)
    new[1:] = triple[1:] != triple[:-1]
    item_of = np.cumsum(new) - 1
    present = np.zeros(sizes[3], dtype=bool)
    present[answer] = True
    used = np.flatnonzero(present)
    answer_of = (np.cumsum(present) - 1)[answer]
    units, categories, items, answers = values
    label_unit, label_category, label_item = unit[new], category[new], item[new]
    names = order.names
    labels = list(
        zip(
            names[0][label_unit].tolist(),
            names[1][label_category].tolist(),
            names[2][label_item].tolist(),
            strict=True,
        )
    )
    out = {
        "id": ids[place],
        "n": np.asarray(found["n"], dtype=np.int64)[place],
        "tally": np.asarray(found["tally"], dtype=np.int64)[place],
        "item_of": item_of,
        "answer_of": answer_of,
    }
    label_codes = LabelCodes(label_unit, label_category, label_item, units, categories, items)
    return out, labels, [(answers[a],) for a in used.tolist()], label_codes


_Answers = tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]


class _Counting(Background[UploadCounts | None]):
    """An upload's answer rows (as ``_count_upload`` takes them) and their counts
    (``counts.upload_counts``), taken on a thread while the rows are written and checked."""

    def __init__(self, rows: _Answers) -> None:
        super().__init__(lambda: upload_counts(*rows))
        self.rows = rows


def _insert_answers(
    cur: duckdb.DuckDBPyConnection,
    upload_id: int,
    year: int,
    frame: pd.DataFrame | pa.Table,
    count: bool = True,
) -> tuple[_Counting, pa.Table]:
    """Store answer rows once, as integers (migration 051): each row its cell id (new
    cells are registered first), ballot number and count in ``appraisal_answer_rows``;
    each ballot's 问卷编号 once in ``appraisal_ballots``. A ballot's number is the upload
    id in the high 32 bits and, below, its place: ``ballot_row`` + 1 (its row in the
    sheet) when the rows carry it, else the rank of its 问卷编号 in the upload.

    The rows are mapped to their cells by the distinct values of the four columns (a few
    thousand, whatever the number of rows), not by joining every row on four strings.
    Returns the rows as ``_count_upload`` takes them (cell id, ballot number or -1, n,
    and the cells; their counting already under way), and the ballots' fingerprints
    (``_print_texts``, ``_ballot_prints``: made on a thread while the rows are written)."""
    table = _answer_table(frame)
    keys = ("unit", "category", "item", "answer")
    codes, values = [], []
    keep = np.ones(len(table), dtype=bool)
    for key in keys:
        code, value = _codes(table[key])
        keep &= code >= 0  # a row without one of the four is not an answer
        codes.append(code)
        values.append(value)
    sizes = [max(len(v), 1) for v in values]
    flat = np.zeros(len(table), dtype=np.int64)
    for code, size in zip(codes, sizes, strict=True):
        flat = flat * size + np.maximum(code, 0)
    if not keep.all():
        table, flat = table.filter(pa.array(keep)), flat[keep]
    distinct, where = _distinct(flat, int(np.prod(sizes)))
    parts, rest = [], distinct
    for size in reversed(sizes):
        rest, part = np.divmod(rest, size)
        parts.append(part)
    found = pa.table(
        {
            **{k: v.take(pa.array(c)) for k, v, c in zip(keys, values, parts[::-1], strict=True)},
            "k": np.arange(len(distinct)),
        }
    )
    cur.register("incoming_cells", found)
    try:
        cur.execute(  # new cells only: DuckDB's ON CONFLICT costs ~1 ms per existing cell
            "INSERT INTO appraisal_cells (unit, category, item, answer) "
            "SELECT unit, category, item, answer FROM incoming_cells i "
            "ANTI JOIN appraisal_cells c ON c.unit = i.unit AND c.category = i.category "
            "AND c.item = i.item AND c.answer = i.answer"
        )
        cells = cur.execute(
            "SELECT c.id, c.unit, c.category, c.item, c.answer FROM incoming_cells i "
            "JOIN appraisal_cells c ON c.unit = i.unit AND c.category = i.category "
            "AND c.item = i.item AND c.answer = i.answer ORDER BY i.k"
        ).df()
    finally:
        cur.unregister("incoming_cells")
    cell = cells["id"].to_numpy(dtype=np.int64)[where]
    ballot = table["ballot"]
    block = _block(table)
    if block is not None:  # a sheet's answers: every item over the same ballots
        has_ballot = np.ones(len(table), dtype=bool)
        places = table["ballot_row"].chunk(0).to_numpy().astype(np.int64) + 1
        place = np.tile(places, len(table) // block)
        names = ballot.chunk(0)
    else:
        has_ballot = np.asarray(ballot.is_valid())
        place = _places(table, has_ballot)
        with_ballot = np.flatnonzero(has_ballot)
        places, first = _firsts(place[with_ballot])
        names = ballot.take(pa.array(with_ballot[first]))
    ballot_no = np.where(has_ballot, (np.int64(upload_id) << 32) | place, -1)
    n = table["n"].to_numpy().astype(np.int64)
    counting = _Counting((cell, ballot_no, n, cells.sort_values("id").reset_index(drop=True)))
    if count:
        counting.start()
    if block is not None:
        ids, at = np.sort(cell.reshape(-1, block).T, axis=1), None
    else:
        ids, at = cell[with_ballot], place[with_ballot]
    printer = cur.cursor()  # md5 on a connection of its own, while this one inserts
    printing = Background(lambda: _ballot_prints(printer, _print_texts(ids, at, names))).start()
    rows = pa.table(
        {
            "ballot_no": pa.array(ballot_no, mask=None if block is not None else ~has_ballot),
            "cell_id": cell.astype(np.int32),
            "n": n.astype(np.int32),
        }
    )
    ballots = pa.table({"ballot_no": (np.int64(upload_id) << 32) | places, "ballot": names})
    for name, incoming in (("appraisal_answer_rows", rows), ("appraisal_ballots", ballots)):
        cur.register("incoming_rows", incoming)
        try:
            cur.execute(
                f"INSERT INTO {name} BY NAME SELECT *, ?::INTEGER AS upload_id, "
                "?::INTEGER AS year FROM incoming_rows",
                [upload_id, year],
            )
        finally:
            cur.unregister("incoming_rows")
    return counting, printing.result()


def _block(table: pa.Table) -> int | None:
    """The length of a block when the rows are blocks over the same ballots in the same
    order (a sheet's answers: one block per item, each with the very same 问卷编号 and
    ballot_row arrays, rows ascending, every row with its 问卷编号), else None."""
    if "ballot_row" not in table.column_names or table.num_rows == 0:
        return None
    rows, ballots = table["ballot_row"], table["ballot"]
    if len({_identity(c) for c in rows.chunks}) != 1:
        return None
    if len({_identity(c) for c in ballots.chunks}) != 1:
        return None
    first = rows.chunk(0)
    if len(ballots.chunk(0)) != len(first) or first.null_count or ballots.chunk(0).null_count:
        return None
    if [len(c) for c in rows.chunks] != [len(c) for c in ballots.chunks]:
        return None
    values = first.to_numpy()
    return len(first) if bool((values[1:] > values[:-1]).all()) else None


def _print_texts(
    cell: np.ndarray, place: np.ndarray | None, names: pa.Array | pa.ChunkedArray
) -> pa.Table:
    """What each ballot's fingerprint is the md5 of (scoring.content_store): its 问卷编号,
    "|" and its answers' cell ids in ascending order, joined by "," — the text that
    content_store's SQL builds from the stored rows, made here from the rows at hand
    instead of a GROUP BY with lists of strings. Either ``cell`` is a matrix of each
    ballot's cell ids (a row per ballot, sorted) and ``place`` None, or ``cell`` and
    ``place`` are the ballot rows'; ``names`` the 问卷编号 of each ballot (of each
    distinct place in ascending order). Returns the 问卷编号 (key) and the text."""
    if len(names) == 0:
        return pa.table({"key": pa.array([], pa.string()), "text": pa.array([], pa.string())})
    if place is None:
        ids = cell.reshape(-1)
        offsets = np.arange(0, len(ids) + 1, cell.shape[1], dtype=np.int64)
    else:
        span = int(cell.max()) + 1
        key = np.sort(place * span + cell)  # by place, then cell id (duplicates kept)
        at, ids = np.divmod(key, span)
        new = np.empty(len(at), dtype=bool)
        new[0] = True
        np.not_equal(at[1:], at[:-1], out=new[1:])
        offsets = np.append(np.flatnonzero(new), len(at))
    listed = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), _id_texts(ids))
    names = names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names
    text = pc.binary_join_element_wise(names, pc.binary_join(listed, ","), "|")
    return pa.table({"key": names, "text": text})


def _id_texts(ids: np.ndarray) -> pa.Array:
    """Non-negative ids as decimal text: each id up to the largest written once and
    taken from there (the cells are a few thousand; the rows 100,000s)."""
    top = int(ids.max()) + 1 if len(ids) else 0
    if top > max(len(ids), 1 << 16):
        return pc.cast(pa.array(ids), pa.string())
    return pc.cast(pa.array(np.arange(top)), pa.string()).take(pa.array(ids))


def _ballot_prints(printer: duckdb.DuckDBPyConnection, texts: pa.Table) -> pa.Table:
    """Each ballot's 问卷编号 (key) and fingerprint (fp): DuckDB's md5 of its text, on
    ``printer`` (a connection of the store's, closed here), as content_store's SQL
    takes it."""
    try:
        printer.register("ballot_texts", texts)
        return printer.sql("SELECT key, md5(text) AS fp FROM ballot_texts").to_arrow_table()
    finally:
        printer.close()


def _distinct(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (ascending) and each key's position among them, as np.unique
    with ``return_inverse``; without sorting when the keys are few (below ``space``)."""
    if space > 1 << 24:
        distinct, where = np.unique(keys, return_inverse=True)
        return distinct, where.reshape(-1)
    seen = np.zeros(space, dtype=bool)
    seen[keys] = True
    distinct = np.flatnonzero(seen)
    position = np.zeros(space, dtype=np.int64)
    position[distinct] = np.arange(len(distinct))
    return distinct, position[keys]


def _firsts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct value (non-negative) once and where it first occurs: by a table
    over the values when they are small (ballots' places in a sheet), else by hashing."""
    top = int(values.max()) + 1 if len(values) else 0
    if top <= 1 << 22:
        at = np.full(top, -1, dtype=np.int64)
        at[values[::-1]] = np.arange(len(values) - 1, -1, -1)
        distinct = np.flatnonzero(at >= 0)
        return distinct, at[distinct]
    codes, distinct = pd.factorize(values)
    first = np.empty(len(distinct), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(values) - 1, -1, -1)
    order = np.argsort(distinct)  # ascending, as the table gives them
    return np.asarray(distinct, dtype=np.int64)[order], first[order]


def _answer_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """Answer rows as an Arrow table with ballot (text, may be null), unit, category,
    item, answer, n and ballot_row when the frame has it."""
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    if "ballot" not in table.column_names:
        table = table.append_column("ballot", pa.nulls(len(table), pa.string()))
    elif not pa.types.is_string(table["ballot"].type):
        table = table.set_column(
            table.column_names.index("ballot"), "ballot", table["ballot"].cast(pa.string())
        )
    return table


def _places(table: pa.Table, has_ballot: np.ndarray) -> np.ndarray:
    """Each row's ballot place in the upload: ``ballot_row`` + 1, else the dense rank
    of its 问卷编号 (1 for the first in sort order; rows without one get 0)."""
    if "ballot_row" in table.column_names:
        return pc.fill_null(table["ballot_row"], -1).to_numpy().astype(np.int64) + 1
    code, value = _codes(table["ballot"])
    if len(value) == 0:
        return np.zeros(len(table), dtype=np.int64)
    rank = pc.rank(value, sort_keys="ascending", tiebreaker="dense").to_numpy().astype(np.int64)
    return np.where(has_ballot, rank[np.maximum(code, 0)], 0)


def _identity(chunk: pa.Array) -> tuple:
    """Where an array's data lies (the same for the same array taken twice)."""
    return (
        chunk.offset,
        len(chunk),
        tuple(b.address if b is not None else 0 for b in chunk.buffers()),
    )


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Each row's position among the column's distinct values (-1 for none), and them."""
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if column.num_chunks > 1 and not pa.types.is_dictionary(column.type):
        same = {_identity(c) for c in column.chunks}
        if len(same) == 1:  # one array repeated (a sheet's units, once per item): once
            code, value = _codes(column.chunk(0))
            return np.tile(code, column.num_chunks), value
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    column = column.unify_dictionaries()
    if column.num_chunks == 0:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    value = column.chunk(0).dictionary.cast(pa.string())
    code = np.concatenate(
        [pc.fill_null(c.indices, -1).to_numpy().astype(np.int64) for c in column.chunks]
    )
    return code, value


def _count_upload(
    cur: duckdb.DuckDBPyConnection,
    upload_id: int,
    year: int,
    sign: int,
    rows: _Answers | _Counting | None = None,
) -> None:
    """Add (sign +1: import, restore) or subtract (-1: undo) one upload's 万人评议 counts
    to its year's (migrations 021, 022), in the caller's transaction. ``rows`` are the
    upload's answer rows as ``_insert_answers`` returns them (cell id, ballot number or
    -1, n, and the cells); else they are read back from the store. Rows whose count
    falls to zero go. The counting runs in numpy (counts.upload_counts); SQL counts
    the rare upload whose ballots it cannot."""
    if rows is None:
        stored = cur.execute(
            "SELECT cell_id, coalesce(ballot_no, -1) AS ballot_no, n FROM appraisal_answer_rows "
            "WHERE upload_id = ?",
            [upload_id],
        ).fetchnumpy()
        cells = cur.execute(
            "SELECT id, unit, category, item, answer FROM appraisal_cells WHERE id IN "
            "(SELECT DISTINCT cell_id FROM appraisal_answer_rows WHERE upload_id = ?) ORDER BY id",
            [upload_id],
        ).df()
        rows = (stored["cell_id"], stored["ballot_no"], stored["n"], cells)
    if isinstance(rows, _Counting):
        if len(rows.rows[0]) == 0:
            return
        counted = rows.result()
    else:
        cell, ballot, n, cells = rows
        if len(cell) == 0:
            return
        counted = upload_counts(
            np.asarray(cell, dtype=np.int64),
            np.asarray(ballot, dtype=np.int64),
            np.asarray(n, dtype=np.int64),
            cells,
        )
    params = {"upload_id": upload_id, "year": year, "sign": sign}
    merges = (  # table, SQL fallback, part of UploadCounts, keys, values
        ("appraisal_pair_counts", "upload_pair_counts", "pairs", ("cell_a", "cell_b"), ("n",)),
        ("appraisal_tally_counts", "upload_tally_counts", "tally", ("cell_id",), ("n",)),
        (
            "appraisal_ballot_counts",
            "upload_ballot_counts",
            "ballots",
            ("unit", "category"),
            ("ballots", "tally_ballots"),
        ),
        (
            "appraisal_straight_counts",
            "upload_straight_counts",
            "straight",
            ("unit", "items"),
            ("ballots",),
        ),
    )
    for table, sql, part, keys, values in merges:
        on = " AND ".join(f"t.{k} = d.{k}" for k in keys)
        columns = ", ".join((*keys, *values))
        inserted = ", ".join([f"d.{k}" for k in keys] + [f"$sign * d.{v}" for v in values])
        updated = ", ".join(f"{v} = t.{v} + $sign * d.{v}" for v in values)
        if counted is not None:
            cur.register("upload_delta", getattr(counted, part))
        try:
            cur.execute(
                f"MERGE INTO {table} t "
                f"USING {'upload_delta' if counted is not None else f'({_sql(sql)})'} d "
                f"ON t.year = $year AND {on} "
                f"WHEN MATCHED THEN UPDATE SET {updated} "
                f"WHEN NOT MATCHED THEN INSERT (year, {columns}) VALUES ($year, {inserted})",
                params if counted is None else {"year": year, "sign": sign},
            )
        finally:
            if counted is not None:
                cur.unregister("upload_delta")
        zero = " AND ".join(f"{v} = 0" for v in values)
        cur.execute(f"DELETE FROM {table} WHERE year = $year AND {zero}", {"year": year})
    # What the 数据质量 page needs (migration 022), kept per upload.
    for table in ("appraisal_upload_units", "appraisal_ballot_repeats"):
        cur.execute(f"DELETE FROM {table} WHERE upload_id = ?", [upload_id])
    if sign > 0:
        if counted is None:
            cur.execute(_sql("upload_units"), {"upload_id": upload_id, "year": year})
        else:
            cur.register("upload_delta", counted.rows)
            try:
                cur.execute(
                    "INSERT INTO appraisal_upload_units SELECT ?, ?, unit, rows FROM upload_delta",
                    [upload_id, year],
                )
            finally:
                cur.unregister("upload_delta")
        others = cur.execute(  # a year's first upload has nothing to repeat
            "SELECT 1 FROM appraisal_ballots WHERE year = ? AND upload_id <> ? LIMIT 1",
            [year, upload_id],
        ).fetchone()
        if others is not None:
            cur.execute(_sql("upload_ballot_repeats"), {"upload_id": upload_id, "year": year})


def _has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        scalar(
            cur.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            )
        )
    )


def _bin_table(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """The 回收站 copy of a fact table (bin_<table>), with every column the table has now.
    ``table`` is one of ROW_TABLES or fact_prints, never user text."""
    if not _has_table(cur, f"bin_{table}"):
        cur.execute(f"CREATE TABLE bin_{table} AS SELECT * FROM {table} WITH NO DATA")
        return
    have = {r[0] for r in cur.execute(f"DESCRIBE bin_{table}").fetchall()}
    for name, kind, *_ in cur.execute(f"DESCRIBE {table}").fetchall():
        if name not in have:
            cur.execute(f'ALTER TABLE bin_{table} ADD COLUMN "{name}" {kind}')


def _audit(cur: duckdb.DuckDBPyConnection, user: str, action: str, detail: str) -> None:
    """One audit row, written in the caller's transaction so it stands or falls with it."""
    cur.execute(
        'INSERT INTO audit_log ("user", action, detail) VALUES (?, ?, ?)', [user, action, detail]
    )


def _upload(row: pd.Series) -> Upload:
    return Upload(
        id=int(row["id"]),
        year=int(row["year"]),
        file=str(row["file"]),
        source=str(row["source"]),
        rows=int(row["rows"]),
        sha256=str(row["sha256"]),
        at=str(row["at"])[:19],
        user=str(row["user"]),
    )
