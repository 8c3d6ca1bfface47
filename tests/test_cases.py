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


def _accountability(store, person, measure="诫勉谈话", unit="甲局", user=ADMIN_U, **kw):
    """A 问责 of 20 October 2025 (the date every test here uses)."""
    return cases.add_accountability(
        store,
        user,
        year=2025,
        unit=unit,
        person=person,
        measure=measure,
        date=date(2025, 10, 20),
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
        _accountability(city, "张三", user=CLERK, case_id=case_id)
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
    _accountability(city, "张三（窗口负责人）", doc_no="效能办〔2025〕12号", case_id=case_id)
    with pytest.raises(cases.CaseError, match="问责方式"):
        _accountability(city, "李五", measure="罚款", warning="末位告诫")
    with pytest.raises(cases.CaseError, match="甲局"):
        _accountability(city, "李五", measure="通报批评", unit="乙局", case_id=case_id)
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


def _sheet(path, rows, header=None):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "案件"
    ws.append(header or ["对象", "来源", "日期", "发现问题", "依据", "状态", "核实结果", "分值"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_case_sheet_with_messy_rows_stores_nothing(city, tmp_path):
    from scoring.cases_sheet import CasesRejected, import_cases

    path = _sheet(
        tmp_path / "暗访.xlsx",
        [
            ["甲局", "暗访", "2025-09-26", "窗口脱岗", "效能办〔2025〕8号", "办结", "属实", -2],
            ["丁局", "暗访", "2025-09-26", "迟到", "", "受理", "", ""],  # unknown unit
            ["乙局", "路边听说", "2025/13/01", "", "", "办结", "", ""],  # 4 problems
            ["丙局", "效能投诉", "2025-10-09", "推诿", "", "调查", "不属实", -1],  # points
            ["丙局", "电话暗访", "2024-12-30", "接听不规范", "", "进行中", "属实", "两分"],
            [None, None, None, None, None, None, None, None],  # blank: skipped
        ],
    )
    with pytest.raises(CasesRejected) as exc:
        import_cases(city, ADMIN_U, path.name, path.read_bytes(), 2025, today=date(2025, 11, 1))
    text = str(exc.value)
    where = [(p.row, p.column) for p in exc.value.problems]
    assert (3, "对象") in where and "单位名录中没有" in text
    assert {(4, "来源"), (4, "日期"), (4, "发现问题"), (4, "核实结果")} <= set(where)
    assert (5, "分值") in where and "只有核实为属实或部分属实" in text
    assert {(6, "日期"), (6, "状态"), (6, "分值")} <= set(where)
    assert "文件「暗访.xlsx」 工作表「案件」 第 6 行「状态」列（F 列）" in text
    assert cases.register(city, 2025, ADMIN_U).empty  # nothing stored
    assert len(exc.value.problems) == 9


def test_case_sheet_import_and_what_it_carries(city, tmp_path):
    from scoring.cases_sheet import CasesRejected, import_cases, register_workbook

    path = _sheet(
        tmp_path / "cases.xlsx",
        [
            [
                "甲局",
                "暗访",
                "2025-09-26",
                "窗口 脱岗",
                "效能办〔2025〕8号",
                "办结",
                "属实",
                -2,
                "2025-10-23",
            ],
            ["乙局", "效能投诉", "2025-10-09", "推诿扯皮", "", "受理", "", "", ""],
            ["丙局", "月检查", "2025-10-09", "台账不全", "", "回复", "不属实", "", ""],
        ],
        header=["对象", "来源", "日期", "发现问题", "依据", "状态", "核实结果", "分值", "办结日期"],
    )
    data = path.read_bytes()
    out = import_cases(city, ADMIN_U, path.name, data, 2025, today=date(2025, 11, 3))
    assert out.numbers == ("2025-001", "2025-002", "2025-003")
    reg = cases.register(city, 2025, ADMIN_U, today=date(2025, 11, 3)).set_index("number")
    assert reg.loc["2025-001", "finding"] == "窗口 脱岗"  # free text kept as written
    assert reg.loc["2025-001", "days_to_close"] == 15
    # 乙局: 调查 due 3 working days after Thursday 9 October: 10, 11 (调休 Saturday), 13.
    assert reg.loc["2025-002", "due"] == date(2025, 10, 13) and reg.loc["2025-002", "overdue"]
    # 丙局's 回复 day is unknown (import day), so no lateness is claimed for it.
    hist = cases.case_history(city, ADMIN_U, int(reg.loc["2025-003", "id"]))
    assert hist["是否超期"].iloc[-1].startswith("实际日期未知")
    assert results.compute(city, 2025).unit("甲局").composite == pytest.approx(78.0)
    with pytest.raises(CasesRejected, match="已导入"):
        import_cases(city, ADMIN_U, path.name, data, 2025, today=date(2025, 11, 3))
    with pytest.raises(PermissionDenied):  # a verdict in the sheet needs 管理员
        import_cases(city, User("王五", EVALUATOR), "b.xlsx", data, 2025)
    book = register_workbook(city, 2025, ADMIN_U)
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(book))
    assert wb.sheetnames == ["案件", "办理过程", "问责"]
    assert wb["案件"]["A2"].value == "案件编号" and wb["案件"]["A3"].value == "2025-001"


def test_cli_cases_import_and_json(tmp_path, capsys):
    import json

    from scoring.cli import main
    from scoring.store import Store

    db = tmp_path / "c.duckdb"
    with Store(db) as s:
        add_units(s, [("甲局", "部门", None, "执法监管类")])
    path = _sheet(tmp_path / "c.xlsx", [["甲局", "暗访", "2025-09-26", "脱岗", "", "受理", "", ""]])
    assert main(["--db", str(db), "cases", "import", str(path), "--year", "2025"]) == 0
    assert "1 件" in capsys.readouterr().out
    assert main(["--db", str(db), "cases", "--year", "2025", "--format", "json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)
    assert list(rec) == [
        "id",
        "unit",
        "source",
        "date",
        "finding",
        "status",
        "points",
        "due",
        "overdue",
    ]
    assert (rec["unit"], rec["date"], rec["due"], rec["points"]) == (
        "甲局",
        "2025-09-26",
        "2025-09-30",
        None,
    )
    bad = _sheet(tmp_path / "bad.xlsx", [["某局", "暗访", "2025-09-26", "x", "", "受理", "", ""]])
    assert main(["--db", str(db), "cases", "import", str(bad), "--year", "2025"]) == 2
    assert "单位名录中没有" in capsys.readouterr().err


def test_reports_cover_the_period_as_it_stood(city):
    from scoring import case_reports as cr

    assert cr.period_of("每周一报", date(2025, 10, 9)) == (date(2025, 10, 6), date(2025, 10, 12))
    assert cr.period_of("每月双报", date(2025, 2, 14)) == (date(2025, 2, 1), date(2025, 2, 28))
    a, _ = _new(city)  # 26 September, 调查 due 30 September
    b, _ = _new(city, unit="乙局", day=date(2025, 10, 9), on=date(2025, 10, 9))
    cases.advance(city, ADMIN_U, a, "调查", on=date(2025, 10, 10))  # late, after the month
    cases.verify(city, ADMIN_U, b, "属实", points=-1, on=date(2025, 10, 10))
    _accountability(city, "赵六", measure="通报批评", unit="乙局", case_id=b)
    sept = cr.period_report(city, 2025, "每月双报", date(2025, 9, 1), date(2025, 9, 30), LEADER_U)
    assert sept.new_cases["案件编号"].tolist() == ["2025-001"]
    assert sept.overdue.empty  # on 30 September the 调查 was due that very day
    oct1 = cr.period_report(city, 2025, "每周一报", date(2025, 9, 29), date(2025, 10, 5), LEADER_U)
    # On 5 October case 001 was still at 受理 (it reached 调查 on the 10th): overdue then.
    assert oct1.overdue[["案件编号", "当时状态"]].values.tolist() == [["2025-001", "受理"]]
    octo = cr.period_report(city, 2025, "问责专报", date(2025, 10, 1), date(2025, 10, 31), LEADER_U)
    assert octo.accountability[["问责对象", "出自"]].values.tolist() == [["赵六", "案件 2025-002"]]
    assert octo.verifications["核实结果"].tolist() == ["属实"]
    assert "问责 1 人次" in octo.summary()
    book = cr.report_workbook(octo)
    assert book[:2] == b"PK"
    assert cr.report_pdf(octo, today=date(2025, 11, 3))[:5] == b"%PDF-"


def test_notice_only_for_a_verified_case(city):
    from scoring import case_reports as cr

    a, _ = _new(city)
    with pytest.raises(ValueError, match="尚未核实"):
        cr.case_notice_pdf(city, a, ADMIN_U)
    cases.verify(city, ADMIN_U, a, "属实", points=-2, on=date(2025, 10, 9))
    _accountability(city, "张三", doc_no="效能问责〔2025〕3号", case_id=a)
    pdf = cr.case_notice_pdf(city, a, ADMIN_U, today=date(2025, 10, 21))
    import io

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for words in (
        "关于甲局暗访发现问题的通报",
        "效通〔2025〕1号",
        "扣2分",
        "对张三予以诫勉谈话",
        "2025年10月21日",
    ):
        assert words in text.replace("\n", "").replace("\x00", "")


def test_a_verification_changes_the_key_of_cached_results(city):
    case_id, _ = _new(city)
    before = city.data_version()
    cases.verify(city, ADMIN_U, case_id, "属实", points=-1, on=date(2025, 10, 9))
    assert city.data_version() != before


def test_a_withdrawn_case_keeps_its_history_and_carries_nothing(city):
    case_id, _ = _new(city)
    cases.verify(city, ADMIN_U, case_id, "属实", points=-3, on=date(2025, 10, 9))
    assert results.compute(city, 2025).unit("甲局").composite == pytest.approx(77.0)
    with pytest.raises(cases.CaseError, match="原因"):
        cases.withdraw(city, ADMIN_U, case_id, " ")
    with pytest.raises(PermissionDenied):
        cases.withdraw(city, CLERK, case_id, "重复登记")
    cases.withdraw(city, ADMIN_U, case_id, "与 2025-002 重复登记", on=date(2025, 10, 10))
    assert results.compute(city, 2025).unit("甲局").composite == pytest.approx(80.0)
    row = _row(city, case_id, date(2025, 12, 1))
    assert row["status"] == "已撤销" and not row["overdue"]
    assert cases.case_history(city, ADMIN_U, case_id)["环节"].tolist() == ["受理", "核实", "已撤销"]
    with pytest.raises(cases.CaseError, match="已撤销"):
        cases.advance(city, ADMIN_U, case_id, "办结")
    frame = cases.register(city, 2025, ADMIN_U)
    assert cases.case_counts(frame)["案件"] == 0


def test_a_case_typed_again_on_a_sheet_is_flagged(city):
    case_id, number = _new(city)  # 甲局, 26 September 2025
    cases.verify(city, ADMIN_U, case_id, "属实", points=-2, on=date(2025, 10, 9))
    assert cases.double_counted(city, 2025).empty
    add_facts(
        city,
        2025,
        "adjustments",
        [
            {
                "unit": "甲局",
                "reason": "暗访脱岗",
                "points": -2.0,
                "source": "暗访",
                "date": date(2025, 9, 26),
            },
            {
                "unit": "甲局",
                "reason": "另一事项",
                "points": -2.0,
                "source": "督查",
                "date": date(2025, 5, 6),
            },
            {
                "unit": "乙局",
                "reason": "依据写了编号",
                "points": -2.0,
                "source": "暗访",
                "basis": f"案件 {number}",
            },
        ],
    )
    flagged = cases.double_counted(city, 2025)
    assert flagged[["案件编号", "加减分表事由"]].values.tolist() == [[number, "暗访脱岗"]]


def _pdf_pages(data: bytes, tmp_path) -> list[str]:
    """Each page's text as poppler's pdftotext reads it (see test_publish._pdf_text)."""
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_the_weekly_report_counts_a_withdrawn_case_apart_and_keeps_its_closing_with_the_body(
    city, tmp_path
):
    """Walk-through: 2026-001, withdrawn, was one of 「新登记…2件」; the title broke inside
    a date (「2026年1」/「1月29日」); page 2 held the 落款 alone."""
    from scoring import case_reports as cr

    day = date(2025, 11, 26)
    a, _ = _new(city, day=day, on=day)
    cases.withdraw(city, ADMIN_U, a, "重复登记", on=day)
    b, _ = _new(city, unit="乙局", source="效能投诉", day=day, on=day)
    cases.verify(city, ADMIN_U, b, "属实", points=-1, on=day, note="调查属实，责令整改")
    rep = cr.period_report(city, 2025, "每周一报", date(2025, 11, 24), date(2025, 11, 30), ADMIN_U)
    assert rep.new_cases["案件编号"].tolist() == ["2025-002"]
    assert rep.withdrawn[["案件编号", "撤销原因"]].values.tolist() == [["2025-001", "重复登记"]]
    assert rep.summary().startswith(
        "本期新登记督查与投诉案件 1 件（另有 1 件登记后撤销，不计入），完成核实 1 件"
    )
    assert [name for name, _ in rep.tables()] == [
        "新登记案件",
        "撤销的案件",
        "核实情况",
        "问责情况",
        "超期未办结",
    ]
    assert rep.title == "每周一报（2025年11月24日至30日）"
    assert cr.period_cn(date(2025, 12, 29), date(2026, 1, 4)) == "2025年12月29日至2026年1月4日"
    pages = _pdf_pages(cr.report_pdf(rep, today=date(2025, 11, 30)), tmp_path)
    assert "督查与投诉每周一报（2025年11月24日至30日）" in pages[0]
    assert "新登记督查与投诉案件1件（另有1件登记后撤销，不计入）" in pages[0].replace("\n", "")
    # The 落款 shares its page with the body's last part.
    closing = pages[-1]
    assert "市机关效能建设领导小组办公室" in closing and "2025年11月30日" in closing
    assert "五、超期未办结（0）" in closing and "本期无。" in closing
    assert "2025年第48期" in pages[0]
    # The week of 29 December 2025 is the first of 2026 (ISO), not 「2025年第1期」.
    cross = cr.period_report(city, 2025, "每周一报", date(2025, 12, 29), date(2026, 1, 4), ADMIN_U)
    assert "2026年第1期" in _pdf_pages(cr.report_pdf(cross), tmp_path)[0]


def test_a_long_report_title_breaks_before_its_period_not_inside_a_date(tmp_path):
    from scoring.case_reports import _doc

    doc = _doc("督查与投诉每周一报（2025年12月29日至2026年1月4日）")
    doc.title("督查与投诉每周一报（2025年12月29日至2026年1月4日）")
    (page,) = _pdf_pages(doc.output(), tmp_path)
    assert [line.strip() for line in page.splitlines() if line.strip()][:2] == [
        "督查与投诉每周一报",
        "（2025年12月29日至2026年1月4日）",
    ]
