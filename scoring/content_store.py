"""Facts by content, not by bytes (内容查重): one fingerprint per fact, whatever file it came in.

A re-saved copy of a sheet (another program, CSV turned into xlsx) has other bytes but
the same facts. Every fact stored gets an md5 of its content (table ``fact_prints``,
migration 006), computed from the stored rows themselves, so a fact has the same
fingerprint whichever file, layout or program brought it:

- a 万人评议 ballot: 问卷编号 and every answer, each answer by its cell id (the id of
  its unit, category, item and answer in ``appraisal_cells``, which are never deleted or
  renumbered, so an id stands for the same four strings for the life of the database;
  migration 050 re-fingerprinted ballots stored before with the strings themselves);
  one print per ballot, its 问卷编号 the key by which an overlapping ballot is left out;
- a 万人评议 tally row: unit, category, item and its counts;
- a 绩效考核 score: unit, indicator, score, 满分, 考核人 and 月份;
- 勤廉测评 votes: unit, category and the count of each result;
- a 加减分 entry: 对象, 事由, 日期 and 分值;
- a row of any other fact table: all its values.

Scores and entries that repeat within an upload are numbered (a second identical entry
is a second fact). Rows that carry a 问卷编号 (comments, survey metadata) follow their
ballot. The functions run on the store's cursor inside its write transaction
(``Store.add_upload``), so every check is made again at the moment of storing; table
names come from the fixed ``FACT_TABLES``, never from user text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from scoring.sqlrows import scalar

__all__ = ["ContentReport", "check_upload", "drop_overlap", "keep_prints"]

# One row per ballot (not per answer): the answers' cell ids in order, computed from the
# stored integers (migration 051: appraisal_answer_rows, the 问卷编号 once per ballot in
# appraisal_ballots); an overlapping ballot is left out by its 问卷编号 (the key). The
# same print as md5(ballot || '|' || string_agg(cell_id::VARCHAR, ',' ORDER BY cell_id))
# over a ballot's answers (migration 050): within an upload a 问卷编号 has one ballot
# number (a sheet repeating one is refused; other frames are numbered by 问卷编号).
_BALLOT = """
    SELECT 'appraisal_answers', NULL, 'ballot', md5(b.ballot || '|' || p.cells), b.ballot
    FROM (SELECT ballot_no, array_to_string(list_sort(list(cell_id)), ',') AS cells
          FROM appraisal_answer_rows WHERE upload_id = $id AND ballot_no IS NOT NULL
          GROUP BY ballot_no) p
    JOIN appraisal_ballots b ON b.upload_id = $id AND b.ballot_no = p.ballot_no"""

_TALLY = """
    SELECT 'appraisal_answers', a.rowid, 'tally', t.fp, NULL
    FROM appraisal_answer_rows a JOIN appraisal_cells c ON c.id = a.cell_id JOIN (
        SELECT unit, category, item, md5(concat_ws('|', unit, category, item,
            string_agg(answer || '=' || n, ';' ORDER BY answer))) AS fp
        FROM (SELECT c.unit, c.category, c.item, c.answer, sum(a.n) AS n
              FROM appraisal_answer_rows a JOIN appraisal_cells c ON c.id = a.cell_id
              WHERE a.upload_id = $id AND a.ballot_no IS NULL GROUP BY ALL HAVING sum(a.n) > 0)
        GROUP BY unit, category, item
    ) t ON c.unit = t.unit AND c.category = t.category AND c.item = t.item
    WHERE a.upload_id = $id AND a.ballot_no IS NULL"""

_INTEGRITY = """
    SELECT 'integrity_votes', v.rowid, 'integrity', g.fp, NULL
    FROM integrity_votes v JOIN (
        SELECT unit, category, md5(concat_ws('|', unit, coalesce(category, ''),
            string_agg(result || '=' || n, ';' ORDER BY result))) AS fp
        FROM (SELECT unit, category, result, sum(n) AS n FROM integrity_votes
              WHERE upload_id = $id GROUP BY ALL)
        GROUP BY unit, category
    ) g ON v.unit = g.unit AND v.category IS NOT DISTINCT FROM g.category
    WHERE v.upload_id = $id"""

# One fingerprint per row, numbered when rows repeat: (table, kind, content expression).
_ROWS = {
    "performance_scores": (
        "performance",
        "md5(concat_ws('|', unit, indicator, score::VARCHAR, coalesce(max_score::VARCHAR, ''), "
        "coalesce(scorer, ''), coalesce(month, '')))",
    ),
    "adjustments": (
        "adjustment",
        "md5(concat_ws('|', unit, reason, points::VARCHAR, coalesce(date::VARCHAR, '')))",
    ),
}
_GENERIC = "md5(CAST((SELECT s FROM (SELECT t.* EXCLUDE (upload_id, year)) s) AS VARCHAR))"
_NUMBERED = """
    SELECT '{table}', rid, '{kind}', c || '#' || row_number() OVER (PARTITION BY c ORDER BY rid),
           NULL
    FROM (SELECT rowid AS rid, {content} AS c FROM {table} t WHERE upload_id = $id)"""


@dataclass(frozen=True)
class ContentReport:
    """How an upload's facts meet the facts the year already holds."""

    total: int = 0  # facts in the upload
    overlap: int = 0  # of them already stored
    earlier: tuple[tuple[int, int], ...] = ()  # (upload id, facts it shares), most first
    clash: tuple[str, ...] = field(default=())  # 问卷编号 stored with other answers

    @property
    def all_stored(self) -> bool:
        return self.total > 0 and self.overlap == self.total


