"""From file to store: atomic, idempotent, undoable (scoring/imports.py), and templates."""

from __future__ import annotations

import pytest

from scoring import results
from scoring.accounts import ADMIN, EVALUATOR, User
from scoring.imports import ImportRejected, commit, import_file, load_units, prepare
from scoring.scheme import default_scheme
from scoring.templates import TEMPLATE_SOURCES, template
from tests.sheetmaker import xlsx

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
    assert load_units(store, "名录.xlsx", xlsx(REGISTRY), OFFICE) == (3, 0)
    return store


def ballots_file(ids, answer="满意", unit="教育局"):
    return xlsx(
        [
            ["问卷编号", "被评单位", "评议人类别", *ITEMS],
            *[[i, unit, "服务对象", *[answer] * 6] for i in ids],
        ]
    )


def test_import_then_same_file_again_is_a_no_op(registered):
    data = ballots_file(["A1", "A2"])
    first = import_file(registered, "问卷.xlsx", data, 2025, User("张三", EVALUATOR))
    assert first.created and first.upload.rows == 2 and first.upload.source == "appraisal"
    again = import_file(registered, "问卷（副本）.xlsx", data, 2025, User("李四", EVALUATOR))
    assert not again.created and again.upload.id == first.upload.id
    assert "完全相同" in again.message
    assert registered.row_counts()["appraisal_answers"] == 12
    res = results.compute(registered, 2025)
    assert res.unit("市教育局").appraisal == pytest.approx(100.0)


def test_ballot_ids_already_stored_that_year_are_refused(registered):
    import_file(registered, "第一批.xlsx", ballots_file(["A1", "A2"]), 2025, OFFICE)
    parsed = prepare(registered, "第二批.xlsx", ballots_file(["A2", "A3"], "基本满意"), 2025)
    assert [p.value for p in parsed.problems] == ["A2"]
    with pytest.raises(ImportRejected, match="此前上传"):
        commit(registered, parsed, 2025, OFFICE)
    assert registered.row_counts()["appraisal_answers"] == 12
    # Another year may reuse the numbers.
    assert import_file(registered, "第二批.xlsx", ballots_file(["A2", "A3"]), 2024, OFFICE).created


def test_a_file_with_one_bad_row_stores_nothing(registered):
    data = xlsx(
        [
            ["问卷编号", "被评单位", "评议人类别", *ITEMS],
            ["B1", "市教育局", "服务对象", *["满意"] * 6],
            ["B2", "市教育厅", "服务对象", *["满意"] * 6],
        ]
    )
    with pytest.raises(ImportRejected) as err:
        import_file(registered, "问卷.xlsx", data, 2025, OFFICE)
    assert "第 3 行" in str(err.value) and "市教育厅" in str(err.value)
    assert registered.uploads() == []
    assert registered.row_counts()["appraisal_answers"] == 0


def test_undo_removes_one_upload_and_its_effect(registered):
    a = import_file(registered, "a.xlsx", ballots_file(["A1"], "满意"), 2025, OFFICE)
    import_file(registered, "b.xlsx", ballots_file(["B1"], "不满意"), 2025, OFFICE)
    assert results.compute(registered, 2025).unit("市教育局").appraisal == pytest.approx(50.0)
    registered.undo(a.upload.id)
    assert results.compute(registered, 2025).unit("市教育局").appraisal == pytest.approx(0.0)


def test_ballots_and_tallies_feed_the_same_score(registered):
    """A tally contributes exactly as the same number of ballots would."""
    import_file(registered, "问卷.xlsx", ballots_file(["A1", "A2"], "满意"), 2025, OFFICE)
    tally = [["被评单位", "评议人类别", "评议项目", "满意", "基本满意", "不满意", "不了解"]]
    tally += [["市教育局", "服务对象", item, 0, 0, 2, 0] for item in ITEMS]
    import_file(registered, "汇总.xlsx", xlsx(tally), 2025, OFFICE)
    u = results.compute(registered, 2025).unit("市教育局")
    assert u.appraisal == pytest.approx(50.0)
    assert u.ballots == 4


def test_unknown_units_before_any_registry_say_to_load_it_first(store):
    parsed = prepare(store, "问卷.xlsx", ballots_file(["A1"]), 2025)
    assert "单位名录为空" in str(parsed.problems[0])


def test_registry_update_counts_added_and_updated(registered):
    more = [
        REGISTRY[0],
        ["市财政局", "财政局", "部门", None, "综合管理类"],
        ["市审计局", None, "部门", None, "综合管理类"],
    ]
    assert load_units(registered, "名录2.xlsx", xlsx(more), OFFICE) == (1, 1)
    units = registered.units().set_index("name")
    assert list(units.loc["市财政局", "aliases"]) == ["财政局"]


@pytest.mark.parametrize("source", [s for s in TEMPLATE_SOURCES if s != "units"])
def test_every_template_is_recognised_and_a_filled_row_imports(registered, source):
    import io

    from openpyxl import load_workbook

    blank = template(source, default_scheme(), ["市教育局", "市财政局"])
    parsed = prepare(registered, "模板.xlsx", blank, 2025, None)
    assert parsed.source == source
    assert [str(p) for p in parsed.problems] == ["文件「模板.xlsx」：表头下面没有数据行"]
    wb = load_workbook(io.BytesIO(blank))
    ws, sample = wb.worksheets[0], wb["填写示例"]
    assert ws.data_validations.dataValidation, "closed lists have drop-downs"
    for c, cell in enumerate(sample[2], start=1):
        ws.cell(row=2, column=c, value=cell.value)
    buf = io.BytesIO()
    wb.save(buf)
    outcome = import_file(registered, "已填.xlsx", buf.getvalue(), 2025, OFFICE)
    assert outcome.created and outcome.upload.rows == 1
