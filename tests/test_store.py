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


def test_migration_3_keys_the_answers_of_an_existing_database(tmp_path):
    """A database made before migration 003 gets its cell ids, and the same results."""
    from scoring import results
    from scoring.demo import load_demo

    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        load_demo(s, (2025,))
        before = results.compute(s, 2025).table()
        with s.transaction() as cur:  # back to the schema of version 2
            cur.execute("ALTER TABLE appraisal_answers DROP COLUMN cell_id")
            cur.execute("ALTER TABLE appraisal_answers DROP COLUMN ballot_no")
            cur.execute("DROP TABLE appraisal_cells")
            cur.execute("DROP SEQUENCE appraisal_cell_ids")
            cur.execute("DELETE FROM schema_version WHERE version = 3")
    with Store(path) as s:
        assert 3 in set(s.query("SELECT version FROM schema_version")["version"])
        missing = s.query(
            "SELECT count(*) AS n FROM appraisal_answers "
            "WHERE cell_id IS NULL OR (ballot IS NOT NULL AND ballot_no IS NULL)"
        )
        assert missing["n"].iloc[0] == 0
        numbers = s.query(
            "SELECT count(DISTINCT ballot) AS a, count(DISTINCT ballot_no) AS b "
            "FROM appraisal_answers"
        )
        assert numbers["a"].iloc[0] == numbers["b"].iloc[0]  # one number per ballot
        after = results.compute(s, 2025).table()
    pd.testing.assert_frame_equal(before, after)
