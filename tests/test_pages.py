"""Every page under Streamlit's AppTest, on the demo data and on an empty database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scoring.accounts import ADMIN, User
from tests.sheetmaker import xlsx

OFFICE = User("效能办", ADMIN)

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
TIMEOUT = 60
PAGES = [
    "pages/overview.py",
    "pages/rankings.py",
    "pages/profile.py",
    "pages/warnings_list.py",
    "pages/rectify.py",
    "pages/cases.py",
    "pages/upload.py",
    "pages/quality.py",
    "pages/publish_page.py",
    "pages/rules_page.py",
    "pages/password.py",
    "pages/scheme_page.py",
    "pages/admin.py",
]


def signed_in(user: User) -> None:
    """Give a seeded session's user a real account in the app's database (the app checks
    the account on every run)."""
    from pages.common import get_store
    from scoring import accounts, session_store

    if get_store().user_row(user.name) is None:
        accounts.add_user(
            get_store(),
            user.name,
            "test-password",
            user.role,
            sources=list(user.sources),
            years=list(user.years),
            by=accounts.User("test", accounts.ADMIN),
        )
    # A seeded session has signed in before: its first-sign-in password change is done
    # (accounts made by a test with add_user(by=...) would otherwise see only 修改密码).
    session_store.set_must_change_password(get_store(), user.name, False)


def run_app(
    page: str | None = None,
    year: int | None = None,
    state: dict | None = None,
    user: User | None = OFFICE,
) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user is not None:
        signed_in(user)
        at.session_state["user"] = user
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    if year is not None:
        at.sidebar.selectbox(key="year").set_value(year).run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_database(app_db, tmp_path, page):
    app_db(tmp_path / "empty.duckdb")
    at = run_app(page)
    if page not in (
        "pages/upload.py",
        "pages/scheme_page.py",
        "pages/admin.py",
        "pages/password.py",
    ):
        assert "上传" in at.info[0].value


def test_an_office_database_is_not_offered_the_demo(app_db, tmp_path):
    """The command line refuses to write the demo into an office's own database: the
    empty-state hint says what the office does first instead."""
    from scoring.store import Store

    db = tmp_path / "office.duckdb"
    with Store(db) as s:
        s.mark_kind("office")
    app_db(db)
    hint = run_app().info[0].value
    assert "导入单位名录" in hint and "scoring demo" not in hint
    plain = tmp_path / "other.duckdb"
    app_db(plain)
    assert "python -m scoring demo" in run_app().info[0].value


def test_home_shows_department_rankings_of_latest_year(app_db, demo_db):
    app_db(demo_db)
    at = run_app()
    assert at.sidebar.selectbox(key="year").value == 2025
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["万人评议问卷"].replace(",", "")) > 20_000
    assert [t.label for t in at.tabs] == ["执法监管类", "社会服务类", "经济发展类", "综合管理类"]
    assert len(at.dataframe) == 1  # only the open tab's group is built and sent
    assert set(at.dataframe[0].value["考核类别"]) == {"执法监管类"}
    at.session_state["overview-group"] = "社会服务类"  # the leader opens another tab
    at.run()
    (social,) = [t.value for t in at.dataframe]
    last = social.sort_values("排名").iloc[-1]
    assert last["单位名称"] == "市信访局" and last["等次"] == "较差"
    assert "末位告诫" in last["告诫"]
    # 告诫 beside 等次, where a leader reads it without scrolling the table to the right.
    assert list(social.columns)[3:6] == ["综合得分", "等次", "告诫"]


def test_rankings_filter_by_group_type_and_component(app_db, demo_db):
    app_db(demo_db)
    at = run_app("pages/rankings.py")
    at.selectbox(key="rank_group").set_value("窗口服务类").run()
    table = at.dataframe[0].value
    assert len(table) == 12 and set(table["考核类别"]) == {"窗口服务类"}
    assert table["排名"].tolist() == sorted(table["排名"].tolist())
    at.selectbox(key="rank_group").set_value("社会服务类").run()
    at.selectbox(key="rank_order").set_value("万人评议").run()
    table = at.dataframe[0].value
    scores = table["万人评议"].tolist()
    assert scores == sorted(scores, reverse=True)
    assert table.iloc[-1]["单位名称"] == "市信访局"


def test_home_follows_the_year(app_db, demo_db):
    app_db(demo_db)
    at = run_app(year=2024)
    assert at.subheader[0].value.startswith("2024 年度")
    # AppTest reruns only the page after a switch, so the year is seeded as the frame
    # would have left it; the browser test changes it through the sidebar for real.
    now = run_app("pages/rankings.py").dataframe[0].value
    at = run_app("pages/rankings.py", state={"selected_year": 2024})
    assert "2024 年度" in at.caption[0].value
    assert not now.equals(at.dataframe[0].value)


def test_profile_explains_the_last_unit(app_db, demo_db):
    app_db(demo_db)
    at = run_app("pages/profile.py", state={"profile_unit": "市信访局"})
    assert at.selectbox(key="profile_select").value == "市信访局"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["等次"] == "较差" and metrics["排名 / 单位数"] == "10 / 10"
    errors = [e.value for e in at.error]
    assert any(e.startswith("末位告诫：社会服务类第 10 名") for e in errors)
    assert any("效能告诫" in e for e in errors) and any("连续两年末位" in e for e in errors)
    explanation = at.code[0].value
    assert "综合得分 =" in explanation and "万人评议得分" in explanation


def test_the_profile_says_what_its_interval_is_of_at_the_schemes_level(app_db, demo_db):
    """It said only 「95% 区间」, beside the 综合得分: the interval is the 万人评议 score's,
    at the scheme's confidence level (the demo's scheme: 95%)."""
    from pages.common import get_store
    from scoring import results
    from scoring.formats import fmt_span
    from scoring.tables import unit_metrics

    app_db(demo_db)
    at = run_app("pages/profile.py", state={"profile_unit": "市信访局"})
    line = next(m.value for m in at.markdown if "区间" in m.value).replace("\\", "")  # md()
    assert line.startswith("**万人评议得分的 95% 置信区间**：")
    unit = results.compute(get_store(), 2025).unit("市信访局")
    assert line.endswith(fmt_span(unit.ci_low, unit.ci_high)) and "～" in line
    labels = [label for label, _ in unit_metrics(unit, "90%")]
    assert "万人评议得分的 90% 置信区间" in labels and not any("95" in x for x in labels)


def test_warnings_page_lists_reasons_and_noise(app_db, demo_db):
    app_db(demo_db)
    at = run_app("pages/warnings_list.py")
    table = at.dataframe[0].value
    assert {"末位告诫", "效能告诫", "重点监督检查", "连续两年末位"} <= set(table["告诫类型"])
    # Every warning says how sure it is: never blank.
    assert set(table["差异显著"]) <= {"是", "否", "无法判断", "不适用"}
    assert (table["差异显著"] == "否").any() and (table["差异显著"] == "不适用").any()
    last = table[(table["单位名称"] == "市统计局") & (table["告诫类型"] == "末位告诫")]
    assert last["差异显著"].tolist() == ["否"]
    assert "排名差异不显著" in last["事由与依据"].iloc[0]
    assert "统计上不显著" in at.warning[0].value
    at.multiselect(key="warn_kinds").set_value(["重点监督检查"]).run()
    assert set(at.dataframe[0].value["告诫类型"]) == {"重点监督检查"}


def test_quality_page(app_db, demo_db):
    app_db(demo_db)
    at = run_app("pages/quality.py")
    frames = {s.value: None for s in at.subheader}
    assert "缺少评议人类别的单位" in frames
    missing = next(d.value for d in at.dataframe if "缺少的评议人类别" in d.value.columns)
    assert missing["单位名称"].tolist() == ["市口岸办公室"]
    # Each headline names what it counts: straight-lined ballots are listed per unit.
    straight = next(d.value for d in at.dataframe if "全部同一答案的问卷数" in d.value.columns)
    headlines = {m.label: m.value for m in at.metric}
    assert headlines["缺少评议人类别的单位"] == "1"
    assert headlines["有答案全同问卷的单位"] == str(len(straight))


def test_upload_page_checks_then_stores_on_confirm_and_undoes(app_db, tmp_path):
    from scoring.store import Store

    db = tmp_path / "up.duckdb"
    with Store(db) as s:
        from scoring.imports import load_units

        load_units(
            s,
            "名录.xlsx",
            xlsx([["单位名称", "类型", "考核类别"], ["市教育局", "部门", "综合管理类"]]),
            OFFICE,
        )
    app_db(db)
    at = run_app("pages/upload.py")
    at.number_input(key="upload_year").set_value(2025).run()
    bad = xlsx([["对象", "事由", "分值", "来源"], ["市教育厅", "暗访", "-2", "暗访"]])
    at.file_uploader(key="upload_files").set_value(("加减分.xlsx", bad, "application/x")).run()
    assert not at.exception
    assert "1 处问题" in at.error[0].value
    assert "市教育厅" in at.dataframe[0].value["值"].tolist()
    assert not [b for b in at.button if b.key and b.key.startswith("commit")]
    good = xlsx([["对象", "事由", "分值", "来源"], ["市教育局", "暗访发现脱岗", "-2", "暗访"]])
    at.file_uploader(key="upload_files").set_value(("加减分.xlsx", good, "application/x")).run()
    assert not at.error
    at.button(key="commit-0").click().run()
    assert "上传编号 1" in at.success[0].value
    # Drawn again after storing: the file shows as imported, with no button to click
    # twice, and the year as one with data.
    assert not [b for b in at.button if b.key and b.key.startswith("commit")]
    assert any("无需重复导入" in i.value for i in at.info)
    assert not any("尚无考评数据" in c.value for c in at.caption)
    with Store(db) as s:
        pass  # closed below by the app's own connection; checked through the page instead
    listed = next(d.value for d in at.dataframe if "编号" in d.value.columns)
    assert listed["文件"].tolist() == ["加减分.xlsx"]
    assert at.selectbox(key="undo_id").value is None and at.button(key="undo").disabled
    at.selectbox(key="undo_id").set_value(1).run()
    at.button(key="undo").click().run()
    asked = at.warning[-1].value  # the confirm step names upload, file, source and rows
    assert "第 1 号上传「加减分\\.xlsx」" in asked and "来源：加减分" in asked and "1 行" in asked
    at.button(key="undo-confirm").click().run()
    assert not at.exception
    assert "本年度还没有导入任何文件" in [i.value for i in at.info][-1]
    assert "回收站" in at.success[-1].value
    at.button(key="restore").click().run()  # from the 回收站, exactly
    assert not at.exception
    listed = next(d.value for d in at.dataframe if "编号" in d.value.columns)
    assert listed["文件"].tolist() == ["加减分.xlsx"]


def test_the_same_file_in_a_later_session_is_said_to_be_stored_not_faulty(app_db, tmp_path):
    """In the session that stored it, the page remembered the file as checked and said
    「内容完全相同，无需重复导入」; in any later one it said 「发现 1 处问题……请修改后重新
    上传」 over a table of empty cells. Both now say the first."""
    from scoring.imports import import_file, load_units
    from scoring.store import Store

    db = tmp_path / "again.duckdb"
    good = xlsx([["对象", "事由", "分值", "来源"], ["市教育局", "暗访发现脱岗", "-2", "暗访"]])
    with Store(db) as s:
        load_units(
            s,
            "名录.xlsx",
            xlsx([["单位名称", "类型", "考核类别"], ["市教育局", "部门", "综合管理类"]]),
            OFFICE,
        )
        import_file(s, "加减分.xlsx", good, 2025, OFFICE)
    app_db(db)
    at = run_app("pages/upload.py")
    # 2025 has data: the page imports to the sidebar's year (no year box of its own).
    assert any("导入到 2025 年度" in c.value for c in at.caption)
    at.file_uploader(key="upload_files").set_value(("加减分.xlsx", good, "application/x")).run()
    assert not at.exception and not at.error
    assert "与第 1 号上传" in at.info[0].value and "无需重复导入" in at.info[0].value
    assert not [b for b in at.button if b.key and b.key.startswith("commit")]


def test_an_evaluator_of_one_year_opens_the_upload_page_on_that_year(app_db, demo_db):
    from scoring.accounts import EVALUATOR

    app_db(demo_db)
    clerk = User("录入员丙", EVALUATOR, sources=("performance",), years=(2026,))
    at = run_app("pages/upload.py", user=clerk)  # the sidebar is on 2025, the latest year
    assert at.number_input(key="upload_year").value == 2026
    assert not at.error
    at.number_input(key="upload_year").set_value(2025).run()
    assert "只能向 2026 年度上传数据" in at.error[0].value


def test_publish_page_previews_the_same_charts(app_db, demo_db):
    app_db(demo_db)
    at = run_app("pages/publish_page.py")
    options = at.selectbox(key="publish_chart").options
    assert any("排名" in o for o in options) and any("名次变化" in o for o in options)
    assert "2025年度机关效能考评结果通报" in at.caption[0].value
    unnumbered = "未填写发文字号：通报版头将不印文号"
    assert any(unnumbered in c.value for c in at.caption)
    at.text_input(key="pub_number").input("效办〔2026〕3号").run()
    assert not any(unnumbered in c.value for c in at.caption)


def test_login_form_signs_in_with_a_local_account(app_db, tmp_path):
    from scoring import accounts
    from scoring.store import Store

    db = tmp_path / "login.duckdb"
    with Store(db) as s:
        accounts.add_user(s, "王局长", "s3cret-pass", accounts.LEADER)
    app_db(db)
    at = run_app(user=None)
    assert at.title[0].value == "效能考评看板"
    at.text_input(key="login_name").input("王局长")
    at.text_input(key="login_password").input("wrong-pass")
    at.button[0].click().run()
    assert "不正确" in at.error[0].value and "user" not in at.session_state
    at.text_input(key="login_password").input("s3cret-pass")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["user"].role == accounts.LEADER
    # The password was set by someone else (the command line): changed first, nothing else.
    assert at.title[0].value == "修改密码" and len(at.text_input) == 3
    at.text_input(key="pw_old").input("s3cret-pass")
    at.text_input(key="pw_new").input("only-mine-1")
    at.text_input(key="pw_again").input("only-mine-1")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "效能考评总览"


def test_a_leader_has_no_upload_page_and_cannot_run_it(app_db, demo_db):
    from scoring.accounts import LEADER

    app_db(demo_db)
    leader = User("王局长", LEADER)
    at = run_app(user=leader)
    with pytest.raises(ValueError):
        at.switch_page("pages/upload.py")
    # A crafted request that runs the page script itself still meets the role check.
    page = AppTest.from_file(ROOT / "pages" / "upload.py", default_timeout=TIMEOUT)
    signed_in(leader)
    page.session_state["user"] = leader
    page.session_state["framed"] = True
    page.run()
    assert "没有访问此页面的权限" in page.error[0].value
    assert not page.file_uploader


def test_user_text_is_never_markup_on_the_upload_page(app_db, tmp_path):
    from scoring.imports import load_units
    from scoring.store import Store

    db = tmp_path / "md.duckdb"
    with Store(db) as s:
        load_units(s, "名录.xlsx", xlsx([["单位名称", "类型"], ["市教育局", "部门"]]), OFFICE)
    app_db(db)
    at = run_app("pages/upload.py")
    name = "![看我](http://e.invalid/x.png)<img src=x onerror=alert(1)>.xlsx"
    good = xlsx([["对象", "事由", "分值", "来源"], ["市教育局", "暗访发现脱岗", "-2", "暗访"]])
    at.file_uploader(key="upload_files").set_value((name, good, "application/x")).run()
    heading = at.subheader[0].value
    assert heading.startswith("\\!\\[") and "\\<img" in heading


def test_a_stopped_account_is_signed_out_and_a_new_role_applies(app_db, tmp_path):
    from pages.common import get_store
    from scoring import accounts

    app_db(tmp_path / "roles.duckdb")
    at = run_app(user=User("王局长", accounts.LEADER))
    assert at.session_state["user"].role == accounts.LEADER
    office = accounts.User("效能办", accounts.ADMIN)
    accounts.add_user(get_store(), "王局长", "new-password", accounts.ADMIN, by=office)
    at.run()
    assert at.session_state["user"].role == accounts.ADMIN
    get_store().set_user_active("王局长", False, "效能办")
    at.run()
    assert "user" not in at.session_state
    # The page refuses (AppTest reruns the page alone; the app shows the sign-in form).
    assert [e.value for e in at.error] == ["请先登录。"] and not at.dataframe


def test_deactivating_an_account_asks_first_and_names_it(app_db, tmp_path):
    from pages.common import get_store
    from scoring import accounts

    app_db(tmp_path / "accounts.duckdb")
    at = run_app("pages/admin.py")
    office = accounts.User("效能办", accounts.ADMIN)
    accounts.add_user(get_store(), "王局长", "first-pass-1", accounts.LEADER, by=office)
    at.run()
    at.selectbox(key="edit_name").set_value("王局长").run()
    at.button(key="toggle_active").click().run()  # 预览停用
    assert at.text[0].value == "账号：王局长\n状态：启用 → 停用"
    assert bool(get_store().user_row("王局长")["active"])  # nothing happened yet
    at.button(key="cancel_change").click().run()
    assert bool(get_store().user_row("王局长")["active"]) and not at.text
    at.button(key="toggle_active").click().run()
    at.button(key="confirm_change").click().run()
    assert not at.exception
    assert not bool(get_store().user_row("王局长")["active"])
    assert "已保存账号「王局长」：状态：启用 → 停用" in at.success[0].value


def _tables_app() -> None:
    import pandas as pd

    from pages.common import show_table

    show_table(pd.DataFrame({"单位": []}), hide_index=True)
    show_table(pd.DataFrame({"单位": []}), empty=None)
    show_table(pd.DataFrame({"单位": ["市水利局"], "提示": [None]}), hide_index=True)


def test_an_empty_table_is_said_in_chinese_not_drawn_as_empty():
    """Streamlit draws "empty" into the canvas of a table without rows; the pages say it
    in Chinese instead (or nothing, where the page says it already)."""
    at = AppTest.from_function(_tables_app).run()
    assert not at.exception
    assert [c.value for c in at.caption] == ["（无记录）"]
    assert len(at.dataframe) == 1
    assert list(at.dataframe[0].value["单位"]) == ["市水利局"]
    assert at.dataframe[0].proto.placeholder == "—"  # a missing value, not "None"


@pytest.mark.parametrize(
    "page",
    [
        "pages/cases.py",
        "pages/rectify.py",
        "pages/warnings_list.py",
        "pages/admin.py",
        "pages/scheme_page.py",
    ],
)
def test_choices_left_empty_say_so_in_chinese(app_db, demo_db, page):
    """An empty multiselect shows its placeholder; Streamlit's own is "Choose options"."""
    app_db(demo_db)
    at = run_app(page)
    shown = [m.proto.placeholder for m in at.multiselect]
    assert shown, "the page has choices"
    assert all(p and not any("a" <= c.lower() <= "z" for c in p) for p in shown), shown
    # Nor does any offer Streamlit's English 「Select all」 as its first option.
    assert not [m.label for m in at.multiselect if m.proto.select_all]
    # A selectbox left without a value shows its placeholder (Streamlit's: "Choose an option").
    assert all(
        b.proto.placeholder == "请选择"
        for b in at.selectbox
        if not b.proto.placeholder.startswith("全部")
    )


