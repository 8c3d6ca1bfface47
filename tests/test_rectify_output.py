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
    rectify.open_item(store, OFFICE, 2025, "乙局", "告诫", "末位告诫", scheme=s)
    wb = load_workbook(io.BytesIO(rectify_export.workbook(store, 2025, today=date(2026, 1, 5))))
    assert wb.sheetnames == ["整改台账", "分单位进度", "办理记录"]
    ledger = wb["整改台账"]
    header = [c.value for c in ledger[2]]
    assert header[:9] == [
        "编号",
        "单位",
        "来源",
        "问题",
        "整改目标",
        "责任人",
        "整改措施",
        "时限",
        "状态",
    ]
    rows = {r[0].value: r for r in ledger.iter_rows(min_row=3)}
    first = [c.value for c in rows[1]]
    assert first[1] == "甲局" and first[3] == '=HYPERLINK("x")' and rows[1][3].data_type == "s"
    assert first[8] == "整改中" and first[10] == "是"  # due 26 Dec 2025, overdue on 5 Jan
    progress = {r[0].value: [c.value for c in r] for r in wb["分单位进度"].iter_rows(min_row=3)}
    assert set(progress) == {"甲局", "乙局"}
    history = [[c.value for c in r] for r in wb["办理记录"].iter_rows(min_row=3)]
    assert [(h[0], h[4]) for h in history] == [(1, "新建"), (1, "制定方案"), (2, "新建")]


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
