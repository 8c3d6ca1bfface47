"""The case register (督查与投诉): a case's life with its working-day deadlines, what a
verified case does to the composite, roles, and overdue at the boundary.

Dates around 国庆 2025 (1–8 October off; Sunday 28 September and Saturday 11 October
worked). With the default limits (受理 1, 调查 3, 处理 10, 回复 13, 办结 15 working days
after the case's date), a case dated Friday 26 September 2025 is due:
受理 28 Sep · 调查 30 Sep · 处理 16 Oct · 回复 21 Oct · 办结 23 Oct (counted by hand:
28, 29, 30 Sep, 9, 10, 11, 13, 14, 15, 16 | 17, 20, 21 | 22, 23 Oct).
"""

from __future__ import annotations

from datetime import date

import pytest

from scoring import cases, results
from scoring.accounts import ADMIN, EVALUATOR, LEADER, PermissionDenied, User
from tests.conftest import add_facts, add_units

ADMIN_U = User("办公室", ADMIN)
LEADER_U = User("王局长", LEADER)
CLERK = User("李四", EVALUATOR, sources=("暗访",))


@pytest.fixture
def city(store):
    add_units(store, [(n, "部门", None, "执法监管类") for n in ("甲局", "乙局", "丙局")])
    add_facts(
        store,
        2025,
        "performance_scores",
        [{"unit": n, "indicator": "工作效率", "score": 80.0} for n in ("甲局", "乙局", "丙局")],
    )
    return store


def _new(store, unit="甲局", source="暗访", day=date(2025, 9, 26), on=date(2025, 9, 28), **kw):
    return cases.register_case(
        store,
        ADMIN_U,
        year=2025,
        unit=unit,
        source=source,
        date=day,
        finding="窗口工作人员上班时间玩手机",
        on=on,
        **kw,
    )


def _row(store, case_id, today):
    frame = cases.register(store, 2025, ADMIN_U, today=today)
    return frame.set_index("id").loc[case_id]


def test_a_case_life_with_its_deadlines(city):
    case_id, number = _new(city, contact="13800000000", reporter="市民张某")
    assert number == "2025-001"
    row = _row(city, case_id, date(2025, 9, 29))
    assert (row["status"], row["next_stage"], row["due"]) == ("受理", "调查", date(2025, 9, 30))
    assert not row["overdue"]
    assert not _row(city, case_id, date(2025, 9, 30))["overdue"]  # the due day itself
    assert _row(city, case_id, date(2025, 10, 1))["overdue"]  # the day after the due day

    cases.advance(city, ADMIN_U, case_id, "调查", on=date(2025, 9, 30))
    row = _row(city, case_id, date(2025, 10, 16))
    assert (row["next_stage"], row["due"], row["overdue"]) == ("处理", date(2025, 10, 16), False)
    with pytest.raises(cases.CaseError, match="尚未核实"):
        cases.advance(city, ADMIN_U, case_id, "处理", on=date(2025, 10, 10))
    cases.verify(city, ADMIN_U, case_id, "属实", points=-2, on=date(2025, 10, 10))
    cases.advance(city, ADMIN_U, case_id, "处理", on=date(2025, 10, 16))
    cases.advance(city, ADMIN_U, case_id, "回复", on=date(2025, 10, 22))
    cases.advance(city, ADMIN_U, case_id, "办结", on=date(2025, 10, 23), note="已回复投诉人")
    with pytest.raises(cases.CaseError, match="只能前进"):
        cases.advance(city, ADMIN_U, case_id, "调查")

    row = _row(city, case_id, date(2025, 12, 1))
    assert row["status"] == "办结" and row["next_stage"] is None and not row["overdue"]
    assert row["days_to_close"] == 15 and not row["closed_late"]
    history = cases.case_history(city, ADMIN_U, case_id)
    assert history["环节"].tolist() == ["受理", "调查", "核实", "处理", "回复", "办结"]
    assert history["期限"].tolist() == [
        date(2025, 9, 28),
        date(2025, 9, 30),
        None,
        date(2025, 10, 16),
        date(2025, 10, 21),
        date(2025, 10, 23),
    ]
    # 回复 on 22 October is one working day late; the others are in time.
    assert history["是否超期"].tolist() == ["", "", "", "", "超期", ""]
    assert set(history["经办人"]) == {"办公室"}
    assert "属实，分值 -2" in history["说明"].iloc[2]