def test_the_published_record_reads_like_the_other_tables(app_db, demo_db, tmp_path):
    """结果公示 showed 问卷数 0 beside a missing 万人评议 and scores without their second
    decimal (92.5); it formats as the other result tables do."""
    import shutil

    from scoring import publication
    from scoring.store import Store

    db = tmp_path / "pub.duckdb"
    shutil.copy(demo_db, db)
    with Store(db) as s:
        publication.snapshot(s, 2025, OFFICE)
    app_db(db)
    at = run_app("pages/publication.py")
    table = next(d for d in at.dataframe if "问卷数" in d.value.columns)
    frame = table.value
    no_appraisal = frame[frame["万人评议"].isna()]
    assert len(no_appraisal) and no_appraisal["问卷数"].isna().all()
    assert frame.loc[frame["万人评议"].notna(), "问卷数"].gt(0).all()
    import json

    config = json.loads(table.proto.columns)
    assert config["综合得分"]["type_config"]["format"] == "%.2f"
    assert config["加减分"]["type_config"]["format"] == "%+.2f"


def test_an_evaluator_without_a_case_source_is_not_offered_case_registration(app_db, demo_db):
    from scoring.accounts import EVALUATOR

    app_db(demo_db)
    uploads_only = User("录入员丁", EVALUATOR, sources=("performance",))
    tabs = [t.label for t in run_app("pages/cases.py", user=uploads_only).tabs]
    assert "新建案件" not in tabs and "导入" not in tabs and "案件登记簿" in tabs
    cases_too = User("录入员戊", EVALUATOR, sources=("performance", "暗访"))
    assert "新建案件" in [t.label for t in run_app("pages/cases.py", user=cases_too).tabs]


