"""Reading and checking score sheets (scoring/sheets.py), on messy files made here."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from scoring.scheme import default_scheme
from scoring.sheets import MAX_UPLOAD_BYTES, Registry, parse_file
from tests.conftest import scheme
from tests.sheetmaker import csv_bytes, xlsx

UNITS = pd.DataFrame(
    [
        {"name": "市市场监督管理局", "aliases": ["市市场监管局", "市场监管局"], "type": "部门"},
        {"name": "市教育局", "aliases": [], "type": "部门"},
        {"name": "市教育局领导班子", "aliases": [], "type": "领导班子"},
        {"name": "市教育局办公室", "aliases": [], "type": "科室"},
    ]
)
REG = Registry.from_frame(UNITS)
ITEMS = list(default_scheme().items)


def parse(name, data, source=None, sch=None):
    return parse_file(name, data, scheme=sch or default_scheme(), registry=REG, source=source)


def messages(parsed):
    return [str(p) for p in parsed.problems]


def test_messy_ballot_sheet_is_read_as_the_office_means_it():
    header = [
        "问 卷 编 号",
        "评议对象",
        "评议人身份",
        "工作作风",
        "\u3000工作效率 ",  # full-width and trailing spaces
        "服务质量",
        "依法行政",
        "廉洁自律",
        "总体评价",
        "意见",
    ]
    rows = [
        header,
        [
            "０００１",
            "市市场监管局",
            "服务对象",
            "满意",
            "基本满意 ",
            "不满意",
            "不了解",
            None,
            "满意",
            "办事快",
        ],
        [None] * 10,  # blank row
        [2, " 市教育局 ", "企业代表", "满意", "满意", "满意", "满意", "满意", "满意", None],
        ["合计", None, None, None, None, None, None, None, None, None],
    ]
    parsed = parse("问卷.xlsx", xlsx(rows, title="2025年度万人评议问卷汇总表", start_col=2))
    assert parsed.ok, messages(parsed)
    assert parsed.source == "appraisal" and parsed.rows == 2
    answers = parsed.facts["appraisal_answers"].to_pandas()
    first = answers[answers["ballot"] == "0001"].set_index("item")["answer"]
    assert first.to_dict() == dict(
        zip(ITEMS, ["满意", "基本满意", "不满意", "不了解", "不了解", "满意"], strict=True)
    )
    assert set(answers["unit"]) == {"市市场监督管理局", "市教育局"}
    assert set(answers.loc[answers["ballot"] == "2", "category"]) == {"企业代表"}
    comments = parsed.facts["appraisal_comments"].to_pandas()
    assert comments[["ballot", "text"]].values.tolist() == [["0001", "办事快"]]


def test_every_problem_is_reported_with_file_sheet_row_and_column():
    rows = [
        ["问卷编号", "被评单位", "评议人类别", *ITEMS],
        ["1", "市教育厅", "服务对象", "很满意", *["满意"] * 5],
        ["2", "市教育局", "路人", *["满意"] * 6],
    ]
    parsed = parse("问卷.xlsx", xlsx(rows, sheet="第一批"))
    text = messages(parsed)
    assert len(text) == 3
    unit = next(t for t in text if "市教育厅" in t)
    assert "工作表「第一批」" in unit and "第 2 行" in unit and "「被评单位」列（B 列）" in unit
    assert "市教育局" in unit  # the closest registered names
    answer = next(t for t in text if "很满意" in t)
    assert "（D 列）" in answer and "满意、基本满意、不满意、不了解" in answer
    assert any("路人" in t and "第 3 行" in t and "评议人类别" in t for t in text)


def test_an_answer_alias_is_accepted_only_where_the_scheme_says_so():
    rows = [
        ["问卷编号", "被评单位", "评议人类别", *ITEMS],
        ["1", "市教育局", "服务对象", "非常满意", "较满意", *["满意"] * 4],
    ]
    assert not parse("a.xlsx", xlsx(rows)).ok
    lenient = scheme(appraisal={"aliases": {"非常满意": "满意", "较满意": "基本满意"}})
    parsed = parse("a.xlsx", xlsx(rows), sch=lenient)
    assert parsed.ok
    got = parsed.facts["appraisal_answers"].to_pandas().set_index("item")["answer"]
    assert got[ITEMS[0]] == "满意" and got[ITEMS[1]] == "基本满意"


def test_duplicate_ballot_ids_in_one_file():
    rows = [
        ["问卷编号", "被评单位", "评议人类别", *ITEMS],
        ["7", "市教育局", "服务对象", *["满意"] * 6],
        ["7", "市教育局", "群众", *["满意"] * 6],
    ]
    text = messages(parse("a.xlsx", xlsx(rows)))
    assert len(text) == 1
    assert "第 3 行" in text[0] and "「7」" in text[0] and "与第 2 行重复" in text[0]


def test_tally_sheet_and_its_count_checks():
    rows = [
        ["被评单位", "评议人类别", "评议项目", "满意", "基本满意", "不满意", "不了解"],
        ["市教育局", "服务对象", "工作效率", "12", 3, None, 1],
        ["市教育局", "群众", "工作效率", -1, 2.5, "abc", 0],
    ]
    parsed = parse("汇总.xlsx", xlsx(rows))
    assert parsed.source == "appraisal-tally"
    bad = [m for m in messages(parsed) if "非负整数" in m]
    assert len(bad) == 3 and all("第 3 行" in m for m in bad)
    good = parse("汇总.xlsx", xlsx(rows[:2]))
    assert good.ok
    t = good.facts["appraisal_answers"].to_pandas()
    assert dict(zip(t["answer"], t["n"], strict=True)) == {"满意": 12, "基本满意": 3, "不了解": 1}
    assert t["ballot"].isna().all()


def test_performance_long_and_wide_and_scores_above_max():
    long_rows = [
        ["考核对象", "考核指标", "分数", "满分", "评分人", "月份"],
        ["市教育局办公室", "工作效率", "27", 30, "考核组", "2025年3月"],
        ["市教育局办公室", "工作质量", "31", 30, "考核组", "2025-04"],
        ["市教育局办公室", "工作纪律", "-2", None, "考核组", "2025-04"],
    ]
    parsed = parse("绩效.xlsx", xlsx(long_rows))
    assert parsed.source == "performance"
    text = messages(parsed)
    assert len(text) == 2
    assert any("31" in m and "超过满分 30" in m and "第 3 行" in m for m in text)
    assert any("不能为负数" in m and "第 4 行" in m for m in text)
    ok = parse("绩效.xlsx", xlsx(long_rows[:2]))
    frame = ok.facts["performance_scores"]
    assert frame[["unit", "indicator", "score", "max_score", "month"]].values.tolist() == [
        ["市教育局办公室", "工作效率", 27.0, 30.0, "2025-03"]
    ]
    wide = [
        ["单位名称", "工作效率", "工作质量", "工作纪律", "服务态度"],
        ["市教育局", 90, 88, None, 95],
        ["市教育局办公室", 101, 80, 70, 60],
    ]
    parsed = parse("宽表.csv", csv_bytes(wide))
    assert parsed.source == "performance"
    assert [m for m in messages(parsed) if "超过满分 100" in m and "工作效率" in m and "B 列" in m]
    ok = parse("宽表.csv", csv_bytes(wide[:2]))
    assert ok.ok
    assert sorted(ok.facts["performance_scores"]["indicator"]) == [
        "工作效率",
        "工作质量",
        "服务态度",
    ]


def test_integrity_votes_and_tally():
    votes = [
        ["测评对象", "测评人类别", "测评结果"],
        ["市教育局领导班子", "本单位干部职工", "优秀"],
        ["市教育局领导班子", "服务对象", "良好"],
    ]
    parsed = parse("勤廉.xlsx", xlsx(votes))
    assert parsed.source == "integrity"
    assert any("良好" in m and "优秀、称职、基本称职、不称职" in m for m in messages(parsed))
    tally = [["测评对象", "优秀", "称职", "基本称职", "不称职"], ["市教育局领导班子", 12, 6, 1, 1]]
    t = parse("勤廉汇总.xlsx", xlsx(tally)).facts["integrity_votes"].to_pandas()
    assert dict(zip(t["result"], t["n"], strict=True)) == {
        "优秀": 12,
        "称职": 6,
        "基本称职": 1,
        "不称职": 1,
    }


def test_adjustments():
    rows = [
        ["对象", "事由", "分值", "来源", "日期", "依据"],
        ["市教育局", "暗访发现脱岗", "－2", "暗访", "2025/5/12", "效能办〔2025〕8号"],
        ["市教育局", "表彰", "+3", "表扬", "2025-13-01", None],
    ]
    parsed = parse("加减分.xlsx", xlsx(rows))
    text = messages(parsed)
    assert len(text) == 2
    assert any("表扬" in m and "一票否决" in m for m in text)
    assert any("2025-13-01" in m and "YYYY-MM-DD" in m for m in text)
    ok = parse("加减分.xlsx", xlsx(rows[:2])).facts["adjustments"]
    assert ok["points"].tolist() == [-2.0] and str(ok["date"].iloc[0]) == "2025-05-12"


def test_unit_registry_sheet():
    rows = [
        ["单位名称", "简称", "类型", "上级单位", "考核类别"],
        ["市财政局", "财政局、市财政", "部门", None, "综合管理类"],
        ["市财政局办公室", None, "科室", "市财政局", "综合科室类"],
        ["市财政局", None, "部门", None, None],
        ["某某组", None, "小组", "不存在的局", None],
    ]
    parsed = parse("名录.xlsx", xlsx(rows), source="units")
    text = messages(parsed)
    assert any("重复" in m and "第 4 行" in m for m in text)
    assert any("小组" in m and "单位类型" in m for m in text)
    assert any("不存在的局" in m for m in text)
    ok = parse("名录.xlsx", xlsx(rows[:3]), source="units").facts["units"]
    assert ok["aliases"].iloc[0] == ["财政局", "市财政"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("空.xlsx", xlsx([[None]]), "空的"),
        ("乱.xlsx", xlsx([["姓名", "年龄"], ["张三", 30]]), "表头"),
        (
            "缺列.xlsx",
            xlsx(
                [
                    ["问卷编号", "被评单位", "评议人类别", "工作效率"],
                    ["1", "市教育局", "群众", "满意"],
                ]
            ),
            "缺少列",
        ),
        ("假的.xlsx", b"this is not a spreadsheet at all", "不是有效的 Excel"),
        ("加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "密码"),
        ("旧版.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为"),
        ("零.csv", b"", "0 字节"),
        ("图片.png", b"\x89PNG\r\n", "不支持的文件类型"),
    ],
)
def test_files_that_are_refused_with_a_clear_message(name, data, expected):
    parsed = parse(name, data)
    assert not parsed.ok
    assert any(expected in m and name in m for m in messages(parsed)), messages(parsed)


def test_a_corrupt_xlsx():
    good = xlsx([["问卷编号"], ["1"]])
    parsed = parse("坏.xlsx", good[: len(good) // 2])
    assert not parsed.ok and "损坏" in messages(parsed)[0]


def test_a_zip_bomb_is_refused_before_parsing():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/sharedStrings.xml", b"\0" * (450 * 1024 * 1024))
    parsed = parse("炸弹.xlsx", buf.getvalue())
    assert len(buf.getvalue()) < 2 * 1024 * 1024
    assert not parsed.ok and "解压后" in messages(parsed)[0]


def test_an_oversized_upload_is_refused_before_reading():
    parsed = parse("大.xlsx", b"PK" + b"\0" * (50 * 1024 * 1024))
    assert not parsed.ok and "超过上限" in messages(parsed)[0]
    assert MAX_UPLOAD_BYTES < 50 * 1024 * 1024


def test_gbk_csv_is_read():
    rows = [["对象", "事由", "分值", "来源"], ["市市场监管局", "效能投诉查实", "-1.5", "效能投诉"]]
    parsed = parse("加减分.csv", csv_bytes(rows, "gbk"))
    assert parsed.ok, messages(parsed)
    assert parsed.facts["adjustments"]["unit"].tolist() == ["市市场监督管理局"]


def test_a_sheet_that_fits_two_sources_is_not_guessed():
    parsed = parse("两可.xlsx", xlsx([["单位名称", "类型", "工作效率"], ["市教育局", "部门", 90]]))
    assert parsed.candidates == ("units", "performance") and not parsed.facts
    text = messages(parsed)[0]
    assert "单位名录（用「单位名录」导入；未用的列：工作效率）" in text
    assert "绩效考核（--source performance；未用的列：类型）" in text
    chosen = parse(
        "两可.xlsx",
        xlsx([["单位名称", "类型", "工作效率"], ["市教育局", "部门", 90]]),
        source="performance",
    )
    assert chosen.ok and "未导入的列：「类型」（B 列）" in chosen.notes


def test_a_row_of_answers_is_never_taken_for_a_header():
    """问卷星's first data row (满意, 满意, 基本满意 …) once won over its real header."""
    head = ["序号", "提交答卷时间", "1、您的身份", "2、您评议的单位", *ITEMS]
    rows = [
        head,
        [
            1,
            "2025/11/3 9:15:00",
            "服务对象",
            "市教育局",
            "满意",
            "满意",
            "基本满意",
            "满意",
            "不满意",
            "满意",
        ],
    ]
    parsed = parse("问卷星.xlsx", xlsx(rows))
    assert [p.row for p in parsed.problems] == [1]
    assert parsed.proposal == {"2、您评议的单位": "被评单位"}


