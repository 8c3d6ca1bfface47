"""The scheme editor: the form's TOML, differences, preview, weight sensitivity, saving
with a reason and restoring (scoring/scheme_preview.py), and the page itself."""

from __future__ import annotations

import pytest

from scoring import scheme_preview as sp
from scoring.accounts import ADMIN, EVALUATOR, PermissionDenied, User
from scoring.engine import evaluate
from scoring.facts import IndicatorStats, UnitInfo, YearFacts
from scoring.scheme import SchemeError, default_scheme, default_text, for_year, parse
from tests.conftest import add_facts, add_units, scheme
from tests.test_pages import run_app

OFFICE = User("效能办", ADMIN)


def test_weights_must_total_100_percent_or_be_renormalised_explicitly():
    form = sp.form_of(default_scheme())
    form.categories = dict(form.categories) | {"服务对象": 0.5}  # total 1.2
    with pytest.raises(SchemeError, match=r"评议人类别权重合计 120\.0%，应为 100%"):
        sp.apply_form(default_text(), form)
    form.renormalise.add("categories")
    text = sp.apply_form(default_text(), form)
    assert parse(text).categories["服务对象"] == pytest.approx(0.5 / 1.2)
    assert sum(parse(text).categories.values()) == pytest.approx(1.0)


def test_text_edits_say_how_weights_that_miss_100_percent_are_used():
    from tests.conftest import scheme_text

    text = scheme_text(
        composite={"weights": {"appraisal": 0.6, "performance": 0.4, "integrity": 0.2}}
    )
    notes = sp.weight_notes(text)
    assert notes == [
        "综合得分权重合计 120.0%，不是 100%："
        "将按比例换算为 万人评议 50.0%，绩效考核 33.3%，勤廉测评 16.7%"
    ]
    assert sp.weight_notes(default_text()) == []


def test_the_form_keeps_what_it_does_not_edit_and_diff_names_real_changes():
    base = default_text()
    form = sp.form_of(default_scheme())
    assert sp.diff(base, sp.apply_form(base, form)) == []  # the form alone changes nothing
    form.composite_weights = {"appraisal": 0.5, "performance": 0.3, "integrity": 0.2}
    form.ladder = ["连续两年告诫"]
    text = sp.apply_form(base, form)
    assert "[rectify]" in text  # other helpers' sections stay
    changes = {c.label: (c.old, c.new) for c in sp.diff(base, text)}
    assert changes == {
        "综合得分权重 · 万人评议": ("40%", "50%"),
        "综合得分权重 · 绩效考核": ("40%", "30%"),
        "连续告诫名称": ("连续两年末位、连续三年末位", "连续两年告诫"),
    }


def test_sensitivity_shows_a_last_place_that_depends_on_the_weights():
    """Appraisal and performance at 50/50, ± 10: D (70, 80) and E (80, 68).
    50/50: D 75, E 74 → E last. 40/60: D 76, E 72.8 → E last. 60/40: D 74, E 75.2 → D last."""
    s = scheme(composite={"weights": {"appraisal": 0.5, "performance": 0.5}})
    pairs = {"A": (90, 90), "B": (85, 85), "C": (80, 80), "D": (70, 80), "E": (80, 68)}
    answers = {90: (9, 1), 85: (17, 3), 80: (4, 1), 70: (7, 3)}
    facts = YearFacts(
        2025,
        units={n: UnitInfo(n, "部门", None, "甲类") for n in pairs},
        appraisal={
            n: {"服务对象": {"总体评价": {"满意": answers[a][0], "不满意": answers[a][1]}}}
            for n, (a, _) in pairs.items()
        },
        performance={n: {"工作效率": IndicatorStats(1, p, p, p)} for n, (_, p) in pairs.items()},
    )
    res = evaluate(facts, s)
    assert [res.unit(n).rank for n in "DE"] == [4, 5]
    table = sp.sensitivity(res, step=0.1).set_index("单位")
    assert table.loc["D", ["最好排名", "最差排名", "末位告诫（组合数）"]].tolist() == [4, 5, 1]
    assert table.loc["E", ["最好排名", "最差排名", "末位告诫（组合数）"]].tolist() == [4, 5, 2]
    assert table.loc["E", "权重组合数"] == 3
    assert table["末位取决于权重"].tolist() == [False, False, False, True, True]


