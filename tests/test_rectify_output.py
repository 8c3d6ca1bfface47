"""意见建议 review and routing; the 整改台账 workbook and the printable 上墙公开 page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from scoring import opinions, rectify, rectify_export
from scoring.accounts import ADMIN, LEADER, PermissionDenied, User
from scoring.scheme import default_scheme
from tests.conftest import add_facts

OFFICE = User("效能办", ADMIN)
BOSS = User("李局长", LEADER)


def two_comments(store) -> list[str]:
    add_facts(
        store,
        2025,
        "appraisal_comments",
        [
            {"ballot": "B1", "unit": "甲局", "category": "群众", "text": "窗口办事拖拉，跑了三趟"},
            {"ballot": "B2", "unit": "甲局", "category": "企业代表", "text": "某某是个混蛋"},
        ],
    )
    keys = opinions.comments(store, OFFICE, 2025).set_index("text")["key"]
    return [keys["窗口办事拖拉，跑了三趟"], keys["某某是个混蛋"]]


def test_review_hides_abusive_text_from_leaders_and_counts_by_category(store):
    s = default_scheme()
    slow, rude = two_comments(store)
    opinions.review(store, OFFICE, 2025, slow, tag="效率低下", hidden=False, scheme=s)
    opinions.review(store, OFFICE, 2025, rude, tag="态度生硬", hidden=True, scheme=s)
    seen = opinions.comments(store, BOSS, 2025, "甲局").set_index("key")["text"]
    assert seen[slow] == "窗口办事拖拉，跑了三趟"
    assert seen[rude] == opinions.HIDDEN_TEXT
    office = opinions.comments(store, OFFICE, 2025, "甲局").set_index("key")
    assert office.loc[rude, "text"] == "某某是个混蛋" and bool(office.loc[rude, "hidden"])
    counts = opinions.tag_counts(store, 2025, "甲局")
    assert sorted(counts[["分类", "条数"]].values.tolist()) == [["态度生硬", 1], ["效率低下", 1]]
    with pytest.raises(rectify.RectifyError, match="意见分类应为"):
        opinions.review(store, OFFICE, 2025, slow, tag="乱七八糟", hidden=False, scheme=s)
    with pytest.raises(PermissionDenied):
        opinions.review(store, BOSS, 2025, slow, tag="效率低下", hidden=False, scheme=s)


def test_a_routed_comment_becomes_one_item_for_its_unit(store):
    s = default_scheme()
    slow, _ = two_comments(store)
    opinions.review(store, OFFICE, 2025, slow, tag="效率低下", hidden=False, scheme=s)
    item = opinions.route(store, OFFICE, 2025, slow, scheme=s, today=date(2025, 9, 26))
    assert (item.unit, item.origin, item.status) == ("甲局", "意见", "待制定")
    assert item.problem == "万人评议意见【效率低下】：窗口办事拖拉，跑了三趟"
    assert "群众 问卷 B1" in item.evidence
    with pytest.raises(rectify.RectifyError, match="已有来源为意见"):
        opinions.route(store, OFFICE, 2025, slow, scheme=s)


def test_workbook_has_the_ledger_progress_and_history(store):
    s = default_scheme()
    i = rectify.open_item(
        store, OFFICE, 2025, "甲局", "查摆", '=HYPERLINK("x")', scheme=s, today=date(2025, 9, 26)
    )
    rectify.set_plan(store, OFFICE, i.id, target="零投诉", owner="张三", measures="培训")
    rectify.add_progress(store, OFFICE, i.id, "组织窗口培训", evidence="培训签到表")
    rectify.open_item(
        store, OFFICE, 2025, "乙局", "告诫", "末位告诫", scheme=s, today=date(2025, 9, 26)
    )
    k = rectify.open_item(
        store, OFFICE, 2025, "丙局", "查摆", "窗口脱岗", scheme=s, today=date(2025, 9, 26)
    )
    rectify.set_plan(store, OFFICE, k.id, target="在岗", owner="李四", measures="考勤")
    rectify.request_close(store, OFFICE, k.id, "窗口零投诉，满意率 98%")
    rectify.sign_off(store, OFFICE, k.id, scheme=s, today=date(2025, 10, 10))
    wb = load_workbook(io.BytesIO(rectify_export.workbook(store, 2025, today=date(2026, 1, 5))))
    assert wb.sheetnames == ["整改台账", "分单位进度", "办理记录"]
    ledger = wb["整改台账"]
    header = [c.value for c in ledger[2]]
    assert header == [
        "编号",
        "单位",
        "来源",
        "问题",
        "整改目标",
        "责任人",
        "整改措施",
        "方案时限",
        "整改时限",
        "状态",
        "最新进展",
        "进展日期",
        "整改结果",
        "销号日期",
        "回头看时间",
        "逾期",
    ]
    rows = {r[0].value: dict(zip(header, r, strict=True)) for r in ledger.iter_rows(min_row=3)}
    first = {k: c.value for k, c in rows[1].items()}
    assert first["单位"] == "甲局" and first["问题"] == '=HYPERLINK("x")'
    assert rows[1]["问题"].data_type == "s"
    # Opened Fri 26 Sep 2025: the plan 15 working days on (28 Sep and 11 Oct worked, 1–8
    # Oct off) is Thu 23 Oct; completion 3 months on, Fri 26 Dec; overdue 10 days on 5 Jan.
    assert first["方案时限"].date() == date(2025, 10, 23)
    assert first["整改时限"].date() == date(2025, 12, 26)
    assert rows[1]["整改时限"].number_format == "yyyy-mm-dd"
    assert first["状态"] == "整改中" and first["逾期"] == "整改完成逾期 10 天"
    assert first["最新进展"] == "报告进展：组织窗口培训（佐证：培训签到表）"
    assert first["进展日期"].date() == date.today()  # when it was recorded
    assert first["整改结果"] is None and first["回头看时间"] is None
    # 乙局 never made its plan: both deadlines are past (23 Oct → 5 Jan is 74 days).
    second = {k: c.value for k, c in rows[2].items()}
    assert second["状态"] == "待制定" and second["最新进展"] == "新建"
    assert second["逾期"] == "整改方案逾期 74 天；整改完成逾期 10 天"
    # 丙局 signed off on 10 Oct: 回头看 3 months on, Sat 10 Jan 2026 → Mon 12 Jan; not yet due.
    third = {k: c.value for k, c in rows[3].items()}
    assert third["状态"] == "已销号" and third["整改结果"] == "窗口零投诉，满意率 98%"
    assert third["销号日期"].date() == date(2025, 10, 10)
    assert third["回头看时间"].date() == date(2026, 1, 12)
    assert third["最新进展"] == "销号：回头看时间 2026-01-12" and third["逾期"] is None
    # Printed on A4 landscape, one page wide, the header repeated on every page.
    assert ledger.page_setup.orientation == "landscape" and ledger.page_setup.paperSize == 9
    assert ledger.page_setup.fitToWidth == 1 and ledger.print_title_rows == "$1:$2"
    assert rows[1]["最新进展"].alignment.wrap_text
    progress = {r[0].value: [c.value for c in r] for r in wb["分单位进度"].iter_rows(min_row=3)}
    assert set(progress) == {"甲局", "乙局", "丙局"}
    history = [[c.value for c in r] for r in wb["办理记录"].iter_rows(min_row=3)]
    assert [(h[0], h[4]) for h in history] == [
        (1, "新建"),
        (1, "制定方案"),
        (1, "报告进展"),
        (2, "新建"),
        (3, "新建"),
        (3, "制定方案"),
        (3, "申请销号"),
        (3, "销号"),
    ]


def test_the_reported_result_stands_only_while_it_is_accepted(store):
    """A result sent back is not the item's 整改结果 any more; its reason is the latest."""
    s = default_scheme()
    i = rectify.open_item(store, OFFICE, 2025, "甲局", "查摆", "窗口脱岗", scheme=s)
    rectify.set_plan(store, OFFICE, i.id, target="在岗", owner="李四", measures="考勤")
    rectify.request_close(store, OFFICE, i.id, "已整改")
    table = rectify.ledger_table(
        rectify.items(store, 2025), date(2025, 10, 1), rectify.progress(store, 2025)
    )
    assert table.loc[0, "整改结果"] == "已整改" and table.loc[0, "状态"] == "申请销号"
    rectify.send_back(store, OFFICE, i.id, "无佐证材料")
    table = rectify.ledger_table(
        rectify.items(store, 2025), date(2025, 10, 1), rectify.progress(store, 2025)
    )
    assert table.loc[0, "整改结果"] == "" and table.loc[0, "最新进展"] == "退回：无佐证材料"