def test_an_item_score_summary_without_ballots_says_why_it_needs_them():
    parsed = parse(
        "分项.xlsx", xlsx([["单位名称", *ITEMS, "综合得分"], ["市教育局", *[90] * 6, 90]])
    )
    text = messages(parsed)
    assert len(text) == 1 and "万人评议分项得分汇总" in text[0] and "有效票数" in text[0]
    assert "相当于多少张问卷" in text[0] and not parsed.facts


@pytest.mark.parametrize(
    "ids",
    [
        ["2025-0000001", "2025-0000002", None, "A-7"],  # plain: kept as they are
        ["2025-0000001", "Q 3", "4"],  # a space
        ["12.0", "13", "X14.0"],  # a number written as a float
        ["０００１", "2", "ｑ-5"],  # full-width forms
        ["\t7\n", "8"],
    ],
)
def test_ballot_ids_fold_the_same_with_or_without_the_plain_shortcut(ids, monkeypatch):
    """问卷编号 that are plain ASCII without spaces or ".0" skip the folding (NFKC, spaces,
    a float's ".0"); the ids come out as the folding makes them either way."""
    import numpy as np
    import pyarrow as pa

    from scoring import sheets

    def checked() -> list:
        ctx = sheets._Ctx("f.xlsx", "表", default_scheme(), REG, [])
        col = pa.array(ids, pa.string())
        out = sheets._check_text(
            ctx, col, "问卷编号", "A", np.arange(2, 2 + len(ids)), required=False, ident=True
        )
        return out.to_pylist()

    plain = sheets._plain_ids(pa.array(ids, pa.string()))
    assert plain == (ids[0] == "2025-0000001" and len(ids) == 4)  # only the first is plain
    shortcut = checked()
    monkeypatch.setattr(sheets, "_plain_ids", lambda col: False)
    assert shortcut == checked()