def test_a_verified_case_changes_the_composite_by_its_capped_points(city):
    before = results.compute(city, 2025)
    assert before.unit("甲局").composite == pytest.approx(80.0)
    deducted, _ = _new(city, unit="甲局")
    praised, _ = _new(city, unit="乙局", source="督查")
    false, _ = _new(city, unit="丙局", source="效能投诉")
    # Open and unverified: nothing yet.
    assert results.compute(city, 2025).unit("甲局").composite == pytest.approx(80.0)
    cases.verify(city, ADMIN_U, deducted, "部分属实", points=-1.5, on=date(2025, 10, 9))
    # 乙局 already has +4 from a 加减分 sheet; a verified +3 is capped at +5 in all.
    add_facts(
        city,
        2025,
        "adjustments",
        [{"unit": "乙局", "reason": "省级表彰", "points": 4.0, "source": "表彰"}],
    )
    cases.verify(city, ADMIN_U, praised, "属实", points=3, on=date(2025, 10, 9))
    cases.verify(city, ADMIN_U, false, "不属实", on=date(2025, 10, 9))
    after = results.compute(city, 2025)
    assert after.unit("甲局").composite == pytest.approx(78.5)
    assert after.unit("乙局").composite == pytest.approx(85.0)
    assert after.unit("乙局").adjustment_detail.positive_capped
    assert after.unit("丙局").composite == pytest.approx(80.0)
    assert after.unit("丙局").adjustment_entries == ()
    # The 加减分 sheet row is in the register as a case already 办结, and counted once.
    reg = cases.register(city, 2025, ADMIN_U, with_adjustments=True)
    sheet_rows = reg[reg["origin"] == "加减分表"]
    assert sheet_rows[["unit", "status", "points"]].values.tolist() == [["乙局", "办结", 4.0]]
    entries = after.unit("乙局").adjustment_entries
    assert sorted(p for _, p, _ in entries) == [3.0, 4.0]
    # A corrected verdict (属实 → 不属实) takes the points away again.
    cases.verify(city, ADMIN_U, deducted, "不属实", on=date(2025, 10, 10))
    assert results.compute(city, 2025).unit("甲局").composite == pytest.approx(80.0)


def test_a_verified_veto_case_vetoes_the_unit(city):
    case_id, _ = _new(city, unit="甲局", source="媒体曝光")
    cases.verify(city, ADMIN_U, case_id, "属实", veto=True, on=date(2025, 10, 9))
    r = results.compute(city, 2025)
    assert r.unit("甲局").vetoed and r.unit("甲局").rank == 3
    rows = cases.adjustment_rows(city, 2025, r.scheme)
    assert rows[["source", "basis"]].values.tolist() == [["一票否决", "案件 2025-001"]]


def test_roles(city):
    # 录入员 registers cases for the case sources assigned to them only.
    case_id, _ = cases.register_case(
        city,
        CLERK,
        year=2025,
        unit="甲局",
        source="暗访",
        date=date(2025, 9, 26),
        finding="办事群众排长队无人引导",
        on=date(2025, 9, 26),
    )
    with pytest.raises(PermissionDenied, match="效能投诉"):
        cases.register_case(
            city,
            CLERK,
            year=2025,
            unit="甲局",
            source="效能投诉",
            date=date(2025, 9, 26),
            finding="投诉",
            on=date(2025, 9, 26),
        )
    with pytest.raises(PermissionDenied):
        cases.verify(city, CLERK, case_id, "属实", points=-1)
    with pytest.raises(PermissionDenied):
        cases.advance(city, CLERK, case_id, "调查")
    with pytest.raises(PermissionDenied):
        cases.register_case(
            city,
            LEADER_U,
            year=2025,
            unit="甲局",
            source="暗访",
            date=date(2025, 9, 26),
            finding="x",
        )
    with pytest.raises(PermissionDenied):
        cases.add_accountability(
            city,
            CLERK,
            year=2025,
            unit="甲局",
            person="张三",
            measure="诫勉谈话",
            date=date(2025, 10, 20),
            case_id=case_id,
        )
    # The complainant's contact is the office's only.
    _new(city, contact="13900000000")
    assert cases.register(city, 2025, ADMIN_U)["contact"].dropna().tolist() == ["13900000000"]
    assert cases.register(city, 2025, LEADER_U)["contact"].dropna().tolist() == []
    assert cases.register(city, 2025, CLERK)["contact"].dropna().tolist() == []


