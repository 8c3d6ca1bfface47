"""Issue 15: an import stages its rows once; ballots are fingerprinted per ballot from
their cell ids (migration 050), and a file stored with the old fingerprints is still
recognised."""

from __future__ import annotations

import pytest

from scoring.accounts import ADMIN, User
from scoring.imports import (
    ContentRejected,
    ImportRejected,
    commit,
    import_file,
    load_units,
    prepare,
    restore,
    undo,
)
from scoring.scheme import default_scheme
from scoring.store import Store
from tests.sheetmaker import csv_bytes, xlsx

ITEMS = list(default_scheme().items)
OFFICE = User("效能办", ADMIN)
REGISTRY = [
    ["单位名称", "简称", "类型", "上级单位", "考核类别"],
    ["市教育局", "教育局", "部门", None, "综合管理类"],
    ["市财政局", None, "部门", None, "综合管理类"],
]
HEAD = ["问卷编号", "被评单位", "评议人类别", *ITEMS]


def ballot(no: str, unit: str, answer: str) -> list:
    return [no, unit, "服务对象", *[answer] * len(ITEMS)]


FIRST = [HEAD, ballot("Q1", "教育局", "满意"), ballot("Q2", "市财政局", "基本满意")]
SECOND = [HEAD, ballot("Q3", "教育局", "不满意"), ballot("Q4", "市财政局", "满意")]
# The old form (before 050): md5 of the 问卷编号 and every answer's four strings.
OLD_FORM = """
    SELECT upload_id, year, 'ballot' AS kind, md5(ballot || '|' || string_agg(
        unit || '|' || category || '|' || item || '=' || answer, ';'
        ORDER BY unit, category, item, answer)) AS fp
    FROM {table} WHERE ballot IS NOT NULL GROUP BY upload_id, year, ballot"""


@pytest.fixture
def registered(store):
    load_units(store, "名录.xlsx", xlsx(REGISTRY), OFFICE)
    return store


def _answers(store: Store) -> list[tuple]:
    """The stored answers, each with the four strings its cell id stands for."""
    return store.query(
        "SELECT a.upload_id, a.ballot, a.unit, a.category, a.item, a.answer, a.n, "
        "c.unit, c.category, c.item, c.answer, a.ballot_no "
        "FROM appraisal_answers a JOIN appraisal_cells c ON c.id = a.cell_id ORDER BY ALL"
    ).values.tolist()


def test_a_one_shot_import_refuses_with_the_words_of_the_preview(registered):
    """import_file checks the content once, while storing; what it says is what prepare
    (the page's preview) says: the same problems, for a copy and for a clash."""
    import_file(registered, "第一批.xlsx", xlsx(FIRST), 2025, OFFICE)
    copy = prepare(registered, "副本.csv", csv_bytes(FIRST), 2025)
    with pytest.raises(ImportRejected) as refused:
        import_file(registered, "副本.csv", csv_bytes(FIRST), 2025, OFFICE)
    assert refused.value.problems == copy.problems
    assert "已全部在本年度导入过，见第 1 号上传「第一批.xlsx」" in str(refused.value)
    clash = [HEAD, ballot("Q1", "教育局", "不满意"), ballot("Q9", "教育局", "满意")]
    preview = prepare(registered, "冲突.xlsx", xlsx(clash), 2025)
    with pytest.raises(ImportRejected) as refused:
        import_file(registered, "冲突.xlsx", xlsx(clash), 2025, OFFICE)
    assert [p.value for p in refused.value.problems] == ["Q1"]
    # Where the clashing 问卷编号 stands in the file: its sheet, row and column.
    place = refused.value.problems[0]
    assert (place.sheet, place.row, place.column) == ("Sheet1", 2, "问卷编号")
    assert "工作表「Sheet1」" in str(place) and "第 2 行" in str(place)
    assert refused.value.problems == preview.problems
    assert len(registered.uploads(2025)) == 1
    assert registered.row_counts()["appraisal_answers"] == 2 * len(ITEMS)


