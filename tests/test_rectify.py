"""The 整改 ledger: warnings to items, deadlines in working days, the life of an item, roles."""

from __future__ import annotations

from datetime import date

import pytest

from scoring import accounts, checklists, rectify, results
from scoring.accounts import ADMIN, EVALUATOR, LEADER, PermissionDenied, User
from scoring.scheme import default_scheme
from tests.conftest import add_facts, add_units, scheme

OFFICE = User("效能办", ADMIN)
CLERK = User("王录入", EVALUATOR)
BOSS = User("李局长", LEADER)
UNITS = ["甲局", "乙局", "丙局", "丁局", "戊局", "己局"]
SCORES = [95, 90, 85, 80, 75, 50]
INDICATORS = ["工作效率", "工作质量", "工作纪律", "服务态度"]
OPENED = date(2025, 9, 26)  # a Friday before 国庆 2025 (1–8 October off, 28 Sep and 11 Oct worked)


def six_units(store, year=2025) -> dict[str, int]:
    """A group of six scored on 绩效考核 only, one upload per unit; 己局 (50) is last and
    较差: 末位告诫 and 效能告诫. Returns each unit's upload id."""
    add_units(store, [(u, "部门", None, "综合管理类") for u in UNITS])
    return {u: upload(store, u, s, year) for u, s in zip(UNITS, SCORES, strict=True)}


def upload(store, unit, score, year=2025) -> int:
    rows = [{"unit": unit, "indicator": i, "score": score, "max_score": 100} for i in INDICATORS]
    return add_facts(store, year, "performance_scores", rows)


def sync(store, today=OPENED):
    return rectify.sync_warnings(store, OFFICE, results.compute(store, 2025), today=today)


def by_key(store):
    return {(i.unit, i.origin_ref): i for i in rectify.items(store, 2025, today=OPENED)}


def clerk_account(store) -> None:
    """王录入's account: units are assigned to an existing 录入员 only."""
    accounts.add_user(store, CLERK.name, "clerk-password-1", EVALUATOR, by=OFFICE)


# -- warnings open exactly one item each --------------------------------------------------


def test_each_warning_opens_one_item_and_recomputation_opens_none(store):
    six_units(store)
    report = sync(store)
    assert sorted(report.opened) == [("己局", "效能告诫"), ("己局", "末位告诫")]
    found = by_key(store)
    assert set(found) == {("己局", "末位告诫"), ("己局", "效能告诫")}
    last = found[("己局", "末位告诫")]
    assert last.status == rectify.DRAFTING and last.origin == "告诫"
    assert "综合管理类第 6 名（共 6 个单位）" in last.problem
    assert "综合得分" in last.evidence  # the unit's figures are attached
    again = sync(store)
    assert again.changes == 0 and again.kept == 2
    assert len(rectify.items(store, 2025)) == 2


def test_a_kept_warning_that_now_reads_otherwise_updates_its_item_and_says_so(store):
    """After an upload (or a scheme change) a warning can stay while its reason changes
    (another score, another gap): its item took the new reason only when it was opened,
    so the ledger kept describing figures no page showed any more."""
    six_units(store)
    sync(store)
    before = by_key(store)[("己局", "末位告诫")]
    upload(store, "己局", 60)  # 己局's 绩效考核 now pools 50 and 60: still last, still 较差
    pending = rectify.pending_sync(store, results.compute(store, 2025))
    assert not pending.opened and not pending.revoked and len(pending.updated) == 2
    report = sync(store)
    assert sorted(report.updated) == sorted(i.id for i in by_key(store).values())
    after = by_key(store)[("己局", "末位告诫")]
    assert after.id == before.id and after.status == before.status == rectify.DRAFTING
    assert after.problem != before.problem
    reason = next(
        w.reason for w in results.compute(store, 2025).warnings_for("己局") if w.kind == "末位告诫"
    )
    assert after.problem == f"2025 年度末位告诫：{reason}"
    last = rectify.history(store, after.id).iloc[-1]
    assert last["操作"] == "更新告诫内容" and before.problem in last["说明"]
    assert sync(store).changes == 0