def test_units_by_short_name_and_bad_input(city):
    units = city.units()
    units["aliases"] = [["甲"] if n == "甲局" else [] for n in units["name"]]
    city.upsert_units(units)
    case_id, _ = _new(city, unit="甲")  # a 简称 resolves to the registered name
    assert cases.register(city, 2025, ADMIN_U).set_index("id").loc[case_id, "unit"] == "甲局"
    with pytest.raises(cases.CaseError, match="单位名录中没有"):
        _new(city, unit="不存在局")
    with pytest.raises(cases.CaseError, match="案件来源应为"):
        _new(city, source="路边听说")
    with pytest.raises(cases.CaseError, match="早于案件日期"):
        _new(city, on=date(2025, 9, 1))
    with pytest.raises(cases.CaseError, match="不计分值"):
        cases.verify(city, ADMIN_U, case_id, "不属实", points=-2)


def test_accountability_and_unit_file(city):
    case_id, _ = _new(city)
    cases.verify(city, ADMIN_U, case_id, "属实", points=-1, on=date(2025, 10, 9))
    cases.add_accountability(
        city,
        ADMIN_U,
        year=2025,
        unit="甲局",
        person="张三（窗口负责人）",
        measure="诫勉谈话",
        date=date(2025, 10, 20),
        doc_no="效能办〔2025〕12号",
        case_id=case_id,
    )
    with pytest.raises(cases.CaseError, match="问责方式"):
        cases.add_accountability(
            city,
            ADMIN_U,
            year=2025,
            unit="甲局",
            person="李五",
            measure="罚款",
            date=date(2025, 10, 20),
            warning="末位告诫",
        )
    with pytest.raises(cases.CaseError, match="甲局"):
        cases.add_accountability(
            city,
            ADMIN_U,
            year=2025,
            unit="乙局",
            person="李五",
            measure="通报批评",
            date=date(2025, 10, 20),
            case_id=case_id,
        )
    f = cases.unit_file(city, 2025, "甲局", LEADER_U)
    assert f["cases"]["number"].tolist() == ["2025-001"]
    acc = f["accountability"]
    assert acc[["person", "measure", "case_number"]].values.tolist() == [
        ["张三（窗口负责人）", "诫勉谈话", "2025-001"]
    ]


def test_counts_and_responsiveness_say_how_few_cases(city):
    a, _ = _new(city)
    _new(city, unit="乙局", day=date(2025, 10, 9), on=date(2025, 10, 9))
    cases.verify(city, ADMIN_U, a, "不属实", on=date(2025, 9, 29))
    cases.advance(city, ADMIN_U, a, "办结", on=date(2025, 9, 30))
    frame = cases.register(city, 2025, ADMIN_U, today=date(2025, 10, 10))
    counts = cases.monthly_counts(frame, "unit")
    assert counts.set_index("unit").loc["甲局", "2025-09"] == 1
    assert counts.set_index("unit").loc["乙局", "2025-10"] == 1
    resp = cases.responsiveness(frame, "unit").set_index("unit")
    assert resp.loc["甲局", "平均办结用时（工作日）"] == 3.0  # 28, 29, 30 September
    assert "仅 1 件" in resp.loc["甲局", "说明"]
    assert resp.loc["乙局", "说明"] == "尚无办结案件"
