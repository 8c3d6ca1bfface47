"""The pages of the publication flow (AppTest): 数据上传 into a published year, a 更正
that shows what it changes, 正式发布 of a corrected version, 结果发布 of changed results."""

from __future__ import annotations

from datetime import date, timedelta

from scoring import publication
from scoring.accounts import ADMIN, EVALUATOR, User
from scoring.imports import import_file, load_units
from scoring.store import Store
from tests.sheetmaker import xlsx
from tests.test_pages import run_app

OFFICE = User("效能办", ADMIN)
CLERK = User("王录入", EVALUATOR)
NAMES = ["甲局", "乙局", "丙局", "丁局", "戊局"]


def _adjust(unit, points):
    return xlsx([["对象", "事由", "分值", "来源"], [unit, "表彰", points, "表彰"]])


def _year(path, *, final: bool = False, period_end: date | None = None):
    with Store(path) as s:
        roster = [["单位名称", "类型", "考核类别"], *[[n, "部门", "执法监管类"] for n in NAMES]]
        load_units(s, "名录.xlsx", xlsx(roster), OFFICE)
        perf = [["考核对象", "指标", "得分"]]
        perf += [
            [n, "工作效率", v] for n, v in zip(NAMES, [91.2, 85, 84, 77.37, 68.4], strict=True)
        ]
        import_file(s, "绩效.xlsx", xlsx(perf), 2025, OFFICE)
        publication.snapshot(s, 2025, OFFICE, period_end=period_end)
        if final:
            publication.finalize(s, 2025, OFFICE)
    return path


def _said(at) -> str:
    said = " ".join(w.value for w in [*at.warning, *at.error, *at.info, *at.success])
    return said.replace("\\", "")  # md() escapes markdown: 85\\.00


def _upload(at, name="补录.xlsx"):
    at.file_uploader(key="upload_files").set_value((name, _adjust("丁局", 2), "x")).run()
    return at


def test_an_upload_into_a_year_in_notice_says_so_before_it_is_confirmed(app_db, tmp_path):
    app_db(_year(tmp_path / "notice.duckdb", period_end=date(2031, 1, 9)))
    at = _upload(run_app("pages/upload.py", user=CLERK))
    assert "2025 年度的结果正在公示（第 1 版，公示期至 2031-01-09）" in _said(at)
    assert "不会改变公示的结果" in _said(at)
    assert not at.button(key="commit-0").disabled
    at.button(key="commit-0").click().run()
    assert any("上传编号 2" in m.value for m in at.success)


def test_an_upload_into_a_final_year_is_refused_for_a_clerk_and_ticked_by_the_office(
    app_db, tmp_path
):
    db = _year(tmp_path / "final.duckdb", final=True)
    app_db(db)
    at = _upload(run_app("pages/upload.py", user=CLERK))
    assert "录入员不能再改动该年度的数据" in _said(at)
    assert at.button(key="commit-0").disabled
    at = _upload(run_app("pages/upload.py"))
    assert "正式发布（第 1 版）" in _said(at) and "正式发布的结果不会改变" in _said(at)
    assert at.button(key="commit-0").disabled  # until the office ticks
    at.checkbox(key="published-0").check().run()
    at.button(key="commit-0").click().run()
    assert any("上传编号 2" in m.value for m in at.success)
    with Store(db) as s:
        log = s.audit_log()
        assert "改动已正式发布年度的数据" in log["action"].tolist()
        assert publication.status(s, 2025) == "正式发布"


def test_a_correction_shows_every_change_and_goes_into_notice_again(app_db, tmp_path):
    db = _year(tmp_path / "appeal.duckdb", period_end=date.today() + timedelta(days=2))
    with Store(db) as s:
        appeal = publication.record_appeal(s, 2025, "丁局", "加分漏计", OFFICE)
        import_file(s, "丁局加分.xlsx", _adjust("丁局", 2.63), 2025, OFFICE)
        import_file(s, "乙局扣分.xlsx", _adjust("乙局", -2), 2025, OFFICE)  # unrelated
    app_db(db)
    at = run_app("pages/publication.py")
    assert at.button(key="pub_final").disabled  # an appeal waits
    at.radio(key=f"dec-{appeal}").set_value("更正").run()
    at.text_input(key=f"why-{appeal}").input("核实加分漏计").run()
    shown = next(d.value for d in at.dataframe if "公示值" in d.value.columns and len(d.value) == 7)
    rows = set(map(tuple, shown[["单位", "项目", "公示值", "当前值"]].values.tolist()))
    assert ("乙局", "综合得分", "85.00", "83.00") in rows and ("丙局", "排名", "3", "2") in rows
    assert ("丁局", "加减分", "0.00", "+2.63") in rows
    assert any("丙局、乙局 不是申诉单位" in w.value for w in at.warning)
    at.button(key=f"decide-{appeal}").click().run()
    assert any("除申诉单位「丁局」外，还将改变 2 个单位" in e.value for e in at.error)
    at.checkbox(key=f"others-{appeal}").check().run()
    at.button(key=f"decide-{appeal}").click().run()
    assert not at.exception
    with Store(db) as s:
        record = publication.published(s, 2025)
    assert record["version"] == 2 and "乙局 综合得分 85.00 → 83.00" in record["note"]
    assert record["period_end"] == str(date.today() + timedelta(days=7))
    # 正式发布 waits for the new period's end, or a reason.
    assert any("公示期至" in c.value and "尚未结束" in c.value for c in at.caption)
    assert at.button(key="pub_final").disabled
    at.text_input(key="pub_early").input("领导小组会议决定提前发布").run()
    at.button(key="pub_final").click().run()
    with Store(db) as s:
        assert publication.status(s, 2025) == "正式发布"
        assert "提前结束公示" in s.audit_log()["detail"].iloc[0]