def test_undo_that_removes_a_warning_marks_its_item_revoked_and_a_return_restores(store):
    uploads = six_units(store)
    sync(store)
    first = by_key(store)[("己局", "末位告诫")]
    rectify.set_plan(
        store, OFFICE, first.id, target="年底前退出末位", owner="张三", measures="整改"
    )
    store.undo(uploads["己局"])  # 己局 has no data now: 戊局 is last of five
    pending = rectify.pending_sync(store, results.compute(store, 2025))
    assert len(pending.revoked) == 2 and pending.opened == (("戊局", "末位告诫"),)
    report = sync(store)
    found = by_key(store)
    assert len(found) == 3  # nothing deleted
    assert found[("己局", "末位告诫")].status == rectify.REVOKED
    assert found[("己局", "效能告诫")].status == rectify.REVOKED
    assert found[("戊局", "末位告诫")].status == rectify.DRAFTING
    assert report.opened == (("戊局", "末位告诫"),)
    hist = rectify.history(store, first.id)
    assert hist["新状态"].tolist() == ["待制定", "整改中", "已撤销"]
    upload(store, "己局", 50)  # the data comes back: so do its warnings
    sync(store)
    found = by_key(store)
    assert found[("己局", "末位告诫")].status == rectify.IN_PROGRESS  # its status before
    assert found[("己局", "效能告诫")].status == rectify.DRAFTING
    assert found[("戊局", "末位告诫")].status == rectify.REVOKED
    assert len(found) == 3


# -- deadlines in working days -------------------------------------------------------------


def test_deadlines_count_working_days_with_holidays_by_hand(store):
    six_units(store)
    sync(store, today=OPENED)
    item = by_key(store)[("己局", "末位告诫")]
    # From Fri 26 Sep 2025: 28 Sep (调休 Sunday) 1, 29 Sep 2, 30 Sep 3, 1–8 Oct off,
    # 9 Oct 4, 10 Oct 5, 11 Oct (调休 Saturday) 6, 13–17 Oct 7–11, 20–23 Oct 12–15.
    assert item.plan_due == date(2025, 10, 23)
    assert item.due == date(2025, 12, 26)  # three months on, a Friday
    assert not item.overdue(date(2025, 10, 23))
    assert item.overdue(date(2025, 10, 24))  # the plan is late the next day
    # Three months after 1 July is 1 October, a holiday: the deadline moves to 9 October.
    opened = rectify.open_item(
        store,
        OFFICE,
        2025,
        "甲局",
        "查摆",
        "窗口脱岗",
        scheme=default_scheme(),
        today=date(2025, 7, 1),
    )
    assert opened.due == date(2025, 10, 9)


def test_deadlines_follow_the_scheme_and_default_when_absent(store):
    s = scheme(rectify={"plan_workdays": 5, "complete_months": 1})
    item = rectify.open_item(
        store, OFFICE, 2025, "甲局", "查摆", "问题", scheme=s, today=date(2025, 9, 26)
    )
    # 28 Sep, 29, 30, 9 Oct, 10 Oct; one month on is 26 Oct, a Sunday: Monday 27 Oct.
    assert (item.plan_due, item.due) == (date(2025, 10, 10), date(2025, 10, 27))
    import tomllib

    import tomli_w

    raw = tomllib.loads(default_scheme().text)
    raw.pop("rectify")  # a scheme set before the section existed
    from scoring.scheme import parse

    assert rectify.settings(parse(tomli_w.dumps(raw))) == rectify.Settings()


# -- the life of an item ---------------------------------------------------------------------


