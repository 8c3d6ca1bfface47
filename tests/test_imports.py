"""From file to store: atomic, idempotent, undoable (scoring/imports.py), and templates."""

from __future__ import annotations

import io

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


def test_import_then_same_file_again_is_refused_naming_the_first(registered):
    data = ballots_file(["A1", "A2"])
    first = import_file(registered, "问卷.xlsx", data, 2025, User("张三", EVALUATOR))
    assert first.created and first.upload.rows == 2 and first.upload.source == "appraisal"
    with pytest.raises(ImportRejected, match=f"第 {first.upload.id} 号上传「问卷.xlsx」"):
        import_file(registered, "问卷（副本）.xlsx", data, 2025, User("李四", EVALUATOR))
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


# -- what offices receive from other systems (issue 12) ------------------------------------

WJX_HEAD = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
WJX_HEAD += ["1、您的身份", "2、您评议的单位"] + [
    f"{i + 3}、{item}" for i, item in enumerate(ITEMS)
]


def wjx_row(n, unit, answers, second=0, ip="10.1.2.3(江苏-南京)"):
    stamp = f"2025/11/3 9:15:{second:02d}"
    return [n, stamp, f"{30 + n}秒", "手机提交", "微信", ip, "服务对象", unit, *answers]


WJX_MAP = {"1、您的身份": "评议人类别", "2、您评议的单位": "被评单位"}


def test_a_wenjuanxing_export_imports_with_a_mapping(registered):
    """问卷星 下载答卷数据: refused at first with the mapping proposed (never a data row
    taken for the header), then imported with it; (跳过) counts as 不了解; the survey's
    submit time, time taken and address are kept with each ballot."""
    rows = [
        WJX_HEAD,
        wjx_row(1, "市教育局", ["满意", "满意", "基本满意", "(跳过)", "满意", "满意"]),
        wjx_row(2, "市教育局", ["不满意", "满意", "满意", "满意", "（跳过）", "满意"], 4),
    ]
    data = xlsx(rows)
    first = prepare(registered, "问卷星.xlsx", data, 2025)
    text = str(first.problems[0])
    assert "缺少列 被评单位；" in text and "第 1 行" in text  # 您的身份 is an alias
    assert first.proposal == {"2、您评议的单位": "被评单位"}
    assert "--map '2、您评议的单位=被评单位'" in text
    out = import_file(registered, "问卷星.xlsx", data, 2025, OFFICE, mapping=WJX_MAP)
    assert out.created and out.upload.rows == 2
    answers = registered.query(
        "SELECT ballot, item, answer FROM appraisal_answers ORDER BY ballot, item"
    )
    b1 = dict(answers.loc[answers["ballot"] == "1", ["item", "answer"]].values)
    assert b1["依法行政"] == "不了解" and b1["服务质量"] == "基本满意"
    meta = registered.ballot_meta(2025)
    assert meta["ballot"].tolist() == ["1", "2"]
    assert meta["duration_s"].tolist() == [31.0, 32.0]
    assert meta["ip"].tolist() == ["10.1.2.3", "10.1.2.3"]
    assert str(meta["submitted_at"].iloc[1]) == "2025-11-03 09:15:04"
    # Ballot 1: 满意×4 (100) + 基本满意 (60), 依法行政 不了解 -> item means over answered.
    # Item means: 作风 (100+0)/2=50, 效率 100, 质量 (60+100)/2=80, 依法 100 (one answer),
    # 廉洁 100 (one answer), 总体 100; one category -> mean of six = 530/6.
    unit = results.compute(registered, 2025).unit("市教育局")
    assert unit.appraisal == pytest.approx(530 / 6)