def test_an_overlap_is_dropped_by_ballot_and_preview_and_commit_agree(registered):
    import_file(registered, "第一批.xlsx", xlsx(FIRST), 2025, OFFICE)
    both = [HEAD, *FIRST[1:2], *SECOND[1:]]  # Q1 again, Q3 and Q4 new
    parsed = prepare(registered, "合并.xlsx", xlsx(both), 2025)
    assert (parsed.overlap.overlap, parsed.overlap.total) == (1, 3)
    with pytest.raises(ContentRejected) as refused:
        import_file(registered, "合并.xlsx", xlsx(both), 2025, OFFICE)
    assert refused.value.needs_confirmation
    assert "文件中有 1 项数据（共 3 项）" in str(refused.value)
    # Stored with the overlap accepted, the outcome says what it left out.
    done = commit(registered, parsed, 2025, OFFICE, accept_overlap=True)
    assert (done.left_out, done.facts) == (1, 3)
    assert "共 3 项，其中 1 项此前已导入、未重复计入，新导入 2 项" in done.message
    stored = registered.query(
        "SELECT ballot, count(*) AS n FROM appraisal_answers WHERE upload_id = ? GROUP BY 1 "
        "ORDER BY 1",
        [done.upload.id],
    )
    assert stored.values.tolist() == [["Q3", len(ITEMS)], ["Q4", len(ITEMS)]]
    prints = registered.query(
        "SELECT upload_id, count(*) AS n FROM fact_prints WHERE kind = 'ballot' GROUP BY 1 "
        "ORDER BY 1"
    )
    assert prints.values.tolist() == [[1, 2], [done.upload.id, 2]]  # one per ballot
    counts = registered.appraisal_year_counts(2025)
    assert counts.ballots[("市教育局", "服务对象")] == (2, 0)  # Q1 and Q3, not Q1 twice


def test_the_sheet_path_stores_the_same_rows_as_the_sql_path(registered, tmp_path):
    """A parsed sheet is mapped to its cells by its distinct values; the rows stored are
    those the four-string join stores (the same cells, ballots, numbers)."""
    parsed = prepare(registered, "第一批.xlsx", xlsx(FIRST), 2025)
    commit(registered, parsed, 2025, OFFICE)
    fast = _answers(registered)
    with Store(tmp_path / "sql.duckdb") as other:
        load_units(other, "名录.xlsx", xlsx(REGISTRY), OFFICE)
        frame = parsed.facts["appraisal_answers"].to_pandas()  # a frame: the SQL path
        other.add_upload(
            year=2025,
            file="f",
            source=parsed.source,
            sha256="x",
            user="t",
            rows=2,
            facts={"appraisal_answers": frame},
        )
        assert _answers(other) == fast
    assert len(fast) == 2 * len(ITEMS)
    assert all(r[2:6] == r[7:11] for r in fast)  # each row's cell is its own four strings
    assert {r[-1] >> 32 for r in fast} == {1}


def _as_before_050(s: Store) -> None:
    """Turn a database back into the shape the code before 050 left: answers with their
    strings in a table (and in the 回收站's copy), ballots fingerprinted by strings."""
    bin_answers = (
        "SELECT a.upload_id, a.year, b.ballot, c.unit, c.category, c.item, c.answer, a.n, "
        "a.cell_id, a.ballot_no FROM bin_appraisal_answer_rows a "
        "JOIN appraisal_cells c ON c.id = a.cell_id "
        "LEFT JOIN bin_appraisal_ballots b ON b.ballot_no = a.ballot_no"
    )
    with s.transaction() as cur:
        cur.execute("CREATE TABLE answers_before AS SELECT * FROM appraisal_answers")
        cur.execute(f"CREATE TABLE bin_appraisal_answers AS {bin_answers}")
        cur.execute("DROP VIEW appraisal_answers")
        cur.execute("ALTER TABLE answers_before RENAME TO appraisal_answers")
        for table in ("appraisal_answer_rows", "appraisal_ballots"):
            cur.execute(f"DROP TABLE {table}")
            cur.execute(f"DROP TABLE bin_{table}")
        for table in ("fact_prints", "bin_fact_prints"):
            source = table.replace("fact_prints", "appraisal_answers")
            cur.execute(f"DELETE FROM {table} WHERE kind = 'ballot'")
            cur.execute(f"INSERT INTO {table} {OLD_FORM.format(table=source)}")
        cur.execute("DELETE FROM schema_version WHERE version IN (50, 51)")


