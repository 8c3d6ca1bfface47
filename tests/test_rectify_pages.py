"""整改台账 and its blocks on other pages, under AppTest, on a copy of the demo city."""

from __future__ import annotations

import shutil

import pytest

from scoring import accounts, opinions, rectify, results
from scoring.accounts import ADMIN, EVALUATOR, LEADER, User
from scoring.store import Store
from tests.test_pages import run_app

OFFICE = User("效能办", ADMIN)
CLERK = User("王录入", EVALUATOR)
BOSS = User("李局长", LEADER)


@pytest.fixture
def demo_copy(app_db, demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    with Store(path) as s, s.transaction() as cur:  # publishing may have synced the demo
        cur.execute("DELETE FROM rectify_items")
        cur.execute("DELETE FROM rectify_history")
    app_db(path)
    return path


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_office_syncs_warnings_and_every_page_shows_the_items(demo_copy):
    with Store(demo_copy) as s:
        warns = results.compute(s, 2025).warnings
    at = run_app("pages/rectify.py")
    assert "条告诫尚无整改事项" in at.warning[0].value
    button(at, "同步告诫整改").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == (
        f"已同步告诫整改：新建 {len(warns)} 项，撤销 0 项，恢复 0 项，更新告诫事由 0 项。"
    )
    table = at.dataframe[0].value
    assert len(table) == len(warns) and set(table["来源"]) == {"告诫"}
    assert set(table["状态"]) == {"待制定"}
    assert not any("尚无整改事项" in w.value for w in at.warning)

    at = run_app("pages/warnings_list.py")
    status = at.dataframe[0].value["整改状态"]
    assert status.str.startswith("待制定（编号 ").all()

    at = run_app("pages/profile.py", state={"profile_unit": "市信访局"})
    assert any(s.value.startswith("整改事项（") for s in at.subheader)
    items = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    assert any(p.startswith("2025 年度末位告诫：") for p in items["问题"])
    assert any(p.startswith("2025 年度效能告诫：") for p in items["问题"])


def test_clerk_reports_progress_for_their_unit_and_the_leader_only_reads(demo_copy):
    with Store(demo_copy) as s:
        accounts.add_user(s, CLERK.name, "clerk-password-1", accounts.EVALUATOR, by=OFFICE)
        rectify.assign_units(s, OFFICE, CLERK.name, ["市信访局"])
        rectify.sync_warnings(s, OFFICE, results.compute(s, 2025))
        mine = rectify.items(s, 2025, unit="市信访局")[0]
    at = run_app("pages/rectify.py", user=CLERK)
    assert at.multiselect(key="rf_unit").value == ["市信访局"]
    # The headline counts the clerk's units, as the list below shows them.
    with Store(demo_copy) as s:
        theirs = rectify.items(s, 2025, unit=["市信访局"])
    assert {m.label: m.value for m in at.metric}["整改事项"] == str(len(theirs))
    assert set(at.dataframe[0].value["单位"]) == {"市信访局"}
    at.selectbox(key="rectify_item").set_value(mine.id).run()
    at.text_input[0].input("办结率达到 95%")
    at.text_input[1].input("科长张三")
    at.text_area[1].input("每周通报办理进度")
    button(at, "保存方案").click().run()
    assert not at.exception and at.success[0].value == "整改方案已保存。"
    with Store(demo_copy) as s:
        assert rectify.item(s, mine.id).status == rectify.IN_PROGRESS
        assert rectify.history(s, mine.id)["操作人"].tolist() == [OFFICE.name, CLERK.name]
    assert not any(b.label == "销号" for b in at.button)  # the office's form is not shown

    at = run_app("pages/rectify.py", user=BOSS)
    assert not any(b.label in ("保存方案", "报告进展", "销号", "同步告诫整改") for b in at.button)
    assert len(at.tabs) == 3


def test_leader_does_not_see_hidden_comments_on_the_profile(demo_copy):
    with Store(demo_copy) as s:
        frame = opinions.comments(s, OFFICE, 2025, "市信访局")
        key, text = frame.iloc[0]["key"], frame.iloc[0]["text"]
        opinions.review(
            s,
            OFFICE,
            2025,
            key,
            tag="态度生硬",
            hidden=True,
            scheme=results.compute(s, 2025).scheme,
        )
    at = run_app("pages/profile.py", user=BOSS, state={"profile_unit": "市信访局"})
    shown = next(d.value for d in at.dataframe if "意见建议" in d.value.columns)
    assert opinions.HIDDEN_TEXT in set(shown["意见建议"])
    assert "意见建议分类：态度生硬 1 条" in [c.value for c in at.caption]
    at = run_app("pages/profile.py", state={"profile_unit": "市信访局"})
    shown = next(d.value for d in at.dataframe if "意见建议" in d.value.columns)
    assert text in set(shown["意见建议"])


def test_office_edits_the_years_check_list_on_the_page(demo_copy):
    from scoring import checklists

    at = run_app("pages/rectify.py")
    area = at.text_area(key="rectify_cl_六查六看")
    area.input(area.value.replace("查一查政务值守", "查一查值班值守")).run()
    button(at, "保存为本年度清单").click().run()
    assert not at.exception and at.success[0].value == "检查清单已保存。"
    with Store(demo_copy) as s:
        assert checklists.for_year(s, 2025, "六查六看").item("一").check == "查一查值班值守"
    assert "本年度修订版" in " ".join(c.value for c in at.caption)


def test_office_signs_off_on_the_page_and_the_review_falls_due(demo_copy):
    with Store(demo_copy) as s:
        rectify.sync_warnings(s, OFFICE, results.compute(s, 2025))
        item = rectify.items(s, 2025, unit="市信访局")[0]
        rectify.set_plan(s, OFFICE, item.id, target="t", owner="o", measures="m")
        rectify.request_close(s, OFFICE, item.id, "整改完成")
    at = run_app("pages/rectify.py")
    at.selectbox(key="rectify_item").set_value(item.id).run()
    assert not any(b.label == "报告进展" for b in at.button)  # nothing for the unit to do now
    at.text_area(key="rectify_office_note").input("材料齐全，同意销号")
    button(at, "销号").click().run()
    assert not at.exception and at.success[0].value == "已销号。"
    with Store(demo_copy) as s:
        done = rectify.item(s, item.id)
        assert done.status == rectify.CLOSED and done.next_due()[0] == "回头看"
        assert rectify.history(s, item.id)["说明"].iloc[-1] == "材料齐全，同意销号"


def test_the_page_says_when_review_is_due_and_asks_why_it_is_early(demo_copy):
    from datetime import date, timedelta

    signed = date.today() - timedelta(days=10)
    with Store(demo_copy) as s:
        rectify.sync_warnings(s, OFFICE, results.compute(s, 2025))
        item = rectify.items(s, 2025, unit="市信访局")[0]
        rectify.set_plan(s, OFFICE, item.id, target="t", owner="o", measures="m")
        rectify.request_close(s, OFFICE, item.id, "整改完成")
        due = rectify.sign_off(s, OFFICE, item.id, scheme=item_scheme(s), today=signed).review_due
        same = rectify.items(s, 2025, unit="市信访局")[1]  # signed off today
        rectify.set_plan(s, OFFICE, same.id, target="t", owner="o", measures="m")
        rectify.request_close(s, OFFICE, same.id, "整改完成")
        rectify.sign_off(s, OFFICE, same.id, scheme=item_scheme(s))
    at = run_app("pages/rectify.py")
    at.selectbox(key="rectify_item").set_value(item.id).run()
    assert any(f"回头看时间为 {due.isoformat()}，尚未到期" in w.value for w in at.warning)
    at.text_area(key="rectify_office_note").input("未见反弹")
    button(at, "回头看通过").click().run()
    assert any("提前通过须说明理由" in e.value for e in at.error)
    at.text_input(key="rectify_early_reason").input("专项督查提前复查")
    button(at, "回头看通过").click().run()
    assert not at.exception and at.success[0].value == "回头看通过。"
    with Store(demo_copy) as s:
        assert rectify.item(s, item.id).status == rectify.HELD
        assert "专项督查提前复查" in rectify.history(s, item.id)["说明"].iloc[-1]
    at.selectbox(key="rectify_item").set_value(same.id).run()
    assert any("不能在销号当日或之前进行" in w.value for w in at.warning)
    assert button(at, "回头看通过").disabled and button(at, "回头看不通过").disabled
    assert not any(t.key == "rectify_early_reason" for t in at.text_input)  # no reason helps


def item_scheme(store):
    from scoring.scheme import for_year

    return for_year(store, 2025)[0]


def test_an_early_review_is_refused_once_where_its_warning_was(demo_copy):
    """The refusal of a 回头看 before it falls due (no reason given) was said twice: the
    form's warning and, below the buttons, the same sentence as an error."""
    from datetime import date, timedelta

    signed = date.today() - timedelta(days=10)
    with Store(demo_copy) as s:
        rectify.sync_warnings(s, OFFICE, results.compute(s, 2025))
        item = rectify.items(s, 2025, unit="市信访局")[0]
        rectify.set_plan(s, OFFICE, item.id, target="t", owner="o", measures="m")
        rectify.request_close(s, OFFICE, item.id, "整改完成")
        rectify.sign_off(s, OFFICE, item.id, scheme=item_scheme(s), today=signed)
    at = run_app("pages/rectify.py")
    at.selectbox(key="rectify_item").set_value(item.id).run()

    def said() -> list[str]:
        return [e.value for e in [*at.warning, *at.error] if "尚未到期" in e.value]

    assert len(said()) == 1 and said()[0] in [w.value for w in at.warning]
    at.text_area(key="rectify_office_note").input("未见反弹")
    button(at, "回头看通过").click().run()
    assert len(said()) == 1 and said()[0] in [e.value for e in at.error]  # once, as refused
    assert "提前通过须说明理由" in said()[0]
    # Another refusal is said below the buttons, with the warning still in place.
    at.text_area(key="rectify_office_note").input("")
    button(at, "回头看不通过").click().run()
    assert len(said()) == 1 and said()[0] in [w.value for w in at.warning]
    assert any("回头看情况" in e.value for e in at.error)
    with Store(demo_copy) as s:
        assert rectify.item(s, item.id).status == rectify.CLOSED


def test_a_refused_entry_keeps_what_was_typed_and_no_unit_is_chosen_for_the_office(demo_copy):
    """Walk-through: forms that cleared themselves on a refusal put the list's first unit
    back, so the next click opened the item for that unit."""
    at = run_app("pages/rectify.py")
    assert at.selectbox(key="rectify_new_unit").value is None
    at.text_area(key="rectify_new_problem").input("窗口排队时间过长")
    button(at, "建立").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["请选择单位：整改事项记在哪个单位名下不能为空。"]
    assert at.text_area(key="rectify_new_problem").value == "窗口排队时间过长"
    units = at.selectbox(key="rectify_new_unit").options
    at.selectbox(key="rectify_new_unit").set_value(units[-1])
    at.text_area(key="rectify_new_problem").input("")
    button(at, "建立").click().run()
    assert [e.value for e in at.error] == ["问题不能为空。"]
    assert at.selectbox(key="rectify_new_unit").value == units[-1]  # not the first unit
    at.text_area(key="rectify_new_problem").input("窗口排队时间过长")
    button(at, "建立").click().run()
    assert not at.error and at.success[0].value == "整改事项已建立。"
    with Store(demo_copy) as s:
        (made,) = [i for i in rectify.items(s, 2025) if i.problem == "窗口排队时间过长"]
        assert made.unit == units[-1]
    assert at.selectbox(key="rectify_new_unit").value is None  # the next one starts empty
    assert at.text_area(key="rectify_new_problem").value == ""


def test_the_clerks_progress_is_kept_when_refused_and_emptied_once_stored(demo_copy):
    with Store(demo_copy) as s:
        accounts.add_user(s, CLERK.name, "clerk-password-1", accounts.EVALUATOR, by=OFFICE)
        rectify.assign_units(s, OFFICE, CLERK.name, ["市信访局"])
        rectify.sync_warnings(s, OFFICE, results.compute(s, 2025))
        mine = rectify.items(s, 2025, unit="市信访局")[0]
        rectify.set_plan(s, OFFICE, mine.id, target="t", owner="o", measures="m")
    at = run_app("pages/rectify.py", user=CLERK)
    at.selectbox(key="rectify_item").set_value(mine.id).run()
    at.text_input(key=f"rectify_evidence_{mine.id}").input("效办〔2025〕9号")
    button(at, "申请销号").click().run()  # no 整改结果
    assert [e.value for e in at.error] == ["整改结果不能为空。"]
    assert at.text_input(key=f"rectify_evidence_{mine.id}").value == "效办〔2025〕9号"
    at.text_area(key=f"rectify_note_{mine.id}").input("已完成窗口人员培训")
    button(at, "报告进展").click().run()
    assert not at.error and at.success[0].value == "进展已记录。"
    assert at.text_area(key=f"rectify_note_{mine.id}").value == ""
    assert at.text_input(key=f"rectify_evidence_{mine.id}").value == ""
    with Store(demo_copy) as s:
        assert rectify.history(s, mine.id)["说明"].iloc[-1].startswith("已完成窗口人员培训")


def test_the_ledger_names_each_warnings_kind_and_the_note_goes_after_sign_off(demo_copy):
    """Walk-through: the list said 「告诫」 for every item of a unit (末位告诫 or 效能告诫 only
    in the cut-off 问题), and 审核意见 kept its text after 销号."""
    with Store(demo_copy) as s:
        rectify.sync_warnings(s, OFFICE, results.compute(s, 2025))
        found = rectify.items(s, 2025)
        item = next(i for i in found if i.warning_kind == "末位告诫")
        rectify.set_plan(s, OFFICE, item.id, target="t", owner="o", measures="m")
        rectify.request_close(s, OFFICE, item.id, "整改完成")
    kinds = {i.id: i.origin_ref for i in found}
    assert {"末位告诫", "效能告诫"} <= set(kinds.values())
    at = run_app("pages/rectify.py")
    table = at.dataframe[0].value
    assert list(table.columns[:5]) == ["编号", "单位", "来源", "告诫类型", "状态"]
    assert dict(zip(table["编号"], table["告诫类型"], strict=True)) == kinds
    at.selectbox(key="rectify_item").set_value(item.id).run()
    assert any(h.value.endswith("（末位告诫，申请销号）") for h in at.subheader)
    at.text_area(key="rectify_office_note").input("材料齐全，同意销号")
    button(at, "销号").click().run()
    assert not at.exception and at.success[0].value == "已销号。"
    assert at.text_area(key="rectify_office_note").value == ""
    with Store(demo_copy) as s:
        assert rectify.history(s, item.id)["说明"].iloc[-1] == "材料齐全，同意销号"


def test_a_clerk_without_units_is_told_why_everything_only_reads(demo_copy):
    with Store(demo_copy) as s:
        accounts.add_user(s, CLERK.name, "clerk-password-1", accounts.EVALUATOR, by=OFFICE)
        rectify.sync_warnings(s, OFFICE, results.compute(s, 2025))
    at = run_app("pages/rectify.py", user=CLERK)
    assert [i.value for i in at.info] == [
        "您没有负责整改的单位，以下整改事项只能查看；"
        "如需更新进展或记录查摆问题，请联系管理员（效能办）为您分配负责单位。"
    ]
    with Store(demo_copy) as s:
        rectify.assign_units(s, OFFICE, CLERK.name, ["市信访局"])
    at = run_app("pages/rectify.py", user=CLERK)
    assert not at.info