def test_life_of_an_item_through_review_and_reopening(store):
    s = default_scheme()
    clerk_account(store)
    rectify.assign_units(store, OFFICE, CLERK.name, ["甲局"])
    item = rectify.open_item(
        store, OFFICE, 2025, "甲局", "意见", "窗口态度生硬", scheme=s, today=OPENED
    )
    i = item.id
    item = rectify.set_plan(store, CLERK, i, target="零投诉", owner="窗口科长", measures="培训")
    assert item.status == rectify.IN_PROGRESS
    rectify.add_progress(store, CLERK, i, "完成全员培训", evidence="培训签到表")
    with pytest.raises(rectify.RectifyError, match="不能销号"):
        rectify.sign_off(store, OFFICE, i, scheme=s, today=date(2025, 11, 3))
    rectify.request_close(store, CLERK, i, "三个月无投诉")
    item = rectify.send_back(store, OFFICE, i, "缺少回访记录")
    assert item.status == rectify.IN_PROGRESS
    rectify.request_close(store, CLERK, i, "补充回访记录")
    item = rectify.sign_off(store, OFFICE, i, scheme=s, today=date(2025, 11, 3))
    assert item.status == rectify.CLOSED
    assert item.closed_on == date(2025, 11, 3) and item.review_due == date(2026, 2, 3)
    # 回头看 falls due by itself: nothing is overdue before, the office owes it after.
    assert item.next_due() == ("回头看", date(2026, 2, 3))
    assert not item.overdue(date(2026, 2, 3)) and item.overdue(date(2026, 2, 4))
    assert [x.id for x in rectify.items(store, 2025, overdue=True, today=date(2026, 2, 4))] == [i]
    item = rectify.review(store, OFFICE, i, False, "暗访又见脱岗", scheme=s, today=date(2026, 2, 4))
    assert item.status == rectify.REDO and item.closed_on is None and item.review_due is None
    # 30 working days after Wed 4 Feb 2026: 5–6 Feb 1–2, 9–13 Feb 3–7, Sat 14 Feb (调休) 8,
    # 15–23 Feb off (春节), 24–27 Feb 9–12, Sat 28 Feb (调休) 13, 2–20 Mar 14–28, 23–24 Mar.
    assert item.due == date(2026, 3, 24)
    rectify.add_progress(store, CLERK, i, "重新整改：调整岗位")
    rectify.request_close(store, CLERK, i, "整改到位")
    rectify.sign_off(store, OFFICE, i, scheme=s, today=date(2026, 3, 20))
    item = rectify.review(store, OFFICE, i, True, "回头看未发现反弹", scheme=s)
    assert item.status == rectify.HELD and item.next_due() is None
    hist = rectify.history(store, i)
    assert hist["操作"].tolist() == [
        "新建",
        "制定方案",
        "报告进展",
        "申请销号",
        "退回",
        "申请销号",
        "销号",
        "回头看不通过",
        "报告进展",
        "申请销号",
        "销号",
        "回头看通过",
    ]
    assert set(hist["操作人"]) == {"效能办", "王录入"}
    assert "培训签到表" in hist.loc[2, "说明"]
    with pytest.raises(rectify.RectifyError):
        rectify.request_close(store, CLERK, i, "再申请")


# -- roles ------------------------------------------------------------------------------------


def test_roles_a_clerk_updates_their_units_only_the_office_signs_off(store):
    s = default_scheme()
    clerk_account(store)
    rectify.assign_units(store, OFFICE, CLERK.name, ["甲局"])
    mine = rectify.open_item(store, OFFICE, 2025, "甲局", "查摆", "问题一", scheme=s).id
    other = rectify.open_item(store, OFFICE, 2025, "乙局", "查摆", "问题二", scheme=s).id
    with pytest.raises(PermissionDenied, match="不负责「乙局」"):
        rectify.add_progress(store, CLERK, other, "越权")
    lonely = User("赵录入", EVALUATOR)  # no units assigned: none
    with pytest.raises(PermissionDenied):
        rectify.add_progress(store, lonely, mine, "越权")
    rectify.set_plan(store, CLERK, mine, target="t", owner="o", measures="m")
    with pytest.raises(PermissionDenied):  # only the office changes a 时限
        rectify.set_plan(
            store, CLERK, mine, target="t", owner="o", measures="m", due=date(2030, 1, 1)
        )
    rectify.request_close(store, CLERK, mine, "完成")
    for act in (
        lambda u: rectify.sign_off(store, u, mine, scheme=s),
        lambda u: rectify.send_back(store, u, mine, "不行"),
        lambda u: rectify.revoke(store, u, mine, "不要了"),
        lambda u: rectify.open_item(store, u, 2025, "甲局", "查摆", "x", scheme=s),
        lambda u: rectify.assign_units(store, u, "王录入", ["乙局"]),
        lambda u: rectify.sync_warnings(store, u, results.compute(store, 2025)),
    ):
        for who in (CLERK, BOSS, None):
            with pytest.raises(PermissionDenied):
                act(who)
    with pytest.raises(PermissionDenied):
        rectify.add_progress(store, BOSS, mine, "领导不能填报")
    assert rectify.item(store, mine).status == rectify.REQUESTED
    assert accounts.can(BOSS, "view") and not accounts.can(BOSS, "rectify_progress")