def test_survey_export_without_ids_gets_ids_from_content(registered):
    """xiaoju-survey: question titles, 答题耗时（秒）, 提交时间, no id. Ids come from the
    content, so the same ballots in a later export are recognised."""
    head = ["答题耗时（秒）", "提交时间", "您的身份", "您评议的单位", *ITEMS]
    rows = [
        head,
        [95, "2025-11-03 10:00:00", "企业代表", "市财政局", *["满意"] * 6],
        [95, "2025-11-03 10:00:00", "企业代表", "市财政局", *["满意"] * 6],  # twin
        [12, "2025-11-03 10:00:09", "企业代表", "市财政局", *["不满意"] * 6],
    ]
    mapping = {"您评议的单位": "被评单位"}  # 您的身份 is an alias of 评议人类别
    out = import_file(registered, "xiaoju.xlsx", xlsx(rows), 2025, OFFICE, mapping=mapping)
    assert out.upload.rows == 3
    assert any("没有问卷编号列" in n for n in out.notes)
    ids = registered.query("SELECT DISTINCT ballot FROM appraisal_answers ORDER BY 1")["ballot"]
    assert len(ids) == 3 and all(i.startswith("20251103100") for i in ids)
    # A later export with one more response: the three earlier ballots are recognised
    # (same ids, same answers: an overlap to confirm, and only the new ballot is stored).
    later = prepare(
        registered,
        "xiaoju-2.xlsx",
        xlsx([*rows, [40, "2025-11-04 08:00:00", "企业代表", "市财政局", *["满意"] * 6]]),
        2025,
        mapping=mapping,
    )
    assert later.problems == ()
    assert (later.overlap.overlap, later.overlap.total) == (3, 4)
    with pytest.raises(ImportRejected, match="确认"):
        commit(registered, later, 2025, OFFICE)
    commit(registered, later, 2025, OFFICE, accept_overlap=True)
    assert len(registered.query("SELECT DISTINCT ballot FROM appraisal_answers")) == 4


