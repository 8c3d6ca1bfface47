"""Issue 10: facts by content, not by bytes (scoring.content_store, Store.add_upload)."""

from __future__ import annotations

import io
import threading

import pytest
from openpyxl import Workbook

from scoring import results
from scoring.accounts import ADMIN, EVALUATOR, User
from scoring.imports import (
    ContentRejected,
    ImportRejected,
    commit,
    import_file,
    load_units,
    prepare,
)
from scoring.scheme import default_scheme
from tests.sheetmaker import csv_bytes, xlsx

ITEMS = list(default_scheme().items)
OFFICE = User("效能办", ADMIN)
REGISTRY = [
    ["单位名称", "简称", "类型", "上级单位", "考核类别"],
    ["市教育局", "教育局", "部门", None, "综合管理类"],
    ["市财政局", None, "部门", None, "综合管理类"],
    ["市教育局领导班子", None, "领导班子", "市教育局", None],
]


@pytest.fixture
def registered(store):
    load_units(store, "名录.xlsx", xlsx(REGISTRY), OFFICE)
    return store


def resaved(rows: list[list]) -> bytes:
    """The same sheet written by another writer: openpyxl, numbers as text, a title row,
    the columns in the same order but the file's bytes all different."""
    wb = Workbook()
    ws = wb.active
    ws.title = "另存"
    ws.append(["（另存为）"])
    for row in rows:
        ws.append([None if v is None else str(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BALLOTS = [
    ["问卷编号", "被评单位", "评议人类别", *ITEMS],
    ["Q1", "教育局", "服务对象", *["满意"] * 6],
    ["Q2", "市财政局", "企业代表", *["基本满意"] * 6],
]
TALLY = [
    ["被评单位", "评议人类别", "评议项目", "满意", "基本满意", "不满意", "不了解"],
    *[["市教育局", "服务对象", item, 150, 50, 20, 10] for item in ITEMS],
]
PERF = [
    ["考核对象", "指标", "得分", "考核人", "考核月份"],
    ["市教育局", "工作效率", 27, "第一组", "2025-03"],
    ["市教育局", "工作效率", 27, "第一组", "2025-03"],  # twice the same: two scores
    ["市财政局", "工作质量", 25.5, "第二组", "2025-03"],
]
VOTES = [["测评对象", "测评人类别", "测评结果"]] + [
    ["市教育局领导班子", "本单位干部职工", r] for r in ["优秀"] * 3 + ["称职"] * 2
]
VOTES_TALLIED = [
    ["测评对象", "测评人类别", "优秀", "称职", "基本称职", "不称职"],
    ["市教育局领导班子", "本单位干部职工", 3, 2, 0, 0],
]
ADJUST = [
    ["对象", "事由", "分值", "来源", "日期", "依据"],
    ["市教育局", "暗访发现脱岗", -2, "暗访", "2025-05-06", "督查通报"],
    ["市财政局", "群众投诉查实", -1.5, "效能投诉", "2025-06-01", None],
]


def _name(stem: str, data: bytes) -> str:
    return stem + (".xlsx" if data[:2] == b"PK" else ".csv")


@pytest.mark.parametrize(
    ("first", "copy", "table", "rows"),
    [
        (xlsx(BALLOTS), csv_bytes(BALLOTS), "appraisal_answers", 12),
        (xlsx(TALLY), resaved(TALLY), "appraisal_answers", 24),
        (csv_bytes(TALLY), xlsx(TALLY), "appraisal_answers", 24),
        (xlsx(PERF), resaved(PERF), "performance_scores", 3),
        (xlsx(VOTES), xlsx(VOTES_TALLIED), "integrity_votes", None),
        (xlsx(ADJUST), csv_bytes(ADJUST, "gbk"), "adjustments", 2),
    ],
    ids=["ballots-csv", "tally-resaved", "tally-csv-to-xlsx", "performance", "votes", "adjust"],
)
def test_a_copy_written_by_another_program_is_refused_naming_the_first(
    registered, first, copy, table, rows
):
    original, other = _name("原件", first), _name("另存的副本", copy)
    done = import_file(registered, original, first, 2025, OFFICE)
    before = results.compute(registered, 2025).table()
    count = registered.row_counts()[table]
    if rows is not None:
        assert count == rows
    parsed = prepare(registered, other, copy, 2025)
    assert len(parsed.problems) == 1
    assert f"第 {done.upload.id} 号上传「{original}」" in parsed.problems[0].expected
    with pytest.raises(ImportRejected, match=original.replace(".", r"\.")):
        import_file(registered, other, copy, 2025, OFFICE)
    assert registered.row_counts()[table] == count
    assert results.compute(registered, 2025).table().equals(before)
    assert len(registered.uploads(2025)) == 1


def test_the_refusal_exits_2_on_the_command_line(tmp_path, capsys):
    from scoring.cli import main

    db = str(tmp_path / "c.duckdb")
    for name, rows in [("名录.xlsx", REGISTRY), ("加减分.xlsx", ADJUST)]:
        (tmp_path / name).write_bytes(xlsx(rows))
    (tmp_path / "加减分.csv").write_bytes(csv_bytes(ADJUST, "gbk"))
    assert main(["--db", db, "units", str(tmp_path / "名录.xlsx")]) == 0
    assert main(["--db", db, "import", str(tmp_path / "加减分.xlsx"), "--year", "2025"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "import", str(tmp_path / "加减分.csv"), "--year", "2025"]) == 2
    assert "第 1 号上传「加减分.xlsx」" in capsys.readouterr().err


def test_a_partial_overlap_needs_confirmation_and_stores_only_the_new_facts(registered):
    import_file(registered, "一月.xlsx", xlsx(ADJUST[:2]), 2025, OFFICE)
    more = [*ADJUST, ["市教育局", "暗访发现脱岗", -2, "暗访", "2025-05-06", "督查通报"]]
    # The file holds the first entry twice now: one of them is new (a second deduction).
    parsed = prepare(registered, "上半年.xlsx", xlsx(more), 2025)
    assert parsed.problems == ()
    assert (parsed.overlap.overlap, parsed.overlap.total) == (1, 3)
    with pytest.raises(ContentRejected, match="确认") as refused:
        commit(registered, parsed, 2025, OFFICE)
    assert refused.value.needs_confirmation
    assert len(registered.uploads(2025)) == 1
    commit(registered, parsed, 2025, OFFICE, accept_overlap=True)
    stored = registered.adjustments(2025)
    # -2 (一月) + -2 (the second 脱岗) + -1.5 = -5.5, not -7.5.
    assert sorted(stored["points"]) == [-2.0, -2.0, -1.5]
    again = prepare(registered, "上半年（副本）.csv", csv_bytes(more), 2025)
    assert "已全部在本年度导入过" in again.problems[0].expected


def test_a_ballot_id_stored_with_other_answers_is_a_clash(registered):
    import_file(registered, "第一批.xlsx", xlsx(BALLOTS), 2025, OFFICE)
    other = [BALLOTS[0], ["Q1", "教育局", "服务对象", *["不满意"] * 6]]
    parsed = prepare(registered, "第二批.xlsx", xlsx(other), 2025)
    assert [p.value for p in parsed.problems] == ["Q1"]


def test_two_evaluators_racing_preview_to_confirm_store_one_file(registered):
    """Both preview before either confirms; the checks run again inside the storing
    transaction, so one file is stored and the other refused, naming it."""
    data_a = xlsx(BALLOTS)
    data_b = csv_bytes(BALLOTS)
    a = prepare(registered, "甲.xlsx", data_a, 2025)
    b = prepare(registered, "乙.csv", data_b, 2025)
    assert a.problems == () and b.problems == () and a.overlap is None and b.overlap is None
    gate = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def confirm(name, parsed, who):
        gate.wait()
        try:
            outcomes[name] = commit(registered, parsed, 2025, User(who, EVALUATOR))
        except ImportRejected as exc:
            outcomes[name] = exc

    threads = [
        threading.Thread(target=confirm, args=("甲", a, "张三")),
        threading.Thread(target=confirm, args=("乙", b, "李四")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = [k for k, v in outcomes.items() if not isinstance(v, Exception)]
    refused = [v for v in outcomes.values() if isinstance(v, Exception)]
    assert len(stored) == 1 and len(refused) == 1
    first = "甲.xlsx" if stored == ["甲"] else "乙.csv"
    assert first in str(refused[0])
    assert registered.row_counts()["appraisal_answers"] == 12
    assert len(registered.uploads(2025)) == 1


def test_uploads_from_before_the_fingerprints_are_recognised(tmp_path):
    from scoring.store import Store

    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        load_units(s, "名录.xlsx", xlsx(REGISTRY), OFFICE)
        import_file(s, "原件.xlsx", xlsx(PERF), 2025, OFFICE)
        with s.transaction() as cur:  # as if stored before migration 006
            cur.execute("DELETE FROM fact_prints")
    with Store(path) as s:
        parsed = prepare(s, "副本.xlsx", resaved(PERF), 2025)
        assert "原件.xlsx" in parsed.problems[0].expected