def _columns(cur: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in cur.execute(f"DESCRIBE {table}").fetchall()}


def upload_prints(
    cur: duckdb.DuckDBPyConnection,
    upload_id: int,
    tables: tuple[str, ...],
    ballots: pa.Table | None = None,
) -> None:
    """Fingerprint every stored row of one upload into the temp table ``new_prints``
    (tbl, rid, kind, fp, key). ``ballots``, when given, holds each ballot's 问卷编号
    (key) and its print (fp: the md5 of the same text as _BALLOT's), made by the store
    from the rows it has just inserted, without reading them back."""
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE new_prints "
        "(tbl VARCHAR, rid BIGINT, kind VARCHAR, fp VARCHAR, key VARCHAR)"
    )
    params = {"id": upload_id}
    for table in tables:
        if table == "appraisal_answers":
            if ballots is None:
                cur.execute(f"INSERT INTO new_prints {_BALLOT}", params)
            else:
                cur.register("incoming_prints", ballots)
                try:
                    cur.execute(
                        "INSERT INTO new_prints SELECT 'appraisal_answers', NULL, 'ballot', "
                        "fp, key FROM incoming_prints"
                    )
                finally:
                    cur.unregister("incoming_prints")
            cur.execute(f"INSERT INTO new_prints {_TALLY}", params)
        elif table == "integrity_votes":
            cur.execute(f"INSERT INTO new_prints {_INTEGRITY}", params)
        elif "ballot" in _columns(cur, table):
            continue  # follows its ballot
        else:
            kind, content = _ROWS.get(table, (table, _GENERIC))
            sql = _NUMBERED.format(table=table, kind=kind, content=content)
            cur.execute(f"INSERT INTO new_prints {sql}", params)