def test_publishing_changed_results_asks_for_a_reason_naming_the_differences(app_db, tmp_path):
    db = _year(tmp_path / "again.duckdb", final=True)
    with Store(db) as s:
        import_file(s, "乙局扣分.xlsx", _adjust("乙局", -2), 2025, OFFICE, confirm_published=True)
    app_db(db)
    at = run_app("pages/publish_page.py")
    said = _said(at)
    assert "当前结果与正式发布的第 1 版不同" in said and "乙局 综合得分 85.00 → 83.00" in said
    assert at.text_input(key="pub_reason").value == ""
    # A new version is a new 公示: 7 days after the 成文日期, not an old period.
    assert at.date_input(key="pub_period_end").value == date.today() + timedelta(days=7)


def test_an_undo_in_a_final_year_needs_the_offices_tick(app_db, tmp_path):
    db = _year(tmp_path / "undo.duckdb", final=True)
    app_db(db)
    at = run_app("pages/upload.py")
    at.selectbox(key="undo_id").set_value(1).run()
    at.button(key="undo").click().run()
    assert "正式发布（第 1 版）" in _said(at)
    assert at.button(key="undo-confirm").disabled
    at.checkbox(key="undo-published").check().run()
    at.button(key="undo-confirm").click().run()
    assert any("已撤销第 1 号上传" in s.value for s in at.success)
    with Store(db) as s:
        assert s.uploads(2025) == [] and publication.status(s, 2025) == "正式发布"


def test_a_scheme_change_or_a_case_verified_in_a_published_year_says_what_it_means(
    app_db, tmp_path
):
    """The walk-through: verifying a case (its 分值 enters 加减分) or saving a scheme for a
    published year moved its current results without the notice an upload gets."""
    from scoring import cases

    path = _year(tmp_path / "published.duckdb", period_end=date(2031, 1, 9))
    with Store(path) as s:
        cases.register_case(
            s,
            OFFICE,
            year=2025,
            unit="丁局",
            source="暗访",
            date=date(2025, 9, 1),
            finding="窗口无人值守",
        )
    app_db(path)
    scheme = run_app("pages/scheme_page.py", year=2025)
    assert "2025 年度的结果正在公示（第 1 版，公示期至 2031-01-09）" in _said(scheme)
    case_page = run_app("pages/cases.py", year=2025)
    assert "此次改动不会改变公示的结果" in _said(case_page)  # above 核实, the case being open


def test_no_such_notice_for_a_year_not_published(app_db, tmp_path):
    path = tmp_path / "open.duckdb"
    with Store(path) as s:
        roster = [["单位名称", "类型", "考核类别"], *[[n, "部门", "执法监管类"] for n in NAMES]]
        load_units(s, "名录.xlsx", xlsx(roster), OFFICE)
        perf = [["考核对象", "指标", "得分"], *[[n, "工作效率", 80] for n in NAMES]]
        import_file(s, "绩效.xlsx", xlsx(perf), 2025, OFFICE)
    app_db(path)
    assert "公示" not in _said(run_app("pages/scheme_page.py", year=2025))


def test_a_registry_change_for_a_published_year_says_what_it_means(app_db, tmp_path):
    """The 单位名录 holds from the chosen year on: a published year it reaches is told."""
    app_db(_year(tmp_path / "registry.duckdb", period_end=date(2031, 1, 9)))
    at = run_app("pages/upload.py")
    roster = [["单位名称", "类型", "考核类别"], *[[n, "部门", "执法监管类"] for n in NAMES]]
    more = xlsx([*roster, ["己局", "部门", "执法监管类"]])
    at.file_uploader(key="registry_file_0").set_value(("名录.xlsx", more, "x")).run()
    assert any("导入前预览：1 项变更" in m.value for m in at.markdown)
    assert "2025 年度的结果正在公示（第 1 版，公示期至 2031-01-09）" in _said(at)