def test_sensitivity_says_under_which_weights_each_unit_is_last():
    """The same five units (docstring above). The grid around 50/50 is 组合 1 50/50 (现行),
    组合 2 40/60, 组合 3 60/40: E is last under 1 and 2, D under 3; no unit under all three."""
    s = scheme(composite={"weights": {"appraisal": 0.5, "performance": 0.5}})
    pairs = {"A": (90, 90), "B": (85, 85), "C": (80, 80), "D": (70, 80), "E": (80, 68)}
    answers = {90: (9, 1), 85: (17, 3), 80: (4, 1), 70: (7, 3)}
    facts = YearFacts(
        2025,
        units={n: UnitInfo(n, "部门", None, "甲类") for n in pairs},
        appraisal={
            n: {"服务对象": {"总体评价": {"满意": answers[a][0], "不满意": answers[a][1]}}}
            for n, (a, _) in pairs.items()
        },
        performance={n: {"工作效率": IndicatorStats(1, p, p, p)} for n, (_, p) in pairs.items()},
    )
    found = sp.weight_sensitivity(evaluate(facts, s), step=0.1)
    assert found.options == 3 and found.always == ()
    assert found.last_under.values.tolist() == [
        ["D", "甲类", "组合 3", "60%", "40%"],
        ["E", "甲类", "组合 1（现行）", "50%", "50%"],
        ["E", "甲类", "组合 2", "40%", "60%"],
    ]
    assert list(found.last_under.columns) == [
        "单位",
        "考核类别",
        "权重组合",
        "万人评议权重",
        "绩效考核权重",
    ]


def test_the_sensitivity_tab_names_the_units_last_whatever_the_weights(app_db, tmp_path):
    """Only 绩效考核 scores: the composite is the performance score under every weight set
    (the weights are renormalised over the components present), so 戊局 (72, last of five)
    gets 末位告诫 under all 7 sets around 40/40/20 and no unit's last place depends on them."""
    from scoring.store import Store

    db = tmp_path / "office.duckdb"
    names = ["甲局", "乙局", "丙局", "丁局", "戊局"]
    with Store(db) as store:
        add_units(store, [(n, "部门", None, "甲类") for n in names])
        add_facts(
            store,
            2025,
            "performance_scores",
            [
                {"unit": n, "indicator": "工作效率", "score": v}
                for n, v in zip(names, [95, 88, 82, 75, 72], strict=True)
            ],
        )
    app_db(db)
    at = run_app("pages/scheme_page.py", year=2025)
    assert not at.exception
    said = [m.value for m in at.markdown]
    assert "**在全部 7 个权重组合下都得到末位告诫**（与权重无关）：戊局（甲类）" in said
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["末位取决于权重的单位"] == "0" and metrics["任何权重下都末位的单位"] == "1"
    assert any("没有：各单位是否得到末位告诫不随这些权重组合变化" in c.value for c in at.caption)


def test_saving_needs_the_office_and_a_reason_and_restore_adds_a_version(store):
    text = sp.apply_form(default_text(), sp.form_of(default_scheme()))
    with pytest.raises(PermissionDenied):
        sp.save(store, User("张三", EVALUATOR), 2025, text, "调整")
    with pytest.raises(SchemeError, match="修改原因"):
        sp.save(store, OFFICE, 2025, text, "  ")
    first = sp.save(store, OFFICE, 2025, text, "按 2025 年办法")
    form = sp.form_of(for_year(store, 2025)[0])
    form.decimals = 4
    second = sp.save(store, OFFICE, 2025, sp.apply_form(text, form), "公布四位小数")
    assert (first, second) == (1, 2) and for_year(store, 2025)[0].decimals == 4
    third = sp.restore(store, OFFICE, 2025, 1, "市里仍用两位")
    assert third == 3 and for_year(store, 2025)[0].decimals == 2
    history = sp.versions(store, 2025)
    assert history["修改原因"].tolist() == [
        "恢复版本 1：市里仍用两位",
        "公布四位小数",
        "按 2025 年办法",
    ]
    log = store.audit_log()
    assert any("原因：公布四位小数" in d for d in log["detail"])


def test_preview_lists_what_changes_side_by_side(store):
    names = ["甲局", "乙局", "丙局", "丁局", "戊局"]
    add_units(store, [(n, "部门", None, "甲类") for n in names])
    add_facts(
        store,
        2025,
        "performance_scores",
        [
            {"unit": n, "indicator": "工作效率", "score": v}
            for n, v in zip(names, [95, 88, 82, 75, 72], strict=True)
        ],
    )
    form = sp.form_of(default_scheme())
    form.last_place = form.last_place.__class__("bottom_n", 2, 0.1, 0.0, 5)
    table, proposed = sp.preview(store, 2025, sp.apply_form(default_text(), form))
    changed = table[table["有变化"]].set_index("单位")
    assert list(changed.index) == ["丁局"]
    assert changed.loc["丁局", ["现告诫", "新告诫"]].tolist() == ["", "末位告诫"]
    assert proposed.scheme_version == -1