def check_upload(
    cur: duckdb.DuckDBPyConnection,
    upload_id: int,
    year: int,
    tables: tuple[str, ...],
    ballots: pa.Table | None = None,
) -> ContentReport:
    """Fingerprint the upload's rows (just inserted, same transaction) and compare them
    with every other upload of the year: shared facts, the uploads they came in, and
    问卷编号 stored before with other answers. ``ballots``: as for ``upload_prints``."""
    upload_prints(cur, upload_id, tables, ballots)
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE overlap_prints AS "
        "SELECT DISTINCT n.kind, n.fp, n.key FROM new_prints n "
        "SEMI JOIN fact_prints f ON f.year = ? AND f.kind = n.kind AND f.fp = n.fp",
        [year],
    )
    total = scalar(cur.execute("SELECT count(*) FROM (SELECT DISTINCT kind, fp FROM new_prints)"))
    overlap = scalar(cur.execute("SELECT count(*) FROM overlap_prints"))
    earlier = cur.execute(
        "SELECT f.upload_id, count(*) AS n FROM fact_prints f "
        "SEMI JOIN overlap_prints o ON f.kind = o.kind AND f.fp = o.fp "
        "WHERE f.year = ? GROUP BY f.upload_id ORDER BY n DESC, f.upload_id",
        [year],
    ).fetchall()
    clash = []
    others = "appraisal_answers" in tables and (
        cur.execute(  # a year's first ballots have nothing to clash with
            "SELECT 1 FROM appraisal_ballots WHERE year = ? AND upload_id <> ? LIMIT 1",
            [year, upload_id],
        ).fetchone()
        is not None
    )
    if others:
        clash = [
            r[0]
            for r in cur.execute(
                "SELECT DISTINCT a.ballot FROM appraisal_ballots a "
                "WHERE a.year = ? AND a.upload_id <> ? AND a.ballot IN ("
                "  SELECT DISTINCT key FROM new_prints WHERE kind = 'ballot'"
                "  EXCEPT SELECT key FROM overlap_prints WHERE kind = 'ballot') "
                "ORDER BY a.ballot",
                [year, upload_id],
            ).fetchall()
        ]
    return ContentReport(
        int(total), int(overlap), tuple((int(u), int(n)) for u, n in earlier), tuple(clash)
    )


def drop_overlap(cur: duckdb.DuckDBPyConnection, upload_id: int, tables: tuple[str, ...]) -> int:
    """Leave out of the upload the rows whose facts are already stored (an accepted
    partial overlap); returns how many facts were left out."""
    left_out = scalar(cur.execute("SELECT count(*) FROM overlap_prints"))
    overlapping = "(SELECT key FROM overlap_prints WHERE kind = 'ballot')"
    for table in tables:
        if table == "appraisal_answers":  # stored as appraisal_answer_rows + appraisal_ballots
            cur.execute(
                "DELETE FROM appraisal_answer_rows WHERE upload_id = $id AND ballot_no IN "
                "(SELECT ballot_no FROM appraisal_ballots WHERE upload_id = $id AND ballot IN "
                f"{overlapping})",
                {"id": upload_id},
            )
            cur.execute(
                f"DELETE FROM appraisal_ballots WHERE upload_id = ? AND ballot IN {overlapping}",
                [upload_id],
            )
            table = "appraisal_answer_rows"  # tally rows, fingerprinted row by row
        elif "ballot" in _columns(cur, table):  # what follows a ballot, by 问卷编号
            cur.execute(
                f"DELETE FROM {table} WHERE upload_id = ? AND ballot IN {overlapping}",
                [upload_id],
            )
            continue
        cur.execute(
            f"DELETE FROM {table} WHERE upload_id = ? AND rowid IN ("
            "SELECT n.rid FROM new_prints n SEMI JOIN overlap_prints o "
            "ON n.kind = o.kind AND n.fp = o.fp WHERE n.tbl = ?)",
            [upload_id, "appraisal_answers" if table == "appraisal_answer_rows" else table],
        )
    return int(left_out)


def keep_prints(cur: duckdb.DuckDBPyConnection, upload_id: int, year: int) -> None:
    """Store the fingerprints of the upload's new facts (after ``drop_overlap``)."""
    cur.execute(
        "INSERT INTO fact_prints (upload_id, year, kind, fp) "
        "SELECT DISTINCT ?::INTEGER, ?::INTEGER, n.kind, n.fp FROM new_prints n "
        "ANTI JOIN overlap_prints o ON n.kind = o.kind AND n.fp = o.fp",
        [upload_id, year],
    )