def test_public_page_lists_the_units_items_escaped_and_only_for_the_office(store):
    s = default_scheme()
    i = rectify.open_item(store, OFFICE, 2025, "甲局", "查摆", "窗口<b>脱岗</b>", scheme=s)
    rectify.open_item(store, OFFICE, 2025, "甲局", "查摆", "已撤销的问题", scheme=s)
    rectify.revoke(store, OFFICE, 2, "重复")
    rectify.open_item(store, OFFICE, 2025, "乙局", "查摆", "别的单位", scheme=s)
    page = rectify_export.public_page(store, OFFICE, 2025, "甲局", today=date(2025, 10, 1))
    assert "甲局效能问题整改公开" in page and "共 1 项" in page
    assert "窗口&lt;b&gt;脱岗&lt;/b&gt;" in page and "<b>" not in page
    assert "已撤销的问题" not in page and "别的单位" not in page
    assert "<script" not in page and "http" not in page
    assert i.id == 1
    with pytest.raises(PermissionDenied):
        rectify_export.public_page(store, BOSS, 2025, "甲局")


def test_the_import_template_fills_in_and_imports_without_its_example(store):
    from openpyxl import load_workbook

    from scoring import rectify_sheet
    from tests.conftest import add_units

    add_units(
        store, [("市某某局", "部门", None, "综合管理类"), ("甲局", "部门", None, "综合管理类")]
    )
    wb = load_workbook(io.BytesIO(rectify_sheet.template()))
    assert wb.sheetnames == ["整改台账", "填写示例"]
    ws = wb["整改台账"]
    assert [c.value for c in ws[1]] == [
        "单位",
        "问题",
        "来源",
        "整改目标",
        "责任人",
        "时限",
        "状态",
    ]
    assert {str(dv.sqref) for dv in ws.data_validations.dataValidation} == {
        "C2:C1000",
        "G2:G1000",
    }
    ws.append(["甲局", "办件超时", "意见", "零超时", "李四", "2026-01-30", None])
    buf = io.BytesIO()
    wb.save(buf)
    done = rectify_sheet.import_items(store, OFFICE, 2025, "整改.xlsx", buf.getvalue())
    assert (done.added, done.already) == (1, 0)
    (item,) = rectify.items(store, 2025)
    assert (item.unit, item.origin, item.owner, item.due, item.status) == (
        "甲局",
        "意见",
        "李四",
        date(2026, 1, 30),
        "待制定",
    )
    with pytest.raises(PermissionDenied):
        rectify_sheet.import_items(store, BOSS, 2025, "整改.xlsx", buf.getvalue())