def test_scheme_page_saves_the_form_with_a_reason(app_db, tmp_path):
    app_db(tmp_path / "office.duckdb")
    at = run_app("pages/scheme_page.py")
    # No data yet: the sidebar has no year, so the page asks which year the scheme is for.
    assert (
        at.checkbox(key="scheme_unset_year").value and at.checkbox(key="scheme_unset_year").disabled
    )
    at.number_input(key="scheme_year").set_value(2025).run()
    at.number_input(key="s2025v0_composite_weights_appraisal").set_value(50.0).run()
    assert any("综合得分权重合计 110.0%" in w.value for w in at.warning)
    at.number_input(key="s2025v0_composite_weights_performance").set_value(30.0).run()
    changes = next(d.value for d in at.dataframe if "设置" in d.value.columns)
    assert set(changes["设置"]) == {"综合得分权重 · 万人评议", "综合得分权重 · 绩效考核"}
    at.button(key="s2025v0_save").click().run()
    assert any("修改原因" in e.value for e in at.error)
    at.text_area(key="s2025v0_reason").set_value("市考评办法 2025 年修订").run()
    at.button(key="s2025v0_save").click().run()
    assert not at.exception
    assert any("版本 1" in s.value for s in at.success)
    from pages.common import get_store

    s, version = for_year(get_store(), 2025)
    assert version == 1 and s.composite_weights["appraisal"] == 0.5


def test_the_command_line_records_a_reason_too(tmp_path, capsys):
    from scoring.cli import main
    from scoring.store import Store

    db = tmp_path / "office.duckdb"
    custom = tmp_path / "方案.toml"
    custom.write_text(default_text(), encoding="utf-8")
    code = main(
        ["--db", str(db), "scheme", "--year", "2025", "--set", str(custom), "--reason", "新办法"]
    )
    assert code == 0
    code = main(["--db", str(db), "scheme", "--year", "2025", "--set", str(custom)])
    assert code == 0
    with Store(db) as store:
        reasons = sp.versions(store, 2025)["修改原因"].tolist()
    assert reasons == ["命令行设置，方案文件 方案.toml", "新办法"]


def test_the_changes_read_in_the_offices_words():
    """A new tester saw 「等次: name=优秀，min=90，top_share=0.2」 and a line entered as 75
    shown as 「0.7 → 0.75」."""
    from scoring import scheme_preview
    from scoring.scheme import default_text

    old = default_text()
    new = old.replace("supervision_below = 0.70", "supervision_below = 0.75").replace(
        '{ name = "优秀", min = 90', '{ name = "优秀", min = 88'
    )
    shown = {c.label: (c.old, c.new) for c in scheme_preview.diff(old, new)}
    assert shown["重点监督检查满意率线"] == ("70%", "75%")
    before, after = shown["等次"]
    assert before.startswith("优秀：分数线 90，名额比例 20%；良好：分数线 80")
    assert after.startswith("优秀：分数线 88，名额比例 20%")


def test_the_scheme_page_follows_the_sidebars_year(app_db, demo_db):
    """One year for the whole app: the page shows the sidebar's year (it had a year box
    of its own that kept 2025 while the sidebar said 2024); a year without data, which
    the sidebar cannot offer, is chosen on the page and only such a year."""
    app_db(demo_db)

    def said(at):
        return " ".join(c.value for c in at.caption)

    at = run_app("pages/scheme_page.py", year=2024)
    assert "年度随侧栏「考评年度」：2024 年度" in said(at) and "2024 年度当前方案" in said(at)
    assert not any(n.key == "scheme_year" for n in at.number_input)
    at.session_state["year"] = 2025  # the sidebar's choice (its widget's key)
    at.run()
    assert "2025 年度当前方案" in said(at)
    at.checkbox(key="scheme_unset_year").check().run()
    assert at.number_input(key="scheme_year").value == 2026  # the year after the latest
    assert "2026 年度尚无考评数据" in said(at) and "2026 年度当前方案" in said(at)
    at.number_input(key="scheme_year").set_value(2024).run()
    assert any("2024 年度已有考评数据：请在侧栏" in i.value for i in at.info)
    assert "当前方案" not in said(at)
