"""督查与投诉 page under AppTest: register a case, verify it, and what each role sees."""

from __future__ import annotations

import shutil
from datetime import date

from scoring.accounts import ADMIN, EVALUATOR, LEADER, User
from tests.test_pages import run_app

OFFICE = User("效能办", ADMIN)
NO_UNIT = "请选择对象（被检查、被投诉或被问责的单位）：对象不能为空"


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_register_verify_and_roles(app_db, demo_db, tmp_path):
    path = tmp_path / "cases.duckdb"
    shutil.copy(demo_db, path)
    app_db(path)
    at = run_app("pages/cases.py")
    headline = {m.label: m.value for m in at.metric}
    assert headline["案件"] == "0"
    # The register below lists the demo's 加减分表 rows too: counted apart, not hidden.
    assert int(headline["加减分表记录"]) > 0
    at.selectbox(key="new_case_unit").set_value("市信访局")
    at.selectbox(key="new_case_source").set_value("效能投诉")
    at.date_input(key="new_case_date").set_value(date(2025, 9, 26))
    at.text_area(key="new_case_finding").input("来访群众反映窗口推诿")
    at.text_input(key="new_case_contact").input("13800000000")
    _button(at, "登记案件").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == "案件已登记。"
    table = at.dataframe[0].value
    row = table[table["案件编号"].str.endswith("-001")].iloc[0]
    assert (row["对象"], row["来源"], row["状态"], row["联系方式"]) == (
        "市信访局",
        "效能投诉",
        "受理",
        "13800000000",
    )
    verdict = next(r for r in at.radio if r.label == "核实结果")
    verdict.set_value("属实")
    next(n for n in at.number_input if n.label.startswith("分值")).set_value(-2.0)
    _button(at, "保存核实结果").click().run()
    assert not at.exception, at.exception
    assert "属实" in at.success[0].value
    history = at.dataframe[1].value
    assert history["环节"].tolist() == ["受理", "核实"]
    assert "分值 -2" in history["说明"].iloc[1]
    assert any(b.label.startswith("下载此案件的通报") for b in at.get("download_button"))

    leader = run_app("pages/cases.py", user=User("王局长", LEADER))
    assert [t.label for t in leader.tabs] == ["案件登记簿", "统计", "专报"]
    assert "联系方式" not in leader.dataframe[0].value.columns
    assert not [f for f in leader.get("form") if f.id.endswith("cases_verify")]

    clerk = run_app("pages/cases.py", user=User("李四", EVALUATOR, sources=("暗访",)))
    assert "新建案件" in [t.label for t in clerk.tabs]
    assert clerk.selectbox(key="new_case_source").options == ["暗访"]


def test_profile_lists_the_units_cases(app_db, demo_db, tmp_path):
    from scoring import cases
    from scoring.store import Store

    path = tmp_path / "profile.duckdb"
    shutil.copy(demo_db, path)
    with Store(path) as s:
        cases.register_case(
            s,
            OFFICE,
            year=2025,
            unit="市信访局",
            source="暗访",
            date=date(2025, 9, 26),
            finding="窗口无人值守",
            on=date(2025, 9, 28),
        )
    app_db(path)
    at = run_app("pages/profile.py", state={"profile_unit": "市信访局"})
    assert any(h.value.startswith("督查与投诉（") for h in at.subheader)
    table = next(t.value for t in at.dataframe if "案件编号" in t.value.columns)
    assert "窗口无人值守" in table["发现问题"].tolist()


def test_a_refused_case_keeps_every_entry_and_no_unit_is_chosen_for_the_user(
    app_db, demo_db, tmp_path
):
    """Walk-through: a refused 登记案件 cleared the form and put the list's first unit back
    in 对象, so the next click filed the case against that unit."""
    path = tmp_path / "keep.duckdb"
    shutil.copy(demo_db, path)
    app_db(path)
    clerk = User("李四", EVALUATOR, sources=("暗访",))
    at = run_app("pages/cases.py", user=clerk)
    unit = at.selectbox(key="new_case_unit")
    assert unit.value is None  # nothing chosen for the user
    _button(at, "登记案件").click().run()  # neither unit nor text
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [NO_UNIT]

    other = unit.options[-1]  # anything but the first unit of the list
    assert other != unit.options[0]
    at.selectbox(key="new_case_unit").set_value(other)
    at.text_input(key="new_case_doc").input("效暗〔2025〕3号")
    at.text_input(key="new_case_reporter").input("暗访组")
    at.date_input(key="new_case_date").set_value(date(2025, 9, 26))
    _button(at, "登记案件").click().run()  # no 发现问题
    assert next(e.value for e in at.error).startswith("「发现问题」不能为空")
    # Every entry is kept, the unit above all.
    assert at.selectbox(key="new_case_unit").value == other
    assert at.text_input(key="new_case_doc").value == "效暗〔2025〕3号"
    assert at.text_input(key="new_case_reporter").value == "暗访组"
    assert at.date_input(key="new_case_date").value == date(2025, 9, 26)

    at.text_area(key="new_case_finding").input("窗口工作人员上班时间玩手机")
    _button(at, "登记案件").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == "案件已登记。"
    table = at.dataframe[0].value
    row = table[table["案件编号"].str.endswith("-001")].iloc[0]
    assert (row["对象"], row["发现问题"], row["依据"]) == (
        other,
        "窗口工作人员上班时间玩手机",
        "效暗〔2025〕3号",
    )
    # The next case starts without a unit and without the last one's text.
    assert at.selectbox(key="new_case_unit").value is None
    assert at.text_area(key="new_case_finding").value == ""
    assert at.text_input(key="new_case_doc").value == ""


def test_accountability_needs_a_chosen_unit_and_keeps_entries_when_refused(
    app_db, demo_db, tmp_path
):
    path = tmp_path / "acc.duckdb"
    shutil.copy(demo_db, path)
    app_db(path)
    at = run_app("pages/cases.py")
    assert at.selectbox(key="acc_unit").value is None
    at.text_input(key="acc_person").input("张三")
    _button(at, "保存问责").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [NO_UNIT]
    assert at.text_input(key="acc_person").value == "张三"