def test_a_database_from_before_050_keeps_its_answers_and_recognises_its_files(tmp_path):
    """A database whose answers carry their strings and whose ballot prints (and those in
    the 回收站) are in the form before 050: opening it stores the answers as integers
    (051) and re-fingerprints the ballots (050), so the same answers read back, a
    re-saved copy of a stored file is still refused and an undone upload is restored
    only once."""
    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        load_units(s, "名录.xlsx", xlsx(REGISTRY), OFFICE)
        import_file(s, "第一批.xlsx", xlsx(FIRST), 2025, OFFICE)
        second = import_file(s, "第二批.xlsx", xlsx(SECOND), 2025, OFFICE).upload.id
        undo(s, second, OFFICE)
        answers = _answers(s)
        new_form = s.query("SELECT fp FROM fact_prints WHERE kind = 'ballot' ORDER BY fp")
        _as_before_050(s)
        old_form = s.query("SELECT fp FROM fact_prints WHERE kind = 'ballot' ORDER BY fp")
        assert len(old_form) == 2 and set(old_form["fp"]).isdisjoint(new_form["fp"])
    with Store(path) as s:  # opening migrates
        assert _answers(s) == answers
        again = s.query("SELECT fp FROM fact_prints WHERE kind = 'ballot' ORDER BY fp")
        assert again.equals(new_form)
        copy = prepare(s, "副本.csv", csv_bytes(FIRST), 2025)
        assert "已全部在本年度导入过，见第 1 号上传「第一批.xlsx」" in copy.problems[0].expected
        import_file(s, "第二批副本.csv", csv_bytes(SECOND), 2025, OFFICE)
        with pytest.raises(Exception, match="再次导入"):  # the 回收站's prints match too
            restore(s, second, OFFICE)


def test_an_undone_upload_from_before_051_is_restored_exactly(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        load_units(s, "名录.xlsx", xlsx(REGISTRY), OFFICE)
        import_file(s, "第一批.xlsx", xlsx(FIRST), 2025, OFFICE)
        second = import_file(s, "第二批.xlsx", xlsx(SECOND), 2025, OFFICE).upload.id
        answers = _answers(s)
        counts = s.appraisal_year_counts(2025).ballots
        undo(s, second, OFFICE)
        _as_before_050(s)
    with Store(path) as s:
        restore(s, second, OFFICE)
        assert _answers(s) == answers
        assert s.appraisal_year_counts(2025).ballots == counts
        assert s.recycled().empty


def test_the_integer_helpers_agree_with_their_plain_forms():
    """The shortcuts of the answer insert (a repeated chunk coded once, firsts by a table,
    distinct keys without sorting) give what the plain computations give."""
    import numpy as np
    import pyarrow as pa

    from scoring.store import _codes, _distinct, _firsts

    units = pa.array(["乙局", None, "甲局", "乙局"])
    repeated = pa.chunked_array([units, units, units])
    other = pa.chunked_array([units, pa.array(["丙局", "甲局", None, None])])
    for column in (repeated, other):
        code, value = _codes(column)
        flat = column.to_pylist()
        assert [None if c < 0 else value[c].as_py() for c in code] == flat
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 50, 1000)
    for space in (50, 1 << 30):  # a table over the keys, then np.unique
        distinct, where = _distinct(keys, space)
        plain, inverse = np.unique(keys, return_inverse=True)
        assert distinct.tolist() == plain.tolist() and where.tolist() == inverse.tolist()
    for values in (keys, keys + (1 << 40)):  # small places, then large values (hashing)
        distinct, first = _firsts(values)
        assert sorted(distinct.tolist()) == np.unique(values).tolist()
        assert all(
            values[f] == d and d not in values[:f] for d, f in zip(distinct, first, strict=True)
        )