def test_revoked_item_stays_and_cannot_move(store):
    s = default_scheme()
    i = rectify.open_item(store, OFFICE, 2025, "甲局", "查摆", "重复登记", scheme=s).id
    rectify.revoke(store, OFFICE, i, "与 1 号重复")
    assert rectify.item(store, i).status == rectify.REVOKED
    with pytest.raises(rectify.RectifyError):
        rectify.set_plan(store, OFFICE, i, target="t", owner="o", measures="m")


# -- 查摆 against check lists ----------------------------------------------------------------


def test_shipped_check_lists_carry_the_seed_items():
    assert checklists.template_names() == [
        "六查六看",
        "八查八看",
        "一对照五查摆",
        "治慢混散满浮懒庸差",
    ]
    six = checklists.template("六查六看")
    assert six.item("一").check == "查一查政务值守"
    assert six.item("六").look == "看是否存在服务意识不强、服务不到位的问题"
    eight = checklists.template("八查八看")
    assert [i.check for i in eight.items] == [
        "查精神状态",
        "查大局观念",
        "查工作作风",
        "查执行落实",
        "查行政值守",
        "查工作纪律",
        "查文明执法",
        "查服务质量",
    ]
    assert [i.code for i in checklists.template("治慢混散满浮懒庸差").items] == list(
        "慢混散满浮懒庸差"
    )
    assert [i.check for i in checklists.template("一对照五查摆").items] == [
        "查思想",
        "查作风",
        "查举措",
        "查机制",
        "查环境",
    ]


def test_a_finding_against_the_years_edited_list_opens_an_item(store):
    text = checklists.template_text("六查六看").replace("查一查政务值守", "查一查值班值守")
    checklists.save(store, OFFICE, 2025, text)
    assert checklists.for_year(store, 2025, "六查六看").item("一").check == "查一查值班值守"
    assert checklists.for_year(store, 2024, "六查六看").item("一").check == "查一查政务值守"
    with pytest.raises(PermissionDenied):
        checklists.save(store, CLERK, 2025, text)
    with pytest.raises(checklists.ChecklistError, match="code 或 check"):
        checklists.save(store, OFFICE, 2025, 'name = "x"\n[[items]]\nlook = "y"\n')
    clerk_account(store)
    rectify.assign_units(store, OFFICE, CLERK.name, ["甲局"])
    item = rectify.record_finding(
        store,
        CLERK,
        2025,
        "甲局",
        "六查六看",
        "一",
        "值班电话无人接听",
        "较重",
        scheme=default_scheme(),
        today=OPENED,
    )
    assert item.origin == "查摆" and item.status == rectify.DRAFTING
    assert "查一查值班值守" in item.problem and "值班电话无人接听" in item.problem
    assert item.plan_due == date(2025, 10, 23)
    found = rectify.findings(store, 2025, "甲局")
    assert found[["item", "severity"]].values.tolist() == [["一", "较重"]]
    with pytest.raises(rectify.RectifyError, match="没有编号为「九」"):
        rectify.record_finding(
            store, CLERK, 2025, "甲局", "六查六看", "九", "x", "一般", scheme=default_scheme()
        )
    with pytest.raises(PermissionDenied):
        rectify.record_finding(
            store, CLERK, 2025, "乙局", "六查六看", "一", "x", "一般", scheme=default_scheme()
        )