def test_a_new_leaders_preview_says_nothing_of_upload_scopes(store):
    from scoring import accounts

    change = accounts.plan_account(store, "王局长", role=accounts.LEADER, password="long-enough-1")
    assert change.lines == ("新建账号「王局长」：角色 领导；启用",)
    clerk = accounts.plan_account(
        store, "李录入", role=accounts.EVALUATOR, password="long-enough-1", sources=["performance"]
    )
    assert "可上传来源 绩效考核" in clerk.lines[0] and "可上传年度 全部" in clerk.lines[0]


def test_the_upload_page_follows_the_sidebars_year(app_db, demo_db, tmp_path):
    """One year for the whole app: the upload page had a year box of its own beside the
    sidebar's. It imports to the sidebar's year; a year without data (which the sidebar
    cannot offer: the demo has 2024 and 2025) only behind a tick that says why, and once
    that year's first file is stored the sidebar offers it and the page follows it."""
    import shutil

    db = tmp_path / "demo.duckdb"  # a copy: the test stores a file
    shutil.copy(demo_db, db)
    app_db(db)

    def said(at):
        return " ".join(c.value for c in at.caption)

    at = run_app("pages/upload.py", year=2024)
    assert "年度随侧栏「考评年度」：导入到 2024 年度" in said(at)
    assert not any(n.key == "upload_year" for n in at.number_input)
    assert at.checkbox(key="upload_unset_year").value is False
    at.checkbox(key="upload_unset_year").check().run()
    assert at.number_input(key="upload_year").value == 2026  # the year after the latest
    assert "2026 年度尚无考评数据，不在侧栏「考评年度」中" in said(at)
    at.number_input(key="upload_year").set_value(2025).run()
    assert any("2025 年度已有考评数据：请取消上方勾选" in i.value for i in at.info)
    assert not at.file_uploader  # nothing to upload to a year chosen the wrong way
    at.number_input(key="upload_year").set_value(2026).run()
    good = xlsx([["对象", "事由", "分值", "来源"], ["市信访局", "暗访发现脱岗", "-2", "暗访"]])
    at.file_uploader(key="upload_files").set_value(("加减分.xlsx", good, "application/x")).run()
    assert not at.error
    at.button(key="commit-0").click().run()
    assert "上传编号" in at.success[0].value
    at.run()  # the next run: 2026 has data now
    assert at.checkbox(key="upload_unset_year").value is False
    assert "年度随侧栏「考评年度」：导入到 2026 年度" in said(at)
    listed = next(d.value for d in at.dataframe if "编号" in d.value.columns)
    assert listed["文件"].tolist() == ["加减分.xlsx"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_year_with_only_adjustments(app_db, tmp_path, page):
    """A new year's first file is often the 加减分 sheet: the year is then in the sidebar
    (and the upload page follows it there) with no unit ranked yet. 总览 stopped with
    Streamlit's English traceback (st.tabs of no group)."""
    from scoring.imports import import_file, load_units
    from scoring.store import Store

    db = tmp_path / "adjustments.duckdb"
    with Store(db) as s:
        load_units(
            s,
            "名录.xlsx",
            xlsx([["单位名称", "类型", "考核类别"], ["市教育局", "部门", "综合管理类"]]),
            OFFICE,
        )
        good = xlsx([["对象", "事由", "分值", "来源"], ["市教育局", "暗访发现脱岗", "-2", "暗访"]])
        import_file(s, "加减分.xlsx", good, 2025, OFFICE)
    app_db(db)
    at = run_app(page)  # asserts no exception
    if page == "pages/overview.py":
        assert any("2025 年度还没有可排名的部门" in i.value for i in at.info)


def test_the_registry_panel_after_an_import_shows_the_new_registry_not_the_preview(
    app_db, tmp_path
):
    """After 导入单位名录 the panel said 「单位名录已更新」 but still counted the old
    registry and kept the preview and its button: now the file goes, the count is new."""
    import pandas as pd

    from scoring.imports import load_units
    from scoring.store import Store

    db = tmp_path / "reg.duckdb"
    head = ["单位名称", "类型", "考核类别"]
    with Store(db) as s:
        load_units(s, "名录.xlsx", xlsx([head, ["市教育局", "部门", "综合管理类"]]), OFFICE)
        s.add_upload(
            year=2025,
            file="f",
            source="performance",
            sha256="f",
            user="t",
            rows=1,
            facts={
                "performance_scores": pd.DataFrame(
                    [{"unit": "市教育局", "indicator": "工作效率", "score": 90.0}]
                )
            },
        )
    app_db(db)
    at = run_app("pages/upload.py")
    more = xlsx([head, ["市教育局", "部门", "综合管理类"], ["市财政局", "部门", "综合管理类"]])
    at.file_uploader(key="registry_file_0").set_value(("名录.xlsx", more, "application/x")).run()
    assert any("导入前预览：1 项变更" in m.value for m in at.markdown)
    at.button(key="load_units").click().run()
    assert not at.exception
    assert any("单位名录已更新" in s.value and "新增 1 个" in s.value for s in at.success)
    assert any("在用 2 个单位" in c.value for c in at.caption)
    assert not any("导入前预览" in m.value for m in at.markdown)
    assert not [b for b in at.button if b.key == "load_units"]


def test_publish_page_asks_until_when_the_notice_runs(app_db, demo_db, tmp_path):
    """结果发布 offers the 公示期's last day: 7 days after the 成文日期, or the day already
    announced for the version in 公示 (publishing again does not restart the notice)."""
    import datetime as dt
    import shutil

    from scoring import publication
    from scoring.store import Store

    db = shutil.copy(demo_db, tmp_path / "notice.duckdb")
    with Store(db) as s:
        publication.snapshot(s, 2024, OFFICE, period_end=dt.date(2031, 3, 9))
    app_db(db)
    at = run_app("pages/publish_page.py", year=2025)
    today = dt.date.today()
    assert at.date_input(key="pub_period_end").value == today + dt.timedelta(days=7)
    at.date_input(key="pub_date").set_value(dt.date(2031, 1, 2)).run()
    assert at.date_input(key="pub_period_end").value == dt.date(2031, 1, 9)
    at = run_app("pages/publish_page.py", year=2024)
    assert at.date_input(key="pub_period_end").value == dt.date(2031, 3, 9)


def test_the_chosen_year_survives_a_reload_in_the_address(app_db, demo_db):
    """A leader on 2024 who reloads stayed on 2024 only in the session, which a reload
    replaces: the year now lives in the address (?year=2024) and a new session opens on it."""

    def reload(params: dict) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        signed_in(OFFICE)
        at.session_state["user"] = OFFICE
        at.query_params.update(params)
        at.run()
        assert not at.exception, at.exception
        return at

    app_db(demo_db)
    at = reload({})
    assert at.sidebar.selectbox(key="year").value == 2025  # the latest, and said so
    assert at.query_params["year"] == "2025"
    at.sidebar.selectbox(key="year").set_value(2024).run()
    assert at.query_params["year"] == "2024"
    again = reload(dict(at.query_params))  # the browser reloads the same address
    assert again.sidebar.selectbox(key="year").value == 2024
    assert again.subheader[0].value.startswith("2024 年度")  # the page shows that year
    for wrong in ("1999", "二〇二四", ""):  # a year without data, or no year: the latest
        at = reload({"year": wrong})
        assert at.sidebar.selectbox(key="year").value == 2025
        assert at.query_params["year"] == "2025"