def wide_tally(footer="发出数:120 收回数:114"):
    """A contractor's 测评结果: title and date rows, then item names merged over their
    answer columns, one row per unit, a footer."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "测评结果"
    ws["A1"] = "2025年度万人评议测评结果（服务对象）"
    ws["A2"] = "统计日期：2025年12月1日"
    ws["A3"], ws["B3"] = "序号", "单位名称"
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    answers = ["满意", "基本满意", "不满意", "不了解", "得分"]
    col = 3
    for item in ITEMS:
        ws.cell(row=3, column=col, value=item)
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 4)
        for k, a in enumerate(answers):
            ws.cell(row=4, column=col + k, value=a)
        col += 5
    data = {"市教育局": [10, 5, 5, 2, 77.0], "市财政局": [20, 0, 0, 0, 100.0]}
    for r, (unit, counts) in enumerate(data.items(), start=5):
        ws.cell(row=r, column=1, value=r - 4)
        ws.cell(row=r, column=2, value=unit)
        for i in range(len(ITEMS)):
            for k, v in enumerate(counts):
                ws.cell(row=r, column=3 + 5 * i + k, value=v)
    if footer:
        ws.cell(row=8, column=1, value=footer)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_wide_tally_with_a_two_row_header_and_a_roster_footer(registered):
    data = wide_tally()
    refused = prepare(registered, "测评结果.xlsx", data, 2025)
    assert any(
        "没有「评议人类别」列" in str(p) and "--category" in str(p) for p in refused.problems
    )
    out = import_file(registered, "测评结果.xlsx", data, 2025, OFFICE, category="服务对象")
    assert out.upload.source == "appraisal-tally" and out.upload.rows == 2
    assert any("得分" in n and "重新计算" in n for n in out.notes)
    counts = registered.query(
        "SELECT unit, answer, sum(n) AS n FROM appraisal_answers WHERE item = '工作作风' "
        "GROUP BY ALL ORDER BY ALL"
    )
    assert counts.values.tolist() == [
        ["市教育局", "不了解", 2],
        ["市教育局", "不满意", 5],
        ["市教育局", "基本满意", 5],
        ["市教育局", "满意", 10],
        ["市财政局", "满意", 20],
    ]
    roster = registered.roster(2025)
    assert roster[["category", "issued", "returned"]].values.tolist() == [["服务对象", 120, 114]]
    # (10*100 + 5*60 + 5*0) / 20 answered = 65 for every item; 得分 77 is ignored.
    assert results.compute(registered, 2025).unit("市教育局").appraisal == pytest.approx(65.0)


def test_an_item_score_summary_is_never_performance(registered):
    """The silently misread 分项得分汇总: now its own 万人评议 input, never 绩效考核."""
    rows = [["单位名称", *ITEMS, "综合得分", "有效票数"]]
    rows += [["市教育局", 90, 80, 85, 88, 92, 86, 86.8, 150]]
    data = xlsx(rows)
    parsed = prepare(registered, "分项得分.xlsx", data, 2025, category="群众")
    assert parsed.ok and parsed.source == "appraisal-scores"
    with pytest.raises(ImportRejected, match="表头不完整"):
        import_file(registered, "分项得分.xlsx", data, 2025, OFFICE, source="performance")
    assert registered.row_counts()["performance_scores"] == 0
    import_file(registered, "分项得分.xlsx", data, 2025, OFFICE, category="群众")
    stored = registered.item_scores(2025)
    assert stored[["item", "score", "ballots"]].values.tolist() == sorted(
        [[i, float(s), 150] for i, s in zip(ITEMS, [90, 80, 85, 88, 92, 86], strict=True)]
    )
    assert registered.row_counts()["performance_scores"] == 0
    # As 150 ballots of those item scores: the category 群众 scores (90+80+85+88+92+86)/6.
    unit = results.compute(registered, 2025).unit("市教育局")
    assert unit.appraisal == pytest.approx(521 / 6)
    assert unit.ballots == 150 and unit.performance is None
    assert unit.ci_low is None and unit.satisfaction_rate is None  # no answers behind it
    # With two 服务对象 ballots (all 满意, 100): weights 0.30 and 0.15 renormalised.
    import_file(registered, "问卷.xlsx", ballots_file(["A1", "A2"]), 2025, OFFICE)
    unit = results.compute(registered, 2025).unit("市教育局")
    assert unit.appraisal == pytest.approx((100 * 0.30 + 521 / 6 * 0.15) / 0.45)
    assert unit.ballots == 152 and unit.satisfaction_rate == pytest.approx(1.0)


def test_a_democratic_appraisal_record(registered):
    """民主测评 (组织部): …票数 headers, 测评范围, quorum flagged, rates checked."""
    head = ["姓名", "测评范围", "应到人数", "实到人数", "优秀票数", "称职票数", "基本称职票数"]
    head += ["不称职票数", "优秀率", "称职及以上率"]
    ok_row = ["市教育局领导班子", "本单位干部职工", 40, 30, 18, 9, 2, 1, "60%", "90.0%"]
    out = import_file(registered, "民主测评.xlsx", xlsx([head, ok_row]), 2025, OFFICE)
    assert out.upload.source == "integrity"
    votes = registered.integrity_counts(2025)
    assert dict(zip(votes["result"], votes["n"], strict=True)) == {
        "优秀": 18,
        "称职": 9,
        "基本称职": 2,
        "不称职": 1,
    }
    # (18*100 + 9*80 + 2*60 + 1*0) / 30 = 88
    assert results.compute(registered, 2025).unit("市教育局领导班子").integrity == pytest.approx(
        88.0
    )
    bad = ["市教育局领导班子", "服务对象", 40, 20, 10, 6, 2, 2, "60%", "80%"]
    parsed = prepare(registered, "民主测评2.xlsx", xlsx([head, bad]), 2025)
    text = [str(p) for p in parsed.problems]
    assert len(text) == 1 and "优秀率" in text[0] and "10/20 = 50.0%" in text[0]
    assert any("未超过应到 40 人的半数" in n for n in parsed.notes)
    fixed = ["市教育局领导班子", "服务对象", 40, 20, 10, 6, 2, 2, "50%", "80%"]
    import_file(registered, "民主测评2.xlsx", xlsx([head, fixed]), 2025, OFFICE)
    from scoring.quality import quorum_flags

    flags = quorum_flags(registered, 2025)
    assert flags[["测评范围", "应到人数", "实到人数", "到会率"]].values.tolist() == [
        ["服务对象", 40, 20, "50.0%"]
    ]


def test_an_old_xls_workbook_is_read_like_xlsx(registered):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("问卷", cell_overwrite_ok=True)
    for c, h in enumerate(["问卷编号", "被评单位", "评议人类别", *ITEMS]):
        ws.write(0, c, h)
    for c, v in enumerate(["X1", "市教育局", "群众", *["基本满意"] * 6]):
        ws.write(1, c, v)
    for c, v in enumerate(["X2", "市教育厅", "群众", *["满意"] * 6]):
        ws.write(2, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = prepare(registered, "旧问卷.xls", buf.getvalue(), 2025)
    text = [str(p) for p in parsed.problems]
    assert len(text) == 1 and "工作表「问卷」 第 3 行「被评单位」列（B 列）" in text[0]
    ws.write(2, 1, "市教育局")
    buf = io.BytesIO()
    wb.save(buf)
    out = import_file(registered, "旧问卷.xls", buf.getvalue(), 2025, OFFICE)
    assert out.upload.rows == 2
    assert results.compute(registered, 2025).unit("市教育局").appraisal == pytest.approx(80.0)


def test_every_sheet_with_data_is_imported_or_named(registered):
    perf = [["考核对象", "工作效率"], ["市教育局", 90]]
    data = xlsx(
        [["问卷编号", "被评单位", "评议人类别", *ITEMS], ["Z1", "市教育局", "群众", *["满意"] * 6]],
        extra_sheets={"绩效": perf},
    )
    out = import_file(registered, "混合.xlsx", data, 2025, OFFICE)
    assert out.upload.source == "appraisal"
    assert any("「绩效」未导入" in n and "--source performance" in n for n in out.notes)
    again = import_file(registered, "混合.xlsx", data, 2025, OFFICE, source="performance")
    assert again.created and registered.row_counts()["performance_scores"] == 1


def test_a_hidden_sheet_with_data_is_named():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["考核对象", "工作效率"])
    wb.active.append(["市教育局", 90])
    hidden = wb.create_sheet("补录")
    hidden.append(["考核对象", "工作效率"])
    hidden.append(["市财政局", 70])
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    from scoring.sheets import Registry, parse_file

    reg = Registry.from_frame(
        __import__("pandas").DataFrame(
            [{"name": n, "aliases": [], "type": "部门"} for n in ("市教育局", "市财政局")]
        )
    )
    parsed = parse_file("隐藏.xlsx", buf.getvalue(), scheme=default_scheme(), registry=reg)
    assert parsed.ok and parsed.rows == 1
    assert "工作表「补录」未导入：隐藏的工作表" in parsed.notes
    wb = Workbook()
    wb.active.title = "空白"
    hidden = wb.create_sheet("补录")
    hidden.append(["考核对象", "工作效率"])
    hidden.append(["市财政局", 70])
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    only_hidden = parse_file("隐藏.xlsx", buf.getvalue(), scheme=default_scheme(), registry=reg)
    assert "数据只在隐藏的工作表「补录」中" in str(only_hidden.problems[0])


@pytest.mark.parametrize("cell", ["8,5", "1,200", "8_5"])
def test_numbers_with_commas_or_underscores_are_refused(registered, cell):
    parsed = prepare(
        registered, "绩效.xlsx", xlsx([["考核对象", "工作效率"], ["市教育局", cell]]), 2025
    )
    text = [str(p) for p in parsed.problems]
    assert len(text) == 1 and f"值「{cell}」" in text[0] and "第 2 行" in text[0]
    assert "B 列" in text[0]


def test_unused_columns_are_refused_until_the_user_chooses(registered):
    rows = [["考核对象", "工作效率", "备注"], ["市教育局", 90, "抽查"]]
    parsed = prepare(registered, "绩效.xlsx", xlsx(rows), 2025)
    assert "「备注」（C 列）" in str(parsed.problems[0]) and "--map '列名=-'" in str(
        parsed.problems[0]
    )
    assert import_file(registered, "绩效.xlsx", xlsx(rows), 2025, OFFICE, mapping={"备注": "-"})


def test_survey_evidence_is_flagged_per_unit_with_counts(registered):
    """Bursts, fast answers and many ballots from one address are counted per unit
    (evidence only: every ballot stays)."""
    from scoring.quality import survey_checks

    rows = [WJX_HEAD]
    for k in range(6):  # 6 ballots two seconds apart, 3 of them in 5 s, one address
        row = wjx_row(k + 1, "市教育局", ["满意"] * 6, second=2 * k, ip="10.9.8.7(江苏-南京)")
        row[2] = "5秒" if k < 3 else "2分10秒"
        rows.append(row)
    rows.append(wjx_row(7, "市财政局", ["满意"] * 6, second=30, ip="10.1.1.1"))
    import_file(registered, "问卷星.xlsx", xlsx(rows), 2025, OFFICE, mapping=WJX_MAP)
    checks = survey_checks(registered, 2025, burst_seconds=3, burst_min=5, same_address_min=5)
    assert checks.bursts[["单位名称", "集中提交次数", "涉及问卷数"]].values.tolist() == [
        ["市教育局", 1, 6]
    ]
    assert checks.short[["单位名称", "用时过短的问卷数", "有用时记录的问卷数"]].values.tolist() == [
        ["市教育局", 3, 6]
    ]
    assert checks.same_address.values.tolist() == [["市教育局", "10.9.*.*", 6, 6]]
    revealed = survey_checks(registered, 2025, same_address_min=5, reveal_addresses=True)
    assert revealed.same_address["IP 地址"].tolist() == ["10.9.8.7"]
    assert registered.row_counts()["appraisal_answers"] == 7 * 6  # nothing dropped
    import_file(registered, "测评结果.xlsx", wide_tally(), 2025, OFFICE, category="服务对象")
    roster = survey_checks(registered, 2025).roster
    assert roster[["发出数", "收回数", "回收率"]].values.tolist() == [[120, 114, "95.0%"]]


def test_templates_filter_units_by_kind_and_check_numbers_over_whole_columns():
    import pandas as pd
    from openpyxl import load_workbook

    units = pd.DataFrame(
        [
            {"name": "市教育局", "type": "部门", "group": "综合管理类"},
            {"name": "市教育局领导班子", "type": "领导班子", "group": None},
            {"name": "张三", "type": "干部", "group": None},
            {"name": "=HYPERLINK(1)", "type": "窗口", "group": "窗口服务类"},
        ]
    )

    def sheets(source):
        wb = load_workbook(io.BytesIO(template(source, default_scheme(), units)))
        return wb.worksheets[0], wb["选项"]

    ws, options = sheets("integrity")
    assert [c.value for c in options["A"] if c.value] == ["市教育局领导班子", "张三"]
    ws, options = sheets("performance")
    listed = [c for c in options["A"] if c.value]
    assert [c.value for c in listed] == ["市教育局", "=HYPERLINK(1)"]
    assert all(c.data_type == "s" for c in listed)  # text, never a formula
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["C2:C1048576"].type == "custom" and "D2,100" in rules["C2:C1048576"].formula1
    assert rules["A2:A1048576"].type == "list"
    ws, _ = sheets("appraisal-tally")
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["D2:D1048576"].type == "whole" and rules["D2:D1048576"].formula1 == "0"
    ws, options = sheets("units")
    assert [c.value for c in options["E"] if c.value] == ["窗口服务类", "综合管理类"]


def test_templates_are_dated_in_their_year_and_the_registry_has_every_column():
    """The walk-through downloaded 2026's templates and found examples of 2025, a
    registry template without 前身 and 状态, and a 考核类别 list Excel would not let grow."""
    import io

    import pandas as pd
    from openpyxl import load_workbook

    from scoring.templates import case_template

    def sample(data: bytes) -> list:
        return [c.value for c in load_workbook(io.BytesIO(data))["填写示例"][2]]

    units = ["市教育局"]
    assert sample(template("appraisal", default_scheme(), units, 2026))[0] == "2026-000001"
    assert sample(template("performance", default_scheme(), units, 2026))[-1] == "2026-03"
    adjust = sample(template("adjustments", default_scheme(), units, 2026))
    assert adjust[-2:] == ["2026-05-12", "效能办〔2026〕8号"]
    case = sample(case_template(["暗访"], ["办结"], ["属实"], units, 2026))
    assert case[2] == "2026-05-12" and case[4] == "效能办〔2026〕8号"
    registry = pd.DataFrame([{"name": "市教育局", "type": "部门", "group": "综合管理类"}])
    wb = load_workbook(io.BytesIO(template("units", default_scheme(), registry, 2026)))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == [
        "单位名称",
        "简称",
        "类型",
        "上级单位",
        "考核类别",
        "前身",
        "状态",
    ]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["E2:E1048576"].errorStyle == "warning"  # a new 考核类别 may be typed
    assert rules["C2:C1048576"].errorStyle in (None, "stop")  # 类型 stays closed
    assert rules["G2:G1048576"].type == "list"