def test_fact_prints_keep_no_index_that_no_query_uses(store):
    """052: the content checks join the prints as a whole (hash joins); the index on
    (year, fp) only cost each upload its upkeep."""
    versions = set(store.query("SELECT version FROM schema_version")["version"])
    assert {50, 51, 52} <= versions
    found = store.query(
        "SELECT count(*) AS n FROM duckdb_indexes() WHERE table_name = 'fact_prints'"
    )
    assert found["n"].iloc[0] == 0


def test_a_tally_overlap_is_dropped_row_by_row_and_undo_restores_it(registered):
    """Tally rows carry no 问卷编号: an accepted overlap leaves them out by their row in
    appraisal_answer_rows; the counts follow, also through undo and restore."""
    head = ["被评单位", "评议人类别", "评议项目", "满意", "基本满意", "不满意", "不了解"]
    first = [head, *[["市教育局", "服务对象", i, 150, 50, 20, 10] for i in ITEMS]]
    more = [*first, *[["市财政局", "服务对象", i, 100, 40, 5, 1] for i in ITEMS]]
    import_file(registered, "甲.xlsx", xlsx(first), 2025, OFFICE)
    parsed = prepare(registered, "乙.xlsx", xlsx(more), 2025)
    assert (parsed.overlap.overlap, parsed.overlap.total) == (len(ITEMS), 2 * len(ITEMS))
    second = commit(registered, parsed, 2025, OFFICE, accept_overlap=True).upload.id
    stored = registered.query(
        "SELECT upload_id, unit, sum(n)::INTEGER AS n FROM appraisal_answers GROUP BY ALL "
        "ORDER BY ALL"
    ).values.tolist()
    six = len(ITEMS)
    assert stored == [[1, "市教育局", 230 * six], [second, "市财政局", 146 * six]]
    both = {("市教育局", "服务对象"): (0, 230), ("市财政局", "服务对象"): (0, 146)}
    assert registered.appraisal_year_counts(2025).ballots == both
    undo(registered, second, OFFICE)
    assert registered.appraisal_year_counts(2025).ballots == {("市教育局", "服务对象"): (0, 230)}
    restore(registered, second, OFFICE)
    assert registered.appraisal_year_counts(2025).ballots == both


def test_ballot_prints_made_from_the_rows_at_hand_are_the_sql_prints(store):
    """The store fingerprints a new upload's ballots from the integers it has just
    inserted (store._print_texts); the prints are those content_store's SQL makes from
    the stored rows: ballots with answers missing, an item answered twice, tally rows
    beside them, 问卷编号 in any order and frames with and without ballot_row."""
    import numpy as np
    import pandas as pd

    from scoring import content_store

    rng = np.random.default_rng(3)
    units, answers = ["甲局", "乙局"], ["满意", "基本满意", "不满意", "不了解"]
    rows = []
    for b in rng.permutation(60):
        unit = units[b % 2]
        for item in rng.choice(ITEMS, size=int(rng.integers(1, len(ITEMS) + 1)), replace=False):
            rows.append((f"Q{b:03d}", unit, "服务对象", item, str(rng.choice(answers)), 1, b))
    rows.append(("Q007", "甲局", "服务对象", ITEMS[0], "满意", 1, 7))  # an item twice
    rows += [(None, "乙局", "企业代表", ITEMS[1], a, 3, None) for a in answers]  # a tally
    frame = pd.DataFrame(
        rows, columns=["ballot", "unit", "category", "item", "answer", "n", "ballot_row"]
    )
    frame["ballot_row"] = frame["ballot_row"].astype("Int64")
    for facts in (frame, frame.drop(columns="ballot_row"), frame.iloc[::-1]):
        upload, created = store.add_upload(
            year=2030 + len(store.uploads()),
            file="f",
            source="appraisal",
            sha256=str(len(store.uploads())),
            user="t",
            rows=len(facts),
            facts={"appraisal_answers": facts},
        )
        assert created
        made = store.query(
            "SELECT fp FROM fact_prints WHERE upload_id = ? AND kind = 'ballot' ORDER BY fp",
            [upload.id],
        )["fp"].tolist()
        sql = content_store._BALLOT.replace("$id", str(upload.id))
        expected = sorted(r[3] for r in store.query(sql).itertuples(index=False))
        assert made == expected and len(made) == 60


