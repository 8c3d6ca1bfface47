"""The upload page for files from other systems (issue 12): column mapping proposed,
fixed, confirmed and saved; the category of a tally named on the page."""

from __future__ import annotations

from scoring.accounts import ADMIN, User
from scoring.scheme import default_scheme
from tests.sheetmaker import xlsx
from tests.test_pages import run_app

OFFICE = User("效能办", ADMIN)
ITEMS = list(default_scheme().items)


def registry_db(tmp_path):
    from scoring.imports import load_units
    from scoring.store import Store

    db = tmp_path / "map.duckdb"
    with Store(db) as s:
        load_units(
            s,
            "名录.xlsx",
            xlsx([["单位名称", "类型", "考核类别"], ["市教育局", "部门", "综合管理类"]]),
            OFFICE,
        )
    return db


def wjx(n=2):
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您的身份"]
    head += ["2、您评议的单位", "3、备注", *[f"{i + 4}、{t}" for i, t in enumerate(ITEMS)]]
    rows = [head]
    for k in range(1, n + 1):
        rows.append(
            [
                k,
                f"2025/11/3 9:1{k}:00",
                "40秒",
                "手机提交",
                "微信",
                "10.0.0.1",
                "群众",
                "市教育局",
                "无",
                *(["满意"] * 6),
            ]
        )
    return xlsx(rows)


def test_a_survey_export_is_mapped_on_the_page_saved_and_offered_again(app_db, tmp_path):
    app_db(registry_db(tmp_path))
    at = run_app("pages/upload.py")
    at.number_input(key="upload_year").set_value(2025).run()
    at.file_uploader(key="upload_files").set_value(("问卷星.xlsx", wjx(), "application/x")).run()
    assert not at.exception
    assert "此文件不会导入" in at.error[0].value
    shown = next(d.value for d in at.dataframe if "文件中的列" in d.value.columns)
    assert "1、您的身份" in shown["文件中的列"].tolist()
    # The proposal (content: registered units) is preselected; 备注 is left to the user.
    assert at.selectbox(key="map-0-0").value == "被评单位"
    assert at.selectbox(key="map-0-1").value == "（未对应）"
    at.selectbox(key="map-0-1").set_value("（不导入）")
    at.text_input(key="map-name-0").input("问卷星导出")
    at.button(key="save-map-0").click().run()
    assert "已保存列对应「问卷星导出」" in at.success[0].value
    at.button(key="apply-map-0").click().run()
    assert not at.exception and not at.error
    at.button(key="commit-0").click().run()
    assert "2 行" in at.success[0].value
    # A later export with the same header: the saved mapping is offered again.
    at.session_state["col_maps"] = {}
    at.file_uploader(key="upload_files").set_value(("问卷星2.xlsx", wjx(3), "application/x")).run()
    assert at.selectbox(key="saved-map-0").value == "问卷星导出"
    # A problem about the whole file is said as a line above the table of located ones.
    assert any("已保存的列对应「问卷星导出」" in m.value for m in at.markdown)
    at.button(key="use-map-0").click().run()
    assert not at.exception
    # Its first two responses are stored already (same ids, same answers): an overlap
    # the user confirms before only the new response is stored.
    assert any("2 项数据（共 3 项）已在" in w.value for w in at.warning)
    at.checkbox(key="overlap-0").check().run()
    at.button(key="commit-0").click().run()
    assert not at.exception and "已导入" in at.success[-1].value


def test_a_tally_without_category_is_named_on_the_page(app_db, tmp_path):
    app_db(registry_db(tmp_path))
    at = run_app("pages/upload.py")
    at.number_input(key="upload_year").set_value(2025).run()
    data = xlsx([["单位名称", *ITEMS, "有效票数"], ["市教育局", *[90] * 6, 40]])
    at.file_uploader(key="upload_files").set_value(("分项.xlsx", data, "application/x")).run()
    assert any("评议人类别" in v for v in at.dataframe[0].value["问题"].tolist())
    at.selectbox(key="upload_category").set_value("群众").run()
    assert not at.error
    assert any("无法计算置信区间" in i.value for i in at.info)
    at.button(key="commit-0").click().run()
    assert "1 行" in at.success[0].value
