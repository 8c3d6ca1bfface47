"""The store: migrations on a fresh file, atomic uploads, idempotence, undo."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.store import Store, StoreError, resolve_db_path
from tests.conftest import add_facts


def test_migrations_on_a_fresh_file(tmp_path):
    path = tmp_path / "fresh.duckdb"
    with Store(path) as s:
        top = s.schema_version()
        assert top >= 4
        assert s.row_counts() == {t: 0 for t in s.row_counts()}
    with Store(path) as s:  # reopening applies nothing twice
        assert s.migrate() == top
        versions = s.query("SELECT version FROM schema_version")["version"].tolist()
    assert len(versions) == len(set(versions))
    assert {1, 2, 3, 4, 15, 16} <= set(versions)  # 004: database kind (registry); 015 intake
    assert 25 in versions  # 025: the case register (督查与投诉)
    assert {30, 31, 32} <= set(versions)  # 整改 ledger, check lists and stages, 意见 reviews
    assert {35, 36} <= set(versions)  # 035: 专项考评 scores; 036: why a scheme was set
    assert 10 in versions  # 010: sign-in throttling
    assert {21, 22} <= set(versions)  # 万人评议 counts per year; 数据质量 counts


def test_a_migration_numbered_below_the_highest_applied_is_still_applied(tmp_path, monkeypatch):
    """Migrations are written in parallel with reserved number ranges: a database that
    already has 003 must still get 002 when 002 arrives later."""
    import scoring.store as store_module

    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (x INTEGER);", encoding="utf-8")
    (folder / "003_c.sql").write_text("CREATE TABLE c (x INTEGER);", encoding="utf-8")
    monkeypatch.setattr(store_module, "MIGRATIONS", folder)
    path = tmp_path / "gaps.duckdb"
    with Store(path) as s:
        assert s.migrate() == 3
    (folder / "002_b.sql").write_text("CREATE TABLE b (x INTEGER);", encoding="utf-8")
    with Store(path) as s:
        versions = s.query("SELECT version FROM schema_version ORDER BY version")["version"]
        tables = set(s.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert versions.tolist() == [1, 2, 3]
    assert {"a", "b", "c"} <= tables


def test_second_process_gets_a_clear_message(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "locked.duckdb"
    with Store(path):
        proc = subprocess.run(
            [sys.executable, "-m", "scoring", "--db", str(path), "rank", "--year", "2025"],
            capture_output=True,
            text=True,
        )
    assert proc.returncode == 1
    assert "占用" in proc.stderr and "Traceback" not in proc.stderr


def test_same_file_twice_is_a_no_op_and_undo_removes_exactly_one_upload(store):
    frame = pd.DataFrame([{"unit": "甲局", "indicator": "工作效率", "score": 80.0}])
    first, created = store.add_upload(
        year=2025,
        file="a.xlsx",
        source="performance",
        sha256="abc",
        user="u",
        rows=1,
        facts={"performance_scores": frame},
    )
    again, created_again = store.add_upload(
        year=2025,
        file="a-copy.xlsx",
        source="performance",
        sha256="abc",
        user="u",
        rows=1,
        facts={"performance_scores": frame},
    )
    assert created and not created_again and again.id == first.id
    other = add_facts(
        store,
        2025,
        "performance_scores",
        [{"unit": "乙局", "indicator": "工作效率", "score": 70.0}],
    )
    assert store.row_counts()["performance_scores"] == 2
    store.undo(first.id)
    left = store.query("SELECT unit, upload_id FROM performance_scores")
    assert left.values.tolist() == [["乙局", other]]
    assert [u.id for u in store.uploads(2025)] == [other]
    with pytest.raises(StoreError, match="没有编号为"):
        store.undo(first.id)


def test_a_failing_upload_stores_nothing(store):
    bad = pd.DataFrame([{"unit": "甲局", "indicator": "工作效率", "score": "not a number"}])
    with pytest.raises(Exception):  # noqa: B017 - any DuckDB conversion error will do
        store.add_upload(
            year=2025,
            file="bad.xlsx",
            source="performance",
            sha256="x",
            user="u",
            rows=1,
            facts={"performance_scores": bad},
        )
    assert store.uploads() == []
    assert store.row_counts()["performance_scores"] == 0


def test_data_version_changes_with_uploads_and_undo(store):
    v0 = store.data_version()
    uid = add_facts(
        store,
        2025,
        "adjustments",
        [{"unit": "甲局", "reason": "x", "points": -1.0, "source": "暗访"}],
    )
    v1 = store.data_version()
    store.undo(uid)
    v2 = store.data_version()
    add_facts(
        store,
        2025,
        "adjustments",
        [{"unit": "甲局", "reason": "y", "points": -2.0, "source": "暗访"}],
    )
    v3 = store.data_version()
    assert v2 == v0  # undo restores the very same data, so the same results may be reused
    assert len({v0, v1, v3}) == 3


def test_db_path_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("SCORING_DB", raising=False)
    assert resolve_db_path().name == "scoring.duckdb"
    monkeypatch.setenv("SCORING_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path() == tmp_path / "env.duckdb"
    assert resolve_db_path("cli.duckdb").name == "cli.duckdb"


TALLY = [  # a 汇总表 upload for one unit: counts without ballots
    {"ballot": None, "unit": "市教育局", "category": "群众", "item": i, "answer": a, "n": n}
    for i in ("工作作风", "总体评价")
    for a, n in (("满意", 30), ("基本满意", 12), ("不满意", 3), ("不了解", 5))
]


def _version_2_database(path) -> None:
    """A database as version 2 of the schema left it (answers as strings, no ids, no
    counts), holding the demo year and a tally upload, written the way version 2 did."""
    import duckdb

    from scoring.demo import generate
    from scoring.store import MIGRATIONS

    city = generate((2025,))
    uploads = [(s, f) for s, f in city.facts[2025].items()]
    uploads.append(("appraisal-tally", {"appraisal_answers": pd.DataFrame(TALLY)}))
    con = duckdb.connect(str(path))
    for number in (1, 2):
        con.execute(next(MIGRATIONS.glob(f"00{number}_*.sql")).read_text(encoding="utf-8"))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    con.execute("INSERT INTO schema_version VALUES (1, NULL), (2, NULL)")
    registry = city.units.rename(columns={"group": "grp"})  # noqa: F841 - read by DuckDB
    con.execute("INSERT INTO units BY NAME SELECT * FROM registry")
    for source, frames in uploads:
        upload_id = con.execute(
            'INSERT INTO uploads (year, file, source, rows, sha256, "user") '
            "VALUES (2025, ?, ?, 1, ?, 'old') RETURNING id",
            [source, source, source],
        ).fetchone()[0]
        for table, frame in frames.items():
            rows = frame.drop(columns=["ballot_row"], errors="ignore")  # noqa: F841
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT *, {upload_id} AS upload_id, "
                "2025 AS year FROM rows"
            )
    con.close()


def _fresh_database(path) -> None:
    """The same data imported by today's code."""
    from scoring.demo import load_demo

    with Store(path) as s:
        load_demo(s, (2025,))
        add_facts(s, 2025, "appraisal_answers", TALLY, source="appraisal-tally")