def test_id_texts_are_the_ids_written_in_decimal():
    """store._id_texts writes ids as text by taking each from the ids up to the largest,
    or casting them when the largest is far beyond their number: the same text."""
    import numpy as np

    from scoring.store import _id_texts

    few = np.array([7, 0, 12, 7, 65535, 3], dtype=np.int64)
    far = np.array([9, 10_000_000, 9, 123_456], dtype=np.int64)
    assert _id_texts(few).to_pylist() == ["7", "0", "12", "7", "65535", "3"]
    assert _id_texts(far).to_pylist() == ["9", "10000000", "9", "123456"]
    assert _id_texts(np.zeros(0, dtype=np.int64)).to_pylist() == []


def test_a_sheets_ballot_prints_are_the_sql_prints(registered):
    """A sheet's answers come as blocks over the same ballots (one per item); the store
    takes each ballot's cell ids from a matrix then (store._block): the prints are those
    of content_store's SQL over the stored rows."""
    import pandas as pd

    from scoring import content_store
    from scoring.store import _answer_table, _block

    answers = ["满意", "基本满意", "不满意", "不了解", None]
    # Cells made first by a tally of another year with the items the other way round:
    # a ballot's cell ids then fall as its items go on (so they must be sorted).
    tally = [
        (u, "服务对象", item, a, 1)
        for item in reversed(ITEMS)
        for u in ("市教育局", "市财政局")
        for a in answers[:4]
    ]
    registered.add_upload(
        year=2024,
        file="t",
        source="appraisal-tally",
        sha256="t",
        user="t",
        rows=len(tally),
        facts={
            "appraisal_answers": pd.DataFrame(
                tally, columns=["unit", "category", "item", "answer", "n"]
            )
        },
    )
    rows = [HEAD] + [
        [f"B{k:02d}", ("教育局", "市财政局")[k % 2], "服务对象"]
        + [answers[(k * 7 + i * 3) % len(answers)] for i in range(len(ITEMS))]
        for k in range(12)
    ]
    parsed = prepare(registered, "十二份.xlsx", xlsx(rows), 2025)
    assert parsed.ok and _block(_answer_table(parsed.facts["appraisal_answers"])) == 12
    upload = commit(registered, parsed, 2025, OFFICE).upload
    made = registered.query(
        "SELECT fp FROM fact_prints WHERE upload_id = ? AND kind = 'ballot' ORDER BY fp",
        [upload.id],
    )["fp"].tolist()
    sql = content_store._BALLOT.replace("$id", str(upload.id))
    assert made == sorted(r[3] for r in registered.query(sql).itertuples(index=False))
    assert len(made) == 12


def test_the_one_shot_import_with_an_overlap_accepted_says_what_it_left_out(registered):
    """The command line's ``import --confirm-overlap``: 3 facts, 1 already stored; the
    upload keeps the file's rows, the message says 2 new and 1 left out."""
    import_file(registered, "第一批.xlsx", xlsx(FIRST), 2025, OFFICE)
    both = [HEAD, *FIRST[1:2], *SECOND[1:]]
    done = import_file(registered, "合并.xlsx", xlsx(both), 2025, OFFICE, accept_overlap=True)
    assert (done.left_out, done.facts, done.upload.rows) == (1, 3, 3)
    assert "其中 1 项此前已导入、未重复计入，新导入 2 项" in done.message


def test_the_same_file_again_is_already_imported(registered):
    from scoring.imports import AlreadyImported

    data = xlsx(FIRST)
    import_file(registered, "第一批.xlsx", data, 2025, OFFICE)
    with pytest.raises(AlreadyImported) as again:
        import_file(registered, "第一批（副本）.xlsx", data, 2025, OFFICE)
    assert again.value.earlier == (1, "第一批.xlsx")
    assert "同一个文件" in str(again.value)
    assert len(registered.uploads(2025)) == 1