# -- stages and what is due -------------------------------------------------------------------


def test_stages_and_what_falls_due_in_them(store):
    s = default_scheme()
    new = [
        rectify.Stage("学习动员", date(2025, 9, 1), date(2025, 9, 30)),
        rectify.Stage("查摆问题", date(2025, 10, 1), date(2025, 10, 31)),
        rectify.Stage("整改落实", date(2025, 11, 1), date(2025, 12, 31)),
    ]
    rectify.set_stages(store, OFFICE, 2025, new)
    assert rectify.stages(store, 2025) == new
    assert rectify.current_stage(new, date(2025, 10, 15)).name == "查摆问题"
    assert rectify.current_stage(new, date(2026, 1, 2)) is None
    with pytest.raises(rectify.RectifyError, match="应在「学习动员」结束之后开始"):
        rectify.set_stages(
            store, OFFICE, 2025, [new[0], rectify.Stage("x", date(2025, 9, 5), date(2025, 9, 9))]
        )
    with pytest.raises(PermissionDenied):
        rectify.set_stages(store, CLERK, 2025, new)
    rectify.open_item(store, OFFICE, 2025, "甲局", "查摆", "p", scheme=s, today=OPENED)
    due = rectify.due_between(rectify.items(store, 2025), new[1].start, new[1].finish)
    assert [(what, day) for _, what, day in due] == [("整改方案", date(2025, 10, 23))]


def test_cli_json_keys(store):
    s = default_scheme()
    rectify.open_item(
        store, OFFICE, 2025, "甲局", "查摆", "p", owner="张三", scheme=s, today=OPENED
    )
    recs = rectify.records(rectify.items(store, 2025), today=date(2026, 1, 1))
    assert recs == [
        {
            "id": 1,
            "unit": "甲局",
            "origin": "查摆",
            "problem": "p",
            "owner": "张三",
            "due": "2025-12-26",
            "status": "待制定",
            "overdue": True,
        }
    ]


def test_a_verified_case_opens_one_item_linked_by_its_id(store):
    from scoring import cases

    add_units(store, [("甲局", "部门", None, "综合管理类")])
    s = default_scheme()
    true_id, number = cases.register_case(
        store,
        OFFICE,
        year=2025,
        unit="甲局",
        source="暗访",
        date="2025-09-01",
        finding="窗口工作人员脱岗",
        on="2025-09-01",
    )
    false_id, _ = cases.register_case(
        store,
        OFFICE,
        year=2025,
        unit="甲局",
        source="效能投诉",
        date="2025-09-02",
        finding="投诉办事拖拉",
        on="2025-09-02",
    )
    cases.verify(store, OFFICE, true_id, "属实", points=-1, on="2025-09-03")
    cases.verify(store, OFFICE, false_id, "不属实", on="2025-09-04")
    item = rectify.open_from_case(store, OFFICE, 2025, true_id, scheme=s, today=OPENED)
    assert (item.unit, item.origin, item.origin_ref) == ("甲局", "案件", str(true_id))
    assert item.problem == f"案件 {number}（暗访）：窗口工作人员脱岗"
    assert "核实结果：属实" in item.evidence
    assert rectify.verified_cases(store, 2025)["item_id"].tolist() == [item.id]
    with pytest.raises(rectify.RectifyError, match="已有来源为案件"):
        rectify.open_from_case(store, OFFICE, 2025, true_id, scheme=s)
    with pytest.raises(rectify.RectifyError, match="已核实"):
        rectify.open_from_case(store, OFFICE, 2025, false_id, scheme=s)
    with pytest.raises(PermissionDenied):
        rectify.open_from_case(store, CLERK, 2025, true_id, scheme=s)


def test_the_scheme_names_which_warnings_open_items(store):
    from tests.conftest import scheme_text

    six_units(store)
    store.set_scheme(2025, "只对末位", scheme_text(rectify={"warning_kinds": ["末位告诫"]}), "t")
    assert sync(store).opened == (("己局", "末位告诫"),)