def _counts(s: Store) -> dict[str, pd.DataFrame]:
    """The year's kept counts, cell ids replaced by their strings (ids and so the order
    of a pair's two cells differ between the databases)."""
    frames = {
        "pairs": s.query(
            "SELECT a.unit, a.category, least(a.item || a.answer, b.item || b.answer) AS one, "
            "greatest(a.item || a.answer, b.item || b.answer) AS other, p.n "
            "FROM appraisal_pair_counts p "
            "JOIN appraisal_cells a ON a.id = p.cell_a JOIN appraisal_cells b ON b.id = p.cell_b"
        ),
        "tally": s.query(
            "SELECT c.unit, c.category, c.item, c.answer, t.n FROM appraisal_tally_counts t "
            "JOIN appraisal_cells c ON c.id = t.cell_id"
        ),
        "ballots": s.query(
            "SELECT unit, category, ballots, tally_ballots FROM appraisal_ballot_counts"
        ),
        "straight": s.query("SELECT unit, items, ballots FROM appraisal_straight_counts"),
    }
    return {k: f.sort_values(list(f.columns)).reset_index(drop=True) for k, f in frames.items()}


def test_migrations_bring_an_old_database_to_integer_answers_and_counts(tmp_path):
    """A database of schema version 2 (answers as strings) gets its cell ids and ballot
    numbers (003) and its counts (021, 022): the same answers, counts and results as the
    same data imported today."""
    from scoring import results

    _version_2_database(tmp_path / "old.duckdb")
    _fresh_database(tmp_path / "new.duckdb")
    with Store(tmp_path / "old.duckdb") as old, Store(tmp_path / "new.duckdb") as new:
        assert old.schema_version() == new.schema_version()
        strings = "SELECT ballot, unit, category, item, answer, n FROM appraisal_answers"
        a, b = old.query(strings), new.query(strings)
        assert len(a) == len(b) > 0
        pd.testing.assert_frame_equal(
            a.sort_values(list(a.columns)).reset_index(drop=True),
            b.sort_values(list(b.columns)).reset_index(drop=True),
        )
        numbers = old.query(
            "SELECT count(DISTINCT ballot) AS a, count(DISTINCT ballot_no) AS b, "
            "count(*) FILTER (WHERE ballot IS NOT NULL AND ballot_no IS NULL) AS lost "
            "FROM appraisal_answers"
        )
        assert numbers["a"].iloc[0] == numbers["b"].iloc[0]  # one number per ballot
        assert numbers["lost"].iloc[0] == 0
        old_counts, new_counts = _counts(old), _counts(new)
        for name in old_counts:
            assert len(old_counts[name]) > 0
            pd.testing.assert_frame_equal(old_counts[name], new_counts[name])
        # The same scheme on both sides (load_demo gives the fresh one the demo's): the
        # comparison is of the data the migrations bring, not of schemes.
        from scoring.demo import scheme_text

        old.set_scheme(2025, "演示方案", scheme_text(), "old")
        pd.testing.assert_frame_equal(
            results.compute(old, 2025).table(), results.compute(new, 2025).table()
        )