def test_group_labels_above_the_items_make_a_two_row_header():
    """「评议项目」 merged over the six items, the columns beside merged down over both
    header rows (the walk-through's file was refused as missing 被评单位 and 评议人类别)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年度万人评议问卷"])
    ws.append(["问卷编号", "被评单位", "评议人类别", "评议项目", *[None] * 5, "意见建议"])
    ws.append([None, None, None, *ITEMS, None])
    ws.append(
        ["Q1", "市教育局", "服务对象", "满意", "基本满意", "满意", "满意", "不满意", "满意", "快"]
    )
    ws.append(["Q2", "市场监管局", "企业代表", *["满意"] * 6, None])
    for cells in ("A1:J1", "D2:I2", "A2:A3", "B2:B3", "C2:C3", "J2:J3"):
        ws.merge_cells(cells)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse("问卷.xlsx", buf.getvalue())
    assert parsed.ok, messages(parsed)
    assert parsed.rows == 2
    answers = parsed.facts["appraisal_answers"].to_pandas()
    q1 = answers[answers["ballot"] == "Q1"].set_index("item")["answer"].to_dict()
    assert q1 == dict(
        zip(ITEMS, ["满意", "基本满意", "满意", "满意", "不满意", "满意"], strict=True)
    )
    assert set(answers["unit"]) == {"市教育局", "市市场监督管理局"}