def signed_off(store, on: date) -> int:
    """An item of 甲局 signed off on ``on`` (its 回头看 falls due 3 months later)."""
    s = default_scheme()
    i = rectify.open_item(store, OFFICE, 2025, "甲局", "查摆", "窗口脱岗", scheme=s, today=OPENED)
    rectify.set_plan(store, OFFICE, i.id, target="在岗", owner="窗口科长", measures="考勤")
    rectify.request_close(store, OFFICE, i.id, "一个月无脱岗")
    return rectify.sign_off(store, OFFICE, i.id, scheme=s, today=on).id


def test_review_is_never_on_the_day_of_sign_off(store):
    s = default_scheme()
    i = signed_off(store, date(2025, 11, 3))  # 回头看 due Tue 3 Feb 2026
    for passed in (True, False):
        with pytest.raises(rectify.RectifyError, match=r"于 2025-11-03 销号.*不能在销号当日"):
            rectify.review(
                store,
                OFFICE,
                i,
                passed,
                "看过了",
                scheme=s,
                today=date(2025, 11, 3),
                early_reason="领导要求",  # a reason does not make the same day a re-check
            )
    # It says from when an early 回头看 (with a reason) can be made.
    assert rectify.review_timing(rectify.item(store, i), date(2025, 11, 3)).endswith(
        "；最早可于次日（2025-11-04）起提前回头看，通过须说明理由。"
    )
    with pytest.raises(PermissionDenied):  # who first: a leader hears no dates
        rectify.review(store, BOSS, i, True, "看过了", scheme=s, today=date(2025, 11, 3))
    assert rectify.item(store, i).status == rectify.CLOSED
    assert rectify.history(store, i)["操作"].iloc[-1] == "销号"  # nothing written


def test_an_early_pass_needs_a_reason_and_the_history_keeps_it(store):
    s = default_scheme()
    i = signed_off(store, date(2025, 11, 3))
    early = date(2025, 12, 1)
    assert "回头看时间为 2026-02-03，尚未到期" in rectify.review_timing(
        rectify.item(store, i), early
    )
    assert rectify.review_timing(rectify.item(store, i), date(2026, 2, 3)) is None  # due
    with pytest.raises(rectify.RectifyError, match="尚未到期：提前通过须说明理由"):
        rectify.review(store, OFFICE, i, True, "未见反弹", scheme=s, today=early)
    done = rectify.review(
        store, OFFICE, i, True, "未见反弹", scheme=s, today=early, early_reason="专项督查提前复查"
    )
    assert done.status == rectify.HELD
    assert rectify.history(store, i)["说明"].iloc[-1] == (
        "未见反弹（提前回头看，原定 2026-02-03：专项督查提前复查）"
    )


def test_a_problem_seen_again_fails_review_early_without_more_words(store):
    s = default_scheme()
    i = signed_off(store, date(2025, 11, 3))
    done = rectify.review(
        store, OFFICE, i, False, "暗访又见脱岗", scheme=s, today=date(2025, 12, 1)
    )
    # 30 working days after Mon 1 Dec 2025: 2–31 Dec 1–22, 1–3 Jan off (元旦), Sun 4 Jan
    # (调休) 23, 5–9 Jan 24–28, 12–13 Jan 29–30.
    assert done.status == rectify.REDO and done.due == date(2026, 1, 13)
    assert rectify.history(store, i)["说明"].iloc[-1] == (
        "暗访又见脱岗（提前回头看，原定 2026-02-03）（重新整改，时限 2026-01-13）"
    )


def test_an_item_imported_as_signed_off_has_no_date_to_hold_its_review_to(store):
    s = default_scheme()
    item = rectify.open_item(
        store, OFFICE, 2025, "甲局", "查摆", "旧账", scheme=s, status=rectify.CLOSED, today=OPENED
    )
    assert item.closed_on is None and rectify.review_timing(item, OPENED) is None
    done = rectify.review(store, OFFICE, item.id, True, "已核", scheme=s, today=OPENED)
    assert done.status == rectify.HELD
